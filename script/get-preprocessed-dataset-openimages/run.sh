#!/bin/bash
# MLPerf reference preprocessing (pre_process_openimages_retinanet) of the first CM_DATASET_PREPROCESSED_COUNT annotated images (all for _full).
count=()
[[ -n "${CM_DATASET_PREPROCESSED_COUNT}" ]] && count=(--count "${CM_DATASET_PREPROCESSED_COUNT}")
"${CM_PYTHON_BIN_WITH_PATH}" -m cmperf.mlperf.openimages.preprocess \
  --dataset-path "${CM_DATASET_OPENIMAGES_PATH}" --images-dir "${CM_DATASET_OPENIMAGES_PATH}" \
  --annotations "${CM_DATASET_ANNOTATIONS_FILE_PATH}" --out "${CM_DATASET_PREPROCESSED_PATH}" "${count[@]}" || exit $?

#!/bin/bash
# MLPerf reference preprocessing (pre_process_vgg) of the first CM_DATASET_PREPROCESSED_COUNT images (all for _full) of val.txt.
count=()
[[ -n "${CM_DATASET_PREPROCESSED_COUNT}" ]] && count=(--count "${CM_DATASET_PREPROCESSED_COUNT}")
"${CM_PYTHON_BIN_WITH_PATH}" -m cmperf.mlperf.preprocess.imagenet \
  --images "${CM_DATASET_IMAGENET_PATH}" --val-map "${CM_DATASET_AUX_PATH}/val.txt" \
  --out "${CM_DATASET_PREPROCESSED_PATH}" --layout "${CM_DATASET_DATA_LAYOUT}" \
  --size "${CM_DATASET_INPUT_SQUARE_SIDE}" --preprocessing "${CM_DATASET_PREPROCESSING:-reference}" \
  "${count[@]}" || exit $?

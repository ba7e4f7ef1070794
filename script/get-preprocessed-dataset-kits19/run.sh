#!/bin/bash
# MLPerf reference KiTS19 preprocessing (resample, normalize, pad/crop for the sliding window).
extra=()
[[ "${CM_DATASET_CALIBRATION}" == "yes" ]] && extra+=(--calibration)
[[ -n "${CM_DATASET_KITS19_CASES}" ]] && extra+=(--cases "${CM_DATASET_KITS19_CASES}")
"${CM_PYTHON_BIN_WITH_PATH}" -m cmperf.mlperf.kits19.preprocess \
  --raw-data-dir "${CM_DATASET_KITS19_PATH}" --out "${CM_DATASET_PREPROCESSED_PATH}" "${extra[@]}" || exit $?

#!/bin/bash
# Train the MLP deterministically on scikit-learn's bundled digits and export it (seconds).
"${CM_PYTHON_BIN_WITH_PATH}" -m cmperf.mlperf.models.digits --out "${PWD}/digits-mlp" \
  --seed "${CM_DIGITS_SEED}" --tf "${CM_DIGITS_TF_EXPORT}" || exit $?

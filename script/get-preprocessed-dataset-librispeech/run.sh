#!/bin/bash
# MLPerf reference LibriSpeech preparation (convert_librispeech.py): WAVs + manifest.json.
"${CM_PYTHON_BIN_WITH_PATH}" -m cmperf.mlperf.librispeech.manifest \
  --subset-dir "${CM_DATASET_LIBRISPEECH_PATH}" --out "${CM_DATASET_PREPROCESSED_PATH}" || exit $?

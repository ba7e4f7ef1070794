#!/bin/bash
# Tokenize SQuAD v1.1 into BERT features (the reference run_squad feature creation).
extra=()
[[ -n "${CM_DATASET_SQUAD_MAX_EXAMPLES}" ]] && extra=(--max-examples "${CM_DATASET_SQUAD_MAX_EXAMPLES}")
"${CM_PYTHON_BIN_WITH_PATH}" -m cmperf.mlperf.squad.preprocess \
  --squad-json "${CM_DATASET_SQUAD_VAL_PATH}" --vocab "${CM_DATASET_SQUAD_VOCAB_PATH}" \
  --output-dir "${CM_DATASET_SQUAD_TOKENIZED_ROOT}" --max-seq-length "${CM_DATASET_MAX_SEQ_LENGTH}" \
  --doc-stride "${CM_DATASET_DOC_STRIDE}" --max-query-length "${CM_DATASET_MAX_QUERY_LENGTH}" \
  --overwrite "${extra[@]}" || exit $?

#!/bin/bash
# The kits19 starter code downloads the CT volumes into data/case_*/ (skipped for --dataset_path).
case "${CM_DATASET_KITS19_SKIP_IMAGING}" in yes|on|true|1) exit 0 ;; esac
cd "${CM_DATASET_KITS19_CHECKOUT_PATH}" || exit 1
"${CM_PYTHON_BIN_WITH_PATH}" -m starter_code.get_imaging || exit $?

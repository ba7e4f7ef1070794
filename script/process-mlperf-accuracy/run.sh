#!/bin/bash
# The command is built (and shell-quoted) by customize.py from the dataset variation.
echo "${CM_MLPERF_ACCURACY_CMD}"
eval "${CM_MLPERF_ACCURACY_CMD}"

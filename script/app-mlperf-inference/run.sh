#!/bin/bash
# The harness command is built (and shell-quoted) by customize.py.
echo "${CM_MLPERF_RUN_CMD}"
eval "${CM_MLPERF_RUN_CMD}"

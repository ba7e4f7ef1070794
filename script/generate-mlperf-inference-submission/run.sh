#!/bin/bash
# The command is built (and shell-quoted) by customize.py.
echo "${CM_MLPERF_SUBMISSION_GENERATE_CMD}"
eval "${CM_MLPERF_SUBMISSION_GENERATE_CMD}"

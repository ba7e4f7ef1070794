#!/bin/bash
# The command is built (and shell-quoted) by customize.py; a non-zero exit means violations.
echo "${CM_MLPERF_SUBMISSION_CHECKER_CMD}"
eval "${CM_MLPERF_SUBMISSION_CHECKER_CMD}"

#!/bin/bash
set -e
if [ "${CM_MLPERF_LOADGEN_SOURCE}" = "src" ]; then
  # build the LoadGen of the inference source tree into the selected Python
  "${CM_PYTHON_BIN_WITH_PATH}" -m pip install --no-build-isolation "${CM_MLPERF_INFERENCE_SOURCE}/loadgen"
fi
"${CM_PYTHON_BIN_WITH_PATH}" -c 'import importlib.metadata as m, mlperf_loadgen; print("mlcommons-loadgen", m.version("mlcommons-loadgen"))' > tmp-ver.out

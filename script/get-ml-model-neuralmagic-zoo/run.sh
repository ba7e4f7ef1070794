#!/bin/bash
# Download the stub's ONNX model with sparsezoo (shipped with deepsparse) in the chosen python.
[[ -n "${CM_ML_MODEL_LOCAL_PATH}" ]] && exit 0
"${CM_PYTHON_BIN_WITH_PATH}" - <<'PY' || exit $?
import os, sys
try:
    from sparsezoo import Model
except ImportError as e:
    sys.exit(f"error: sparsezoo is not importable in {sys.executable} ({e}); install deepsparse there, "
             "or pass --model_path=model.onnx")
m = Model(os.environ["CM_MODEL_ZOO_STUB"], download_path=os.environ["CM_ML_MODEL_DOWNLOAD_DIR"])
path = m.onnx_model.path
with open("tmp-run-env.out", "w") as f:
    f.write(f"CM_ML_MODEL_FILE_WITH_PATH={path}\n")
PY

"""Point scripts at cmperf's one LoadGen log parser (cmperf.loadgen_logs)."""
import os

from cmperf import loadgen_logs
from cmperf.core.cm_hook import cm_hook


@cm_hook
def preprocess(i):
    env = i["env"]
    env["CM_MLPERF_INFERENCE_UTILS_PATH"] = os.path.abspath(loadgen_logs.__file__)
    env["CM_MLPERF_INFERENCE_UTILS_MODULE"] = loadgen_logs.__name__
    root = os.path.dirname(os.path.dirname(env["CM_MLPERF_INFERENCE_UTILS_PATH"]))
    env.setdefault("+PYTHONPATH", []).append(root)

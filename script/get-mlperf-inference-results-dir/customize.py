"""Find the results directory (logic in cmperf.submission.dirs)."""
from cmperf.core.cm_hook import cm_hook
from cmperf.submission import dirs


@cm_hook
def preprocess(i):
    env = i["env"]
    path = dirs.results_dir(env.get("CM_MLPERF_INFERENCE_RESULTS_DIR_INPUT"))
    env["CM_MLPERF_INFERENCE_RESULTS_DIR"] = env["CM_MLPERF_RESULTS_DIR"] = path

"""Name the submission directory (logic in cmperf.submission.dirs)."""
from cmperf.core.cm_hook import cm_hook
from cmperf.submission import dirs


@cm_hook
def preprocess(i):
    env = i["env"]
    env["CM_MLPERF_INFERENCE_SUBMISSION_DIR"] = dirs.submission_dir(env.get("CM_MLPERF_INFERENCE_SUBMISSION_DIR_INPUT"))

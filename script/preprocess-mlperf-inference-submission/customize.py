"""Run the official preprocessor (logic in cmperf.submission.preprocess_official)."""
from cmperf.core.cm_hook import cm_hook
from cmperf.submission import preprocess_official as pre


@cm_hook
def preprocess(i):
    env = i["env"]
    sub = env.get("CM_MLPERF_INFERENCE_SUBMISSION_DIR", "")
    out = env.get("CM_MLPERF_INFERENCE_SUBMISSION_PROCESSED_DIR") or sub.rstrip("/") + "_processed"
    argv, cwd = pre.command(env.get("CM_MLPERF_INFERENCE_SOURCE", ""), sub, out, env.get("CM_MLPERF_SUBMITTER"),
                            env.get("CM_MLPERF_SUBMISSION_CHECKER_VERSION"))
    pre.run(argv, cwd)
    env["CM_MLPERF_INFERENCE_SUBMISSION_PROCESSED_DIR"] = out

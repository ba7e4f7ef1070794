"""Build the checker command from the env (logic in cmperf.submission.cm_env)."""
from cmperf.submission import cm_env


def preprocess(i):
    try:
        i["env"]["CM_MLPERF_SUBMISSION_CHECKER_CMD"] = cm_env.as_command(cm_env.checker_argv(i["env"]))
    except cm_env.EnvError as e:
        return {"return": 1, "error": str(e)}
    return {"return": 0}

"""CM env -> command lines of the submission CLIs (used by the two CM scripts' customize.py).

Env names follow upstream CM and this repo's run-mlperf-inference-app: CM_MLPERF_RESULTS_DIR,
CM_MLPERF_INFERENCE_SUBMISSION_DIR, CM_MLPERF_SUBMISSION_DIVISION, CM_MLPERF_SUBMISSION_SYSTEM_TYPE,
CM_MLPERF_SUBMITTER, CM_MLPERF_SUBMISSION_ROUND (a round of rounds.ROUNDS or an alias), CM_MLPERF_SYSTEM_JSON, ...
"""
import shlex

YES = ("yes", "true", "1", "on")


class EnvError(ValueError):
    pass


def _yes(env, key):
    return str(env.get(key, "")).lower() in YES


def _python(env):
    return env.get("CM_PYTHON_BIN_WITH_PATH") or "python3"


def generate_argv(env):
    for key in ("CM_MLPERF_RESULTS_DIR", "CM_MLPERF_INFERENCE_SUBMISSION_DIR"):
        if not env.get(key):
            raise EnvError(f"{key} is not set (give --results_dir / --submission_dir)")
    argv = [_python(env), "-m", "cmperf.submission.generate",
            "--results-dir", env["CM_MLPERF_RESULTS_DIR"],
            "--submission-dir", env["CM_MLPERF_INFERENCE_SUBMISSION_DIR"],
            "--division", env.get("CM_MLPERF_SUBMISSION_DIVISION", "open"),
            "--category", env.get("CM_MLPERF_SUBMISSION_SYSTEM_TYPE", "edge"),
            "--submitter", env.get("CM_MLPERF_SUBMITTER", "cmperf"),
            "--version", env.get("CM_MLPERF_SUBMISSION_ROUND", "v6.1")]
    for key, flag in (("CM_MLPERF_SYSTEM_JSON", "--system-json"), ("CM_MLPERF_INFERENCE_SUT_NAME", "--sut"),
                      ("CM_MLPERF_MODEL_MAPPING", "--model-mapping"),
                      ("CM_MLPERF_SUBMISSION_SUMMARY_DIR", "--summary-dir")):
        if env.get(key):
            argv += [flag, env[key]]
    for field in filter(None, str(env.get("CM_MLPERF_SYSTEM_FIELDS", "")).split(";")):
        argv += ["--system-field", field]
    for key, flag in (("CM_MLPERF_INFER_SCENARIOS", "--infer-scenarios"), ("CM_MLPERF_SUBMISSION_FORCE", "--force"),
                      ("CM_TAR_SUBMISSION_DIR", "--tar")):
        if _yes(env, key):
            argv.append(flag)
    # A test or fast run can never be a valid submission: write the tree and list its violations.
    if _yes(env, "CM_MLPERF_SUBMISSION_TEST_RUN") or env.get("CM_MLPERF_RUN_STYLE") in ("test", "fast"):
        argv.append("--test-run")
    return argv


def checker_argv(env):
    if not env.get("CM_MLPERF_INFERENCE_SUBMISSION_DIR"):
        raise EnvError("CM_MLPERF_INFERENCE_SUBMISSION_DIR is not set (give --submission_dir)")
    argv = [_python(env), "-m", "cmperf.submission.check",
            "--submission-dir", env["CM_MLPERF_INFERENCE_SUBMISSION_DIR"],
            "--version", env.get("CM_MLPERF_SUBMISSION_ROUND", "v6.1")]
    if _yes(env, "CM_MLPERF_SKIP_COMPLIANCE"):
        argv.append("--skip-compliance")
    if env.get("CM_MLPERF_INFERENCE_SOURCE"):
        argv += ["--official-src", env["CM_MLPERF_INFERENCE_SOURCE"]]
    return argv


def as_command(argv):
    return shlex.join(argv)

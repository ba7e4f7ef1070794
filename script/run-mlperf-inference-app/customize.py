"""Front end of `cm run script --tags=run-mlperf,inference`: check the flags, then hand over.

Every flag upstream CM accepts is accepted; the ones cmperf cannot honour yet stop the run
with a clear error instead of being ignored.
"""
import os

from cmperf.mlperf import spec as specs
from cmperf.mlperf.errors import MlperfError

CHOICES = {
    "CM_MLPERF_IMPLEMENTATION": ("implementation", ["reference", "mlcommons-python", "python"]),
    "CM_MLPERF_BACKEND": ("backend", ["onnxruntime", "tf", "tensorflow", "tensorflow-metal", "deepsparse",
                                      "pytorch"]),
    "CM_MLPERF_DEVICE": ("device", ["cpu", "cuda", "rocm", "metal"]),
    "CM_MLPERF_RUN_STYLE": ("execution_mode", ["test", "fast", "valid"]),
    "CM_MLPERF_SUBMISSION_DIVISION": ("division", ["open", "closed"]),
    "CM_MLPERF_SUBMISSION_SYSTEM_TYPE": ("category", ["edge", "datacenter", "datacenter,edge", "edge,datacenter"]),
    "CM_MLPERF_MODEL_PRECISION": ("precision", ["fp32", "float32", "fp16", "float16", "bf16", "bfloat16",
                                                 "int8", "uint8", "int4"]),
}
SCENARIOS = list(specs.SCENARIO_NAMES)   # the one definition: cmperf.mlperf.spec.Scenario
REQUIRED_SCENARIOS = {"edge": ["SingleStream", "MultiStream", "Offline"], "datacenter": ["Server", "Offline"],
                      "datacenter,edge": ["SingleStream", "MultiStream", "Offline", "Server"]}

# Flags accepted for compatibility that cmperf cannot honour yet: (env key, why). Upstream flags that
# nothing here reads are not in input_mapping at all, so the engine refuses them as unknown flags.
NOT_YET = [
    ("CM_MLPERF_POWER", "--power: power measurement (PTD) is not implemented"),
]


def _is_on(value):
    return str(value).strip().lower() in ("yes", "on", "true", "1")


def plan(i):
    """Refuse at plan time what cannot succeed: unknown choices, a test-mode submission, a round
    the model cannot pass (naming the rounds it can)."""
    env = dict(i["env"])
    return preprocess({**i, "env": env}, dry=True)


def preprocess(i, dry=False):
    env = i["env"]
    for key, why in NOT_YET:
        value = env.get(key, "")
        if value not in ("", None) and not str(value).strip().lower() in ("no", "off", "false", "0"):
            return {"return": 1, "error": f"{why} (run-mlperf-inference-app)"}
    for key, (flag, choices) in CHOICES.items():
        if env.get(key) and env[key] not in choices:
            return {"return": 1, "error": f"unknown --{flag} '{env[key]}'; choices: {', '.join(choices)}"}

    category = env["CM_MLPERF_SUBMISSION_SYSTEM_TYPE"]
    if _is_on(env.get("CM_MLPERF_LOADGEN_ALL_SCENARIOS", "")):
        scenarios = REQUIRED_SCENARIOS["datacenter,edge" if "," in category else category]
    else:
        scenarios = [s.strip() for s in env["CM_MLPERF_LOADGEN_SCENARIO"].split(",") if s.strip()]
    try:
        scenarios = [s.name for s in specs.scenarios(scenarios)]
    except MlperfError as e:
        return {"return": 1, "error": f"{e} (--scenario)"}
    env["CM_MLPERF_LOADGEN_SCENARIOS"] = ",".join(scenarios)

    mode = env.get("CM_MLPERF_LOADGEN_MODE") or "both"
    if mode not in ("both", "performance", "accuracy"):
        return {"return": 1, "error": f"unknown --mode '{mode}'; choices: performance, accuracy"}
    env["CM_MLPERF_LOADGEN_MODE"] = mode

    if env.get("CM_MLPERF_LOADGEN_COMPLIANCE") == "yes" and env["CM_MLPERF_SUBMISSION_DIVISION"] != "closed":
        env["CM_MLPERF_LOADGEN_COMPLIANCE"] = "no"   # compliance tests apply to the closed division only

    r = _round_and_submission(env)
    if r:
        return r
    if dry:
        return {"return": 0}
    results = env.get("OUTPUT_BASE_DIR") or os.path.join(os.getcwd(), "results")
    env["CM_MLPERF_RESULTS_DIR"] = os.path.abspath(os.path.expanduser(results))
    if env.get("CM_MLPERF_INFERENCE_SUBMISSION_DIR"):
        env["CM_MLPERF_INFERENCE_SUBMISSION_DIR"] = os.path.abspath(
            os.path.expanduser(env["CM_MLPERF_INFERENCE_SUBMISSION_DIR"]))
    elif env.get("CM_MLPERF_SUBMISSION_GENERATION") == "yes":
        env["CM_MLPERF_INFERENCE_SUBMISSION_DIR"] = os.path.join(os.getcwd(), "submission")
    return {"return": 0}


def _round_and_submission(env):
    """Default the round to the newest one the model can pass; refuse an impossible submission."""
    try:
        model = specs.model(env.get("CM_MLPERF_MODEL") or "digits-mlp")
    except MlperfError as e:
        return {"return": 1, "error": f"{e} (run-mlperf-inference-app)"}
    if env.get("CM_MLPERF_MODEL_PRECISION") and model.formats:
        from cmperf.mlperf import precision
        try:   # a published file must exist for (model, backend, precision): refused before any download
            model.check_backend(env.get("CM_MLPERF_BACKEND") or "onnxruntime")
            precision.format_key(model, env.get("CM_MLPERF_BACKEND") or "onnxruntime", env["CM_MLPERF_MODEL_PRECISION"])
        except MlperfError as e:
            return {"return": 1, "error": f"{e} (run-mlperf-inference-app)"}
    if not env.get("CM_MLPERF_SUBMISSION_ROUND"):
        from cmperf.submission import rounds as R    # default: the newest round whose checker was run
        rounds = [v for v in model.submission_rounds() if R.get_round(v).checker_run_confirmed]
        if rounds:
            env["CM_MLPERF_SUBMISSION_ROUND"] = rounds[-1]
            env["CM_MLPERF_INFERENCE_VERSION"] = rounds[-1].lstrip("v")
    if not _is_on(env.get("CM_MLPERF_SUBMISSION_GENERATION", "")):
        return None
    if env.get("CM_MLPERF_RUN_STYLE", "test") == "test" and not _is_on(env.get("CM_MLPERF_ALLOW_TEST_SUBMISSION", "")):
        return {"return": 1, "error": (
            "_submission with --execution_mode=test: a test run is a few queries, not a benchmark result, "
            "and its tree cannot pass the checker. Use --execution_mode=valid, or add --test_submission=yes "
            "to write the tree anyway (run-mlperf-inference-app)")}
    why = model.round_refusal(env["CM_MLPERF_SUBMISSION_ROUND"])
    if why:
        return {"return": 1, "error": f"cannot submit {model.name} to round "
                                      f"{env['CM_MLPERF_SUBMISSION_ROUND']}: {why} (run-mlperf-inference-app)"}
    return None

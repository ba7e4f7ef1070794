"""Build the reference-harness command from the env, run it, and keep its records."""
import json
import os
import shlex
import sys
import tempfile

# env key -> command-line flag of `python -m cmperf.mlperf.run`
FLAGS = {
    "CM_MLPERF_MODEL": "--model", "CM_MLPERF_IMPLEMENTATION": "--implementation",
    "CM_MLPERF_BACKEND": "--backend", "CM_MLPERF_DEVICE": "--device",
    "CM_MLPERF_LOADGEN_SCENARIOS": "--scenario", "CM_MLPERF_LOADGEN_MODE": "--mode",
    "CM_MLPERF_RUN_STYLE": "--run-style", "CM_TEST_QUERY_COUNT": "--test-query-count",
    "CM_MLPERF_LOADGEN_TARGET_QPS": "--target-qps", "CM_MLPERF_LOADGEN_TARGET_LATENCY": "--target-latency",
    "CM_MLPERF_LOADGEN_MULTISTREAM_SAMPLES_PER_QUERY": "--samples-per-query",
    "CM_MLPERF_LOADGEN_PERFORMANCE_SAMPLE_COUNT": "--performance-sample-count",
    "CM_MLPERF_INFERENCE_MIN_DURATION": "--min-duration", "CM_MLPERF_MAX_DURATION_TEST": "--max-duration",
    "CM_MLPERF_INFERENCE_MIN_QUERY_COUNT": "--min-query-count",
    "CM_MLPERF_INFERENCE_MAX_QUERY_COUNT": "--max-query-count", "CM_FAST_FACTOR": "--fast-factor",
    "CM_MLPERF_LOADGEN_MAX_BATCHSIZE": "--batch-size", "CM_NUM_THREADS": "--threads",
    "CM_MLPERF_INFERENCE_NUM_WORKERS": "--workers", "CM_HW_NAME": "--hw-name",
    "CM_MLPERF_RUN_CONFIG": "--run-config", "CM_MLPERF_SUBMISSION_ROUND": "--round",
}
# per-scenario targets: cmperf.mlperf.run applies each to its scenario only, over the generic ones
SCENARIO_TARGETS = {"CM_MLPERF_LOADGEN_OFFLINE_TARGET_QPS": "--offline-target-qps",
                    "CM_MLPERF_LOADGEN_SERVER_TARGET_QPS": "--server-target-qps",
                    "CM_MLPERF_LOADGEN_SINGLESTREAM_TARGET_LATENCY": "--singlestream-target-latency",
                    "CM_MLPERF_LOADGEN_MULTISTREAM_TARGET_LATENCY": "--multistream-target-latency"}


def preprocess(i):
    env = i["env"]
    results = env.get("CM_MLPERF_RESULTS_DIR") or os.path.join(os.getcwd(), "results")
    env["CM_MLPERF_RESULTS_DIR"] = os.path.abspath(results)
    if not env.get("CM_HW_NAME"):
        env["CM_HW_NAME"] = _default_hw_name()
    fd, records = tempfile.mkstemp(prefix="cmperf-mlperf-records-", suffix=".json")
    os.close(fd)
    # The orchestrator runs where cmperf is installed; only the LoadGen harness runs in the
    # Python selected for the backend (deepsparse's own venv, say).
    cmd = [sys.executable, "-m", "cmperf.mlperf.run",
           "--results-dir", env["CM_MLPERF_RESULTS_DIR"], "--records-out", records,
           "--python", env.get("CM_PYTHON_BIN_WITH_PATH", "python3")]
    for key, flag in {**FLAGS, **SCENARIO_TARGETS}.items():
        if env.get(key) not in (None, ""):
            cmd += [flag, str(env[key])]
    model_path = env.get("CM_MLPERF_CUSTOM_MODEL_PATH") or env.get("CM_ML_MODEL_FILE_WITH_PATH")
    dataset = env.get("CM_MLPERF_CUSTOM_DATASET_PATH") or env.get("CM_DATASET_PREPROCESSED_PATH")
    if model_path and env.get("CM_MLPERF_MODEL") != "digits-mlp":
        cmd += ["--model-path", model_path]
    if dataset:
        cmd += ["--dataset-dir", dataset]
    if str(env.get("CM_RERUN", "")).lower() in ("yes", "true", "1", "on"):
        cmd.append("--rerun")
    env["CM_MLPERF_RUN_CMD"] = shlex.join(cmd)
    env["CM_MLPERF_LAST_RUN_RECORDS"] = records
    return {"return": 0}


def postprocess(i):
    env, state = i["env"], i["state"]
    path = env.pop("CM_MLPERF_LAST_RUN_RECORDS")
    with open(path, encoding="utf-8") as f:
        records = json.load(f)
    os.remove(path)
    state.setdefault("mlperf-inference", {})["runs"] = records
    return {"return": 0}


def _default_hw_name():
    """A stable system name from the detected host, as upstream CM derives one."""
    import socket
    return socket.gethostname().split(".")[0] or "default"

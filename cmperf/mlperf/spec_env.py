"""CM env (upstream's CM_MLPERF_* keys) -> RunSpec: the one place the run-mlperf scripts' inputs
become typed values (cmperf.mlperf.spec). Used by app-mlperf-inference's plan/preprocess/postprocess.
"""
import os
import socket

from cmperf.core.truth import is_true

from . import spec as specs

# per-scenario targets win over the generic CM_MLPERF_LOADGEN_TARGET_QPS / _TARGET_LATENCY
SCENARIO_TARGET_KEYS = {"Offline": "CM_MLPERF_LOADGEN_OFFLINE_TARGET_QPS",
                        "Server": "CM_MLPERF_LOADGEN_SERVER_TARGET_QPS",
                        "SingleStream": "CM_MLPERF_LOADGEN_SINGLESTREAM_TARGET_LATENCY",
                        "MultiStream": "CM_MLPERF_LOADGEN_MULTISTREAM_TARGET_LATENCY"}
INT_KEYS = {"test_query_count": "CM_TEST_QUERY_COUNT",
            "samples_per_query": "CM_MLPERF_LOADGEN_MULTISTREAM_SAMPLES_PER_QUERY",
            "performance_sample_count": "CM_MLPERF_LOADGEN_PERFORMANCE_SAMPLE_COUNT",
            "min_duration_ms": "CM_MLPERF_INFERENCE_MIN_DURATION",
            "max_duration_ms": "CM_MLPERF_MAX_DURATION_TEST",
            "min_query_count": "CM_MLPERF_INFERENCE_MIN_QUERY_COUNT",
            "max_query_count": "CM_MLPERF_INFERENCE_MAX_QUERY_COUNT",
            "batch_size": "CM_MLPERF_LOADGEN_MAX_BATCHSIZE",
            "threads": "CM_NUM_THREADS",
            "workers": "CM_MLPERF_INFERENCE_NUM_WORKERS",
            "fast_factor": "CM_FAST_FACTOR"}


def default_hw_name():
    """A stable system name from the host, as upstream CM derives one."""
    return socket.gethostname().split(".")[0] or "default"


def _get(env, key):
    v = env.get(key)
    return None if v in (None, "") else v


def from_env(env):
    """The RunSpec of a run-mlperf request; raises ConfigError/UnknownChoiceError naming the flag."""
    scenarios = specs.scenarios(_get(env, "CM_MLPERF_LOADGEN_SCENARIOS") or
                                _get(env, "CM_MLPERF_LOADGEN_SCENARIO") or "Offline")
    targets = {}
    for scen in scenarios:
        generic = "CM_MLPERF_LOADGEN_TARGET_QPS" if scen.target == "qps" else "CM_MLPERF_LOADGEN_TARGET_LATENCY"
        value = _get(env, SCENARIO_TARGET_KEYS[scen.name]) or _get(env, generic)
        if value is not None:
            targets[scen.name] = value
    model = _get(env, "CM_MLPERF_MODEL") or "digits-mlp"
    model_path = _get(env, "CM_MLPERF_CUSTOM_MODEL_PATH")
    if model_path is None and model != "digits-mlp":
        model_path = _get(env, "CM_ML_MODEL_FILE_WITH_PATH")
    dataset = _get(env, "CM_MLPERF_CUSTOM_DATASET_PATH") or _get(env, "CM_DATASET_PREPROCESSED_PATH")
    submission = is_true(env.get("CM_MLPERF_SUBMISSION_GENERATION", ""))
    kw = {k: _get(env, e) for k, e in INT_KEYS.items()}
    return specs.RunSpec.build(
        model, backend=_get(env, "CM_MLPERF_BACKEND"), device=_get(env, "CM_MLPERF_DEVICE"),
        implementation=_get(env, "CM_MLPERF_IMPLEMENTATION"), precision=_get(env, "CM_MLPERF_MODEL_PRECISION"),
        scenarios=scenarios, modes=_get(env, "CM_MLPERF_LOADGEN_MODE") or "both",
        run_style=_get(env, "CM_MLPERF_RUN_STYLE") or "test", targets=targets,
        results_dir=_get(env, "CM_MLPERF_RESULTS_DIR") or os.path.join(os.getcwd(), "results"),
        dataset_dir=dataset, model_path=model_path, python=_get(env, "CM_PYTHON_BIN_WITH_PATH"),
        hw_name=_get(env, "CM_HW_NAME") or default_hw_name(),
        run_config=_get(env, "CM_MLPERF_RUN_CONFIG") or "default_config",
        round=_get(env, "CM_MLPERF_SUBMISSION_ROUND"),
        find_performance=is_true(env.get("CM_MLPERF_FIND_PERFORMANCE_MODE", "")),
        submission=submission,
        allow_test_submission=is_true(env.get("CM_MLPERF_ALLOW_TEST_SUBMISSION", "")), **kw)


def plan_notes(spec):
    """Plan actions (notes) saying what the run will do that the flags alone do not show."""
    from . import sut_config
    notes = []
    if spec.run_style == "test":
        notes.append(f"test run: {spec.test_query_count or 10} queries per scenario, not a benchmark result")
    elif "performance" in spec.modes:
        for scen in spec.scenarios:
            if spec.target(scen):
                continue
            stored = sut_config.path(spec, scen)
            if os.path.isfile(stored):
                notes.append(f"{scen.name}: target from the SUT config {stored}")
            else:
                notes.append(f"{scen.name}: no SUT config for this system; a ~{sut_config.CALIBRATION_S:.0f} s "
                             "calibration runs first (or run _find-performance)")
    if spec.find_performance:
        notes.append("find-performance: the measured targets are stored as SUT configs in "
                     f"{sut_config.root()}")
    return [{"kind": "note", "text": t} for t in notes]

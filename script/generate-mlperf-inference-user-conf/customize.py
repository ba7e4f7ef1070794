"""user.conf from the env through cmperf.mlperf.user_conf, written atomically."""
import os

from cmperf.mlperf import registry, sources, user_conf
from cmperf.mlperf.fsutil import write_text_atomic

# env key -> user_conf.settings() keyword, and the type it takes
SETTINGS = {
    "CM_MLPERF_LOADGEN_TARGET_QPS": ("target_qps", float),
    "CM_MLPERF_LOADGEN_TARGET_LATENCY": ("target_latency_ms", float),
    "CM_TEST_QUERY_COUNT": ("test_query_count", int),
    "CM_MLPERF_LOADGEN_MULTISTREAM_SAMPLES_PER_QUERY": ("samples_per_query", int),
    "CM_MLPERF_LOADGEN_PERFORMANCE_SAMPLE_COUNT": ("performance_sample_count", int),
    "CM_MLPERF_INFERENCE_MIN_DURATION": ("min_duration_ms", int),
    "CM_MLPERF_MAX_DURATION_TEST": ("max_duration_ms", int),
    "CM_MLPERF_INFERENCE_MIN_QUERY_COUNT": ("min_query_count", int),
    "CM_MLPERF_INFERENCE_MAX_QUERY_COUNT": ("max_query_count", int),
    "CM_FAST_FACTOR": ("fast_factor", float),
}


@sources.hook
def preprocess(i):
    env = i["env"]
    spec = registry.model_spec(env["CM_MLPERF_MODEL"])
    kw = {}
    for key, (name, kind) in SETTINGS.items():
        if env.get(key, "") != "":
            try:
                kw[name] = kind(env[key])
            except ValueError:
                raise ValueError(f"{key}={env[key]!r} is not a number (flag for {name})") from None
    text = user_conf.generate(spec["loadgen_name"], env["CM_MLPERF_LOADGEN_SCENARIO"],
                              env["CM_MLPERF_RUN_STYLE"], **kw)
    out_dir = os.path.abspath(env.get("CM_MLPERF_USER_CONF_DIR") or os.getcwd())
    path = os.path.join(out_dir, "user.conf")
    os.makedirs(out_dir, exist_ok=True)
    write_text_atomic(path, text)
    env["CM_MLPERF_USER_CONF"] = path
    env["CM_MLPERF_LOADGEN_MODEL_NAME"] = spec["loadgen_name"]

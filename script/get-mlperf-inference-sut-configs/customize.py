"""The SUT's performance targets (logic in cmperf.submission.sut_meta)."""
import socket

from cmperf.core.cm_hook import cm_hook
from cmperf.submission import sut_meta


@cm_hook
def preprocess(i):
    env = i["env"]
    sut = sut_meta.sut_name(env.get("CM_HW_NAME") or socket.gethostname(), env["CM_MLPERF_IMPLEMENTATION"],
                            env["CM_MLPERF_DEVICE"], env["CM_MLPERF_BACKEND"], env.get("CM_MLPERF_BACKEND_VERSION", ""),
                            env["CM_MLPERF_RUN_CONFIG"])
    directory = sut_meta.configs_dir(env.get("CM_SUT_CONFIGS_PATH", ""))
    config, path = sut_meta.load_config(directory, sut)
    i["state"].setdefault("CM_SUT_CONFIG", {})[sut] = config
    env.update(CM_SUT_NAME=sut, CM_SUT_CONFIGS_PATH=directory, CM_SUT_CONFIG_FILE=path)
    if env.get("CM_MLPERF_MODEL") and env.get("CM_MLPERF_LOADGEN_SCENARIO"):
        qps, lat, source = sut_meta.targets(config, env["CM_MLPERF_MODEL"], env["CM_MLPERF_LOADGEN_SCENARIO"])
        if qps is not None:
            env["CM_MLPERF_LOADGEN_TARGET_QPS"] = str(qps)
        if lat is not None:
            env["CM_MLPERF_LOADGEN_TARGET_LATENCY"] = str(lat)
        env["CM_SUT_CONFIG_SOURCE"] = source

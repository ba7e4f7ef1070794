from cmperf.platform import PlatformError, gpu_info
from cmperf.platform.cm_hooks import hook, is_yes


@hook
def preprocess(i):
    env = i["env"]
    info, _ = gpu_info.detect_cached()
    env.update(info.to_env())
    if info.vendor != "nvidia":
        env["CM_CUDA_NUM_DEVICES"] = "0"
        print(f"get-cuda-devices: no NVIDIA device found (accelerator: {info.vendor})"
              + "".join(f"; {n}" for n in info.notes))
        if is_yes(env.get("CM_CUDA_DEVICES_REQUIRED")):
            raise PlatformError("no NVIDIA CUDA device is visible and --require_cuda was given"
                                + "".join(f"; {n}" for n in info.notes))
        return
    for d in info.devices:
        print(f"CUDA device {d.index}: {d.name}, {d.memory_mb} MiB, compute capability "
              f"{d.compute_capability or '?'}, driver {d.driver_version}")

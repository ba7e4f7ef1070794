"""mlcommons/inference: a local checkout (--path) or a clone at the chosen ref (prehook get-git-repo)."""
from cmperf.mlperf import sources


@sources.hook
def preprocess(i):
    env = i["env"]
    if env.get("CM_MLPERF_INFERENCE_SOURCE_PATH"):
        env.update(sources.inference_layout(env["CM_MLPERF_INFERENCE_SOURCE_PATH"]))
        return
    env.update(sources.inference_git_ref(env))
    env["CM_MLPERF_INFERENCE_CLONE"] = "yes"


@sources.hook
def postprocess(i):
    env = i["env"]
    env.update(sources.inference_layout(env["CM_MLPERF_INFERENCE_SOURCE"]))
    env.setdefault("CM_MLPERF_LAST_RELEASE", "v6.1")

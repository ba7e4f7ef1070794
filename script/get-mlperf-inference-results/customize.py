"""Which results repository to clone, then where it is."""
from cmperf.core.cm_hook import cm_hook


@cm_hook
def preprocess(i):
    env = i["env"]
    version = env.get("CM_MLPERF_INFERENCE_RESULTS_VERSION")
    if not version:
        raise ValueError(f"get-mlperf-inference-results: unknown round {env.get('CM_VERSION')!r}; "
                         "rounds: " + ", ".join(sorted(i["meta"].get("versions", {}))))
    if env.get("CM_MLPERF_INFERENCE_RESULTS_CUSTOM") == "yes" and not env.get("CM_MLPERF_INFERENCE_RESULTS_GIT_URL"):
        raise ValueError("get-mlperf-inference-results _custom: pass --url=<git URL of the results repository>")
    if env.get("CM_MLPERF_INFERENCE_RESULTS_CTUNING") == "yes":
        env["CM_MLPERF_INFERENCE_RESULTS_GIT_URL"] = (env.get("CM_MLPERF_INFERENCE_RESULTS_GIT_URL")
                                                      or f"https://github.com/ctuning/mlperf_inference_submissions_{version}")
    if not env.get("CM_MLPERF_INFERENCE_RESULTS_GIT_URL"):
        env["CM_MLPERF_INFERENCE_RESULTS_GIT_URL"] = env["CM_GIT_URL"]


@cm_hook
def postprocess(i):
    env = i["env"]
    env["CM_MLPERF_INFERENCE_RESULTS_PATH"] = env["CM_GIT_REPO_CHECKOUT_PATH"]
    return {"version": env["CM_MLPERF_INFERENCE_RESULTS_VERSION"]}

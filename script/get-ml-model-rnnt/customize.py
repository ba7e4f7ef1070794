"""RNN-T: a verified local copy (--model_path) or the official file (prehook download)."""
from cmperf.mlperf import sources


@sources.hook
def plan(i):
    return {"actions": sources.plan_model(i["env"], "RNN-T")}


@sources.hook
def preprocess(i):
    sources.model_source(i["env"], "RNN-T")


@sources.hook
def postprocess(i):
    sources.model_outputs(i["env"])

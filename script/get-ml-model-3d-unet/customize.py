"""3D-UNet: a verified local copy (--model_path) or the official file (prehook download)."""
from cmperf.mlperf import sources


@sources.hook
def plan(i):
    return {"actions": sources.plan_model(i["env"], "3D-UNet")}


@sources.hook
def preprocess(i):
    sources.model_source(i["env"], "3D-UNet")


@sources.hook
def postprocess(i):
    sources.model_outputs(i["env"])

"""Where the preprocessed volumes go; run.sh runs the reference's preprocessing steps."""
import os

from cmperf.mlperf import sources


@sources.hook
def preprocess(i):
    env = i["env"]
    sources.set_preprocessed_path(env)


@sources.hook
def postprocess(i):
    env = i["env"]
    env["CM_DATASET_PREPROCESSED_CASES"] = os.path.join(env["CM_DATASET_PREPROCESSED_PATH"], "cases.json")

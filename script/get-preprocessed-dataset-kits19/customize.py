"""Where the preprocessed volumes go; run.sh runs the reference's preprocessing steps."""
import os

from cmperf.mlperf import sources


@sources.hook
def preprocess(i):
    env = i["env"]
    out = env.get("CM_DATASET_PREPROCESSED_OUTPUT_DIR") or os.path.join(os.getcwd(), "preprocessed")
    env["CM_DATASET_PREPROCESSED_PATH"] = os.path.abspath(out)


@sources.hook
def postprocess(i):
    env = i["env"]
    env["CM_DATASET_PREPROCESSED_CASES"] = os.path.join(env["CM_DATASET_PREPROCESSED_PATH"], "cases.json")

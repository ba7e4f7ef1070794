"""SQuAD dev json: a verified --from copy or the official file (prehook download)."""
import os

from cmperf.mlperf import sources


@sources.hook
def preprocess(i):
    env = i["env"]
    sources.dataset_source(env, f"SQuAD v{env['CM_DATASET_SQUAD_VERSION']} ({env['CM_DATASET_FILE_NAME']})")


@sources.hook
def postprocess(i):
    env = i["env"]
    env["CM_DATASET_PATH"] = os.path.dirname(env["CM_DATASET_SQUAD_VAL_PATH"])

"""The ImageNet calibration list: a verified --from copy or the official file (prehook download)."""
import os

from cmperf.mlperf import sources
from cmperf.mlperf.errors import DatasetError

TITLE = "ImageNet calibration list"
OUT = "CM_MLPERF_IMAGENET_CALIBRATION_LIST_FILE_WITH_PATH"


@sources.hook
def plan(i):
    return {"actions": sources.plan_dataset(i["env"], TITLE)}


@sources.hook
def preprocess(i):
    sources.dataset_source(i["env"], f"{TITLE} ({i['env']['CM_DATASET_ARCHIVE_NAME']})")


@sources.hook
def postprocess(i):
    env = i["env"]
    path = env.get(OUT, "")
    if not os.path.isfile(path):
        raise DatasetError(f"the {TITLE} was not produced ({OUT}={path!r})")
    with open(path, encoding="utf-8") as f:
        names = [line.strip() for line in f if line.strip()]
    if not names:
        raise DatasetError(f"the {TITLE} {path} is empty")
    env["CM_DATASET_CALIBRATION_LIST_PATH"] = path

"""The ImageNet calibration list: a verified --from copy or the official file (prehook download)."""
from cmperf.mlperf import sources

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
    sources.calibration_list(i["env"], OUT, TITLE)

"""OpenImages: the images must already exist (fiftyone); annotations/calibration list are downloaded."""
import glob
import os

from cmperf.mlperf import sources
from cmperf.mlperf.errors import DatasetError

NEEDS_FIFTYONE = (
    "the OpenImages images are downloaded with fiftyone (pip install fiftyone) by mlcommons/inference's "
    "vision/classification_and_detection/tools/openimages_mlperf.sh (e.g. `openimages_mlperf.sh -d DIR -m 50`); "
    "cmperf does not run that download: do it, then pass --dataset_path=DIR/validation/data (or the "
    "calibration images for _calibration)")


@sources.hook
def preprocess(i):
    env = i["env"]
    local = env.get("CM_DATASET_OPENIMAGES_LOCAL_PATH", "")
    if not local:
        raise DatasetError(NEEDS_FIFTYONE)
    if not os.path.isdir(local):
        raise DatasetError(f"--dataset_path={local} does not exist; {NEEDS_FIFTYONE}")
    images = sources.find_image_dir(local)
    have, want = sources.count_images(images), env.get("CM_DATASET_SIZE", "")
    if want and have < int(want):
        raise DatasetError(f"--dataset_path={local} has {have} images in {images}; this variation needs "
                           f"{want} (download them with openimages_mlperf.sh -m {want}, or pick _size.{have})")
    env["CM_DATASET_OPENIMAGES_PATH"] = images
    sources.dataset_source(env, f"OpenImages {env['CM_DATASET_FILE_NAME']}")


@sources.hook
def postprocess(i):
    env = i["env"]
    env["CM_DATASET_PATH"] = env["CM_DATASET_OPENIMAGES_PATH"]
    aux = env["CM_DATASET_OPENIMAGES_AUX_PATH"]
    if sources.is_yes(env.get("CM_DATASET_CALIBRATION")):
        env["CM_DATASET_CALIBRATION_LIST_PATH"] = aux
        return
    found = sorted(glob.glob(os.path.join(aux, "**", "*.json"), recursive=True))
    if not found:
        raise DatasetError(f"the OpenImages annotations archive holds no .json file (extracted into {aux})")
    env["CM_DATASET_ANNOTATIONS_FILE_PATH"] = found[0]
    env["CM_DATASET_ANNOTATIONS_DIR_PATH"] = os.path.dirname(found[0])

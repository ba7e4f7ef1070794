"""OpenImages: the user's local copy of the images (no fiftyone), annotations from it or downloaded."""
import glob
import os

from cmperf.mlperf import sources
from cmperf.mlperf.errors import DatasetError
from cmperf.mlperf.openimages import annotations as ann

NEEDS_LOCAL_COPY = (
    "the OpenImages images are not downloaded by cmperf (the reference's openimages_mlperf.sh needs "
    "fiftyone): pass your copy in the layout that script writes (DIR/validation/data/*.jpg, with "
    "DIR/annotations/openimages-mlperf.json if you have it) as --dataset_path=DIR here, or as "
    "--openimages_path=DIR to run-mlperf,inference")


def _layout(env):
    """(images dir, annotation file in the local copy or '') after checking the copy exists."""
    local = env.get("CM_DATASET_OPENIMAGES_LOCAL_PATH", "")
    if not local:
        raise DatasetError(NEEDS_LOCAL_COPY)
    local = os.path.abspath(os.path.expanduser(local))
    if not os.path.isdir(local):
        raise DatasetError(f"--dataset_path={local} does not exist; {NEEDS_LOCAL_COPY}")
    sub = ann.CALIBRATION_RELPATH if sources.is_yes(env.get("CM_DATASET_CALIBRATION")) else ann.IMAGES_RELPATH
    images = os.path.join(local, sub) if os.path.isdir(os.path.join(local, sub)) else sources.find_image_dir(local)
    own = os.path.join(local, ann.ANNOTATIONS_RELPATH)
    return images, own if os.path.isfile(own) else ""


@sources.hook
def plan(i):
    env = i["env"]
    images, own = _layout(env)
    actions = [{"kind": "note", "text": f"OpenImages images from your copy: {images}"}]
    if own or sources.is_yes(env.get("CM_DATASET_CALIBRATION")):
        return {"actions": actions + ([{"kind": "note", "text": f"annotations from your copy: {own}"}] if own else [])}
    return {"actions": actions + sources.plan_dataset(env, "OpenImages annotations", file_key="CM_DATASET_FILE_NAME")}


@sources.hook
def preprocess(i):
    env = i["env"]
    images, own = _layout(env)
    have, want = sources.count_images(images), env.get("CM_DATASET_SIZE", "")
    if want and have < int(want):
        raise DatasetError(f"--dataset_path: {images} has {have} images; this variation needs {want} "
                           f"(pick _size.{have} or _full)")
    env["CM_DATASET_OPENIMAGES_PATH"] = images
    if sources.is_yes(env.get("CM_DATASET_CALIBRATION")):
        return
    if own:
        ann.load(own)   # a broken annotation file is refused now, not after preprocessing
        env["CM_DATASET_ANNOTATIONS_FILE_PATH"] = own
        return          # nothing to download: the prehook stays disabled (no CM_DATASET_SOURCE_URL)
    sources.dataset_source(env, f"OpenImages {env['CM_DATASET_FILE_NAME']}")


@sources.hook
def postprocess(i):
    env = i["env"]
    env["CM_DATASET_PATH"] = env["CM_DATASET_OPENIMAGES_PATH"]
    if sources.is_yes(env.get("CM_DATASET_CALIBRATION")) or env.get("CM_DATASET_ANNOTATIONS_FILE_PATH"):
        if env.get("CM_DATASET_ANNOTATIONS_FILE_PATH"):
            env["CM_DATASET_ANNOTATIONS_DIR_PATH"] = os.path.dirname(env["CM_DATASET_ANNOTATIONS_FILE_PATH"])
        return
    aux = env["CM_DATASET_OPENIMAGES_AUX_PATH"]
    found = sorted(glob.glob(os.path.join(aux, "**", "*.json"), recursive=True))
    if not found:
        raise DatasetError(f"the OpenImages annotations archive holds no .json file (extracted into {aux})")
    ann.load(found[0])
    env["CM_DATASET_ANNOTATIONS_FILE_PATH"] = found[0]
    env["CM_DATASET_ANNOTATIONS_DIR_PATH"] = os.path.dirname(found[0])

"""OpenImages: the MLPerf validation images downloaded without fiftyone, or the user's local copy;
the annotations from that copy or the official archive."""
import glob
import os

from cmperf.mlperf import sources
from cmperf.mlperf.errors import DatasetError
from cmperf.mlperf.openimages import annotations as ann
from cmperf.mlperf.openimages import images as oi_images

CALIBRATION_NEEDS_COPY = (
    "the OpenImages calibration images are not downloaded by cmperf: pass your copy in the layout "
    "openimages_calibration.sh writes (DIR/calibration/data/*.jpg) as --dataset_path=DIR")


def _local(env):
    """The user's copy (absolute) or '' when the images are to be downloaded."""
    local = env.get("CM_DATASET_OPENIMAGES_LOCAL_PATH", "")
    calibration = sources.is_yes(env.get("CM_DATASET_CALIBRATION"))
    if not local:
        if calibration:
            raise DatasetError(CALIBRATION_NEEDS_COPY)
        return ""
    local = os.path.abspath(os.path.expanduser(local))
    if not os.path.isdir(local):
        raise DatasetError(f"--dataset_path={local} does not exist: pass your OpenImages copy (DIR/"
                           f"{ann.IMAGES_RELPATH}/*.jpg, with DIR/{ann.ANNOTATIONS_RELPATH} if you have it), "
                           f"or drop --dataset_path to download the images")
    return local


def _layout(local, env):
    """(images dir, annotation file in the local copy or '')."""
    sub = ann.CALIBRATION_RELPATH if sources.is_yes(env.get("CM_DATASET_CALIBRATION")) else ann.IMAGES_RELPATH
    images = os.path.join(local, sub) if os.path.isdir(os.path.join(local, sub)) else sources.find_image_dir(local)
    own = os.path.join(local, ann.ANNOTATIONS_RELPATH)
    return images, own if os.path.isfile(own) else ""


def _download_actions(env):
    """What downloading the images costs, for the plan (the count is known before the annotations)."""
    base = oi_images.base_url(env.get("CM_DATASET_OPENIMAGES_MIRROR", ""))
    n = oi_images.wanted_count(env.get("CM_DATASET_SIZE", "")) or oi_images.MLPERF_IMAGES
    return [{"kind": "download", "url": f"{base}<image id>.jpg", "size": n * oi_images.EST_IMAGE_BYTES,
             "checksum": None, "path": f"{ann.IMAGES_RELPATH} ({n} images)"},
            {"kind": "note", "text": f"OpenImages validation images: the first {n} of the official annotations, "
                                     f"{oi_images.WORKERS} at a time from {base}; size estimated "
                                     f"(~{oi_images.EST_IMAGE_BYTES // 1000} kB an image); unverified per image: "
                                     f"no official checksum exists, each image must decode as a JPEG of its "
                                     f"annotated size and its sha256 is recorded in {oi_images.MANIFEST}"}] + \
        ([{"kind": "note", "text": "offline: the images must be in --mirror DIR (by file name) or already "
                                   "staged by an earlier run; the error names the missing ones"}]
         if sources.is_yes(env.get("CM_OFFLINE")) else [])


@sources.hook
def plan(i):
    env = i["env"]
    local = _local(env)
    if not local:
        return {"actions": sources.plan_dataset(env, "OpenImages annotations", file_key="CM_DATASET_FILE_NAME")
                + _download_actions(env)}
    images, own = _layout(local, env)
    actions = [{"kind": "note", "text": f"OpenImages images from your copy: {images}"}]
    if own or sources.is_yes(env.get("CM_DATASET_CALIBRATION")):
        return {"actions": actions + ([{"kind": "note", "text": f"annotations from your copy: {own}"}] if own else [])}
    return {"actions": actions + sources.plan_dataset(env, "OpenImages annotations", file_key="CM_DATASET_FILE_NAME")}


@sources.hook
def preprocess(i):
    env = i["env"]
    local = _local(env)
    if not local:
        # validate now what can be: the mirror URL, the count; the images follow the annotations
        oi_images.base_url(env.get("CM_DATASET_OPENIMAGES_MIRROR", ""))
        oi_images.wanted_count(env.get("CM_DATASET_SIZE", ""))
        sources.dataset_source(env, f"OpenImages {env['CM_DATASET_FILE_NAME']}")
        return
    images, own = _layout(local, env)
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


def _download_images(env, annotations_file, data):
    """The first CM_DATASET_SIZE images of the annotations into this cache entry."""
    count = oi_images.wanted_count(env.get("CM_DATASET_SIZE", ""))
    images = oi_images.image_list(data, count, annotations_file)
    base = oi_images.base_url(env.get("CM_DATASET_OPENIMAGES_MIRROR", ""))
    out = os.getcwd()
    manifest = oi_images.fetch(images, out, base, offline=sources.is_yes(env.get("CM_OFFLINE")),
                               mirrors=[d for d in env.get("CM_DOWNLOAD_MIRROR", "").split(os.pathsep) if d],
                               log=lambda msg: print(msg, flush=True))
    env["CM_DATASET_OPENIMAGES_PATH"] = os.path.join(out, ann.IMAGES_RELPATH)
    env["CM_DATASET_OPENIMAGES_SOURCE"] = base
    env["CM_DATASET_OPENIMAGES_MANIFEST"] = os.path.join(out, oi_images.MANIFEST)
    # no official per-image checksum exists: say so in the result
    env["CM_DATASET_OPENIMAGES_CHECKSUM_VERIFIED"] = "no"
    print(f"OpenImages: {manifest['count']} images in {env['CM_DATASET_OPENIMAGES_PATH']} (unverified: no "
          f"official per-image checksum; each decodes as a JPEG of its annotated size; sha256 manifest "
          f"{env['CM_DATASET_OPENIMAGES_MANIFEST']})", flush=True)


@sources.hook
def postprocess(i):
    env = i["env"]
    if env.get("CM_DATASET_OPENIMAGES_PATH"):
        env["CM_DATASET_PATH"] = env["CM_DATASET_OPENIMAGES_PATH"]
    if sources.is_yes(env.get("CM_DATASET_CALIBRATION")) or env.get("CM_DATASET_ANNOTATIONS_FILE_PATH"):
        if env.get("CM_DATASET_ANNOTATIONS_FILE_PATH"):
            env["CM_DATASET_ANNOTATIONS_DIR_PATH"] = os.path.dirname(env["CM_DATASET_ANNOTATIONS_FILE_PATH"])
        return
    aux = env["CM_DATASET_OPENIMAGES_AUX_PATH"]
    found = sorted(glob.glob(os.path.join(aux, "**", "*.json"), recursive=True))
    if not found:
        raise DatasetError(f"the OpenImages annotations archive holds no .json file (extracted into {aux})")
    data = ann.load(found[0])
    env["CM_DATASET_ANNOTATIONS_FILE_PATH"] = found[0]
    env["CM_DATASET_ANNOTATIONS_DIR_PATH"] = os.path.dirname(found[0])
    if not env.get("CM_DATASET_OPENIMAGES_PATH"):
        _download_images(env, found[0], data)
        env["CM_DATASET_PATH"] = env["CM_DATASET_OPENIMAGES_PATH"]

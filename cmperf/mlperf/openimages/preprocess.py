"""OpenImages preprocessing for RetinaNet exactly as MLPerf's reference (800x800, NCHW, [0, 1]).

Steps (vision/classification_and_detection/python/{openimages.py,dataset.py} of mlcommons/inference,
``pre_process_openimages_retinanet`` with ``image_size=[800, 800, 3]`` and NCHW):
  cv2.imread (BGR uint8) -> float32 -> (grayscale -> RGB) -> BGR2RGB -> cv2.resize to 800x800
  with INTER_LINEAR (the aspect ratio is not kept) -> / 255 -> HWC to CHW.

Sample i is the i-th image of the annotation file's ``images`` list (the order the reference's
accuracy script assumes). Unlike the reference, which silently skips images it cannot find (and
then scores the wrong boxes against the annotation list), a missing or unreadable image is an error.

CLI (the layout openimages_mlperf.sh writes: <dir>/validation/data/*.jpg and
<dir>/annotations/openimages-mlperf.json):
  python -m cmperf.mlperf.openimages.preprocess --dataset-path DIR --out OUT [--annotations JSON]
      [--count N]
writes inputs.npy (float32 [N,3,800,800]), samples.json and manifest.json (the annotation file's
path and sha256, checked again before scoring), atomically.
"""
import argparse
import json
import os
import sys

import numpy as np

from ..errors import DatasetError
from ...filehash import sha256_file
from ..fsutil import staging_dir
from . import annotations as ann

IMAGE_SIZE = 800
MANIFEST = "manifest.json"
SAMPLES = "samples.json"
INPUTS = "inputs.npy"


def _cv2():
    try:
        import cv2
    except ImportError as e:
        raise DatasetError(f"OpenImages preprocessing needs OpenCV like the MLPerf reference ({e}); "
                           "`pip install opencv-python-headless`") from e
    return cv2


def preprocess_bgr(img, size=IMAGE_SIZE):
    """One decoded image (as cv2.imread returns it) -> float32 [3, size, size] in [0, 1]."""
    cv2 = _cv2()
    img = np.array(img, dtype=np.float32)
    if img.ndim < 3 or img.shape[2] != 3:
        img = cv2.cvtColor(img, cv2.COLOR_GRAY2RGB)
    img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    img = cv2.resize(img, (size, size), interpolation=cv2.INTER_LINEAR)
    img /= 255.0
    return img.transpose(2, 0, 1)


def read_image(path):
    cv2 = _cv2()
    if not os.path.isfile(path):
        raise DatasetError(f"OpenImages image {path!r} (listed in the annotations) does not exist")
    img = cv2.imread(path)
    if img is None:
        raise DatasetError(f"OpenImages image {path!r} cannot be decoded (corrupt or not an image)")
    return img


def build(dataset_path, out, annotations=None, count=None, size=IMAGE_SIZE, images_dir=None):
    """Preprocess the first ``count`` annotated images (all by default) into ``out``; return the manifest."""
    ann_path = os.path.abspath(ann.find(dataset_path, annotations))
    data = ann.load(ann_path)
    images = data["images"]
    if count is not None:
        if count < 1:
            raise DatasetError(f"--count must be >= 1, got {count}")
        if count > len(images):
            raise DatasetError(f"--count {count} but {ann_path} lists only {len(images)} images")
        images = images[:count]
    img_dir = images_dir or os.path.join(dataset_path, ann.IMAGES_RELPATH)
    if not os.path.isdir(img_dir):
        raise DatasetError(f"OpenImages image directory {img_dir!r} does not exist "
                           f"(expected <dataset>/{ann.IMAGES_RELPATH})")
    paths = [os.path.join(img_dir, im["file_name"]) for im in images]
    missing = [p for p in paths if not os.path.isfile(p)]
    if missing:  # all checks before the (long) conversion starts
        raise DatasetError(f"{len(missing)} of {len(paths)} annotated images are missing in {img_dir}, "
                           f"e.g. {missing[0]}")
    from cmperf.core import progress
    with staging_dir(out) as tmp:
        arr = np.lib.format.open_memmap(os.path.join(tmp, INPUTS), mode="w+", dtype=np.float32,
                                        shape=(len(paths), 3, size, size))
        with progress.Task("preprocess OpenImages", total=len(paths), unit="images") as t:
            for i, p in enumerate(paths):
                arr[i] = preprocess_bgr(read_image(p), size)
                t.advance(1)
        arr.flush()
        del arr
        samples = [{"index": i, "id": im["id"], "file_name": im["file_name"], "height": im["height"],
                    "width": im["width"]} for i, im in enumerate(images)]
        with open(os.path.join(tmp, SAMPLES), "w", encoding="utf-8") as f:
            json.dump(samples, f)
        manifest = {"dataset": "openimages-mlperf", "count": len(samples), "image_size": size,
                    "layout": "NCHW", "dtype": "float32", "images_dir": os.path.abspath(img_dir),
                    "annotations": ann_path, "annotations_sha256": sha256_file(ann_path),
                    "steps": "cv2.imread BGR -> float32 -> RGB -> resize INTER_LINEAR -> /255 -> CHW"}
        with open(os.path.join(tmp, MANIFEST), "w", encoding="utf-8") as f:
            json.dump(manifest, f, indent=1)
    return manifest


def load_manifest(dataset_dir):
    path = os.path.join(dataset_dir or "", MANIFEST)
    if not dataset_dir or not os.path.isfile(path):
        raise DatasetError(f"{dataset_dir!r} is not a preprocessed OpenImages directory (no {MANIFEST}); "
                           "make one with `python -m cmperf.mlperf.openimages.preprocess`")
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dataset-path", required=True, help="OpenImages dir (validation/data, annotations/)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--annotations", help="default: <dataset-path>/annotations/openimages-mlperf.json")
    ap.add_argument("--images-dir", help="default: <dataset-path>/validation/data")
    ap.add_argument("--count", type=int)
    a = ap.parse_args(argv)
    try:
        m = build(a.dataset_path, a.out, a.annotations, a.count, images_dir=a.images_dir)
    except DatasetError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(json.dumps({"out": os.path.abspath(a.out), "count": m["count"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

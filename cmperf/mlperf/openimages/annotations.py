"""The COCO-format annotation file of the MLPerf OpenImages subset, checked before any work."""
import json
import os

from ..errors import DatasetError

ANNOTATIONS_RELPATH = os.path.join("annotations", "openimages-mlperf.json")
IMAGES_RELPATH = os.path.join("validation", "data")
CALIBRATION_RELPATH = os.path.join("calibration", "data")


def load(path):
    """The parsed annotation file; DatasetError naming the file and what is wrong with it."""
    if not path or not os.path.isfile(path):
        raise DatasetError(f"OpenImages annotation file {path!r} does not exist (expected "
                           f"<dataset>/{ANNOTATIONS_RELPATH}, or pass --annotations)")
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise DatasetError(f"OpenImages annotation file {path!r} is not valid JSON: {e}") from e
    if not isinstance(data, dict):
        raise DatasetError(f"{path!r} is not a COCO annotation object")
    for key in ("images", "annotations", "categories"):
        if not isinstance(data.get(key), list):
            raise DatasetError(f"{path!r} is not a COCO annotation file: no '{key}' list")
    if not data["images"]:
        raise DatasetError(f"{path!r} lists no images")
    for n, img in enumerate(data["images"]):
        missing = [k for k in ("id", "file_name", "height", "width") if k not in img]
        if missing:
            raise DatasetError(f"{path!r}: images[{n}] lacks {', '.join(missing)}")
    return data


def find(dataset_dir, annotations=None):
    """The annotation file: the explicit one, else ``<dataset_dir>/annotations/openimages-mlperf.json``."""
    return annotations or os.path.join(dataset_dir, ANNOTATIONS_RELPATH)

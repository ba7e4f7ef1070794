"""MLPerf's calibration lists (the images quantisers may calibrate on), as the inference source ships them."""
import os

from ..core.errors import CmperfError

DIRS = {"imagenet": "ImageNet", "openimages": "openimages"}


class CalibrationError(CmperfError):
    pass


def calibration_list(src, dataset, file_name):
    """The path of the list in <src>/calibration/<Dataset>/, checked to be a non-empty list of names."""
    path = os.path.join(src or "", "calibration", DIRS[dataset], file_name)
    if not os.path.isfile(path):
        raise CalibrationError(f"{path}: not found (the mlcommons/inference source ships MLPerf's calibration lists "
                               "under calibration/)")
    with open(path, encoding="utf-8") as f:
        names = [line.strip() for line in f if line.strip()]
    if not names:
        raise CalibrationError(f"{path}: empty calibration list")
    return path, len(names)

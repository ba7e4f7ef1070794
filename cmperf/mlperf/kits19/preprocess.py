"""KiTS19 preprocessing exactly as MLPerf's reference preprocess.py (3D-UNet).

Per case (the reference's Preprocessor.preprocess_case):
  1. load imaging.nii.gz (float32) and segmentation.nii.gz (uint8); spacing = pixdim[1:4]
  2. if the spacing is not [1.6, 1.2, 1.2]: scipy zoom by spacing / target (image: order 1,
     label: order 0; mode constant, cval = the volume's minimum, grid_mode False)
  3. image: clip to [-79, 304], then (x - 101) / 76.9
  4. edge-pad both so every axis is >= 128 (split evenly, the odd voxel after)
  5. crop an axis whose length modulo 64 is < 32 (split evenly), then constant-pad (image -2.2,
     label 0) to a multiple of 64 that is >= 128
Cases are the reference's inference list (meta/inference_cases.json, 43 with case_00400 = a copy
of case_00185) or its calibration list; the sample order is that list's order.

CLI (the kits19 checkout's data/ directory: data/case_XXXXX/{imaging,segmentation}.nii.gz):
  python -m cmperf.mlperf.kits19.preprocess --raw-data-dir DATA --out OUT [--calibration]
      [--cases case_00000,case_00003]
writes <case>.npy (float32 [1,D,H,W]), <case>_label.npy (uint8 [1,D,H,W]), cases.json (order and
shapes) and manifest.json, atomically.
"""
import argparse
import json
import os
import sys

import numpy as np

from ..errors import DatasetError
from ..fsutil import staging_dir
from . import constants as C
from . import nifti

CASES_FILE = "cases.json"
MANIFEST = "manifest.json"


def resample(image, label, spacing, target=C.TARGET_SPACING):
    if list(spacing) == list(target):
        return image, label
    from scipy.ndimage import zoom
    factor = np.array(spacing) / np.array(target)
    image = zoom(image, factor, order=1, mode="constant", cval=image.min(), grid_mode=False)
    label = zoom(label, factor, order=0, mode="constant", cval=label.min(), grid_mode=False)
    return image, label


def normalize_intensity(image):
    image = np.clip(image, C.MIN_CLIP_VAL, C.MAX_CLIP_VAL)
    return (image - C.MEAN_VAL) / C.STDDEV_VAL


def pad_to_min_shape(image, label, roi=C.ROI_SHAPE):
    """[1,D,H,W] volumes edge-padded so each spatial axis is at least the ROI's."""
    bounds = [max(0, roi[i] - image.shape[1 + i]) for i in range(3)]
    pads = [(0, 0)] + [(b // 2, b - b // 2) for b in bounds]
    return np.pad(image, pads, mode="edge"), np.pad(label, pads, mode="edge")


def _strides(roi=C.ROI_SHAPE, overlap=C.SLIDE_OVERLAP_FACTOR):
    return [int(r * (1 - overlap)) for r in roi]


def constant_pad_volume(volume, padding_val, roi=C.ROI_SHAPE):
    strides = _strides(roi)
    shape = volume.shape[1:]
    bounds = [(strides[i] - shape[i] % strides[i]) % strides[i] for i in range(3)]
    bounds = [b if shape[i] + b >= roi[i] else b + strides[i] for i, b in enumerate(bounds)]
    pads = [(0, 0)] + [(b // 2, b - b // 2) for b in bounds]
    return np.pad(volume, pads, mode="constant", constant_values=[padding_val])


def adjust_shape_for_sliding_window(image, label, roi=C.ROI_SHAPE):
    strides = _strides(roi)
    shape = list(image.shape[1:])
    bounds = [shape[i] % strides[i] for i in range(3)]
    bounds = [b if b < strides[i] // 2 else 0 for i, b in enumerate(bounds)]
    crop = tuple(slice(b // 2, shape[i] - (b - b // 2)) for i, b in enumerate(bounds))
    image, label = image[(Ellipsis,) + crop], label[(Ellipsis,) + crop]
    return constant_pad_volume(image, C.PADDING_VAL, roi), constant_pad_volume(label, 0, roi)


def preprocess_arrays(image, label, spacing):
    """Raw voxels ([D,H,W] each) and their spacing -> (image float32 [1,D',H',W'], label uint8 [1,...])."""
    image = np.asarray(image).astype(np.float32)
    label = np.asarray(label).astype(np.uint8)
    if image.shape != label.shape:
        raise DatasetError(f"imaging {image.shape} and segmentation {label.shape} differ in shape")
    image, label = resample(image, label, spacing)
    image, label = image[np.newaxis], label[np.newaxis]
    image = normalize_intensity(image.copy())
    image, label = pad_to_min_shape(image, label)
    image, label = adjust_shape_for_sliding_window(image, label)
    return image.astype(np.float32), label.astype(np.uint8)


def case_files(raw_data_dir, case):
    """imaging/segmentation paths of a case (case_00400 reads case_00185's files: no copy is made)."""
    src = case
    if not os.path.isdir(os.path.join(raw_data_dir, case)) and case in C.CASE_COPIES:
        src = C.CASE_COPIES[case]
    d = os.path.join(raw_data_dir, src)
    return os.path.join(d, "imaging.nii.gz"), os.path.join(d, "segmentation.nii.gz")


def build(raw_data_dir, out, cases=None, calibration=False):
    cases = list(cases or (C.CALIBRATION_CASES if calibration else C.INFERENCE_CASES))
    if not os.path.isdir(raw_data_dir):
        raise DatasetError(f"KiTS19 data directory {raw_data_dir!r} does not exist (the kits19 checkout's data/)")
    missing = [c for c in cases for p in case_files(raw_data_dir, c) if not os.path.isfile(p)]
    if missing:  # every check before the (long) resampling starts
        raise DatasetError(f"{len(set(missing))} of {len(cases)} KiTS19 cases lack imaging.nii.gz or "
                           f"segmentation.nii.gz in {raw_data_dir}, e.g. {missing[0]} "
                           "(run `python -m starter_code.get_imaging` in the kits19 checkout)")
    from cmperf.core import progress
    info = []
    with staging_dir(out) as tmp, progress.Task("preprocess KiTS19", total=len(cases), unit="cases") as t:
        for case in cases:
            img_path, seg_path = case_files(raw_data_dir, case)
            img, spacing = nifti.load(img_path)
            seg, _ = nifti.load(seg_path)
            image, label = preprocess_arrays(img, seg, spacing)
            np.save(os.path.join(tmp, f"{case}.npy"), image)
            np.save(os.path.join(tmp, f"{case}_label.npy"), label)
            info.append({"case": case, "image_shape": list(image.shape), "spacing": spacing,
                         "source": os.path.basename(os.path.dirname(img_path))})
            t.advance(1)
        with open(os.path.join(tmp, CASES_FILE), "w", encoding="utf-8") as f:
            json.dump({"file_list": cases, "cases": info}, f, indent=1)
        with open(os.path.join(tmp, MANIFEST), "w", encoding="utf-8") as f:
            json.dump({"dataset": "kits19", "calibration": bool(calibration), "count": len(cases),
                       "raw_data_dir": os.path.abspath(raw_data_dir), "target_spacing": C.TARGET_SPACING,
                       "roi_shape": C.ROI_SHAPE}, f, indent=1)
    return info


def load_cases(dataset_dir):
    path = os.path.join(dataset_dir or "", CASES_FILE)
    if not dataset_dir or not os.path.isfile(path):
        raise DatasetError(f"{dataset_dir!r} is not a preprocessed KiTS19 directory (no {CASES_FILE}); make "
                           "one with `python -m cmperf.mlperf.kits19.preprocess`")
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--raw-data-dir", required=True, help="the kits19 checkout's data/ directory")
    ap.add_argument("--out", required=True)
    ap.add_argument("--calibration", action="store_true")
    ap.add_argument("--cases", help="comma list (default: the reference's inference or calibration cases)")
    a = ap.parse_args(argv)
    try:
        info = build(a.raw_data_dir, a.out, a.cases.split(",") if a.cases else None, a.calibration)
    except DatasetError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(json.dumps({"out": os.path.abspath(a.out), "count": len(info)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

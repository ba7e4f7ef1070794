"""ImageNet preprocessing exactly as MLPerf's reference ``pre_process_vgg`` (resnet50).

Steps (vision/classification_and_detection/python/dataset.py of mlcommons/inference):
  cv2.imread (BGR) -> BGR2RGB -> resize keeping the aspect ratio so the short side is
  int(100 * 224 / 87.5) = 256, with cv2.INTER_AREA -> center crop 224x224 (int() rounding of the
  reference) -> float32 -> subtract the means [123.68, 116.78, 103.94] -> HWC to CHW (NCHW).

CLI: turn a folder of JPEGs plus a val_map ("<file> <label>" lines) into a dataset dir:
  python -m cmperf.mlperf.preprocess.imagenet --images DIR --val-map val_map.txt --out DIR [--count N]
writes inputs.npy (float32 [N,3,224,224]), labels.npy (int64 [N]), val_map.txt (the rows used, in
sample order) and manifest.json, atomically.
"""
import argparse
import json
import os
import sys

import numpy as np

from ..errors import DatasetError
from ...filehash import sha256_file
from ..fsutil import staging_dir

MEANS = np.array([123.68, 116.78, 103.94], dtype=np.float32)
CROP_PERCENT = 87.5


def _cv2():
    try:
        import cv2
    except ImportError as e:
        raise DatasetError(f"ImageNet preprocessing needs OpenCV like the MLPerf reference ({e}); "
                           "`pip install opencv-python-headless`") from e
    return cv2


def resize_keep_aspect(img, out_h, out_w, interpolation):
    """Scale so the short side becomes int(100 * out / 87.5); the long side keeps the ratio."""
    cv2 = _cv2()
    h, w = img.shape[:2]
    target_h = int(100.0 * out_h / CROP_PERCENT)
    target_w = int(100.0 * out_w / CROP_PERCENT)
    if h > w:
        new_w, new_h = target_w, int(target_h * h / w)
    else:
        new_h, new_w = target_h, int(target_w * w / h)
    return cv2.resize(img, (new_w, new_h), interpolation=interpolation)


def crop_center(img, out_h, out_w):
    h, w = img.shape[:2]
    top, bottom = int((h - out_h) / 2), int((h + out_h) / 2)
    left, right = int((w - out_w) / 2), int((w + out_w) / 2)
    return img[top:bottom, left:right]


def preprocess_bgr(img_bgr, size=224, nchw=True):
    """One decoded BGR uint8 image -> the reference's float32 model input."""
    cv2 = _cv2()
    rgb = cv2.cvtColor(img_bgr, cv2.COLOR_BGR2RGB)
    rgb = resize_keep_aspect(rgb, size, size, cv2.INTER_AREA)
    rgb = crop_center(rgb, size, size)
    x = np.asarray(rgb, dtype=np.float32)
    x -= MEANS
    return x.transpose(2, 0, 1) if nchw else x


# torchvision's ImageNet normalisation (the `_pytorch` variation, for models trained in PyTorch such
# as the SparseML/DeepSparse ResNet-50 of the published DeepSparse results)
TORCH_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
TORCH_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)


def preprocess_torchvision(img_bgr, size=224, nchw=True):
    """Resize(short side 256) -> CenterCrop(224) -> [0, 1] -> Normalize(mean, std), with OpenCV's
    bilinear resize in place of PIL's (values differ from torchvision's by interpolation only)."""
    cv2 = _cv2()
    rgb = cv2.cvtColor(img_bgr, cv2.COLOR_BGR2RGB)
    rgb = resize_keep_aspect(rgb, size, size, cv2.INTER_LINEAR)
    rgb = crop_center(rgb, size, size)
    x = (np.asarray(rgb, dtype=np.float32) / 255.0 - TORCH_MEAN) / TORCH_STD
    return x.transpose(2, 0, 1) if nchw else x


PREPROCESSORS = {"reference": preprocess_bgr, "pytorch": preprocess_torchvision}
DESCRIPTIONS = {"reference": "mlperf reference pre_process_vgg (cv2 INTER_AREA, crop 87.5%, means 123.68/116.78/103.94)",
                "pytorch": "torchvision-style Resize(256)/CenterCrop(224)/Normalize (cv2 INTER_LINEAR)"}


def load_image(path):
    cv2 = _cv2()
    img = cv2.imread(path)
    if img is None:
        raise DatasetError(f"cannot decode image {path!r} (missing or not an image)")
    return img


def read_val_map(path):
    if not os.path.isfile(path):
        raise DatasetError(f"val_map {path!r} does not exist")
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 2:
                raise DatasetError(f"{path}:{n}: expected '<image> <label>', got {line.strip()!r}")
            try:
                rows.append((parts[0], int(parts[1])))
            except ValueError as e:
                raise DatasetError(f"{path}:{n}: label {parts[1]!r} is not an integer") from e
    return rows


def build_dataset(images_dir, val_map, out_dir, count=None, size=224, nchw=True, method="reference"):
    """Preprocess the first ``count`` val_map rows into ``out_dir``; return the manifest."""
    if not os.path.isdir(images_dir):
        raise DatasetError(f"image directory {images_dir!r} does not exist")
    if method not in PREPROCESSORS:
        raise DatasetError(f"unknown preprocessing {method!r}; known: {', '.join(PREPROCESSORS)}")
    rows = read_val_map(val_map)
    if count:
        rows = rows[:count]
    if not rows:
        raise DatasetError(f"val_map {val_map!r} lists no images")
    shape = (len(rows), 3, size, size) if nchw else (len(rows), size, size, 3)
    labels = np.asarray([label for _, label in rows], np.int64)
    with staging_dir(out_dir) as tmp:
        # written straight to disk: the full 50,000-image set is 30 GB as float32
        inputs = np.lib.format.open_memmap(os.path.join(tmp, "inputs.npy"), mode="w+", dtype=np.float32,
                                           shape=shape)
        for i, (name, _) in enumerate(rows):
            inputs[i] = PREPROCESSORS[method](load_image(os.path.join(images_dir, name)), size, nchw)
        inputs.flush()
        del inputs
        np.save(os.path.join(tmp, "labels.npy"), labels)
        with open(os.path.join(tmp, "val_map.txt"), "w", encoding="utf-8") as f:
            f.writelines(f"{n} {lab}\n" for n, lab in rows)
        manifest = {"preprocessing": DESCRIPTIONS[method],
                    "layout": "NCHW" if nchw else "NHWC", "size": size, "count": len(rows),
                    "images_dir": os.path.abspath(images_dir), "val_map": os.path.abspath(val_map),
                    "opencv": _cv2().__version__,
                    "sha256": {f: sha256_file(os.path.join(tmp, f))
                               for f in ("inputs.npy", "labels.npy", "val_map.txt")}}
        with open(os.path.join(tmp, "manifest.json"), "w", encoding="utf-8") as f:
            json.dump(manifest, f, indent=2, sort_keys=True)
    return manifest


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--images", required=True, help="folder with the JPEGs named in the val_map")
    ap.add_argument("--val-map", required=True, help="'<file> <label>' lines (ImageNet val_map.txt / val.txt)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--count", type=int)
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--layout", choices=("NCHW", "NHWC"), default="NCHW")
    ap.add_argument("--preprocessing", choices=sorted(PREPROCESSORS), default="reference")
    a = ap.parse_args(argv)
    try:
        m = build_dataset(a.images, a.val_map, a.out, a.count, a.size, a.layout == "NCHW", a.preprocessing)
    except DatasetError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(json.dumps({k: m[k] for k in ("count", "layout", "size")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

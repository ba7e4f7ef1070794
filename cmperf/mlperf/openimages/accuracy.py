"""OpenImages mAP of a RetinaNet run, as MLPerf's tools/accuracy-openimages.py computes it.

  python -m cmperf.mlperf.openimages.accuracy --mlperf-accuracy-file LOG --annotations JSON \
      [--output accuracy.txt]

Each qsl_idx counts once (LoadGen may log a sample twice); its float32 rows
``[idx, ymin, xmin, ymax, xmax, score, label]`` are scaled by the height and width of
``images[qsl_idx]`` of the annotation file into COCO ``[x, y, w, h]`` boxes, the label is the
category id, and pycocotools' COCOeval (bbox) over the answered images gives mAP = stats[0].
Writes ``mAP=XX.XXX%`` (the official checker's ACC_PATTERN["mAP"]) and ``hash=<sha256 of the log>``.
"""
import argparse
import contextlib
import dataclasses
import io
import sys

import numpy as np

from ..errors import DatasetError, LoadGenError
from ...filehash import sha256_file
from ..accuracy.log import read_accuracy_log
from ..fsutil import write_text_atomic
from . import annotations as ann


@dataclasses.dataclass
class MapResult:
    mAP: float              # percent
    images: int             # samples the log answered
    detections: int
    no_results: int         # answered samples with no detection
    log_sha256: str
    stats: list             # COCOeval's 12 summary figures

    def text(self):
        return f"mAP={self.mAP:.3f}%\nhash={self.log_sha256}\n"


def _pycocotools():
    try:
        from pycocotools.coco import COCO
        from pycocotools.cocoeval import COCOeval
    except ImportError as e:
        raise DatasetError(f"OpenImages mAP needs pycocotools, the reference's own choice ({e}); "
                           "`pip install pycocotools`") from e
    return COCO, COCOeval


def detections_from_log(entries, images):
    """COCO result dicts, the answered image ids and the count of answered images without boxes."""
    detections, image_ids, seen, empty = [], set(), set(), 0
    for e in entries:
        idx = int(e["qsl_idx"])
        if idx in seen:
            continue
        seen.add(idx)
        if idx >= len(images):
            raise DatasetError(f"sample index {idx} is beyond the {len(images)} images of the annotations")
        image = images[idx]
        image_ids.add(image["id"])
        data = np.frombuffer(bytes.fromhex(e["data"]), np.float32)
        if len(data) < 7:
            empty += 1
            continue
        if len(data) % 7:
            raise LoadGenError(f"sample {idx}: {len(data)} floats is not a whole number of 7-float detections")
        h, w = image["height"], image["width"]
        for row in data.reshape(-1, 7):
            # float32 arithmetic, as the reference's numpy scalars: the same boxes to the last bit
            image_idx, ymin, xmin, ymax, xmax, score, label = row
            if int(image_idx) != idx:
                raise LoadGenError(f"LoadGen sample {idx} carries detections of image {int(image_idx)}")
            ymin, xmin, ymax, xmax = ymin * h, xmin * w, ymax * h, xmax * w
            detections.append({"image_id": image["id"], "category_id": int(label),
                               "bbox": [float(xmin), float(ymin), float(xmax - xmin), float(ymax - ymin)],
                               "score": float(score)})
    return detections, image_ids, empty, len(seen)


def mean_average_precision(accuracy_log, annotations_path):
    data = ann.load(annotations_path)   # checks the file before pycocotools reads it
    COCO, COCOeval = _pycocotools()
    entries = read_accuracy_log(accuracy_log)
    detections, image_ids, empty, answered = detections_from_log(entries, data["images"])
    if not answered:
        raise LoadGenError(f"{accuracy_log} holds no samples")
    with contextlib.redirect_stdout(io.StringIO()):  # pycocotools prints its progress
        gt = COCO(annotations_path)
        if detections:
            dt = gt.loadRes(detections)
            ev = COCOeval(gt, dt, iouType="bbox")
            ev.params.imgIds = sorted(image_ids)
            ev.evaluate()
            ev.accumulate()
            ev.summarize()
            stats = [float(s) for s in ev.stats]
        else:
            stats = [0.0] * 12   # nothing detected anywhere: precision 0 at every recall
    return MapResult(mAP=100.0 * max(stats[0], 0.0), images=answered, detections=len(detections),
                     no_results=empty, log_sha256=sha256_file(accuracy_log), stats=stats)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mlperf-accuracy-file", required=True)
    ap.add_argument("--annotations", help="openimages-mlperf.json")
    ap.add_argument("--openimages-dir", help="the reference's flag: <dir>/annotations/openimages-mlperf.json")
    ap.add_argument("--output", help="accuracy.txt to write (default: print only)")
    a = ap.parse_args(argv)
    path = a.annotations or (ann.find(a.openimages_dir) if a.openimages_dir else None)
    try:
        if not path:
            raise DatasetError("pass --annotations or --openimages-dir")
        r = mean_average_precision(a.mlperf_accuracy_file, path)
    except (DatasetError, LoadGenError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if a.output:
        write_text_atomic(a.output, r.text())
    sys.stdout.write(r.text())
    return 0


if __name__ == "__main__":
    sys.exit(main())

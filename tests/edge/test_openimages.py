"""RetinaNet on OpenImages: the reference's preprocessing, detections and mAP, on stand-ins."""
import json
import os

import numpy as np
import pytest

from cmperf.mlperf.errors import DatasetError, LoadGenError
from cmperf.mlperf.openimages import accuracy, detections, preprocess

from . import standins

pytest.importorskip("pycocotools")


def test_preprocess_follows_reference_steps(tmp_path):
    import cv2
    img = np.zeros((30, 40, 3), np.uint8)
    img[:, :, 0] = 255          # blue in BGR
    img[:, 20:, 2] = 51         # red on the right half
    out = preprocess.preprocess_bgr(img)
    assert out.shape == (3, 800, 800) and out.dtype == np.float32
    assert out[2].min() == 1.0 and out[0, :, :390].max() == 0.0          # RGB order, /255
    assert out[0, 0, 799] == pytest.approx(0.2)
    gray = preprocess.preprocess_bgr(np.full((10, 10), 102, np.uint8))   # grayscale -> 3 channels
    assert gray.shape == (3, 800, 800) and np.allclose(gray, 0.4)
    ref = cv2.resize(cv2.cvtColor(img.astype(np.float32), cv2.COLOR_BGR2RGB), (800, 800),
                     interpolation=cv2.INTER_LINEAR) / 255.0
    assert np.array_equal(out, ref.transpose(2, 0, 1).astype(np.float32))


def test_build_keeps_annotation_order(tmp_path):
    root = tmp_path / "openimages"
    standins.openimages_dataset(root)
    m = preprocess.build(str(root), str(tmp_path / "pre"), count=2)
    assert m["count"] == 2 and len(m["annotations_sha256"]) == 64
    x = np.load(tmp_path / "pre" / "inputs.npy")
    assert x.shape == (2, 3, 800, 800)
    samples = json.loads((tmp_path / "pre" / "samples.json").read_text())
    assert [s["id"] for s in samples] == [101, 205]


def test_bad_dataset_is_refused_before_work(tmp_path):
    root = tmp_path / "openimages"
    ann = standins.openimages_dataset(root)
    with pytest.raises(DatasetError, match="annotation file .* does not exist"):
        preprocess.build(str(tmp_path / "nothing"), str(tmp_path / "pre"))
    (root / "validation" / "data" / standins.OPENIMAGES_SAMPLES[1]["file"]).write_bytes(b"not a jpeg")
    with pytest.raises(DatasetError, match="cannot be decoded"):
        preprocess.build(str(root), str(tmp_path / "pre"))
    assert not (tmp_path / "pre").exists()          # nothing half-written
    os.remove(root / "validation" / "data" / standins.OPENIMAGES_SAMPLES[0]["file"])
    with pytest.raises(DatasetError, match="1 of 3 annotated images are missing"):
        preprocess.build(str(root), str(tmp_path / "pre"))
    with open(ann, "w") as f:
        f.write('{"images": []')
    with pytest.raises(DatasetError, match="not valid JSON"):
        preprocess.build(str(root), str(tmp_path / "pre"))


def test_detections_as_the_reference_sut():
    enc = detections.Detections()
    boxes = np.array([[80, 40, 400, 200], [0, 0, 800, 800], [1, 1, 2, 2]], np.float32)   # x0 y0 x1 y1
    scores = np.array([0.9, 0.06, 0.04], np.float32)
    labels = np.array([7, 3, 5], np.int64)
    (row,) = enc([boxes, labels, scores], [12])
    rows = row.reshape(-1, 7)
    assert rows.shape == (2, 7)                       # stops at the first score below 0.05
    assert rows[0].tolist() == pytest.approx([12, 0.05, 0.1, 0.25, 0.5, 0.9, 7])
    assert enc([boxes[:0], labels[:0], scores[:0]], [3])[0].size == 0
    with pytest.raises(ValueError, match="one image per call"):
        enc([boxes, labels, scores], [1, 2])


def _det(idx, box, score, label):
    x0, y0, x1, y1 = box       # in 800x800 input pixels
    return detections.Detections().one(idx, np.array([box], np.float32), [label], [score])


def test_map_pinned_by_hand(tmp_path):
    """One category, two objects. Detections by score: hit (0.9), miss elsewhere (0.8), hit (0.7).
    Precision/recall: (1, .5), (.5, .5), (2/3, 1); COCO's 101-point interpolation gives
    AP = (51 * 1 + 50 * 2/3) / 101 = 83.498% at every IoU threshold (the hits are exact)."""
    ann = standins.openimages_dataset(tmp_path / "oi", [
        dict(standins.OPENIMAGES_SAMPLES[0], cat=1), dict(standins.OPENIMAGES_SAMPLES[1], cat=1)])
    # sample 0: 400x300 image, box (100,60)-(200,180) -> in 800x800 input pixels x*2, y*8/3
    hit0 = _det(0, (200, 160, 400, 480), 0.9, 1)
    miss = _det(1, (0, 0, 100, 100), 0.8, 1)
    # sample 1: 320x480 image, box (40,200)-(280,440) -> x*2.5, y*5/3
    hit1 = _det(1, (100, 1000 / 3, 700, 2200 / 3), 0.7, 1)
    log = standins.accuracy_log(tmp_path / "log.json", {0: hit0, 1: np.concatenate([miss, hit1])})
    r = accuracy.mean_average_precision(str(log), ann)
    assert r.text().splitlines()[0] == "mAP=83.498%"
    assert (r.images, r.detections, r.no_results) == (2, 3, 0)


def test_map_of_standin_model_outputs(tmp_path):
    """The stand-in sees the two bright boxes exactly and misses the dim one: mAP 50%."""
    ort = pytest.importorskip("onnxruntime")
    ann = standins.openimages_dataset(tmp_path / "oi")
    preprocess.build(str(tmp_path / "oi"), str(tmp_path / "pre"))
    model = standins.retinanet_standin(str(tmp_path / "m.onnx"))
    sess = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    x = np.load(tmp_path / "pre" / "inputs.npy")
    enc = detections.Detections()
    responses = {i: enc(sess.run(detections.OUTPUT_NAMES, {"images": x[i:i + 1]}), [i])[0]
                 for i in range(len(x))}
    assert responses[2].size == 0
    log = standins.accuracy_log(tmp_path / "log.json", responses)
    r = accuracy.mean_average_precision(str(log), ann)
    assert r.mAP == pytest.approx(standins.OPENIMAGES_EXPECTED_MAP, abs=1e-9)
    assert r.no_results == 1
    assert accuracy.main(["--mlperf-accuracy-file", str(log), "--openimages-dir", str(tmp_path / "oi"),
                          "--output", str(tmp_path / "accuracy.txt")]) == 0
    import re
    from cmperf.submission import rounds
    text = (tmp_path / "accuracy.txt").read_text()
    assert float(re.match(rounds.MAP_PATTERN, text).group(1)) == 50.0
    assert re.search(r"^hash=[0-9a-f]{64}$", text, re.M)


def test_accuracy_log_problems(tmp_path):
    ann = standins.openimages_dataset(tmp_path / "oi")
    with pytest.raises(LoadGenError, match="does not exist"):
        accuracy.mean_average_precision(str(tmp_path / "none.json"), ann)
    log = standins.accuracy_log(tmp_path / "log.json", {7: _det(7, (0, 0, 1, 1), 0.9, 1)})
    with pytest.raises(DatasetError, match="beyond the 3 images"):
        accuracy.mean_average_precision(str(log), ann)
    log = standins.accuracy_log(tmp_path / "log.json", {0: _det(1, (0, 0, 1, 1), 0.9, 1)})
    with pytest.raises(LoadGenError, match="carries detections of image 1"):
        accuracy.mean_average_precision(str(log), ann)


def test_qsl_refuses_a_dataset_whose_annotations_went_away_or_changed(tmp_path):
    from cmperf.mlperf import benchmarks
    ann = standins.openimages_dataset(tmp_path / "oi")
    preprocess.build(str(tmp_path / "oi"), str(tmp_path / "pre"), count=1)
    qsl = benchmarks.openimages_qsl(None, str(tmp_path / "pre"), 64)
    assert qsl.total_count == 1 and qsl.performance_count == 1
    with open(ann, "a") as f:
        f.write(" ")
    with pytest.raises(DatasetError, match="changed since"):
        benchmarks.openimages_qsl(None, str(tmp_path / "pre"), 64)
    os.remove(ann)
    with pytest.raises(DatasetError, match="is missing: accuracy cannot be scored"):
        benchmarks.openimages_qsl(None, str(tmp_path / "pre"), 64)
    with pytest.raises(DatasetError, match="not a preprocessed OpenImages directory"):
        benchmarks.openimages_qsl(None, str(tmp_path / "oi"), 64)

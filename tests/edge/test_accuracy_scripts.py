"""process-mlperf-accuracy _openimages / _kits19 on real LoadGen accuracy logs with variable-size responses."""
import numpy as np
import pytest

from . import standins
from .conftest import loadgen_accuracy_run


def test_openimages_map_through_cm(cm, tmp_path):
    pytest.importorskip("pycocotools")
    from cmperf.mlperf.openimages.detections import Detections
    ann = standins.openimages_dataset(tmp_path / "oi")
    enc = Detections()
    # sample 0 exact, sample 1 exact, sample 2 nothing detected (a 0-byte response)
    boxes = {0: (200, 160, 400, 480), 1: (100, 1000 / 3, 700, 2200 / 3)}
    run = tmp_path / "run"
    run.mkdir()
    loadgen_accuracy_run(run, 3, lambda idx: [
        enc.one(i, np.array([boxes[i]], np.float32), [1], [0.9]).tobytes() if i in boxes else b"" for i in idx])
    rc, _, text = cm("--tags=run,mlperf,accuracy,process-accuracy,_openimages", f"--result_dir={run}",
                     f"--annotations={ann}", "-j")
    assert rc == 0, text
    # category 1: both found exactly (AP 1); category 2: its one object missed (AP 0)
    assert (run / "accuracy.txt").read_text().splitlines()[0] == "mAP=50.000%"


def test_kits19_dice_through_cm(cm, tmp_path):
    from cmperf.mlperf.kits19 import preprocess
    raw = standins.kits19_raw(str(tmp_path / "data"))
    preprocess.build(raw, str(tmp_path / "pre"), cases=standins.KITS_CASES)
    labels = [np.load(tmp_path / "pre" / f"{c}_label.npy") for c in standins.KITS_CASES]
    run = tmp_path / "run"
    run.mkdir()
    loadgen_accuracy_run(run, 2, lambda idx: [labels[i].tobytes() for i in idx])   # perfect answers
    rc, _, text = cm("--tags=run,mlperf,accuracy,process-accuracy,_kits19", f"--result_dir={run}",
                     f"--preprocessed_dir={tmp_path / 'pre'}", "-j")
    assert rc == 0, text
    assert (run / "accuracy.txt").read_text().startswith("Accuracy: mean = 1.00000, kidney = 1.0000, tumor = 1.0000")

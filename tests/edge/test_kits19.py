"""3D-UNet on KiTS19: the reference's preprocessing, sliding window and mean DICE, on stand-ins."""
import json

import numpy as np
import pytest

from cmperf.mlperf.errors import DatasetError, LoadGenError
from cmperf.mlperf.kits19 import accuracy, nifti, preprocess, sliding_window
from cmperf.mlperf.kits19.qsl import KitsQSL

from . import standins


def test_shape_rules_of_the_reference():
    # pad to >= 128 (edge), then crop an axis whose length % 64 < 32 and pad to a multiple of 64
    img, lab = preprocess.preprocess_arrays(np.zeros((60, 70, 80)), np.zeros((60, 70, 80)), [1.6, 1.2, 1.2])
    assert img.shape == (1, 128, 128, 128) and img.dtype == np.float32 and lab.dtype == np.uint8
    img, _ = preprocess.preprocess_arrays(np.zeros((200, 130, 170)), np.zeros((200, 130, 170)), [1.6, 1.2, 1.2])
    assert img.shape == (1, 192, 128, 192)   # 200 -> crop to 192; 130 -> 128; 170 % 64 = 42 -> pad to 192
    assert img[0, 0, 0, 11] == pytest.approx((0 - 101) / 76.9, rel=1e-6)
    assert img[0, 0, 0, 10] == pytest.approx(-2.2) and img[0, 0, 0, -1] == pytest.approx(-2.2)  # 11 + 11 padded
    x = preprocess.normalize_intensity(np.array([-1000.0, 101.0, 1000.0], np.float32))
    assert x.tolist() == pytest.approx([(-79 - 101) / 76.9, 0.0, (304 - 101) / 76.9])


def test_resampling_uses_spacing_ratio():
    img = np.arange(4 * 6 * 6, dtype=np.float32).reshape(4, 6, 6)
    out, lab = preprocess.resample(img, np.ones_like(img, np.uint8), [3.2, 1.2, 1.2])
    assert out.shape == (8, 6, 6) and lab.shape == (8, 6, 6)


def test_nifti_reader(tmp_path):
    data = np.arange(24, dtype=np.int16).reshape(2, 3, 4)
    standins.write_nifti(str(tmp_path / "x.nii.gz"), data, (1.5, 0.8, 0.8))
    got, spacing = nifti.load(str(tmp_path / "x.nii.gz"))
    assert np.array_equal(got, data) and spacing == pytest.approx([1.5, 0.8, 0.8])
    (tmp_path / "bad.nii.gz").write_bytes(b"garbage")
    with pytest.raises(DatasetError, match="bad.nii.gz"):
        nifti.load(str(tmp_path / "bad.nii.gz"))


def test_sliding_window_weights_cancel_for_a_per_voxel_model(tmp_path):
    ort = pytest.importorskip("onnxruntime")
    sess = ort.InferenceSession(standins.unet_standin(str(tmp_path / "u.onnx")), providers=["CPUExecutionProvider"])

    class B:
        def predict(self, x):
            return sess.run(["output"], {"input": x})[0]

    vol = np.full((1, 1, 192, 128, 128), -1.0, np.float32)
    vol[..., 60:130, 10:20, 10:20] = 1.0     # kidney across the two windows' overlap
    vol[..., 0:5, 0:5, 0:5] = 2.6            # tumor
    sw = sliding_window.SlidingWindow(B())
    seg = sw.predict(vol)
    assert seg.shape == (1, 1, 192, 128, 128) and seg.dtype == np.uint8 and sw.subvolumes == 2
    expect = np.zeros(vol.shape, np.uint8)
    expect[..., 60:130, 10:20, 10:20] = 1
    expect[..., 0:5, 0:5, 0:5] = 2
    assert np.array_equal(seg, expect)
    k = sliding_window.gaussian_kernel(128, 16)
    assert k.max() == 1.0 and k[64, 64, 64] == pytest.approx(1.0, abs=1e-3) and k[0, 0, 0] < 0.2


def test_dice_as_the_reference():
    t = np.zeros((4, 4, 4), np.uint8)
    p = np.zeros_like(t)
    t[:2] = 1
    p[:1] = 1
    t[3, 0, 0] = 2
    kid, tum = accuracy.dice_scores(p, t)
    assert kid == pytest.approx(2 * 16 / (32 + 16))
    assert tum == pytest.approx(1e-6 / (1 + 1e-6))
    assert accuracy.dice_scores(np.zeros_like(t), np.zeros_like(t)) == [1.0, 1.0]   # both empty


def test_preprocess_and_score_standin_outputs(tmp_path):
    ort = pytest.importorskip("onnxruntime")
    raw = standins.kits19_raw(str(tmp_path / "kits19" / "data"))
    info = preprocess.build(raw, str(tmp_path / "pre"), cases=standins.KITS_CASES)
    assert [c["image_shape"] for c in info] == [[1, 128, 128, 128], [1, 192, 128, 128]]
    sess = ort.InferenceSession(standins.unet_standin(str(tmp_path / "u.onnx")), providers=["CPUExecutionProvider"])

    class B:
        def predict(self, x):
            return sess.run(["output"], {"input": x})[0]

    qsl, sw, enc = KitsQSL(str(tmp_path / "pre")), sliding_window.SlidingWindow(B()), sliding_window.Segmentation()
    qsl.load_samples([0, 1])
    entries = [{"seq_id": i, "qsl_idx": i, "data": enc(sw.predict(qsl.batch([i])), [i])[0].tobytes().hex().upper()}
               for i in (1, 0)]
    log = tmp_path / "mlperf_log_accuracy.json"
    log.write_text(json.dumps(entries))
    r = accuracy.mean_dice(str(log), str(tmp_path / "pre"))
    assert r.mean == pytest.approx(standins.KITS_EXPECTED["mean"], abs=1e-6)
    assert r.kidney == pytest.approx(standins.KITS_EXPECTED["kidney"], abs=1e-6)
    assert r.tumor == pytest.approx(standins.KITS_EXPECTED["tumor"], abs=1e-6)
    assert r.text().splitlines()[0] == "Accuracy: mean = 0.58333, kidney = 0.8333, tumor = 0.3333"
    entries[0]["data"] = entries[0]["data"][:-2]
    log.write_text(json.dumps(entries))
    with pytest.raises(LoadGenError, match="voxels"):
        accuracy.mean_dice(str(log), str(tmp_path / "pre"))


def test_missing_or_corrupt_cases_are_refused_before_work(tmp_path):
    raw = standins.kits19_raw(str(tmp_path / "data"))
    with pytest.raises(DatasetError, match="1 of 3 KiTS19 cases lack"):
        preprocess.build(raw, str(tmp_path / "pre"), cases=standins.KITS_CASES + ["case_00005"])
    (tmp_path / "data" / "case_00003" / "imaging.nii.gz").write_bytes(b"\x1f\x8b garbage")
    with pytest.raises(DatasetError, match="case_00003"):
        preprocess.build(raw, str(tmp_path / "pre"), cases=standins.KITS_CASES)
    assert not (tmp_path / "pre").exists()
    with pytest.raises(DatasetError, match="not a preprocessed KiTS19 directory"):
        KitsQSL(str(tmp_path))


def test_case_00400_reads_case_00185_without_copying(tmp_path):
    img, seg = preprocess.case_files(str(tmp_path), "case_00400")
    assert img.endswith("case_00185/imaging.nii.gz") and seg.endswith("case_00185/segmentation.nii.gz")
    assert len(preprocess.C.INFERENCE_CASES) == 43

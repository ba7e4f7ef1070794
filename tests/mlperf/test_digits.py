import json
import os

import numpy as np
import pytest

from cmperf.mlperf.errors import BackendUnavailableError, DatasetError
from cmperf.mlperf.models import digits


def test_split_is_stratified_and_large_enough():
    x_tr, y_tr, x_te, y_te = digits.load_split()
    assert len(y_te) >= 1024 and len(y_tr) + len(y_te) == 1797
    assert x_te.dtype == np.float32 and x_te.shape[1] == 64 and 0 <= x_te.min() and x_te.max() <= 1
    # stratified: every class's held-out share is close to the overall share
    share = np.bincount(y_te, minlength=10) / np.bincount(np.concatenate([y_tr, y_te]), minlength=10)
    assert np.all(np.abs(share - len(y_te) / 1797) < 0.02)


def test_too_small_test_split_is_refused():
    with pytest.raises(ValueError, match="1024"):
        digits.load_split(test_size=500)


def test_build_writes_manifest_and_labels_from_the_dataset(digits_dir):
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    man = digits.verify(digits_dir)
    assert man["split"]["test_size"] >= 1024
    assert set(man["sha256"]) >= {"model.onnx", "inputs.npy", "labels.npy"}
    # the labels are the true dataset labels of the held-out rows, independent of any model
    d = load_digits()
    _, x_te, _, y_te = train_test_split(d.data, d.target, test_size=man["split"]["test_size"],
                                        stratify=d.target, random_state=man["split"]["seed"])
    np.testing.assert_array_equal(np.load(os.path.join(digits_dir, "labels.npy")), y_te)
    np.testing.assert_allclose(np.load(os.path.join(digits_dir, "inputs.npy")), x_te / 16.0, rtol=1e-6)
    assert man["train_accuracy"] > 0.95


def test_build_is_deterministic(digits_dir, tmp_path):
    out = tmp_path / "again"
    man = digits.build(str(out), tf_export="no", torch_export="no")
    with open(os.path.join(digits_dir, "manifest.json")) as f:
        first = json.load(f)
    assert man["sha256"] == first["sha256"]


def test_onnx_export_matches_numpy_forward(digits_dir):
    import onnxruntime as ort
    x_tr, y_tr, x_te, y_te = digits.load_split()
    layers = digits.train(x_tr, y_tr)
    sess = ort.InferenceSession(os.path.join(digits_dir, "model.onnx"), providers=["CPUExecutionProvider"])
    out = sess.run(None, {"input": x_te[:50]})[0]
    np.testing.assert_allclose(out, digits.forward(layers, x_te[:50]), rtol=1e-4, atol=1e-4)
    acc = (sess.run(None, {"input": x_te})[0].argmax(1) == y_te).mean()
    assert acc > 0.90


def test_verify_detects_a_modified_file(digits_dir, tmp_path):
    import shutil
    copy = tmp_path / "copy"
    shutil.copytree(digits_dir, copy)
    (copy / "labels.npy").write_bytes(b"corrupt")
    with pytest.raises(DatasetError, match="labels.npy"):
        digits.verify(str(copy))
    with pytest.raises(DatasetError, match="manifest.json"):
        digits.verify(str(tmp_path / "missing"))


def test_tf_export_without_tensorflow_is_a_clear_error(tmp_path, monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "tensorflow", None)  # import tensorflow -> ImportError
    with pytest.raises(BackendUnavailableError, match="tensorflow"):
        digits.build(str(tmp_path / "tf"), tf_export="yes")
    assert not (tmp_path / "tf").exists()  # nothing half-written
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]

"""The optional pytorch backend on the digits TorchScript: runs where torch is importable."""
import os

import numpy as np
import pytest

from cmperf import pins

pytest.importorskip("torch", reason=f"torch is not installed (pip install torch=={pins.TORCH}: cmperf's pytorch extra)")

from cmperf.mlperf.accuracy import imagenet  # noqa: E402
from cmperf.mlperf.backends import get_backend  # noqa: E402
from cmperf.mlperf.errors import ModelFileError  # noqa: E402
from cmperf.mlperf.models import digits  # noqa: E402


@pytest.fixture(scope="module")
def torch_digits_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("torchdigits") / "digits-mlp"
    digits.build(str(d), tf_export="no", torch_export="yes")
    return str(d)


def test_torchscript_matches_onnx(torch_digits_dir):
    x = np.load(os.path.join(torch_digits_dir, "inputs.npy"))[:64]
    pt = get_backend("pytorch", threads=1).load(os.path.join(torch_digits_dir, "model.pt"))
    ort_b = get_backend("onnxruntime", threads=1).load(os.path.join(torch_digits_dir, "model.onnx"))
    np.testing.assert_allclose(pt.predict(x), ort_b.predict(x), rtol=1e-4, atol=1e-4)
    assert pt.describe()["torch_num_threads"] == 1


def test_corrupt_torchscript(tmp_path):
    bad = tmp_path / "model.pt"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ModelFileError, match="model.pt"):
        get_backend("pytorch").load(str(bad))


def test_harness_accuracy_with_pytorch(run_module, tmp_path, torch_digits_dir, user_conf_file, harness_job):
    out = tmp_path / "acc"
    job = harness_job(model="digits-mlp", backend="pytorch", scenario="MultiStream", mode="accuracy",
                      user_conf=user_conf_file("MultiStream"), output_dir=out, dataset_dir=torch_digits_dir,
                      batch_size=8)
    p = run_module("cmperf.mlperf.harness", job, cwd=tmp_path, timeout=300)
    assert p.returncode == 0, p.stderr
    r = imagenet.top1(str(out / "mlperf_log_accuracy.json"), np.load(os.path.join(torch_digits_dir, "labels.npy")))
    assert r.total >= 1024 and r.accuracy > 90

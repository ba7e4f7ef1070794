import os
import sys

import numpy as np
import pytest

from cmperf.mlperf.backends import get_backend
from cmperf.mlperf.errors import BackendUnavailableError, ModelFileError, UnknownChoiceError


def test_unknown_backend_lists_choices():
    with pytest.raises(UnknownChoiceError) as e:
        get_backend("caffe")
    assert "onnxruntime" in str(e.value) and "tensorflow-metal" in str(e.value) and "'caffe'" in str(e.value)


def test_unknown_device_lists_choices():
    with pytest.raises(UnknownChoiceError, match="device 'tpu9'.*cpu"):
        get_backend("onnxruntime", "tpu9")


@pytest.mark.skipif(sys.platform == "darwin", reason="the error is for platforms other than macOS arm64")
def test_tensorflow_metal_is_macos_arm64_only():
    with pytest.raises(BackendUnavailableError, match="macOS arm64 only"):
        get_backend("tensorflow-metal")


def test_deepsparse_missing_points_to_its_own_venv(monkeypatch):
    monkeypatch.setitem(sys.modules, "deepsparse", None)
    with pytest.raises(BackendUnavailableError, match="own\\s+virtualenv.*1.8.0"):
        get_backend("deepsparse")


def test_tensorflow_missing_is_clear(monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorflow", None)
    with pytest.raises(BackendUnavailableError, match="pip install tensorflow"):
        get_backend("tf")


def test_onnxruntime_cuda_without_provider(monkeypatch):
    import onnxruntime
    monkeypatch.setattr(onnxruntime, "get_available_providers", lambda: ["CPUExecutionProvider"])
    with pytest.raises(BackendUnavailableError, match="CUDAExecutionProvider"):
        get_backend("onnxruntime", "cuda")


def test_corrupt_model_file_names_the_file(tmp_path):
    bad = tmp_path / "broken.onnx"
    bad.write_bytes(b"\x08\x01this is not a protobuf model")
    with pytest.raises(ModelFileError, match="broken.onnx"):
        get_backend("onnxruntime").load(str(bad))
    with pytest.raises(ModelFileError, match="nope.onnx"):
        get_backend("onnxruntime").load(str(tmp_path / "nope.onnx"))


def test_onnxruntime_predicts_and_describes(digits_dir):
    b = get_backend("onnxruntime", threads=1).load(os.path.join(digits_dir, "model.onnx"), "input", "scores")
    x = np.load(os.path.join(digits_dir, "inputs.npy"))[:8]
    assert b.predict(x).shape == (8, 10)
    d = b.describe()
    assert d["backend"] == "onnxruntime" and d["version"] and d["intra_op_num_threads"] == 1
    assert "CPUExecutionProvider" in d["providers"]


def test_wrong_output_name_is_a_model_error(digits_dir):
    with pytest.raises(ModelFileError, match="no output 'ArgMax:0'"):
        get_backend("onnxruntime").load(os.path.join(digits_dir, "model.onnx"), "input", "ArgMax:0")


def test_tensorflow_metal_on_apple_silicon_uses_the_tf_path(monkeypatch):
    """Simulate macOS arm64 with tensorflow-metal 'installed': the backend must get as far as asking
    tensorflow for the Metal GPU (which this machine does not have), not trip over its own setup."""
    tf = pytest.importorskip("tensorflow")
    from importlib import metadata
    from cmperf.mlperf.backends import tensorflow_backend as tb
    monkeypatch.setattr(tb, "_is_macos_arm64", lambda: True)
    real_version = metadata.version
    monkeypatch.setattr(tb.metadata, "version",
                        lambda d: "1.2.0" if d == "tensorflow-metal" else real_version(d))
    monkeypatch.setattr(tf.config, "list_physical_devices", lambda kind=None: [])
    with pytest.raises(BackendUnavailableError, match="sees no Metal GPU"):
        get_backend("tensorflow-metal", threads=1)
    monkeypatch.setattr(tf.config, "list_physical_devices", lambda kind=None: ["/physical_device:GPU:0"])
    d = get_backend("tensorflow-metal", threads=1).describe()
    assert d["backend"] == "tensorflow-metal" and d["device"] == "metal" and d["version"].endswith("+metal1.2.0")


def test_engine_installs_the_cpu_build_of_tensorflow_on_linux():
    """get-generic-python-lib _tensorflow: tensorflow-cpu on Linux (as setup.py's extra), the full
    build where no CPU-only wheel exists; an installed full build counts as installed."""
    from cmperf.platform import python_packages as pp
    assert pp.resolve("tensorflow", "Linux", "x86_64") == "tensorflow-cpu"
    assert pp.resolve("tensorflow", "Linux", "aarch64") == "tensorflow-cpu"
    assert pp.resolve("tensorflow", "Darwin", "arm64") == "tensorflow"
    assert "tensorflow" in pp.satisfied_by("tensorflow") and "tensorflow-cpu" in pp.satisfied_by("tensorflow")

"""The tf backend on the digits SavedModel: runs where tensorflow is importable (pip tensorflow-cpu)."""
import os

import numpy as np
import pytest

pytest.importorskip("tensorflow", reason="tensorflow is not installed (pip install tensorflow-cpu)")

from cmperf.mlperf.accuracy import imagenet  # noqa: E402
from cmperf.mlperf.backends import get_backend  # noqa: E402
from cmperf.mlperf.errors import ModelFileError  # noqa: E402
from cmperf.mlperf.models import digits  # noqa: E402


@pytest.fixture(scope="module")
def tf_digits_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("tfdigits") / "digits-mlp"
    digits.build(str(d), tf_export="yes")
    return str(d)


def test_saved_model_matches_onnx(tf_digits_dir):
    x = np.load(os.path.join(tf_digits_dir, "inputs.npy"))[:64]
    tf_b = get_backend("tf", threads=1).load(os.path.join(tf_digits_dir, "saved_model"), None, "scores")
    ort_b = get_backend("onnxruntime", threads=1).load(os.path.join(tf_digits_dir, "model.onnx"))
    np.testing.assert_allclose(tf_b.predict(x), ort_b.predict(x), rtol=1e-4, atol=1e-4)
    d = tf_b.describe()
    assert d["backend"] == "tf" and d["version"]
    # TF fixes its thread pools at first use; the SavedModel export above already used them
    assert d["intra_op_parallelism_threads"] == 1 or "not applied" in d["thread_note"]


def test_not_a_saved_model(tmp_path):
    with pytest.raises(ModelFileError, match="not a TF SavedModel"):
        get_backend("tf").load(str(tmp_path))


def test_harness_accuracy_with_tf(run_module, tmp_path, tf_digits_dir, user_conf_file, harness_job):
    out = tmp_path / "acc"
    job = harness_job(model="digits-mlp", backend="tf", scenario="Offline", mode="accuracy",
                      user_conf=user_conf_file("Offline"), output_dir=out, dataset_dir=tf_digits_dir, batch_size=32)
    p = run_module("cmperf.mlperf.harness", job, cwd=tmp_path, timeout=300)
    assert p.returncode == 0, p.stderr
    r = imagenet.top1(str(out / "mlperf_log_accuracy.json"), np.load(os.path.join(tf_digits_dir, "labels.npy")))
    assert r.total >= 1024 and r.accuracy > 90


def test_frozen_graph_like_mlperfs_resnet50_pb(tf_digits_dir, tmp_path):
    import tensorflow as tf
    from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2
    loaded = tf.saved_model.load(os.path.join(tf_digits_dir, "saved_model"))  # keep its variables alive
    fn = loaded.signatures["serving_default"]
    frozen = convert_variables_to_constants_v2(fn)
    pb = tmp_path / "frozen.pb"
    pb.write_bytes(frozen.graph.as_graph_def().SerializeToString())
    inp, out = frozen.inputs[0].name, frozen.outputs[0].name
    b = get_backend("tf").load(str(pb), inp, out)
    x = np.load(os.path.join(tf_digits_dir, "inputs.npy"))[:16]
    ort_b = get_backend("onnxruntime").load(os.path.join(tf_digits_dir, "model.onnx"))
    np.testing.assert_allclose(b.predict(x), ort_b.predict(x), rtol=1e-4, atol=1e-4)
    with pytest.raises(ModelFileError, match="no usable tensors"):
        get_backend("tf").load(str(pb), "input_tensor:0", "ArgMax:0")
    (tmp_path / "junk.pb").write_bytes(b"\xff\xfe not a graph")
    with pytest.raises(ModelFileError, match="junk.pb"):
        get_backend("tf").load(str(tmp_path / "junk.pb"), "a:0", "b:0")

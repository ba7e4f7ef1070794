"""The tf backend with the official TF model forms, on stand-ins (one module: TensorFlow's import is
the slow part): BERT's frozen model.pb (input_ids:0, input_mask:0, segment_ids:0 -> logits:0) through
the span-logits encoder, and 3D-UNet's SavedModel (input -> output) through the sliding window."""
import numpy as np
import pytest


def _frozen_bert(path, table_start, table_end):
    tf = pytest.importorskip("tensorflow")
    from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

    spec = [tf.TensorSpec([None, 384], tf.int64, name=n) for n in ("input_ids", "input_mask", "segment_ids")]

    @tf.function(input_signature=spec)
    def model(input_ids, input_mask, segment_ids):
        seg = tf.cast(segment_ids, tf.float32) * tf.cast(input_mask, tf.float32)
        start = tf.gather(tf.constant(table_start), input_ids) * seg
        end = tf.gather(tf.constant(table_end), input_ids) * seg
        return tf.identity(tf.stack([start, end], axis=-1), name="logits")

    frozen = convert_variables_to_constants_v2(model.get_concrete_function())
    with open(path, "wb") as f:
        f.write(frozen.graph.as_graph_def().SerializeToString())
    return path


def test_frozen_bert_feeds_by_name_and_splits_logits(tmp_path):
    from cmperf.mlperf.backends import get_backend
    from cmperf.mlperf.errors import ModelFileError
    from cmperf.mlperf.responses import SpanLogits

    start, end = np.zeros(10, np.float32), np.zeros(10, np.float32)
    start[3], end[7] = 10.0, 10.0
    path = _frozen_bert(str(tmp_path / "model.pb"), start, end)
    b = get_backend("tf").load(path, ["input_ids:0", "input_mask:0", "segment_ids:0"], "logits:0")
    ids = np.zeros((2, 384), np.int64)
    ids[0, 5], ids[0, 9], ids[1, 1] = 3, 7, 3
    batch = {"input_ids": ids, "input_mask": np.ones_like(ids), "segment_ids": np.ones_like(ids)}
    logits = b.predict(batch)
    assert logits.shape == (2, 384, 2)
    rows = SpanLogits(384, stacked=True)(logits).reshape(2, 384, 2)
    assert rows[0, 5, 0] == 10 and rows[0, 9, 1] == 10 and rows[1, 1, 0] == 10 and rows.sum() == 30
    with pytest.raises(ModelFileError, match="no usable tensors"):
        get_backend("tf").load(path, ["input_ids:0", "token_type_ids:0"], "logits:0")


def test_unet_savedmodel_through_the_sliding_window(tmp_path):
    """3D-UNet's TF form is a SavedModel (3dunet_kits19_128x128x128.tf.zip): a stand-in with the
    ONNX model's names and the same per-voxel logits as standins.unet_standin."""
    tf = pytest.importorskip("tensorflow")
    from cmperf.mlperf.backends import get_backend
    from cmperf.mlperf.kits19.sliding_window import SlidingWindow

    class Unet(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None, 1, 128, 128, 128], tf.float32, name="input")])
        def serve(self, input):   # noqa: A002  (the official input name)
            return {"output": tf.concat([input * 0.0, input - 0.5, 2.0 * input - 3.0], axis=1)}

    m = Unet()
    tf.saved_model.save(m, str(tmp_path / "unet"), signatures={"serving_default": m.serve})
    b = SlidingWindow(get_backend("tf").load(str(tmp_path / "unet"), "input", "output"))
    vol = np.full((1, 1, 128, 128, 128), -1.0, np.float32)
    vol[..., 10:20, 10:20, 10:20] = 1.0
    vol[..., 30:40, 30:40, 30:40] = 2.6
    seg = b.predict(vol)
    assert int((seg == 1).sum()) == 1000 and int((seg == 2).sum()) == 1000 and seg[0, 0, 10, 10, 10] == 1

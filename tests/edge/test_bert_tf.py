"""BERT's official TF frozen graph interface (input_ids:0, input_mask:0, segment_ids:0 -> logits:0)
through the tf backend and the span-logits encoder, on a stand-in frozen graph."""
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

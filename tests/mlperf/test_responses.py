"""Response encoders: the bytes LoadGen logs per sample are what the accuracy scripts decode."""
import binascii

import numpy as np
import pytest

from cmperf.mlperf.responses import ClassIndex, SpanLogits, for_spec
from cmperf.mlperf.registry import model_spec
from cmperf.mlperf.squad.loadgen_log import decode_logits


def test_class_index_from_scores_and_argmax_with_label_offset():
    scores = np.array([[0.1, 0.9, 0.0], [0.8, 0.1, 0.1]], np.float32)
    rows = ClassIndex("scores")(scores)
    assert rows.dtype == np.int32 and rows.shape == (2, 1) and rows[:, 0].tolist() == [1, 0]
    # resnet50's ArgMax output counts the background class: 1..1000 -> 0..999
    assert ClassIndex("argmax", label_offset=1)(np.array([[5], [1]], np.int64))[:, 0].tolist() == [4, 0]
    with pytest.raises(ValueError, match="unknown output kind"):
        ClassIndex("boxes")


def test_span_logits_rows_decode_as_the_squad_accuracy_log(tmp_path):
    start = np.arange(2 * 384, dtype=np.float32).reshape(2, 384)
    end = -start
    rows = SpanLogits(384)([start, end])
    assert rows.dtype == np.float32 and rows.shape == (2, 768)
    log = tmp_path / "mlperf_log_accuracy.json"
    log.write_text("[" + ",".join(
        f'{{"seq_id": {i}, "qsl_idx": {i}, "data": "{binascii.hexlify(r.tobytes()).decode().upper()}"}}'
        for i, r in enumerate(rows)) + "]")
    decoded = decode_logits(str(log), 2, 384)
    assert (decoded[1][0] == start[1]).all() and (decoded[1][1] == end[1]).all()


def test_span_logits_refuse_outputs_of_another_shape():
    enc = SpanLogits(384)
    with pytest.raises(ValueError, match="two outputs"):
        enc(np.zeros((2, 384, 2), np.float32))
    with pytest.raises(ValueError, match=r"must both be \[2, 384\]"):
        enc([np.zeros((2, 128), np.float32), np.zeros((2, 128), np.float32)])


def test_registry_picks_the_encoder_of_each_model():
    assert isinstance(for_spec(model_spec("digits-mlp")), ClassIndex)
    bert = for_spec(model_spec("bert-99"))
    assert isinstance(bert, SpanLogits) and bert.width == 768

"""RNN-T: transcripts as the reference SUT returns them (int64 vocabulary indices) and the WER step
of the harness scorer. (The harness itself waits for pytorch: the reference model is PyTorch-only.)"""
import json

import numpy as np
import pytest

from cmperf.mlperf.accuracy.score import score_run
from cmperf.mlperf.accuracy.wer import RNNT_VOCAB
from cmperf.mlperf.responses import Transcript, for_spec
from cmperf.mlperf.registry import harness_spec, model_spec
from cmperf.mlperf.errors import HarnessNotImplementedError


def test_transcripts_scored_as_word_error_rate(tmp_path):
    truth = ["he hoped there would be stew", "for dinner turnips and carrots"]
    said = ["he hoped there would be stew", "for winner turnips and carrots"]
    (tmp_path / "manifest.json").write_text(json.dumps([{"transcript": t} for t in truth]))
    enc = for_spec(dict(model_spec("rnnt"), response="transcript"))
    assert isinstance(enc, Transcript) and enc.variable
    rows = enc([[RNNT_VOCAB.index(c) for c in s] for s in said], [0, 1])
    assert [r.dtype for r in rows] == [np.int64, np.int64]
    log = [{"seq_id": i, "qsl_idx": i, "data": r.tobytes().hex().upper()} for i, r in enumerate(rows)]
    (tmp_path / "mlperf_log_accuracy.json").write_text(json.dumps(log))
    score = score_run(model_spec("rnnt"), str(tmp_path), str(tmp_path), "int64")
    assert score.value == pytest.approx(100 * (1 - 1 / 11)) and score.covered == 2   # 1 of 11 words wrong
    first = (tmp_path / "accuracy.txt").read_text().splitlines()[0]
    assert first == f"Word Error Rate: {100 / 11:.3f}%, accuracy={100 * 10 / 11:.3f}%"


def test_rnnt_harness_waits_for_pytorch():
    with pytest.raises(HarnessNotImplementedError, match="harness not implemented yet for rnnt"):
        harness_spec("rnnt")

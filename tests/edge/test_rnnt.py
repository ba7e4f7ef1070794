"""RNN-T: transcripts as the reference SUT returns them (int64 vocabulary indices) and the WER step
of the harness scorer; the model is the reference's PyTorch one only (test_rnnt_model.py, test_rnnt_run.py)."""
import json

import numpy as np
import pytest

from cmperf.mlperf.accuracy.score import score_run
from cmperf.mlperf.accuracy.wer import RNNT_VOCAB
from cmperf.mlperf.responses import Transcript, for_spec
from cmperf.mlperf.registry import model_spec


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


def test_rnnt_runs_on_pytorch_only():
    from cmperf.mlperf import spec
    from cmperf.mlperf.errors import UnknownChoiceError
    m = spec.harness_model("rnnt")
    assert m.check_backend("pytorch") == "pytorch" and m.submission_rounds() == ("v3.1",)
    with pytest.raises(UnknownChoiceError, match="backend for rnnt 'onnxruntime'.*pytorch"):
        m.check_backend("onnxruntime")


def _wav(path, seconds, rate=16000):
    import wave
    os_dir = path.parent
    os_dir.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"\0\0" * int(seconds * rate))


def test_librispeech_manifest_keeps_utterances_up_to_15_s(tmp_path):
    from cmperf.mlperf.accuracy.wer import load_manifest
    from cmperf.mlperf.errors import DatasetError
    from cmperf.mlperf.librispeech import manifest
    chapter = tmp_path / "dev-clean" / "84" / "121123"
    _wav(chapter / "84-121123-0000.wav", 2.0)
    _wav(chapter / "84-121123-0001.wav", 15.5)            # longer than the QSL's 15 s: dropped
    _wav(chapter / "84-121123-0002.wav", 0.5)
    (chapter / "84-121123.trans.txt").write_text(
        "84-121123-0000 GO DO YOU HEAR\n84-121123-0001 A LONG ONE\n84-121123-0002 BUT IN LESS THAN FIVE MINUTES'\n")
    assert manifest.build(str(tmp_path / "dev-clean"), str(tmp_path / "out")) == (2, 3)
    assert load_manifest(str(tmp_path / "out" / "manifest.json")) == ["go do you hear", "but in less than five minutes'"]
    (chapter / "84-121123-0002.wav").unlink()
    (chapter / "84-121123-0002.flac").write_bytes(b"fLaC")
    import shutil
    if shutil.which("sox") is None:
        with pytest.raises(DatasetError, match="needs the sox program"):
            manifest.build(str(tmp_path / "dev-clean"), str(tmp_path / "out2"))
    _wav(chapter / "84-121123-0000.wav", 1.0, rate=8000)
    with pytest.raises(DatasetError, match="8000 Hz"):
        manifest.build(str(tmp_path / "dev-clean"), str(tmp_path / "out3"))

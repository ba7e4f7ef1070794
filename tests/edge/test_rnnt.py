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
    assert m.check_backend("pytorch") == "pytorch" and m.submission_rounds() == ("v3.1", "v4.0")   # retired after v4.0
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


def test_word_error_rate_pins_the_reference_algorithm(tmp_path):
    """accuracy_eval.py: word-level Levenshtein distance summed over samples / reference words summed;
    manifest entries over 15 s are not samples (its Manifest's max_duration=15.0)."""
    manifest = [{"transcript": "a b c d", "original_duration": 3.0},
                {"transcript": "never scored", "original_duration": 15.5},
                {"transcript": "e f", "original_duration": 15.0},
                {"transcript": "it's the end", "original_duration": 1.0}]
    said = ["a x c d e",       # b -> x, e inserted: 2
            "",                # both words deleted: 2
            "its the end"]     # one substitution: 1
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    log = [{"seq_id": i, "qsl_idx": i, "data": np.array([RNNT_VOCAB.index(c) for c in s], np.int64).tobytes().hex()}
           for i, s in enumerate(said)]
    (tmp_path / "mlperf_log_accuracy.json").write_text(json.dumps(log))
    score = score_run(model_spec("rnnt"), str(tmp_path), str(tmp_path), "int64")
    assert score.covered == 3 and score.details["wer"] == pytest.approx(100 * 5 / 9)
    assert (tmp_path / "accuracy.txt").read_text().splitlines()[0] == \
        "Word Error Rate: 55.556%, accuracy=44.444%"
    import re
    from cmperf.submission.rounds import WER_PATTERN   # what the official checker reads from it
    assert float(re.match(WER_PATTERN, (tmp_path / "accuracy.txt").read_text()).group(1)) == 44.444


def test_audio_qsl_checks_every_file_before_the_run(tmp_path):
    pytest.importorskip("torch")
    from cmperf.mlperf.errors import DatasetError
    from cmperf.mlperf.rnnt.qsl import AudioQSL
    from .test_rnnt_model import tone, write_wav
    with pytest.raises(DatasetError, match="manifest.json' does not exist"):
        AudioQSL(str(tmp_path), 10)
    write_wav(tmp_path / "a.wav", tone(0.5))
    write_wav(tmp_path / "b.wav", tone(0.3))
    entries = [{"transcript": "a", "original_duration": 0.5, "files": [{"fname": "a.wav"}]},
               {"transcript": "x", "original_duration": 20.0, "files": [{"fname": "gone.wav"}]},   # > 15 s: skipped
               {"transcript": "b", "original_duration": 0.3, "files": [{"fname": str(tmp_path / "b.wav")}]}]
    (tmp_path / "manifest.json").write_text(json.dumps(entries))
    qsl = AudioQSL(str(tmp_path), 10)
    assert (qsl.total_count, qsl.performance_count) == (2, 2)
    qsl.load_samples([1, 0])
    batch = qsl.batch([1, 0])
    assert [len(w) for w in batch] == [4800, 8000] and batch.shape == (2, 8000) and batch.dtype == np.float32
    entries[0]["files"][0]["fname"] = "missing.wav"
    (tmp_path / "manifest.json").write_text(json.dumps(entries))
    with pytest.raises(DatasetError, match="missing.wav.*does not exist"):
        AudioQSL(str(tmp_path), 10)
    write_wav(tmp_path / "missing.wav", tone(0.01))
    with pytest.raises(DatasetError, match="too short"):
        AudioQSL(str(tmp_path), 10)

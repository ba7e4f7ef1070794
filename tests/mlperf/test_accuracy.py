import hashlib
import json

import numpy as np
import pytest

from cmperf.mlperf.accuracy import imagenet
from cmperf.mlperf.errors import DatasetError, LoadGenError


def _log(path, preds, dtype=np.int32, dup=()):
    entries = [{"seq_id": i, "qsl_idx": i, "data": np.array([p], dtype).tobytes().hex().upper()}
               for i, p in enumerate(preds)]
    entries += [dict(entries[i], seq_id=100 + i) for i in dup]
    path.write_text(json.dumps(entries))
    return str(path)


def test_top1_counts_each_sample_once(tmp_path):
    log = _log(tmp_path / "acc.json", [1, 2, 3, 0], dup=[0, 1])
    r = imagenet.top1(log, np.array([1, 2, 0, 0]))
    assert (r.good, r.total) == (3, 4)
    assert r.log_sha256 == hashlib.sha256(open(log, "rb").read()).hexdigest()
    lines = r.text().splitlines()
    assert lines[0] == "accuracy=75.000%, good=3, total=4" and lines[1] == f"hash={r.log_sha256}"


def test_float32_responses_and_val_map(tmp_path):
    log = _log(tmp_path / "acc.json", [5, 7], dtype=np.float32)
    vm = tmp_path / "val_map.txt"
    vm.write_text("a.JPEG 5\nb.JPEG 6\n")
    r = imagenet.top1(log, imagenet.load_labels(str(vm)), "float32")
    assert (r.good, r.total) == (1, 2)


def test_cli_writes_accuracy_txt(tmp_path, run_module):
    log = _log(tmp_path / "acc.json", [0, 1])
    np.save(tmp_path / "labels.npy", np.array([0, 1]))
    p = run_module("cmperf.mlperf.accuracy.imagenet", "--mlperf-accuracy-file", log,
                   "--labels", tmp_path / "labels.npy", "--output", tmp_path / "accuracy.txt")
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "accuracy.txt").read_text().startswith("accuracy=100.000%, good=2, total=2\nhash=")


def test_bad_inputs(tmp_path):
    with pytest.raises(DatasetError, match="labels file"):
        imagenet.load_labels(str(tmp_path / "none.npy"))
    with pytest.raises(LoadGenError, match="accuracy log"):
        imagenet.top1(str(tmp_path / "missing.json"), np.array([0]))
    log = _log(tmp_path / "acc.json", [0, 1, 2])
    with pytest.raises(DatasetError, match="sample index 2"):
        imagenet.top1(log, np.array([0, 1]))


def _speech_log(path, texts):
    from cmperf.mlperf.accuracy.wer import RNNT_VOCAB
    entries = [{"seq_id": i, "qsl_idx": i,
                "data": np.array([RNNT_VOCAB.index(c) for c in t], np.int64).tobytes().hex().upper()}
               for i, t in enumerate(texts)]
    path.write_text(json.dumps(entries))
    return str(path)


def test_word_error_rate(tmp_path):
    from cmperf.mlperf.accuracy import wer
    assert wer.edit_distance("a b c".split(), "a x c d".split()) == 2
    (tmp_path / "manifest.json").write_text(json.dumps(
        [{"transcript": "hello world"}, {"transcript": "it's a good day"}]))
    log = _speech_log(tmp_path / "acc.json", ["hello word", "it's a good day"])
    rate, n = wer.word_error_rate(log, wer.load_manifest(str(tmp_path / "manifest.json")))
    assert n == 2 and rate == pytest.approx(1 / 6)
    text = wer.accuracy_text(rate, log)
    assert text.startswith("Word Error Rate: 16.667%, accuracy=83.333%\nhash=")
    with pytest.raises(DatasetError, match="manifest"):
        wer.load_manifest(str(tmp_path / "acc.json"))

import hashlib
import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from cmperf.mlperf.squad.accuracy import main
from cmperf.mlperf.squad.examples import read_squad_examples
from cmperf.mlperf.squad.feature_store import load_features
from cmperf.mlperf.squad.tokenization import FullTokenizer, load_vocab

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The v3.1 submission checker's pattern for bert accuracy.txt.
CHECKER_F1 = re.compile(r"^{[\"\']exact_match[\"\']\:\s*[\d\.]+,\s*[\"\']f1[\"\']\:\s*([\d\.]+)}")


@pytest.fixture
def run_setup(features_dir, squad_json, vocab_file):
    features, _ = load_features(str(features_dir))
    tok = FullTokenizer(load_vocab(vocab_file))
    examples = read_squad_examples(squad_json)
    return features, tok, examples


def args_for(log, features_dir, squad_json, vocab_file, *extra):
    return ["--mlperf-accuracy-file", str(log), "--features-dir", str(features_dir),
            "--squad-json", str(squad_json), "--vocab", str(vocab_file), *extra]


def scores_of(path):
    lines = path.read_text().splitlines()
    return json.loads(lines[0]), lines


def test_logits_on_the_answers_score_100(tmp_path, run_setup, features_dir, squad_json, vocab_file,
                                         span_logits, write_accuracy_log):
    features, tok, examples = run_setup
    log = write_accuracy_log(tmp_path / "mlperf_log_accuracy.json",
                             span_logits(features, tok, lambda e: examples[e].answers[0]))
    out = tmp_path / "accuracy" / "accuracy.txt"
    env = dict(os.environ, PYTHONPATH=ROOT)
    run = subprocess.run([sys.executable, "-m", "cmperf.mlperf.squad.accuracy",
                          *args_for(log, features_dir, squad_json, vocab_file, "--out", str(out))],
                         capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr
    scores, lines = scores_of(out)
    assert scores == {"exact_match": 100.0, "f1": 100.0}
    assert CHECKER_F1.match(lines[0]).group(1) == "100.0"
    assert lines[1] == "hash=" + hashlib.sha256(log.read_bytes()).hexdigest()
    assert len(lines) == 2
    assert run.stdout == out.read_text()


def test_logits_elsewhere_lower_em_and_f1_by_the_known_amount(tmp_path, run_setup, features_dir,
                                                              squad_json, vocab_file, span_logits,
                                                              write_accuracy_log):
    features, tok, examples = run_setup
    ids = [e.qas_id for e in examples]

    def text(e):
        if ids[e] == "q-date":
            return "February 7, 2016, at"          # F1 6/7 against "February 7, 2016"
        if ids[e] == "q-broncos":
            return "Carolina Panthers"             # wrong team: 0
        return examples[e].answers[0]

    log = write_accuracy_log(tmp_path / "log.json", span_logits(features, tok, text))
    out = tmp_path / "accuracy.txt"
    preds = tmp_path / "predictions.json"
    assert main(args_for(log, features_dir, squad_json, vocab_file, "--out", str(out),
                         "--predictions-out", str(preds))) == 0
    scores, _ = scores_of(out)
    assert scores["exact_match"] == pytest.approx(100 * 4 / 6)
    assert scores["f1"] == pytest.approx(100 * (4 + 6 / 7) / 6)
    predictions = json.loads(preds.read_text())
    assert predictions["q-broncos"] == "Carolina Panthers"
    assert predictions["q-date"] == "February 7, 2016, at"


def test_missing_responses_score_zero_for_their_questions(tmp_path, run_setup, features_dir,
                                                          squad_json, vocab_file, span_logits,
                                                          write_accuracy_log, capsys):
    features, tok, examples = run_setup
    logits = span_logits(features, tok, lambda e: examples[e].answers[0])
    kept = {i: v for i, v in logits.items() if features.example_index[i] != 0}
    log = write_accuracy_log(tmp_path / "log.json", kept)
    assert main(args_for(log, features_dir, squad_json, vocab_file)) == 0
    out = capsys.readouterr()
    assert json.loads(out.out.splitlines()[0])["exact_match"] == pytest.approx(100 * 5 / 6)
    assert f"{len(kept)} features with responses, 6 questions scored" in out.err


def test_float16_responses_and_duplicates_last_wins(tmp_path, run_setup, features_dir, squad_json,
                                                    vocab_file, span_logits, write_accuracy_log):
    features, tok, examples = run_setup
    good = span_logits(features, tok, lambda e: examples[e].answers[0])
    log = write_accuracy_log(tmp_path / "log.json", good, dtype=np.float16)
    records = json.loads(log.read_text())
    bad = dict(records[0], data=np.zeros((384, 2), np.float16).tobytes().hex().upper())
    log.write_text(json.dumps([bad] + records))   # the later, good response must win
    out = tmp_path / "acc.txt"
    assert main(args_for(log, features_dir, squad_json, vocab_file, "--out", str(out),
                         "--output-dtype", "float16")) == 0
    assert scores_of(out)[0] == {"exact_match": 100.0, "f1": 100.0}


def _one_record_log(tmp_path, record):
    path = tmp_path / "log.json"
    path.write_text(json.dumps([record]))
    return path


@pytest.mark.parametrize("make_log, message", [
    (lambda d: d / "none.json", "LoadGen accuracy log not found: .*none.json"),
    (lambda d: (d / "t.json").write_text('[{"seq_id": 0, "qsl_idx": 0, "da') and d / "t.json",
     "t.json is not valid JSON"),
    (lambda d: (d / "o.json").write_text('{"a": 1}') and d / "o.json", "is not a JSON array"),
    (lambda d: _one_record_log(d, {"seq_id": 0, "qsl_idx": 999, "data": "00" * 3072}),
     "qsl_idx 999 is outside the .* samples"),
    (lambda d: _one_record_log(d, {"seq_id": 0, "qsl_idx": 0, "data": "XYZ"}), "'data' is not hex"),
    (lambda d: _one_record_log(d, {"seq_id": 0, "qsl_idx": 0, "data": "00" * 6}),
     "6 response bytes are not pairs of float32"),
    (lambda d: _one_record_log(d, {"seq_id": 0, "qsl_idx": 0, "data": "00" * 8 * 400}),
     "more than max_seq_length 384"),
    (lambda d: _one_record_log(d, {"seq_id": 0, "data": "00"}), "lacks 'qsl_idx' or 'data'"),
])
def test_malformed_logs_fail_clearly_without_writing(tmp_path, features_dir, squad_json, vocab_file,
                                                     capsys, make_log, message):
    log = make_log(tmp_path)
    out = tmp_path / "accuracy.txt"
    assert main(args_for(log, features_dir, squad_json, vocab_file, "--out", str(out))) == 2
    assert re.search(message, capsys.readouterr().err)
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".accuracy.txt")] == []


def test_mismatched_vocab_or_dataset_is_refused(tmp_path, run_setup, features_dir, squad_json,
                                                vocab_file, span_logits, write_accuracy_log, capsys):
    features, tok, examples = run_setup
    log = write_accuracy_log(tmp_path / "log.json",
                             span_logits(features, tok, lambda e: examples[e].answers[0]))
    other_vocab = tmp_path / "other-vocab.txt"
    other_vocab.write_text(vocab_file.read_text() + "extra\n")
    assert main(args_for(log, features_dir, squad_json, other_vocab)) == 2
    assert "differs from the one the features" in capsys.readouterr().err
    other_json = tmp_path / "other.json"
    data = json.loads(squad_json.read_text())
    data["data"][0]["paragraphs"][0]["qas"][0]["id"] = "renamed"
    other_json.write_text(json.dumps(data))
    assert main(args_for(log, features_dir, other_json, vocab_file)) == 2
    assert "SQuAD json" in capsys.readouterr().err
    assert main(args_for(log, tmp_path / "no-features", squad_json, vocab_file)) == 2
    assert "features dir not found" in capsys.readouterr().err
    assert main(args_for(log, features_dir, tmp_path / "gone.json", vocab_file)) == 2
    assert "SQuAD json file not found" in capsys.readouterr().err


def test_question_with_empty_context_gets_no_features_and_scores_zero(tmp_path, squad_json, vocab_file,
                                                                      span_logits, write_accuracy_log):
    from cmperf.mlperf.squad.preprocess import preprocess
    data = json.loads(squad_json.read_text())
    data["data"].append({"title": "blank", "paragraphs": [{"context": "  ", "qas": [
        {"id": "q-blank", "question": "Anything?", "answers": [{"text": "x", "answer_start": 0}]}]}]})
    blank_json = tmp_path / "blank.json"
    blank_json.write_text(json.dumps(data))
    preprocess(str(blank_json), str(vocab_file), str(tmp_path / "feat"))
    features, manifest = load_features(str(tmp_path / "feat"))
    assert manifest["num_examples"] == 7 and 6 not in features.example_index.tolist()
    tok = FullTokenizer(load_vocab(vocab_file))
    examples = read_squad_examples(blank_json)
    log = write_accuracy_log(tmp_path / "log.json",
                             span_logits(features, tok, lambda e: examples[e].answers[0]))
    out = tmp_path / "acc.txt"
    assert main(args_for(log, tmp_path / "feat", blank_json, vocab_file, "--out", str(out))) == 0
    assert scores_of(out)[0]["exact_match"] == pytest.approx(100 * 6 / 7)

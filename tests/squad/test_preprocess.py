import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from cmperf.mlperf.squad.errors import SquadError
from cmperf.mlperf.squad.examples import read_squad_examples
from cmperf.mlperf.squad.feature_store import load_features
from cmperf.mlperf.squad.preprocess import main, preprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_cli_writes_arrays_and_manifest(tmp_path, squad_json, vocab_file):
    out = tmp_path / "feat"
    env = dict(os.environ, PYTHONPATH=ROOT)
    run = subprocess.run([sys.executable, "-m", "cmperf.mlperf.squad.preprocess",
                          "--squad-json", str(squad_json), "--vocab", str(vocab_file),
                          "--output-dir", str(out)], capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["num_examples"] == 6
    assert manifest["qas_ids"][0] == "q-broncos"
    assert manifest["max_seq_length"] == 384 and manifest["doc_stride"] == 128
    assert manifest["max_query_length"] == 64
    assert len(manifest["sources"]["vocab_sha256"]) == 64
    ids = np.load(out / "input_ids.npy")
    assert ids.shape == (manifest["num_features"], 384) and manifest["num_features"] > 6
    assert f"wrote {manifest['num_features']} features for 6 questions" in run.stdout
    # nothing but the final dir is left next to it
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".tmp")) == []


def test_round_trip_and_max_examples(tmp_path, squad_json, vocab_file):
    manifest = preprocess(str(squad_json), str(vocab_file), str(tmp_path / "f2"), max_examples=2)
    features, loaded = load_features(str(tmp_path / "f2"))
    assert loaded == manifest
    assert manifest["qas_ids"] == ["q-broncos", "q-date"]
    assert set(features.example_index.tolist()) == {0, 1}
    assert len(read_squad_examples(squad_json, max_examples=2)) == 2


def test_existing_output_is_kept_unless_overwrite(tmp_path, squad_json, vocab_file):
    out = tmp_path / "f"
    preprocess(str(squad_json), str(vocab_file), str(out), max_examples=1)
    assert main(["--squad-json", str(squad_json), "--vocab", str(vocab_file),
                 "--output-dir", str(out)]) == 2
    assert json.loads((out / "manifest.json").read_text())["num_examples"] == 1
    assert main(["--squad-json", str(squad_json), "--vocab", str(vocab_file),
                 "--output-dir", str(out), "--overwrite"]) == 0
    assert json.loads((out / "manifest.json").read_text())["num_examples"] == 6
    assert [p.name for p in tmp_path.iterdir() if ".tmp" in p.name or ".old" in p.name] == []


@pytest.mark.parametrize("content, message", [
    (None, "SQuAD json not found: .*missing.json"),
    ("{not json", "SQuAD json .*bad.json is not valid JSON"),
    ('{"version": "1.1"}', "has no 'data' list"),
    ('{"data": [{"paragraphs": [{"qas": []}]}]}', r"data\[0\].paragraphs\[0\] has no 'context'"),
    ('{"data": [{"paragraphs": [{"context": "a", "qas": [{"id": "x", "answers": []}]}]}]}',
     r"qas\[0\] has no 'question'"),
])
def test_bad_squad_json_is_reported_and_nothing_written(tmp_path, capsys, vocab_file, content, message):
    name = "missing.json" if content is None else "bad.json"
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    out = tmp_path / "out"
    assert main(["--squad-json", str(path), "--vocab", str(vocab_file), "--output-dir", str(out)]) == 2
    assert re.search(message, capsys.readouterr().err)
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".tmp")] == []


def test_missing_vocab_and_bad_vocab(tmp_path, squad_json, capsys):
    out = tmp_path / "out"
    assert main(["--squad-json", str(squad_json), "--vocab", str(tmp_path / "v.txt"),
                 "--output-dir", str(out)]) == 2
    assert "vocab file not found" in capsys.readouterr().err
    (tmp_path / "v.txt").write_text("hello\nworld\n")
    assert main(["--squad-json", str(squad_json), "--vocab", str(tmp_path / "v.txt"),
                 "--output-dir", str(out)]) == 2
    assert "lacks the BERT special tokens [CLS], [SEP], [UNK]" in capsys.readouterr().err
    assert not out.exists()


def test_loading_a_damaged_features_dir_names_the_problem(features_dir):
    os.remove(features_dir / "token_to_orig.npy")
    with pytest.raises(SquadError, match="token_to_orig.npy is missing"):
        load_features(str(features_dir))
    (features_dir / "manifest.json").write_text("{")
    with pytest.raises(SquadError, match="manifest.json is not valid JSON"):
        load_features(str(features_dir))
    with pytest.raises(SquadError, match="features dir not found"):
        load_features(str(features_dir) + "-nope")

"""The CSV importer: generic columns, and a clear error for every kind of bad file."""
import os

import pytest

from cmperf.report.errors import DataError
from cmperf.report.importer import read_csv
from cmperf.report.store import load_published, published_csv

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HEADER = ["division", "submitter", "system_name", "model", "scenario", "result"]


def test_subset_csvs_import_with_their_own_columns(published):
    dse = load_published("deepsparse-bert99-batchsize-dse")
    assert len(dse) == 98
    row = next(r for r in dse if r.get("max_batchsize") == "128"
               and r.get("sparse_model") == "obert-large-pruned95_quant-none-vnni")
    # the README's cross-checked DeepSparse value; division comes from the results path
    assert (row.value, row.model, row.division) == (129.347, "bert-99", "open")
    apple = load_published("apple-m1-metal-vs-onnxruntime")
    assert {r.get("backend") for r in apple} >= {"onnxruntime (CPU)"}


def test_newer_round_with_reordered_and_extra_columns(write_csv):
    path = write_csv("v4.0.csv", ["result", "scenario", "model", "system_name", "new_column"],
                     [["12.5", "singlestream", "resnet50", "Box", "x"]])
    (r,) = read_csv(path, round_name="v4.0")
    assert (r.value, r.scenario, r.round, r.get("new_column")) == (12.5, "SingleStream", "v4.0", "x")
    assert r.metric == "latency_ms_p90_early_stopping_estimate"


def test_missing_file():
    with pytest.raises(DataError, match="results file not found: /nonexistent/x.csv"):
        read_csv("/nonexistent/x.csv")


def test_missing_required_column(write_csv):
    path = write_csv("bad.csv", ["system_name", "model", "scenario"], [["Box", "resnet50", "Offline"]])
    with pytest.raises(DataError, match=r"bad.csv: missing column\(s\) result"):
        read_csv(path)


@pytest.mark.parametrize("row,message", [
    (["closed", "X", "Box", "resnet50", "Offline", "fast"], r"bad.csv:2: result 'fast' is not a number"),
    (["closed", "X", "Box", "resnet50", "Sometimes", "1"], r"bad.csv:2: unknown scenario 'Sometimes'"),
    (["closed", "X", "Box", "", "Offline", "1"], r"bad.csv:2: empty 'model'"),
    (["closed", "X", "Box", "resnet50", "Offline", "-3"], r"bad.csv:2: result -3.0 must be positive"),
    (["closed", "X", "Box", "resnet50", "Offline", "1", "extra"], r"bad.csv:2: more fields"),
])
def test_malformed_rows_name_file_and_line(write_csv, row, message):
    path = write_csv("bad.csv", HEADER, [row])
    with pytest.raises(DataError, match=message):
        read_csv(path)


def test_empty_and_binary_files(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(DataError, match="empty.csv: empty file"):
        read_csv(str(empty))
    header_only = tmp_path / "header.csv"
    header_only.write_text(",".join(HEADER) + "\n")
    with pytest.raises(DataError, match="header.csv: no result rows"):
        read_csv(str(header_only))
    binary = tmp_path / "bin.csv"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(DataError, match="bin.csv: not a UTF-8"):
        read_csv(str(binary))


def test_unknown_round_and_subset():
    with pytest.raises(DataError, match="no published results for round 'v9.9'.*v3.1"):
        published_csv(round_name="v9.9")
    with pytest.raises(DataError, match="no subset 'nope'"):
        published_csv("nope")


def test_published_data_found_through_registered_repos(tmp_path, monkeypatch):
    """A non-editable install has no cm-repo/ next to the package: the registered CM repositories
    (what cmperf-setup writes into repos.json) are searched instead."""
    import json

    from cmperf.report import store as store_mod
    monkeypatch.setattr(store_mod, "DATA_REPO", str(tmp_path / "not-there"))
    home = tmp_path / "CM"
    home.mkdir()
    (home / "repos.json").write_text(json.dumps([str(tmp_path / "other"), os.path.join(ROOT, "cm-repo")]))
    monkeypatch.setenv("CM_REPOS", str(home))
    path = store_mod.published_csv(repo=store_mod.DATA_REPO)
    assert path.endswith("mlperf-inference-v3.1-edge.csv") and os.path.isfile(path)

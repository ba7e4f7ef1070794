"""Fixtures of the report tests: the shipped published CSVs and small hand-made CSVs."""
import csv
import os

import pytest

from cmperf.report import store as store_mod

DATA_DIR = os.path.join(store_mod.DATA_REPO, "experiment", "mlperf-inference-v3.1-edge-published")
MAIN_CSV = os.path.join(DATA_DIR, "mlperf-inference-v3.1-edge.csv")


def raw_rows(name="mlperf-inference-v3.1-edge.csv"):
    """The CSV rows as plain dicts, read independently of the importer."""
    with open(os.path.join(DATA_DIR, name), newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="session")
def read_raw():
    return raw_rows


@pytest.fixture(scope="session")
def published():
    return store_mod.load_published()


@pytest.fixture(scope="session")
def main_rows():
    return raw_rows()


@pytest.fixture
def write_csv(tmp_path):
    """Write rows (a header list + row lists) to a CSV under tmp_path and return its path."""
    def write(name, header, rows):
        path = tmp_path / name
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(header)
            w.writerows(rows)
        return str(path)
    return write


TINY_LOADGEN = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                            "experiment", "tiny_loadgen.py")


@pytest.fixture(scope="session")
def loadgen_runs(tmp_path_factory):
    """Real LoadGen logs of a trivial SUT, one run per scenario: {scenario: run directory}."""
    import subprocess
    import sys
    base = tmp_path_factory.mktemp("loadgen")
    runs = {}
    for scenario in ("Offline", "SingleStream", "MultiStream"):
        out = base / scenario
        subprocess.run([sys.executable, TINY_LOADGEN, "--scenario", scenario, "--out", str(out),
                        "--batch", "8"], check=True, capture_output=True, timeout=60)
        runs[scenario] = str(out)
    return runs


@pytest.fixture
def results_dir(tmp_path, loadgen_runs):
    """An MLPerf results directory (architecture layout) holding the Offline run as digits-mlp."""
    import json
    import shutil
    sut = tmp_path / "results" / "mybox-reference-cpu-onnxruntime-v1.23-default_config"
    run = sut / "digits-mlp" / "offline" / "performance" / "run_1"
    shutil.copytree(loadgen_runs["Offline"], run)
    (sut / "cm-sut-info.json").write_text(json.dumps({
        "system_name": "My box", "framework": "onnxruntime", "framework_version": "1.23",
        "implementation": "reference", "device": "cpu", "host_processor_model_name": "Some CPU"}))
    return str(tmp_path / "results")

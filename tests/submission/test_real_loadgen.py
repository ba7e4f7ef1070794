"""End to end on real LoadGen logs: a short test run of the digits SUT (loadgen_run.py, one
LoadGen test per subprocess) -> generate -> our checker names exactly a test run's violations."""
import os
import subprocess
import sys

import pytest

from cmperf.submission import generate
from cmperf.loadgen_logs import parse_detail_log, parse_summary_log

pytest.importorskip("mlperf_loadgen")
HERE = os.path.dirname(os.path.abspath(__file__))


def _loadgen(results, mode, seeds, cache):
    subprocess.run([sys.executable, os.path.join(HERE, "loadgen_run.py"), "--results-dir", results,
                    "--mode", mode, "--seeds", seeds, "--predictions-cache", cache],
                   check=True, capture_output=True, timeout=120)


@pytest.fixture(scope="module", params=["v3.1", "v6.1"])
def real_results(request, tmp_path_factory, digits_predictions_cache):
    results = str(tmp_path_factory.mktemp("real") / "results")
    for mode in ("performance", "accuracy"):
        _loadgen(results, mode, request.param, digits_predictions_cache)
    return request.param, results


def test_parser_reads_real_logs(real_results):
    version, results = real_results
    run = os.path.join(results, "testcpu-cmperf-cpu-sklearn-v1-default_config", "digits-mlp", "offline",
                       "performance", "run_1")
    log = parse_detail_log(os.path.join(run, "mlperf_log_detail.txt"))
    assert log["effective_scenario"] == "Offline" and log.errors == []
    assert parse_summary_log(os.path.join(run, "mlperf_log_summary.txt")).scenario == "Offline"


def test_short_run_has_only_test_run_violations(real_results, tmp_path, user_system_file):
    version, results = real_results
    user = user_system_file
    args = generate.build_parser().parse_args([
        "--results-dir", results, "--submission-dir", str(tmp_path / "sub"), "--submitter", "TestOrg",
        "--version", version, "--system-json", user, "--test-run"])
    report = generate.generate(args, out=lambda *_: None)
    expected = {"v3.1": ["perf.min-duration", "perf.samples-per-query"],
                # v6.1: the digits held-out set is not ImageNet's 50000 images; open Offline needs no 24576.
                "v6.1": ["accuracy.dataset-size", "perf.min-duration"]}[version]
    assert report.rules() == expected, [str(f) for f in report.errors]
    [row] = report.results
    assert float(row.accuracy) > 80 and row.value > 0


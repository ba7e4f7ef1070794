"""The acceptance case on real logs (a stored full-length LoadGen run, no LoadGen needed)."""
import os

from cmperf.submission import generate
from cmperf.loadgen_logs import parse_detail_log

HERE = os.path.dirname(os.path.abspath(__file__))

FULL = os.path.join(HERE, "data", "full-offline-v3.1")


def test_full_length_real_run_is_a_clean_v31_open_submission(tmp_path, user_system_file):
    """The acceptance case on real logs: a 600 s, VALID Offline run with the v3.1 seeds."""
    perf = parse_detail_log(os.path.join(FULL, "testcpu-cmperf-cpu-sklearn-v1-default_config", "digits-mlp",
                                         "offline", "performance", "run_1", "mlperf_log_detail.txt"))
    assert perf["result_validity"] == "VALID" and perf["effective_min_duration_ms"] == 600000
    args = generate.build_parser().parse_args([
        "--results-dir", FULL, "--submission-dir", str(tmp_path / "sub"), "--submitter", "TestOrg",
        "--version", "v3.1", "--system-json", user_system_file])
    report = generate.generate(args, out=lambda *_: None)
    assert report.ok, [str(f) for f in report.errors]
    [row] = report.results
    assert row.validity == "VALID" and row.accuracy == "92.890" and 40 < row.value < 50


HARNESS_VALID = os.path.join(HERE, "data", "digits-mlp-valid-v3.1")


def test_the_embedded_default_as_a_valid_v31_open_submission(tmp_path, user_system_file):
    """Issue 5's acceptance on the project's own harness: digits-mlp, Offline, run_style valid,
    `--round v3.1`, onnxruntime on one thread (stored logs of that 600 s+ run, 2026-11-28)."""
    sut = "cmperf-vm-reference-cpu-onnxruntime-v1.32.0-default_config"
    perf = parse_detail_log(os.path.join(HARNESS_VALID, sut, "digits-mlp", "offline", "performance", "run_1",
                                         "mlperf_log_detail.txt"))
    assert perf["result_validity"] == "VALID" and perf["effective_min_duration_ms"] >= 600000
    assert perf["effective_samples_per_query"] >= 24576
    args = generate.build_parser().parse_args([
        "--results-dir", HARNESS_VALID, "--submission-dir", str(tmp_path / "sub"), "--submitter", "TestOrg",
        "--version", "v3.1", "--system-json", user_system_file])
    report = generate.generate(args, out=lambda *_: None)
    assert report.ok and not report.errors, [str(f) for f in report.errors]
    [row] = report.results
    assert row.validity == "VALID" and row.accuracy == "95.801" and row.value > 40000

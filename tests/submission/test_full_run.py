"""The acceptance case on real logs (a stored full-length LoadGen run, no LoadGen needed)."""
import os

from cmperf.submission import generate
from cmperf.submission.logs import parse_detail_log

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

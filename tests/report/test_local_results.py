"""Results of local runs from real LoadGen logs, and their place beside the published rows."""

import pytest

from cmperf.report import rankings
from cmperf.report.errors import DataError, NoDataError
from cmperf.report.loadgen_logs import parse_summary, read_run
from cmperf.report.local import read_results_dir


def _summary_value(run_dir, key):
    for line in open(f"{run_dir}/mlperf_log_summary.txt"):
        if line.strip().lstrip("* ").startswith(key):
            return float(line.split(":", 1)[1])
    return None


def test_offline_value_is_the_summary_samples_per_second(loadgen_runs):
    run = read_run(loadgen_runs["Offline"])
    assert run["scenario"] == "Offline"
    assert run["value"] == _summary_value(loadgen_runs["Offline"], "Samples per second")
    assert run["loadgen_version"]


@pytest.mark.parametrize("scenario,pct", [("SingleStream", "90.0"), ("MultiStream", "99.0")])
def test_latency_in_ms_prefers_the_early_stopping_estimate(loadgen_runs, scenario, pct):
    run = read_run(loadgen_runs[scenario])
    estimate = _summary_value(loadgen_runs[scenario], f"Early stopping {pct}th percentile estimate")
    plain = _summary_value(loadgen_runs[scenario], f"{pct}th percentile latency (ns)")
    expected = estimate if estimate is not None else plain
    assert run["early_stopping"] == (estimate is not None)
    assert run["value"] == pytest.approx(expected / 1e6)


def test_missing_and_malformed_summaries(tmp_path):
    with pytest.raises(DataError, match="nothing/mlperf_log_summary.txt: LoadGen summary log not found"):
        read_run(str(tmp_path / "nothing"))
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "mlperf_log_summary.txt").write_text("hello : world\n")
    with pytest.raises(DataError, match="not the summary of a finished performance run"):
        parse_summary(str(bad / "mlperf_log_summary.txt"))
    (bad / "mlperf_log_summary.txt").write_text("MLPerf Results Summary\nScenario : Offline\nResult is : VALID\n")
    with pytest.raises(DataError, match="no Offline metric line"):
        read_run(str(bad))
    (bad / "mlperf_log_summary.txt").write_text("MLPerf Results Summary\nScenario : Offline\n"
                                                 "Samples per second: lots\nResult is : VALID\n")
    with pytest.raises(DataError, match="'Samples per second' is 'lots', not a number"):
        read_run(str(bad))


def test_results_dir_and_model_mapping(results_dir, loadgen_runs):
    (r,) = read_results_dir(results_dir, {"digits-mlp": "resnet50"})
    assert (r.model, r.scenario, r.system_name, r.origin) == ("resnet50", "Offline", "My box", "local")
    assert r.value == read_run(loadgen_runs["Offline"])["value"]
    assert r.framework == "onnxruntime 1.23" and r.get("local_model") == "digits-mlp"


def test_local_result_ranked_beside_published(published, results_dir):
    (local,) = read_results_dir(results_dir, {"digits-mlp": "resnet50"})
    ranked = rankings.top(published, "resnet50", "Offline", n=3, extra=[local])
    published_ranked = rankings.rank(published.require("resnet50", "Offline", "closed"))
    expected_rank = 1 + sum(1 for x in published_ranked if x.value > local.value)
    assert [x.rank for x in ranked[:3]] == [1, 2, 3]
    (mine,) = [x for x in ranked if x.result is local]
    assert mine.rank == expected_rank


def test_empty_and_broken_results_dirs(tmp_path):
    with pytest.raises(DataError, match="results directory not found"):
        read_results_dir(str(tmp_path / "missing"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(NoDataError, match="no performance run"):
        read_results_dir(str(tmp_path / "empty"))
    sut = tmp_path / "broken" / "sut"
    sut.mkdir(parents=True)
    (sut / "cm-sut-info.json").write_text("{not json")
    with pytest.raises(DataError, match="cm-sut-info.json is not valid JSON"):
        read_results_dir(str(tmp_path / "broken"))

"""The typed run: Scenario, ModelSpec, RunSpec validation, SUT configs and the run-mlperf plan hooks."""
import importlib.util
import io
import json
import os

import pytest

from cmperf.mlperf import run as mlrun
from cmperf.mlperf import spec, spec_env, sut_config
from cmperf.mlperf.errors import ConfigError, HarnessNotImplementedError, UnknownChoiceError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_one_scenario_type_carries_metric_unit_and_direction():
    ss, off = spec.scenario("singlestream"), spec.scenario("Offline")
    assert (ss.metric, ss.unit, ss.direction, ss.target, ss.percentile) == ("p90_latency_ms", "ms", "lower", "latency", 90)
    assert (off.metric, off.unit, off.direction, off.target) == ("samples_per_second", "samples/s", "higher", "qps")
    assert ss.better(1.0, 2.0) and off.better(2.0, 1.0) and ss.dirname == "singlestream"
    assert spec.scenarios("Offline,SingleStream,offline") == (off, ss)
    with pytest.raises(UnknownChoiceError, match="unknown scenario 'Batch'"):
        spec.scenario("Batch")
    from cmperf.mlperf import registry
    assert registry.SCENARIOS == spec.SCENARIO_NAMES   # the registry re-exports, not redefines


def test_model_spec_declares_its_plug_points_and_rounds():
    m = spec.model("digits-mlp")
    assert m.qsl == "cmperf.mlperf.qsl:array_qsl" and m.scorer.endswith("score:score_run")
    assert spec.model("bert-99").qsl == "cmperf.mlperf.qsl:squad_qsl"
    assert spec.model("resnet50-random").qsl.endswith("random_pool_qsl")
    assert m.submission_rounds() == ("v3.1", "v4.0", "v4.1")   # 1024 held-out digits cannot meet v6.1's 50000
    why = m.round_refusal("v6.1")
    assert "50000" in why and "1024" in why and "Rounds digits-mlp can pass: v3.1, v4.0, v4.1" in why
    assert m.round_refusal("v3.1") is None
    assert spec.model("bert-99").submission_rounds() == ("v3.1", "v4.0", "v4.1", "v5.0", "v5.1", "v6.1")
    assert [s.name for s in m.required_scenarios("v3.1", "edge")] == ["SingleStream", "MultiStream", "Offline"]
    assert [s.name for s in spec.model("bert-99").required_scenarios("v6.1", "edge")] == ["SingleStream", "Offline"]


def test_runspec_is_built_and_checked_once(tmp_path):
    r = spec.RunSpec.build("digits-mlp", scenarios="Offline,SingleStream", modes="both",
                           targets={"offline": "120"}, results_dir=str(tmp_path), batch_size="8")
    assert r.target("Offline") == spec.Target(120.0, "flag") and r.target("SingleStream") is None
    assert r.batch_size == 8 and r.modes == ("performance", "accuracy") and os.path.isabs(r.results_dir)
    with pytest.raises(Exception):
        r.backend = "tf"                                # frozen
    assert json.loads(json.dumps(r.to_dict()))["scenarios"] == ["Offline", "SingleStream"]
    for kw, pattern in [({"backend": "mxnet"}, "unknown backend"), ({"device": "fpga"}, "unknown device"),
                        ({"run_style": "quick"}, "unknown execution_mode"), ({"batch_size": "0"}, "batch_size must be"),
                        ({"targets": {"Offline": "-1"}}, "Offline target must be > 0"),
                        ({"precision": "int8"}, "unknown precision"), ({"round": "v9"}, "unknown MLPerf round"),
                        ({"compliance_test": "TEST01"}, "go together")]:
        with pytest.raises((ConfigError, UnknownChoiceError), match=pattern):
            spec.RunSpec.build("digits-mlp", **kw)
    with pytest.raises(UnknownChoiceError, match="backend for rnnt 'onnxruntime'; choices: pytorch"):
        spec.RunSpec.build("rnnt")


def test_a_submission_refuses_test_mode_and_rounds_the_model_cannot_pass():
    with pytest.raises(ConfigError, match="not a benchmark result"):
        spec.RunSpec.build("digits-mlp", submission=True, run_style="test")
    with pytest.raises(ConfigError, match="Rounds digits-mlp can pass: v3.1"):
        spec.RunSpec.build("digits-mlp", submission=True, run_style="valid", round="v6.1")
    assert spec.RunSpec.build("digits-mlp", submission=True, run_style="test", allow_test_submission=True)


def _customize(script):
    path = os.path.join(ROOT, "script", script, "customize.py")
    mod_spec = importlib.util.spec_from_file_location(f"customize_{script.replace('-', '_')}", path)
    mod = importlib.util.module_from_spec(mod_spec)
    mod_spec.loader.exec_module(mod)
    return mod


APP_ENV = {"CM_MLPERF_IMPLEMENTATION": "reference", "CM_MLPERF_BACKEND": "onnxruntime", "CM_MLPERF_DEVICE": "cpu",
           "CM_MLPERF_LOADGEN_SCENARIO": "Offline", "CM_MLPERF_RUN_STYLE": "test",
           "CM_MLPERF_SUBMISSION_DIVISION": "open", "CM_MLPERF_SUBMISSION_SYSTEM_TYPE": "edge",
           "CM_MLPERF_MODEL_PRECISION": "float32"}


def test_plan_hook_refuses_impossible_submissions_before_anything_runs():
    hooks = _customize("run-mlperf-inference-app")
    plan = hooks.plan
    sub = dict(APP_ENV, CM_MLPERF_SUBMISSION_GENERATION="yes")
    r = plan({"env": dict(sub), "input": {}, "state": {}})
    assert r["return"] == 1 and "--test_submission=yes" in r["error"]
    r = plan({"env": dict(sub, CM_MLPERF_RUN_STYLE="valid", CM_MLPERF_SUBMISSION_ROUND="v6.1"), "input": {}, "state": {}})
    assert r["return"] == 1 and "Rounds digits-mlp can pass: v3.1" in r["error"]
    env = dict(sub, CM_MLPERF_RUN_STYLE="valid")
    assert plan({"env": env, "input": {}, "state": {}})["return"] == 0 and "CM_MLPERF_SUBMISSION_ROUND" not in env
    assert hooks.preprocess({"env": env, "input": {}, "state": {}})["return"] == 0
    assert env["CM_MLPERF_SUBMISSION_ROUND"] == "v3.1"    # the default round is one the model can pass


def test_app_plan_says_what_a_valid_run_will_do(tmp_path, monkeypatch):
    monkeypatch.setenv("CM_REPOS", str(tmp_path / "CM"))
    plan = _customize("app-mlperf-inference").plan
    env = {"CM_MLPERF_MODEL": "digits-mlp", "CM_MLPERF_LOADGEN_SCENARIOS": "Offline,SingleStream",
           "CM_MLPERF_RUN_STYLE": "valid", "CM_MLPERF_RESULTS_DIR": str(tmp_path / "r"), "CM_HW_NAME": "box",
           "CM_MLPERF_LOADGEN_SINGLESTREAM_TARGET_LATENCY": "2"}
    r = plan({"env": env, "input": {}, "state": {}})
    texts = [a["text"] for a in r["actions"]]
    assert r["return"] == 0 and any("Offline: no SUT config" in t and "calibration" in t for t in texts)
    assert not any(t.startswith("SingleStream") for t in texts)   # a flag target needs nothing
    assert not os.path.exists(tmp_path / "r")                       # side-effect free
    bad = plan({"env": dict(env, CM_MLPERF_LOADGEN_MAX_BATCHSIZE="zero"), "input": {}, "state": {}})
    assert bad["return"] == 1 and "batch_size must be an integer" in bad["error"]


def test_find_performance_stores_a_sut_config_and_a_valid_run_uses_it(tmp_path, digits_dir, monkeypatch):
    monkeypatch.setenv("CM_REPOS", str(tmp_path / "CM"))
    base = ["--model", "digits-mlp", "--results-dir", str(tmp_path / "res"), "--dataset-dir", digits_dir,
            "--threads", "1", "--hw-name", "box", "--mode", "performance"]
    out = io.StringIO()
    (rec,) = mlrun.run(base + ["--find-performance", "--test-query-count", "64"], out=out)
    stored = json.loads(open(sut_config.path(spec.RunSpec.build("digits-mlp", hw_name="box", threads=1),
                                             "Offline")).read())
    assert stored["how"] == "find-performance" and stored["target_key"] == "target_qps"
    assert stored["target"] == pytest.approx(rec["result"]["value"] * sut_config.QPS_MARGIN, rel=1e-5)
    assert "stored as the SUT config" in out.getvalue()
    # a valid run (shortened by explicit overrides) asks LoadGen for the stored target and says so
    out = io.StringIO()
    (rec,) = mlrun.run(base + ["--run-style", "valid", "--min-duration", "500", "--min-query-count", "64"], out=out)
    assert rec["target"]["source"].startswith("find-performance measured")
    conf = open(os.path.join(rec["dir"], "user.conf")).read()
    assert float(conf.split("resnet50.Offline.target_qps = ")[1].split()[0]) == pytest.approx(stored["target"], rel=1e-4)
    assert "from find-performance measured" in out.getvalue() and "test run" not in out.getvalue()


def test_a_valid_run_without_a_sut_config_calibrates_first(tmp_path, digits_dir, monkeypatch):
    monkeypatch.setenv("CM_REPOS", str(tmp_path / "CM"))
    monkeypatch.setattr(sut_config, "CALIBRATION_S", 0.3)
    events = []
    from cmperf.core import progress
    previous = progress.set_sink(events.append)
    try:
        s = spec.RunSpec.build("digits-mlp", scenarios="SingleStream", modes="performance", run_style="valid",
                               results_dir=str(tmp_path / "res"), dataset_dir=digits_dir, threads=1,
                               min_duration_ms=300, min_query_count=32, max_duration_ms=5000)
        (rec,) = mlrun.execute(s, out=io.StringIO())
    finally:
        progress.set_sink(previous)
    notes = [e["text"] for e in events if e["event"] == "note"]
    assert any("calibrating" in n and "SingleStream" in n for n in notes)   # announced
    assert rec["target"]["source"].startswith("calibration measured")
    assert os.path.isfile(sut_config.path(s, "SingleStream"))
    done = [e for e in events if e["event"] == "task_done"]
    assert done and all(e["unit"] == "samples" and "mode" in e for e in done)   # progress of each LoadGen run


def test_submission_summary_singlestream_p90_is_never_a_bare_zero():
    """A short SingleStream run has no early-stopping estimate (LoadGen logs 0): the summary shows the
    measured p90, as the run's own table does, not 0."""
    from types import SimpleNamespace
    from cmperf.submission.checker.performance import metric_of

    class Log(dict):
        path = "x/mlperf_log_detail.txt"
    ctx = SimpleNamespace(rules=SimpleNamespace(layout="v3"), rel=lambda p: p,
                          report=SimpleNamespace(error=lambda *a: None))
    log = Log({"early_stopping_latency_ss": 0, "result_90.00_percentile_latency_ns": 311000})
    assert metric_of(ctx, log, "SingleStream", "SingleStream") == ("latency_ms_p90", 0.311, False)
    log["early_stopping_latency_ss"] = 420000
    assert metric_of(ctx, log, "SingleStream", "SingleStream") == ("latency_ms_p90", 0.42, False)

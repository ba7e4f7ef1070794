"""Compliance: audit.config per test, our performance/accuracy verification, and (real LoadGen)
that LoadGen really applies our audit.config."""
import json
import os
import subprocess
import sys

import pytest

from cmperf.submission import rounds
from cmperf.submission.compliance import (AuditConfigError, audit_config_text, verify_accuracy,
                                          verify_performance, write_verification)
from cmperf.submission.compliance.__main__ import main as compliance_main

HERE = os.path.dirname(os.path.abspath(__file__))
V31 = rounds.get_round("v3.1")


def test_audit_configs():
    t05 = audit_config_text("TEST05", "v3.1", "resnet50")
    assert f"*.*.qsl_rng_seed = {V31.test05_seeds.qsl}" in t05 and "*.*.mode = 2" in t05
    t04 = audit_config_text("TEST04", "v6.1", "resnet")
    assert "*.Offline.performance_issue_same = 1" in t04 and "*.Offline.performance_issue_same_index = 3" in t04
    from cmperf.mlperf import spec
    assert rounds.SCENARIOS == spec.SCENARIO_NAMES       # the rounds re-export the one list, not a copy
    assert [s for s in spec.SCENARIO_NAMES if f"*.{s}.performance_issue_same_index = 3" in t04] == list(spec.SCENARIO_NAMES)
    assert "accuracy_log_sampling_target" in audit_config_text("TEST01", "v3.1", "resnet50")
    with pytest.raises(AuditConfigError, match="v6.1"):
        audit_config_text("TEST05", "v6.1", "resnet50")
    with pytest.raises(AuditConfigError, match="TEST99"):
        audit_config_text("TEST99", "v3.1", "resnet50")


@pytest.mark.parametrize("test,version,message", [
    ("TEST04", "v3.1", "TEST04 is not a v3.1 compliance test for bert-99 .it needs TEST01, TEST05"),
    ("TEST05", "v6.1", "TEST05 is not a v6.1 compliance test for bert-99 .it needs TEST01"),
    ("TEST01", "v6.1", "no sourced TEST01 audit.config for bert-99"),   # not resnet's values by default
])
def test_bert_audit_configs(test, version, message):
    with pytest.raises(AuditConfigError, match=message):
        audit_config_text(test, version, "bert-99")
    assert "*.*.qsl_rng_seed" in audit_config_text("TEST05", "v3.1", "bert-99")


def _pair(tmp_path, logs, scenario, ref, test, **test_overrides):
    key = {"Offline": "result_samples_per_second", "SingleStream": "early_stopping_latency_ss",
           "MultiStream": "early_stopping_latency_ms"}[scenario]
    r, t = str(tmp_path / "ref.txt"), str(tmp_path / "test.txt")
    logs.write_detail_log(r, logs.perf_values(V31, scenario, **{key: ref}))
    logs.write_detail_log(t, logs.perf_values(V31, scenario, **{key: test, **test_overrides}))
    return r, t


@pytest.mark.parametrize("test,scenario,ref,value,passed", [
    ("TEST01", "Offline", 1000.0, 1050.0, True),
    ("TEST01", "Offline", 1000.0, 850.0, False),
    ("TEST01", "Offline", 1000.0, 1150.0, False),
    ("TEST04", "Offline", 1000.0, 1150.0, False),      # much faster when reusing one sample: caching
    ("TEST04", "Offline", 1000.0, 700.0, True),
    ("TEST04", "SingleStream", 5_000_000, 4_000_000, False),   # latency 20 % lower
    ("TEST04", "SingleStream", 150_000, 130_000, True),        # <= 0.2 ms: 20 % tolerance
    ("TEST05", "Offline", 1000.0, 940.0, False),
    ("TEST05", "Offline", 1000.0, 960.0, True),
    ("TEST05", "MultiStream", 5_000_000, 5_200_000, True),
    ("TEST05", "MultiStream", 5_000_000, 5_400_000, False),
])
def test_verify_performance_thresholds(tmp_path, logs, test, scenario, ref, value, passed):
    res = verify_performance(test, *_pair(tmp_path, logs, scenario, ref, value))
    assert res.passed is passed, res.text()
    assert res.text().rstrip().endswith("TEST PASS" if passed else "TEST FAIL")


def test_verify_performance_invalid_and_mismatch(tmp_path, logs):
    r, t = _pair(tmp_path, logs, "Offline", 1000.0, 1000.0, result_validity="INVALID")
    assert not verify_performance("TEST01", r, t).passed
    r, t = _pair(tmp_path, logs, "Offline", 1000.0, 1000.0, effective_scenario="Server",
                 result_completed_samples_per_sec=1000.0)
    assert "scenario mismatch" in verify_performance("TEST01", r, t).text()
    assert "cannot verify" in verify_performance("TEST01", r, str(tmp_path / "none")).text()


def _acc_log(path, pairs):
    with open(path, "w") as f:
        json.dump([{"seq_id": i, "qsl_idx": q, "data": d} for i, (q, d) in enumerate(pairs)], f)
    return str(path)


def test_verify_accuracy(tmp_path):
    ref = _acc_log(tmp_path / "a.json", [(0, "01000000"), (1, "02000000"), (2, "03000000")])
    ok = _acc_log(tmp_path / "b.json", [(2, "03000000"), (0, "01000000")])
    bad = _acc_log(tmp_path / "c.json", [(2, "03000000"), (1, "07000000")])
    none = _acc_log(tmp_path / "d.json", [(9, "03000000")])
    assert verify_accuracy(ref, ok).passed
    res = verify_accuracy(ref, bad)
    assert not res.passed and "mismatching responses = 1" in res.text()
    assert not verify_accuracy(ref, none).passed


def _loadgen(cwd, results, mode, cache, test=None):
    argv = [sys.executable, os.path.join(HERE, "loadgen_run.py"), "--results-dir", results, "--mode", mode,
            "--seeds", "v3.1", "--predictions-cache", cache] + (["--test", test] if test else [])
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.path.dirname(os.path.dirname(HERE)),
                                                       os.environ.get("PYTHONPATH", "")]))
    subprocess.run(argv, check=True, capture_output=True, timeout=120, cwd=cwd, env=env)


@pytest.fixture(scope="module")
def real_compliance(tmp_path_factory, digits_predictions_cache):
    pytest.importorskip("mlperf_loadgen")
    base = tmp_path_factory.mktemp("compliance")
    results = str(base / "results")
    _loadgen(str(base), results, "performance", digits_predictions_cache)
    _loadgen(str(base), results, "accuracy", digits_predictions_cache)
    for test in ("TEST01", "TEST04", "TEST05"):
        cwd = base / test
        cwd.mkdir()
        assert compliance_main(["audit-config", "--test", test, "--version", "v3.1", "--model", "resnet50",
                                "--out", str(cwd)]) == 0
        _loadgen(str(cwd), results, "performance", digits_predictions_cache, test)
    return os.path.join(results, "testcpu-cmperf-cpu-sklearn-v1-default_config", "digits-mlp", "offline")


def _detail(path):
    from cmperf.loadgen_logs import parse_detail_log
    return parse_detail_log(os.path.join(path, "performance", "run_1", "mlperf_log_detail.txt"))


def test_loadgen_applies_our_audit_configs(real_compliance):
    t05 = _detail(os.path.join(real_compliance, "TEST05"))
    assert t05["effective_qsl_rng_seed"] == V31.test05_seeds.qsl
    assert t05["effective_schedule_rng_seed"] == V31.test05_seeds.schedule
    assert _detail(os.path.join(real_compliance, "TEST04"))["effective_performance_issue_same"] is True
    t01 = _detail(os.path.join(real_compliance, "TEST01"))
    assert t01["effective_accuracy_log_sampling_target"] == 256


def test_real_test01_accuracy_verifies(real_compliance):
    results = write_verification("TEST01", real_compliance, os.path.join(real_compliance, "TEST01"))
    acc = results["verify_accuracy.txt"]
    assert acc.passed, acc.text()
    assert open(os.path.join(real_compliance, "TEST01", "verify_accuracy.txt")).read().endswith("TEST PASS\n")

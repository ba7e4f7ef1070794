"""Real LoadGen tests of digits-mlp, each in its own process."""
import json
import os

import numpy as np
import pytest

from cmperf.mlperf import logparse
from cmperf.mlperf.accuracy import imagenet

SCENARIOS = ["Offline", "SingleStream", "MultiStream", "Server"]


def _job(tmp_path, **kw):
    """A HarnessJob file (what cmperf.mlperf.run hands the harness process)."""
    from cmperf.mlperf.spec import HarnessJob
    path = tmp_path / f"job-{kw['scenario']}-{kw['mode']}.json"
    path.write_text(HarnessJob(**kw).to_json())
    return path


def _harness(run_module, tmp_path, digits_dir, conf, scenario, mode, cwd=None, timeout=120, **extra):
    out = tmp_path / f"{scenario}-{mode}"
    job = _job(tmp_path, model="digits-mlp", backend="onnxruntime", device="cpu", scenario=scenario, mode=mode,
               user_conf=str(conf), output_dir=str(out), dataset_dir=digits_dir, threads=1,
               result_file=str(tmp_path / "result.json"), **extra)
    p = run_module("cmperf.mlperf.harness", job, cwd=cwd or tmp_path, timeout=timeout)
    return p, out


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_performance_run_in_every_scenario(scenario, run_module, tmp_path, digits_dir, user_conf_file):
    conf = user_conf_file(scenario, test_query_count=32, target_qps=2000)
    p, out = _harness(run_module, tmp_path, digits_dir, conf, scenario, "performance", batch_size=4)
    assert p.returncode == 0, p.stderr
    r = logparse.parse_dir(str(out))
    assert r.scenario == scenario and r.mode == "performance"
    assert r.value and r.value > 0
    assert r.validity in ("VALID", "INVALID") and (r.valid or r.invalid_reasons)
    assert r.seeds["qsl_rng_seed"] != 0  # mlperf.conf was loaded before user.conf
    info = json.loads((out / "run.json").read_text())
    assert info["backend"]["backend"] == "onnxruntime"
    assert info["batch_size"] == (1 if scenario == "SingleStream" else 4)  # one sample per SingleStream query
    assert info["inference_error_count"] == 0
    assert (out / "user.conf").read_text() == open(conf).read()
    expected = {"Offline": 32, "SingleStream": 32, "MultiStream": 32 * 8, "Server": 32}[scenario]
    assert info["samples_completed"] == expected


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_accuracy_run_in_every_scenario(scenario, run_module, tmp_path, digits_dir, user_conf_file):
    conf = user_conf_file(scenario, test_query_count=16, target_qps=4000)
    p, out = _harness(run_module, tmp_path, digits_dir, conf, scenario, "accuracy", batch_size=8)
    assert p.returncode == 0, p.stderr
    labels = np.load(os.path.join(digits_dir, "labels.npy"))
    r = imagenet.top1(str(out / "mlperf_log_accuracy.json"), labels)
    assert r.total == len(labels) >= 1024
    assert r.accuracy > 90.0


def test_invalid_run_is_reported_with_loadgens_reason(run_module, tmp_path, digits_dir):
    conf = tmp_path / "invalid.conf"
    # a 5 s minimum duration that 50 samples at an expected 1 qps can never fill
    conf.write_text("resnet50.Offline.target_qps = 1\nresnet50.Offline.min_duration = 5000\n"
                    "resnet50.Offline.min_query_count = 50\nresnet50.Offline.max_query_count = 50\n")
    p, out = _harness(run_module, tmp_path, digits_dir, str(conf), "Offline", "performance")
    assert p.returncode == 0, p.stderr
    r = logparse.parse_dir(str(out))
    assert r.validity == "INVALID" and not r.valid
    assert "min duration not satisfied" in r.invalid_reasons
    assert any("Increase expected QPS" in x for x in r.invalid_reasons)


def test_stray_audit_config_is_refused(run_module, tmp_path, digits_dir, user_conf_file):
    (tmp_path / "audit.config").write_text("*.*.mode = 2\n")
    p, out = _harness(run_module, tmp_path, digits_dir, user_conf_file("Offline"), "Offline", "performance")
    assert p.returncode == 2 and "audit.config" in p.stderr and "compliance" in p.stderr
    assert not out.exists()


def test_explicit_audit_config_is_used(run_module, tmp_path, digits_dir, user_conf_file):
    audit = tmp_path / "TEST04-audit.config"
    audit.write_text("*.*.performance_issue_same = 1\n*.*.performance_issue_same_index = 3\n")
    p, out = _harness(run_module, tmp_path, digits_dir, user_conf_file("Offline", test_query_count=8),
                      "Offline", "performance", audit_conf=str(audit), cwd=tmp_path / "..")
    assert p.returncode == 0, p.stderr
    assert logparse.parse_dir(str(out)).settings["performance_issue_same"] is True


def _bad_job(run_module, tmp_path, user_conf_file, **kw):
    base = dict(model="digits-mlp", backend="onnxruntime", device="cpu", scenario="Offline", mode="performance",
                user_conf=user_conf_file("Offline"), output_dir=str(tmp_path / "out"),
                result_file=str(tmp_path / "result.json"))
    base.update(kw)
    p = run_module("cmperf.mlperf.harness", _job(tmp_path, **base), cwd=tmp_path)
    return p, json.loads((tmp_path / "result.json").read_text())


@pytest.mark.parametrize("kw,pattern", [
    ({"model": "resnet51"}, "unknown model 'resnet51'; choices:.*digits-mlp"),
    ({"model": "rnnt"}, "backend for rnnt 'onnxruntime'; choices: pytorch"),
    ({"scenario": "Batch"}, "unknown scenario 'Batch'; choices: MultiStream, Offline"),
    ({"backend": "mxnet"}, "unknown backend 'mxnet'; choices:.*onnxruntime"),
    ({"device": "fpga"}, "unknown device 'fpga'; choices: cpu"),
    ({"mode": "accuracy", "model": "resnet50-random"}, "performance-only"),
])
def test_bad_choices(kw, pattern, run_module, tmp_path, digits_dir, user_conf_file):
    import re
    p, result = _bad_job(run_module, tmp_path, user_conf_file, dataset_dir=digits_dir, **kw)
    assert p.returncode == 2 and result["ok"] is False
    assert re.search(pattern, p.stderr) and re.search(pattern, result["error"]), p.stderr


def test_bad_job_file(run_module, tmp_path):
    (tmp_path / "job.json").write_text('{"model": "digits-mlp", "flavour": 1}')
    p = run_module("cmperf.mlperf.harness", tmp_path / "job.json", cwd=tmp_path)
    assert p.returncode == 2 and "unknown keys: flavour" in p.stderr
    p = run_module("cmperf.mlperf.harness", "--model", "digits-mlp", cwd=tmp_path)
    assert p.returncode == 2 and "usage" in p.stderr   # a job file, not flags


def test_missing_dataset_dir(run_module, tmp_path, user_conf_file):
    p, _ = _bad_job(run_module, tmp_path, user_conf_file, dataset_dir=str(tmp_path / "no-such-dir"))
    assert p.returncode == 2 and "no-such-dir" in p.stderr and "does not exist" in p.stderr


def test_corrupt_model_file(run_module, tmp_path, digits_dir, user_conf_file):
    bad = tmp_path / "model.onnx"
    bad.write_bytes(b"garbage" * 10)
    p, _ = _bad_job(run_module, tmp_path, user_conf_file, dataset_dir=digits_dir, model_path=str(bad))
    assert p.returncode == 2 and str(bad) in p.stderr


def test_one_loadgen_test_per_process(monkeypatch):
    from cmperf.mlperf import loadgen_runner
    from cmperf.mlperf.errors import LoadGenError
    monkeypatch.setattr(loadgen_runner, "_TEST_RAN", True)
    with pytest.raises(LoadGenError, match="one LoadGen test per process"):
        loadgen_runner.run_test(None, None, None, None, "/nonexistent", None)


def test_server_worker_pool_with_batching(run_module, tmp_path, digits_dir, user_conf_file):
    conf = user_conf_file("Server", test_query_count=64, target_qps=3000)
    p, out = _harness(run_module, tmp_path, digits_dir, conf, "Server", "accuracy", batch_size=4, workers=2)
    assert p.returncode == 0, p.stderr
    info = json.loads((out / "run.json").read_text())
    assert info["server_workers"] == 2 and info["samples_completed"] == 1024
    r = imagenet.top1(str(out / "mlperf_log_accuracy.json"), np.load(os.path.join(digits_dir, "labels.npy")))
    assert r.total == 1024 and r.accuracy > 90


def test_old_loadgen_needs_an_mlperf_conf(monkeypatch, tmp_path):
    from cmperf.mlperf import loadgen_runner
    from cmperf.mlperf.errors import ConfigError
    conf = tmp_path / "user.conf"
    conf.write_text("resnet50.Offline.target_qps = 1\n")
    monkeypatch.setattr(loadgen_runner, "loadgen_version", lambda: "4.0.1")
    lg = loadgen_runner.import_loadgen()
    with pytest.raises(ConfigError, match="no built-in mlperf.conf"):
        loadgen_runner.build_settings(lg, str(conf), "resnet50", "Offline", "performance")
    with pytest.raises(ConfigError, match="user.conf .*missing.conf"):
        loadgen_runner.build_settings(lg, str(tmp_path / "missing.conf"), "resnet50", "Offline", "performance")


def test_dataset_that_does_not_fit_the_model(run_module, tmp_path, digits_dir, user_conf_file, r50_random_model):
    import shutil
    # resnet50 expects [N,3,224,224]; the digits dataset holds [N,64] rows
    p, _ = _bad_job(run_module, tmp_path, user_conf_file, model="resnet50", dataset_dir=digits_dir,
                    model_path=r50_random_model)
    assert p.returncode == 2 and "cannot run samples (float32 [64])" in p.stderr, p.stderr
    # a tampered digits dir is caught by its manifest
    bad = tmp_path / "tampered"
    shutil.copytree(digits_dir, bad)
    arr = np.load(bad / "inputs.npy")
    np.save(bad / "inputs.npy", arr[::-1].copy())
    p, _ = _bad_job(run_module, tmp_path, user_conf_file, dataset_dir=str(bad), output_dir=str(tmp_path / "out2"))
    assert p.returncode == 2 and "inputs.npy does not match the sha256" in p.stderr


def test_killed_harness_leaves_the_output_dir_alone(run_module, tmp_path, digits_dir, user_conf_file):
    import subprocess
    out = tmp_path / "Server-performance"
    out.mkdir()
    (out / "from-the-previous-run.txt").write_text("old")
    conf = user_conf_file("Server", test_query_count=500, target_qps=1)  # ~500 s: killed long before
    with pytest.raises(subprocess.TimeoutExpired):
        _harness(run_module, tmp_path, digits_dir, conf, "Server", "performance", timeout=4)
    assert sorted(os.listdir(out)) == ["from-the-previous-run.txt"]


def test_logparse_cli_reports_invalid_with_exit_1(run_module, tmp_path, digits_dir):
    conf = tmp_path / "invalid.conf"
    conf.write_text("resnet50.Offline.target_qps = 1\nresnet50.Offline.min_duration = 5000\n"
                    "resnet50.Offline.min_query_count = 20\nresnet50.Offline.max_query_count = 20\n")
    p, out = _harness(run_module, tmp_path, digits_dir, str(conf), "Offline", "performance")
    assert p.returncode == 0, p.stderr
    q = run_module("cmperf.mlperf.logparse", out)
    assert q.returncode == 1 and "INVALID" in q.stdout and "reason: min duration not satisfied" in q.stdout
    q = run_module("cmperf.mlperf.logparse", tmp_path / "nothing-here")
    assert q.returncode == 2 and "mlperf_log_summary.txt is missing" in q.stderr


def test_offline_run_whose_loadgen_records_cannot_fit_is_refused_before_the_model_loads(
        run_module, tmp_path, digits_dir, user_conf_file):
    """A valid Offline run at 10^9 samples/s would have LoadGen keep records of 6.6e11 samples: refused
    up front (a corrupt model file, which loading would reject, shows the model was not loaded yet)."""
    from cmperf.mlperf import user_conf
    conf = tmp_path / "valid-offline.conf"
    conf.write_text(user_conf.generate("resnet50", "Offline", "valid", target_qps=1e9))
    corrupt = tmp_path / "model.onnx"
    corrupt.write_bytes(b"garbage" * 10)
    p, result = _bad_job(run_module, tmp_path, user_conf_file, dataset_dir=digits_dir, user_conf=str(conf),
                         model_path=str(corrupt))
    assert p.returncode == 2 and result["ok"] is False
    assert "LoadGen would issue 660,000,000,000 samples" in result["error"] and "GiB" in result["error"]
    assert str(corrupt) not in result["error"] and not (tmp_path / "out").exists()


def test_loadgen_memory_estimate():
    from cmperf.mlperf.errors import ConfigError
    from cmperf.mlperf.loadgen_memory import BYTES_PER_ISSUED_SAMPLE, available_bytes, check_issued_samples

    gib = 1024 ** 3
    assert check_issued_samples(None, "Offline", "m", available=gib) == 0          # count unknown: no check
    assert check_issued_samples(100_000, "Offline", "m", available=gib) == 100_000 * BYTES_PER_ISSUED_SAMPLE
    with pytest.raises(ConfigError, match=r"issue 6,000,000 samples .* about 5.6 GiB .* 4.0 GiB of memory"):
        check_issued_samples(6_000_000, "Offline", "digits-mlp", available=4 * gib)
    assert available_bytes() > 0                                                  # Linux: MemAvailable

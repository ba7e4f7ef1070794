"""truncate-mlperf-inference-accuracy-log, preprocess-mlperf-inference-submission,
get-mlperf-inference-sut-description/-sut-configs/-utils and get-mlperf-inference-results through `cm`."""
import hashlib
import json
import subprocess

from .harness import Planner


def _tree(base, size):
    acc = base / "open" / "Org" / "results" / "sut" / "resnet50" / "offline" / "accuracy"
    acc.mkdir(parents=True)
    log = b"[\n" + b",\n".join(b'{"seq_id": %d, "qsl_idx": %d, "data": "00"}' % (n, n) for n in range(size)) + b"\n]\n"
    (acc / "mlperf_log_accuracy.json").write_bytes(log)
    (acc / "accuracy.txt").write_text("accuracy=76.0%, good=380, total=500\n")
    return acc, log


def test_truncation_keeps_the_full_log_and_its_hash(cm):
    acc, log = _tree(cm.work / "submission", 2000)
    rc, data, out = cm("--tags=run,mlc,mlcommons,mlperf,inference,truncate,accuracy-log", "-j")
    assert rc == 0, out
    backup = cm.work / "submission_logs" / "open" / "Org" / "results" / "sut" / "resnet50" / "offline" / "accuracy"
    assert (backup / "mlperf_log_accuracy.json").read_bytes() == log
    assert len((acc / "mlperf_log_accuracy.json").read_bytes()) <= 10 * 1024
    assert (acc / "accuracy.txt").read_text().splitlines()[-1] == "hash=" + hashlib.sha256(log).hexdigest()
    rc, _, out = cm("--tags=truncate,accuracy-log")               # the backup of a first pass is never overwritten
    assert rc != 0 and "not empty" in out


def test_preprocess_checks_before_running_the_official_tool(cm, tmp_path):
    (cm.work / "submission" / "open" / "Org").mkdir(parents=True)
    (cm.work / "submission_processed").mkdir()
    fake_src = tmp_path / "inference"            # a checkout without the tool
    (fake_src / "tools" / "submission").mkdir(parents=True)
    (fake_src / "loadgen").mkdir()
    (fake_src / "mlperf.conf").write_text("*.*.mode = 2\n")
    rc, _, out = cm("--tags=run,mlc,mlcommons,mlperf,inference,submission,preprocess",
                    f"--adr.inference-src.env.CM_MLPERF_INFERENCE_SOURCE_PATH={fake_src}")
    assert rc != 0, out
    assert "preprocess_submission.py" in out or "submission_processed exists" in out


def test_preprocess_plans_the_inference_source(tmp_path, monkeypatch):
    monkeypatch.setenv("CM_REPOS", str(tmp_path / "CM"))
    out = Planner(tmp_path / "CM").plan_input({"tags": "run,mlperf,inference,submission,preprocessor"})
    assert out.planned and "get-mlperf-inference-src" in out.scripts, out


def test_sut_description_and_configs(cm, tmp_path):
    rc, data, out = cm("--tags=get,mlperf,sut,description", "--hw_name=box", "-j")
    assert rc == 0, out
    meta = data["new_state"]["CM_SUT_META"]
    assert meta["system_name"] == "box" and meta["division"] == "open" and meta["host_processor_core_count"]
    assert "status" in data["new_env"]["CM_MLPERF_SUT_DESCRIPTION_MISSING"].split(",")   # only the user knows
    configs = tmp_path / "configs"
    sut = "box-reference-cpu-onnxruntime-vdefault-default_config"
    (configs / sut).mkdir(parents=True)
    (configs / sut / "config.yaml").write_text("resnet50:\n  Offline: {target_qps: 42.5}\n")
    rc, data, out = cm("--tags=get,mlperf,inference,sut,configs", "--hw_name=box", f"--configs_path={configs}",
                       "--model=resnet50", "--scenario=Offline", "-j")
    assert rc == 0, out
    assert data["new_env"]["CM_MLPERF_LOADGEN_TARGET_QPS"] == "42.5" and data["new_env"]["CM_SUT_NAME"] == sut
    rc, data, out = cm("--tags=get,mlperf,inference,sut,configs", "--hw_name=box", f"--configs_path={configs}",
                       "--model=bert-99", "--scenario=Offline", "-j")
    assert rc == 0 and data["new_env"]["CM_SUT_CONFIG_SOURCE"] == "default", out


def test_utils_and_results_of_a_round_from_any_git_remote(cm, tmp_path):
    rc, data, out = cm("--tags=get,mlperf,inference,utils", "-j")
    assert rc == 0 and data["new_env"]["CM_MLPERF_INFERENCE_UTILS_MODULE"] == "cmperf.loadgen_logs", out
    repo = tmp_path / "results-repo"
    (repo / "closed" / "Org").mkdir(parents=True)
    (repo / "closed" / "Org" / "README.md").write_text("results\n")
    for args in (["init", "--quiet"], ["add", "."], ["-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "r"]):
        subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)
    rc, data, out = cm("get mlperf inference results _custom", f"--url={repo}", "--version=v4.1", "-j")
    assert rc == 0, out
    path = data["new_env"]["CM_MLPERF_INFERENCE_RESULTS_PATH"]
    assert open(f"{path}/closed/Org/README.md").read() == "results\n"
    assert data["new_env"]["CM_MLPERF_INFERENCE_RESULTS_VERSION"] == "v4.1"
    rc, _, out = cm("get mlperf inference results _custom")
    assert rc != 0 and "--url" in out
    assert json.dumps(data)  # the -j result is plain JSON

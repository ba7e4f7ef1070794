"""The README's main job, end to end through the real `cm` on the embedded offline default."""
import json
import os
import subprocess
import sys


def test_run_mlperf_inference_on_the_embedded_default(tmp_path):
    env = dict(os.environ, CM_REPOS=str(tmp_path / "CM"), CMPERF_MLPERF_CACHE=str(tmp_path / "mlcache"))
    bindir = os.path.dirname(sys.executable)
    subprocess.run([os.path.join(bindir, "cmperf-setup"), "-q"], env=env, check=True)
    p = subprocess.run([os.path.join(bindir, "cm"), "run", "script", "--tags=run-mlperf,inference", "--quiet",
                        "-j"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-3000:]
    result = json.loads(p.stdout)
    runs = result["new_state"]["mlperf-inference"]["runs"]
    assert [(r["model"], r["result"]["mode"]) for r in runs] == \
        [("digits-mlp", "performance"), ("digits-mlp", "accuracy")]
    perf, acc = runs
    assert perf["result"]["validity"] == "VALID" and perf["result"]["value"] > 0
    assert acc["accuracy"] > 90.0                      # real held-out digits, trained model
    sut = perf["sut"]
    scenario_dir = tmp_path / "results" / sut / "digits-mlp" / "offline"
    for name in ("performance/run_1/mlperf_log_summary.txt", "performance/run_1/mlperf_log_detail.txt",
                 "performance/run_1/user.conf", "accuracy/accuracy.txt", "accuracy/mlperf_log_accuracy.json",
                 "measurements.json", "README.md"):
        assert (scenario_dir / name).is_file(), name
    assert (tmp_path / "results" / sut / "cm-sut-info.json").is_file()
    accuracy_txt = (scenario_dir / "accuracy" / "accuracy.txt").read_text()
    assert accuracy_txt.startswith("accuracy=") and "\nhash=" in accuracy_txt
    assert "| digits-mlp | Offline" in p.stderr        # the result table (stderr under -j)
    assert "(test run: 10 queries, not a benchmark result)" in p.stderr   # never a bare figure
    assert perf["run_style"] == "test" and perf["samples"] == 10
    assert "LoadGen digits-mlp Offline performance: done" in p.stderr   # progress, with its summary line

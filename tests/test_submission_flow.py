"""`run-mlperf,inference,_submission` end to end: results → tree → our checker, through the real cm."""
import csv
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)


def test_a_test_run_submission_names_exactly_the_violations_a_test_run_must_have(tmp_path):
    env = dict(os.environ, CM_REPOS=str(tmp_path / "CM"), CMPERF_MLPERF_CACHE=str(tmp_path / "mlcache"))
    subprocess.run([os.path.join(BIN, "cmperf-setup"), "-q"], env=env, check=True)
    p = subprocess.run([os.path.join(BIN, "cm"), "run", "script", "--tags=run-mlperf,inference,_submission,_r3.1",
                        "--quiet", "--scenario=Offline", "--submitter=TestOrg", "--test_query_count=100", "--test_submission=yes",
                        f"--system_json={ROOT}/docs/system-example.json"],
                       env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    out = p.stdout + p.stderr
    assert p.returncode == 0, out[-3000:]
    tree = tmp_path / "submission" / "open" / "TestOrg"
    assert json.loads((tree / "model_mapping.json").read_text()) == {"digits-mlp": "resnet"}
    (system,) = os.listdir(tree / "systems")
    assert json.loads((tree / "systems" / system).read_text())["submitter"] == "TestOrg"
    violations = sorted({line.split("]")[0].split("[")[1] for line in out.splitlines() if line.startswith("ERROR [")})
    assert violations == ["perf.min-duration", "perf.samples-per-query"]   # what a short test run must have
    rows = list(csv.DictReader(open(tmp_path / "submission-summary.csv")))
    assert [(r["model"], r["scenario"]) for r in rows] == [("digits-mlp (resnet)", "Offline")]

"""The two CM scripts through the real `cm` front end and this checkout's engine."""
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FULL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "full-offline-v3.1")

CM = os.path.join(os.path.dirname(sys.executable), "cm")


@pytest.fixture
def cm_env(cm_repos, tmp_path):
    env = dict(os.environ, CM_REPOS=str(cm_repos), PYTHONPATH=ROOT)
    subprocess.run([sys.executable, "-m", "cmperf.setup_repo"], env=env, check=True, capture_output=True)
    return env


def test_generate_and_check_through_cm(cm_env, tmp_path, user_system_file):
    target = str(tmp_path / "sub")
    run = subprocess.run([CM, "run", "script", "--tags=generate,mlperf,inference,submission,_r3.1",
                          f"--results_dir={FULL}", f"--submission_dir={target}", "--submitter=TestOrg",
                          f"--system_json={user_system_file}", "--quiet"],
                         env=cm_env, cwd=str(tmp_path), capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "no violations" in run.stdout
    assert json.load(open(os.path.join(target, "open", "TestOrg", "model_mapping.json"))) == {"digits-mlp": "resnet"}
    check = subprocess.run([CM, "run", "script", "--tags=run,mlperf,inference,submission,checker,_r3.1",
                            f"--submission_dir={target}", "--quiet"],
                           env=cm_env, cwd=str(tmp_path), capture_output=True, text=True, timeout=300)
    assert check.returncode == 0 and "cmperf checker (v3.1): OK" in check.stdout, check.stdout + check.stderr

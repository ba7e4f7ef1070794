"""Other backends through the real `cm`: each one is installed and selected by the engine's deps.

DeepSparse 1.8.0 pins old numpy/onnx, so `--backend=deepsparse` must land in its own venv
(`--adr.python.name=deepsparse` in app-mlperf-inference), created and filled on first use.
No test installs into the interpreter running pytest: tf runs where tensorflow already imports
here (else it is skipped, naming the package), deepsparse always lands in the engine's own venv.
"""
import json
import os
import subprocess
import sys

import pytest

BIN = os.path.dirname(sys.executable)


@pytest.fixture(scope="module")
def cm_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("backends")
    env = dict(os.environ, CM_REPOS=str(home / "CM"), CMPERF_MLPERF_CACHE=str(home / "mlcache"))
    subprocess.run([os.path.join(BIN, "cmperf-setup"), "-q"], env=env, check=True)
    return home, env


def run_app(cm_home, *flags):
    home, env = cm_home
    p = subprocess.run([os.path.join(BIN, "cm"), "run", "script", "--tags=run-mlperf,inference", "--quiet", "-j",
                        "--test_query_count=20", *flags], env=env, cwd=home, capture_output=True, text=True,
                       timeout=1200)
    assert p.returncode == 0, p.stderr[-3000:]
    return json.loads(p.stdout), p.stderr


@pytest.mark.parametrize("backend", ["tf", "deepsparse"])
def test_backend_end_to_end(cm_home, backend):
    if backend == "tf":
        pytest.importorskip("tensorflow", reason="the engine would install tensorflow-cpu into this interpreter")
    result, log = run_app(cm_home, f"--backend={backend}")
    perf, acc = result["new_state"]["mlperf-inference"]["runs"]
    assert perf["result"]["validity"] == "VALID" and f"-{backend}-v" in perf["sut"]
    assert acc["accuracy"] > 90.0
    run_json = json.load(open(os.path.join(perf["dir"], "run.json")))
    assert run_json["backend"]["backend"] == backend
    if backend == "deepsparse":
        assert run_json["backend"]["version"] == "1.8.0"
        assert os.path.join("venv", "deepsparse") in log          # its own virtualenv


def test_tensorflow_metal_is_macos_arm64_only(cm_home):
    if sys.platform == "darwin":
        pytest.skip("this checks the refusal on other platforms")
    home, env = cm_home
    p = subprocess.run([os.path.join(BIN, "cm"), "run", "script", "--tags=run-mlperf,inference", "--quiet",
                        "--backend=tensorflow-metal"], env=env, cwd=home, capture_output=True, text=True,
                       timeout=600)
    assert p.returncode != 0 and "macOS" in p.stdout + p.stderr and "Traceback" not in p.stdout + p.stderr

"""Fixtures shared by every test area."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def cm_repos(tmp_path, monkeypatch):
    """An isolated CM home: nothing a test registers or caches leaks into ~/CM."""
    home = tmp_path / "CM"
    monkeypatch.setenv("CM_REPOS", str(home))
    return home


@pytest.fixture
def run_module():
    """Run ``python -m <module> args...`` in a fresh process (one LoadGen test per process),
    with this checkout importable; ``python=`` picks another interpreter (a backend's venv)."""
    def _run(module, *args, cwd=None, timeout=120, python=sys.executable):
        env = dict(os.environ, NM_DISABLE_ANALYTICS="1")
        env["PYTHONPATH"] = ROOT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        return subprocess.run([python, "-m", module, *map(str, args)], cwd=cwd, env=env,
                              capture_output=True, text=True, timeout=timeout)
    return _run


@pytest.fixture(scope="session")
def deepsparse_python():
    """The python of deepsparse's own venv (1.8.0 pins numpy 1.26.4 / onnx 1.14.1): $CMPERF_DEEPSPARSE_PYTHON,
    or this one if deepsparse imports here; skips otherwise. .ci/run builds that venv:
      python3 -m venv V && V/bin/pip install deepsparse==1.8.0 mlcommons-loadgen
      CMPERF_DEEPSPARSE_PYTHON=V/bin/python pytest tests
    """
    if os.environ.get("CMPERF_DEEPSPARSE_PYTHON"):
        return os.environ["CMPERF_DEEPSPARSE_PYTHON"]
    try:
        import deepsparse  # noqa: F401
    except ImportError:
        pytest.skip("no deepsparse venv (set CMPERF_DEEPSPARSE_PYTHON)")
    return sys.executable

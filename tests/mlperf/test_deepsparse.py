"""deepsparse in its own virtualenv (1.8.0 pins numpy 1.26.4 / onnx 1.14.1).

Runs when CMPERF_DEEPSPARSE_PYTHON names that venv's python (or deepsparse is importable here):
  python3 -m venv V && V/bin/pip install deepsparse==1.8.0 mlcommons-loadgen
  CMPERF_DEEPSPARSE_PYTHON=V/bin/python pytest tests/mlperf/test_deepsparse.py
"""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from cmperf.mlperf.accuracy import imagenet

from .conftest import ROOT


def _deepsparse_python():
    py = os.environ.get("CMPERF_DEEPSPARSE_PYTHON")
    if py:
        return py
    try:
        import deepsparse  # noqa: F401
        return sys.executable
    except ImportError:
        return None


PY = _deepsparse_python()
pytestmark = pytest.mark.skipif(PY is None, reason="no deepsparse venv (set CMPERF_DEEPSPARSE_PYTHON)")


@pytest.mark.parametrize("scenario", ["Offline", "SingleStream"])
def test_accuracy_through_deepsparse(scenario, tmp_path, digits_dir, user_conf_file):
    out = tmp_path / "acc"
    env = dict(os.environ, PYTHONPATH=ROOT, NM_DISABLE_ANALYTICS="1")
    p = subprocess.run([PY, "-m", "cmperf.mlperf.harness", "--model", "digits-mlp", "--backend", "deepsparse",
                        "--scenario", scenario, "--mode", "accuracy", "--user-conf",
                        user_conf_file(scenario, test_query_count=16),
                        "--output-dir", str(out), "--dataset-dir", digits_dir, "--batch-size", "16",
                        "--threads", "2"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-3000:]
    info = json.loads((out / "run.json").read_text())
    assert info["backend"]["backend"] == "deepsparse" and info["backend"]["version"] == "1.8.0"
    r = imagenet.top1(str(out / "mlperf_log_accuracy.json"), np.load(os.path.join(digits_dir, "labels.npy")))
    assert r.total >= 1024 and r.accuracy > 90

"""deepsparse in its own virtualenv, driven through the harness (see the deepsparse_python fixture)."""
import json
import os

import numpy as np
import pytest

from cmperf.mlperf.accuracy import imagenet


@pytest.mark.parametrize("scenario", ["Offline", "SingleStream"])
def test_accuracy_through_deepsparse(scenario, tmp_path, digits_dir, user_conf_file, run_module,
                                     deepsparse_python, harness_job):
    out = tmp_path / "acc"
    job = harness_job(model="digits-mlp", backend="deepsparse", scenario=scenario, mode="accuracy",
                      user_conf=user_conf_file(scenario, test_query_count=16), output_dir=out,
                      dataset_dir=digits_dir, batch_size=16, threads=2)
    p = run_module("cmperf.mlperf.harness", job, cwd=tmp_path, timeout=300, python=deepsparse_python)
    assert p.returncode == 0, p.stderr[-3000:]
    info = json.loads((out / "run.json").read_text())
    assert info["backend"]["backend"] == "deepsparse" and info["backend"]["version"] == "1.8.0"
    r = imagenet.top1(str(out / "mlperf_log_accuracy.json"), np.load(os.path.join(digits_dir, "labels.npy")))
    assert r.total >= 1024 and r.accuracy > 90

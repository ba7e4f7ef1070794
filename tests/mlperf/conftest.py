"""Fixtures of the mlperf tests: one digits-mlp build per session, subprocess runners."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="session")
def digits_dir(tmp_path_factory):
    from cmperf.mlperf.models import digits
    d = tmp_path_factory.mktemp("digits") / "digits-mlp"
    digits.build(str(d), tf_export="no", torch_export="no")
    return str(d)


@pytest.fixture
def run_module():
    """Run ``python -m <module> args...`` in a fresh process (one LoadGen test per process)."""
    def _run(module, *args, cwd=None, timeout=120):
        env = dict(os.environ)
        env["PYTHONPATH"] = ROOT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        return subprocess.run([sys.executable, "-m", module, *map(str, args)], cwd=cwd, env=env,
                              capture_output=True, text=True, timeout=timeout)
    return _run


@pytest.fixture
def user_conf_file(tmp_path):
    from cmperf.mlperf import user_conf

    def _make(scenario, style="test", **kw):
        p = tmp_path / f"user-{scenario}.conf"
        p.write_text(user_conf.generate("resnet50", scenario, style, **kw))
        return str(p)
    return _make


@pytest.fixture(scope="session")
def r50_random_model(tmp_path_factory):
    """The random-weights ResNet-50 graph (100 MB), built once per session."""
    from cmperf.mlperf.models import resnet50_random
    return resnet50_random.build(str(tmp_path_factory.mktemp("r50") / resnet50_random.FILE_NAME))

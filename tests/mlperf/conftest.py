"""Fixtures of the mlperf tests: one digits-mlp build per session, user.conf files, resnet50-random."""
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="session")
def digits_dir(tmp_path_factory):
    from cmperf.mlperf.models import digits
    d = tmp_path_factory.mktemp("digits") / "digits-mlp"
    digits.build(str(d), tf_export="no", torch_export="no")
    return str(d)


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


@pytest.fixture
def harness_job(tmp_path):
    """Write a HarnessJob file (what cmperf.mlperf.run hands the harness process); returns its path."""
    from cmperf.mlperf.spec import HarnessJob

    def _make(**kw):
        kw = {k: str(v) if k in ("user_conf", "output_dir", "dataset_dir", "model_path") else v
              for k, v in kw.items()}
        kw.setdefault("device", "cpu")
        path = tmp_path / f"job-{kw['scenario']}-{kw['mode']}.json"
        path.write_text(HarnessJob(**kw).to_json())
        return path
    return _make

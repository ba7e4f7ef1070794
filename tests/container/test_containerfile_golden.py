"""The Containerfile of a plan, compared byte for byte with a golden file per plan.

Update after an intended change: CMPERF_UPDATE_GOLDEN=1 pytest tests/container -k golden
(then review the diff: it is exactly what users' images change by).
"""
import os
import random

import pytest

from cmperf.container import containerfile, options, workflow

GOLDEN = os.path.join(os.path.dirname(__file__), "golden")
PLANS = {
    "embedded-default": {"tags": "run-mlperf,inference", "quiet": True},
    "tf-backend": {"tags": "run-mlperf,inference,_performance-only", "backend": "tf", "scenario": "Offline",
                   "test_query_count": 20},
    "sys-utils-ubuntu": {"tags": "get,sys-utils-cm", "docker_os": "ubuntu", "docker_os_version": "22.04"},
}


def _render(i, installed):
    spec, _, _ = workflow.image_spec(dict(i, action="docker", automation="script"), options.from_input(i),
                                     installed)
    return containerfile.render(spec)


@pytest.mark.parametrize("name", sorted(PLANS))
def test_containerfile_matches_golden(name, registered_home, fake_installed):
    text = _render(PLANS[name], fake_installed)
    path = os.path.join(GOLDEN, name + ".Containerfile")
    if os.environ.get("CMPERF_UPDATE_GOLDEN"):
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    with open(path, encoding="utf-8") as f:
        assert text == f.read(), f"{name}: regenerate with CMPERF_UPDATE_GOLDEN=1 if the change is intended"


def test_same_plan_same_bytes_whatever_the_input_order(registered_home, fake_installed):
    items = list({**PLANS["tf-backend"], "env": {"B": "2", "A": "1"}, "adr": {"python": {"version_min": "3.9"}}}
                 .items())
    first = _render(dict(items), fake_installed)
    random.Random(7).shuffle(items)
    assert _render(dict(items), fake_installed) == first


def test_default_plan_pins_every_package_and_bakes_the_same_request(registered_home, fake_installed):
    text = _render(PLANS["embedded-default"], fake_installed)
    for name, (version, _) in fake_installed.__self__.items():
        if name != "tqdm" or "colorama" not in text:
            assert f"{name}=={version}" in text
    assert "colorama" not in text and "pysocks" not in text.lower() and "pytest" not in text   # markers honoured
    assert 'CMD ["run", "script", "--tags=run-mlperf,inference", "--quiet"]' in text
    assert "FROM localhost/debian-min:bookworm" in text


def test_tensorflow_missing_on_host_is_left_to_pip_and_said(registered_home, fake_installed):
    text = _render(PLANS["tf-backend"], fake_installed)
    assert "# Not pinned (not installed where the plan was made; pip picks the newest match): tensorflow-cpu" in text
    assert "      tensorflow-cpu \\" in text or "      tensorflow-cpu\n" in text

"""Version constraints, default_version clamping and `versions:` sub-meta."""
import pytest

from cmperf.core import versions
from cmperf.core.versions import VersionConstraintError as VersionError


def test_compare_is_numeric():
    assert versions.compare("1.10", "1.9") == 1
    assert versions.compare("3.11.0", "3.11") == 0
    assert versions.compare("2.0rc1", "2.0") == 0 and versions.compare("master", "master") == 0
    assert versions.satisfies("3.10.13", exact="3.10") and not versions.satisfies("3.11.1", exact="3.10")


def test_clamp_default():
    assert versions.clamp_default("1.5", vmin="2.0") == "2.0"
    assert versions.clamp_default("3.0", vmax="2.5") == "2.5"
    assert versions.clamp_default("3.0", vmax="2.5", max_usable="2.4") == "2.4"
    assert versions.clamp_default("2.1", "2.0", "2.5") == "2.1"


def test_inconsistent_constraints():
    with pytest.raises(VersionError, match="greater than version_max"):
        versions.check_constraints_consistent(vmin="3", vmax="2")


def meta_with_versions():
    return {"tags": ["tool"], "default_version": "1.0", "new_env_keys": ["TOOL_*"],
            "versions": {"1.0": {"env": {"TOOL_URL": "one"}}, "2.0": {"env": {"TOOL_URL": "two"}}}}


def test_default_version_and_sub_meta(repo, cm):
    repo.script("tool", meta_with_versions(), run='echo "TOOL_V=$CM_VERSION" > tmp-run-env.out\n')
    r = cm("run", "script", "--tags=tool", "-s")
    assert r["new_env"] == {"TOOL_URL": "one", "TOOL_V": "1.0"} and r["version"] == "1.0"
    r = cm("run", "script", "--tags=tool", "-s", "--version_min=2.0")
    assert r["new_env"] == {"TOOL_URL": "two", "TOOL_V": "2.0"}


def test_detected_version_outside_constraint_shows_detected_and_wanted(repo, cm):
    repo.script("det", {"tags": ["det"]}, customize='''
        def postprocess(i):
            return {"return": 0, "version": "1.4.2"}
    ''')
    r = cm("run", "script", "--tags=det", "-s", "--version_max=1.3")
    assert r["return"] == 1 and "detected: 1.4.2" in r["error"] and "wanted: <=1.3" in r["error"]
    assert cm("run", "script", "--tags=det", "-s", "--version_min=1.4")["version"] == "1.4.2"

"""`--help` of the scripts users reach first tells the truth (issue 14 item 3, issue 11).

Static checks, so the help cannot drift again: every flag these scripts map has a one-line
description, no description names a flag that is not accepted, and every env key a flag sets is
read somewhere a reader can find (a hook, a run.sh, the cmperf library, or a dependency's
`*_if_env` / `update_tags_from_env*` / constraint in some script's metadata). A few plan-time
checks show that a removed upstream flag and the refused ones fail before anything runs.
"""
import glob
import os
import re

import pytest

from cmperf.engine.meta import load_meta

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FRONT_SCRIPTS = ["run-mlperf-inference-app", "app-mlperf-inference", "generate-mlperf-inference-submission",
                 "run-mlperf-inference-submission-checker"]

# Env keys whose flag is read by the engine or the script automation itself, not through the env.
ENGINE_READ = {
    "CM_MLPERF_USE_DOCKER",   # --docker: automation/script/module.py hands the request to cmperf.container
}

DEP_ENV_CONDITIONS = ("enable_if_env", "skip_if_env", "enable_if_any_env", "skip_if_any_env")


def _meta(alias):
    return load_meta(os.path.join(ROOT, "script", alias, "_cm.yaml"))


def _meta_reads(node, found):
    """Env keys a script's metadata reads (conditions, tag updates, constraints, <<<KEY>>>)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in DEP_ENV_CONDITIONS and isinstance(value, dict):
                found.update(value)
            elif key == "update_tags_from_env" and isinstance(value, list):
                found.update(value)
            elif key == "update_tags_from_env_with_prefix" and isinstance(value, dict):
                for keys in value.values():
                    found.update(keys or [])
            elif key == "constraints" and isinstance(value, list):
                for rule in value:
                    found.update((rule.get("when") or {}))
                    found.update((rule.get("require") or {}))
            elif key in ("input_mapping", "input_description", "default_env", "env", "new_env_keys"):
                continue        # these set or list keys; they do not read them
            _meta_reads(value, found)
    elif isinstance(node, list):
        for item in node:
            _meta_reads(item, found)
    elif isinstance(node, str):
        found.update(re.findall(r"<<<(\w+)>>>", node))


@pytest.fixture(scope="module")
def readers():
    """(text of every hook, run.sh and cmperf module; env keys read by any script's metadata)."""
    texts = []
    patterns = ["script/*/customize.py", "script/*/run.sh", "cmperf/**/*.py", "automation/**/*.py"]
    for pattern in patterns:
        for path in glob.glob(os.path.join(ROOT, pattern), recursive=True):
            with open(path, encoding="utf-8") as f:
                texts.append(f.read())
    meta_keys = set()
    for path in glob.glob(os.path.join(ROOT, "script", "*", "_cm.yaml")):
        _meta_reads(load_meta(path), meta_keys)
    return "\n".join(texts), meta_keys


@pytest.mark.parametrize("alias", FRONT_SCRIPTS)
def test_every_flag_has_a_one_line_description(alias):
    meta = _meta(alias)
    described = meta.get("input_description") or {}
    for flag in meta.get("input_mapping") or {}:
        desc = described.get(flag)
        text = desc.get("desc", "") if isinstance(desc, dict) else ""
        assert text.strip() and "\n" not in text.strip(), f"{alias}: --{flag} has no one-line description"


@pytest.mark.parametrize("alias", FRONT_SCRIPTS)
def test_no_description_of_a_flag_that_is_not_accepted(alias):
    meta = _meta(alias)
    accepted = set(meta.get("input_mapping") or {}) | set(meta.get("accepted_inputs") or [])
    stale = sorted(set(meta.get("input_description") or {}) - accepted)
    assert not stale, f"{alias}: --help describes flags it does not map: {stale}"


@pytest.mark.parametrize("alias", FRONT_SCRIPTS)
def test_every_flag_sets_an_env_key_something_reads(alias, readers):
    text, meta_keys = readers
    unread = [f"--{flag} ({key})" for flag, key in (_meta(alias).get("input_mapping") or {}).items()
              if key not in ENGINE_READ and key not in meta_keys and not re.search(rf"\b{key}\b", text)]
    assert not unread, f"{alias}: flags whose env key nothing reads (remove them or make them work): {unread}"


@pytest.fixture(scope="module")
def planner(tmp_path_factory):
    from .harness import Planner
    saved = os.environ.get("CM_REPOS")
    yield Planner(tmp_path_factory.mktemp("cm-home"))
    if saved is None:
        os.environ.pop("CM_REPOS", None)
    else:
        os.environ["CM_REPOS"] = saved


@pytest.mark.parametrize("inputs,refusal", [
    ({"dlrm_data_path": "/data"}, r"unknown flag --dlrm_data_path"),   # removed: nothing reads it
    ({"api_server": "http://x"}, r"unknown flag --api_server"),
    ({"modle": "retinanet"}, r"unknown flag --modle; did you mean --mode or --model\?"),   # both as close
    ({"compliance": "yes"}, r"compliance"),                           # refused: no audits run here
    ({"compliance": "no"}, None),                                      # as published commands pass it
    ({"preprocess_submission": "yes"}, None),
])
def test_removed_and_refused_flags_fail_at_plan_time(planner, inputs, refusal):
    outcome = planner.plan_input({"tags": "run-mlperf,inference", **inputs})
    if refusal is None:
        assert outcome.planned, outcome.error
    else:
        assert not outcome.planned and re.search(refusal, outcome.error), outcome.error


def test_compliance_variation_is_refused_at_plan_time(planner):
    outcome = planner.plan_input({"tags": "run-mlperf,inference,_compliance"})
    assert not outcome.planned and "compliance" in outcome.error, outcome.error


def test_help_says_what_the_front_end_variations_do(indexed_cm_repos, cm_help):
    """A variation's `desc:` shows under its group line; the group line itself is unchanged."""
    lines = cm_help("--tags=run-mlperf,inference").splitlines()
    group = next(n for n, ln in enumerate(lines) if ln.startswith("    submission-generation: "))
    assert "_performance-and-accuracy (default)" in lines[group]
    desc = _meta("run-mlperf-inference-app")["variations"]["find-performance"]["desc"]
    assert f"      _find-performance          {' '.join(desc.split())}" in lines
    text = cm_help("--tags=app,mlperf,inference")
    assert "      _bert-99.9        the model and data of _bert-99 with the accuracy target at 99.9%" in text
    assert "    device: _cpu (default), _cuda, _rocm, _metal\n      _cpu    run on the CPU" in text


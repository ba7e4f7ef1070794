"""Published `cm` command lines plan with no side effects, or fail with a documented refusal."""
import os

import pytest
import yaml

from .harness import Planner
from .refusals import REFUSALS, matches

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "corpus.yaml"), encoding="utf-8") as _f:
    CORPUS = yaml.safe_load(_f)


@pytest.fixture(scope="module")
def planner(tmp_path_factory):
    saved = os.environ.get("CM_REPOS")
    p = Planner(tmp_path_factory.mktemp("cm-home"))
    yield p
    if saved is None:
        os.environ.pop("CM_REPOS", None)
    else:
        os.environ["CM_REPOS"] = saved


def test_corpus_is_well_formed():
    ids = [e["id"] for e in CORPUS]
    assert len(ids) >= 80 and len(set(ids)) == len(ids)
    for e in CORPUS:
        assert e["source"] and e["cmd"].lstrip().startswith(("cm ", "cmr ")), e["id"]
        kind, _, reason = e["expect"].partition(":")
        assert kind in ("plan", "refuse", "pending"), e["id"]
        if kind == "refuse":
            assert reason in REFUSALS, f"{e['id']}: refusal '{reason}' is not documented"


@pytest.mark.parametrize("entry", CORPUS, ids=[e["id"] for e in CORPUS])
def test_published_line(planner, entry):
    outcome = planner.plan_entry(entry)
    kind, _, reason = entry["expect"].partition(":")
    if kind == "plan":
        assert outcome.planned, f"{entry['id']} ({entry['source']}) does not plan: {outcome.error}"
    elif kind == "refuse":
        assert not outcome.planned, f"{entry['id']} plans but is documented as refused ({reason})"
        assert matches(reason, outcome.error), \
            f"{entry['id']}: refused, but not with the documented '{reason}' message: {outcome.error}"
    else:
        assert not outcome.planned, f"{entry['id']} plans now: mark it `expect: plan` (was pending: {reason})"


def test_share_that_plans(planner, capsys):
    planned = sum(planner.plan_entry(e).planned for e in CORPUS)
    share = planned / len(CORPUS)
    with capsys.disabled():
        print(f"\ncompat corpus: {planned}/{len(CORPUS)} published lines plan ({share:.0%})")
    assert planned == sum(e["expect"] == "plan" for e in CORPUS)


def test_every_script_meta_loads():
    """A script with broken metadata is skipped by the index with only a warning: catch it here."""
    import glob

    from cmperf.engine.meta import load_meta
    root = os.path.dirname(os.path.dirname(HERE))
    for path in sorted(glob.glob(os.path.join(root, "script", "*", "_cm.yaml"))):
        load_meta(path)


NEW_SCRIPTS = ["import-mlperf-inference-to-experiment", "push-mlperf-inference-results-to-github",
               "get-mlperf-inference-results-dir", "get-mlperf-inference-submission-dir",
               "truncate-mlperf-inference-accuracy-log", "preprocess-mlperf-inference-submission",
               "get-mlperf-inference-sut-description", "get-mlperf-inference-sut-configs",
               "get-mlperf-inference-utils", "get-mlperf-inference-results", "get-gcc", "get-llvm", "get-cmake",
               "dump-pip-freeze", "get-platform-details", "benchmark-program", "benchmark-program-mlperf",
               "run-mlperf-inference-mobilenet-models", "app-image-classification-onnx-py",
               "get-dataset-imagenet-calibration", "get-ml-model-resnet50-onnx", "get-onnxruntime-python-lib"]


@pytest.mark.parametrize("alias", NEW_SCRIPTS)
def test_help_describes_every_flag_of_the_new_scripts(alias):
    """--help tells the truth: each flag a new script maps has a one-line description."""
    from cmperf.engine.meta import load_meta
    meta = load_meta(os.path.join(os.path.dirname(os.path.dirname(HERE)), "script", alias, "_cm.yaml"))
    described = meta.get("input_description") or {}
    for flag in meta.get("input_mapping") or {}:
        desc = (described.get(flag) or {}).get("desc", "")
        assert desc and "\n" not in desc.strip(), f"{alias}: --{flag} has no one-line description"


@pytest.mark.parametrize("tags,inputs,refusal", [
    ("run-mlperf,inference,_r6.1-dev", {}, None),                    # the current round's dev tag: v6.1 rules
    ("run-mlperf,inference,_r3.1", {}, None),
    ("run-mlperf,inference,_r2.1", {}, "round"),
    ("run-mlperf,inference,_r6.0-dev", {}, "round"),
    ("run-mlperf,inference,_r5.0-dev", {}, None),                     # the v5.0 rules
    ("run-mlperf,inference,_r5.1", {}, None),                         # the v5.1 rules (open division)
    ("run-mlperf,inference,_r5.1", {"division": "closed"}, "calibration"),
    ("run-mlperf,inference,_r4.1", {}, None),                         # the v4.0/v4.1 checker's rules
    ("run-mlperf,inference,_r4.0-dev", {}, None),                     # a round's -dev tag: its rules
    ("run-mlperf,inference,_dashboard", {}, "dashboard"),
    ("run-mlperf,inference", {"dashboard": True}, "dashboard"),
    ("run-mlperf,inference", {"power": "yes"}, "power"),
    ("run-mlperf,inference", {"implementation": "python"}, None),
    ("app,mlperf,reference,inference,_python", {}, None),           # upstream's reference app tags
])
def test_rounds_and_plan_time_refusals(planner, tags, inputs, refusal):
    outcome = planner.plan_input({"tags": tags, **inputs})
    if refusal is None:
        assert outcome.planned, outcome.error
    else:
        assert not outcome.planned and matches(refusal, outcome.error), outcome.error


@pytest.mark.parametrize("tags,refused", [
    ("generate,inference,submission,_r6.1-dev", False), ("generate,inference,submission,_r5.1-dev", False),
    ("generate,inference,submission,_r4.1-dev", False), ("run,mlperf,inference,submission,checker,_r4.0", False),
    ("run,mlperf,inference,submission,checker,_r3.1", False), ("run,mlperf,inference,submission,checker,_r5.0", False),
    ("generate,inference,submission,_r6.0", True), ("run,mlperf,inference,submission,checker,_r3.0", True),
])
def test_submission_scripts_take_the_round_words_users_type(planner, tags, refused):
    flags = {"submission_dir": HERE, **({"results_dir": HERE} if tags.startswith("generate") else {})}
    outcome = planner.plan_input({"tags": tags, **flags})
    assert outcome.planned != refused and (not refused or matches("round", outcome.error)), outcome.error

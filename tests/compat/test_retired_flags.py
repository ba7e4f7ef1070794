"""v2.1-era lines (inference_results_v2.1 READMEs): `--add_deps_tags.NAME=TAGS` is today's
`--adr.NAME.tags=TAGS`, and the env names CM_LOADGEN_SCENARIO/CM_LOADGEN_MODE/CM_SUT_NAME are read as
--scenario/--mode/--hw_name; each is said in the plan, and a name nothing reads is refused."""
import os

from .harness import Planner

OLD = ["--tags=app,mlperf,_resnet50,_tf", "--add_deps_tags.imagenet=_full"]


def _dataset(plan):
    def walk(node):
        yield node
        for child in node["children"]:
            yield from walk(child)
    return [n for n in walk(plan["root"]) if n["script"] == "get-preprocessed-dataset-imagenet"]


def test_add_deps_tags_is_adr_tags_and_the_plan_says_so(cm):
    rc, data, out = cm(*OLD, "--plan", "-j")
    assert rc == 0, out
    (old,) = _dataset(data["plan"])
    rc, data_new, out = cm("--tags=app,mlperf,_resnet50,_tf", "--adr.imagenet.tags=_full", "--plan", "-j")
    assert rc == 0, out
    (new,) = _dataset(data_new["plan"])
    assert "full" in old["variations"] and old["variations"] == new["variations"] and old["env"] == new["env"]
    notes = [a["text"] for a in data["plan"]["root"]["actions"] if a["kind"] == "note"]
    assert any("--add_deps_tags.imagenet=_full is the v2.1-era name of --adr.imagenet.tags=_full" in n for n in notes)


def test_a_name_no_dependency_has_is_refused_not_dropped(tmp_path, monkeypatch):
    monkeypatch.setenv("CM_REPOS", str(tmp_path / "CM"))
    planner = Planner(tmp_path / "CM")
    outcome = planner.plan_input({"tags": "app,mlperf,_resnet50,_tf", "add_deps_tags": {"imagenett": "_full"}})
    assert not outcome.planned and "no dependency of this workflow is named 'imagenett'" in outcome.error
    assert "did you mean imagenet?" in outcome.error
    assert not planner.plan_input({"tags": "app,mlperf", "add_deps_tags": "_full"}).planned


def test_v21_env_names_drive_the_run(cm):
    """A real (test-mode, 10-query) run: the old names pick the scenario, the mode and the system name."""
    rc, _, out = cm("--tags=app,mlperf,inference", "--env.CM_LOADGEN_SCENARIO=SingleStream",
                    "--env.CM_LOADGEN_MODE=performance", "--env.CM_SUT_NAME=oldbox")
    assert rc == 0, out
    (sut,) = os.listdir(cm.work / "results")
    assert sut.startswith("oldbox-")
    runs = os.listdir(cm.work / "results" / sut / "digits-mlp")
    assert runs == ["singlestream"]
    scen = cm.work / "results" / sut / "digits-mlp" / "singlestream"
    assert (scen / "performance").is_dir() and not (scen / "accuracy").exists()
    rc, data, out = cm("--tags=app,mlperf,inference", "--env.CM_LOADGEN_SCENARIO=SingleStream",
                       "--scenario=Offline", "--plan", "-j")        # today's flag wins over the old name
    notes = [a["text"] for a in data["plan"]["root"]["actions"] if a["kind"] == "note"]
    assert rc == 0 and not any("CM_LOADGEN_SCENARIO" in n for n in notes), notes

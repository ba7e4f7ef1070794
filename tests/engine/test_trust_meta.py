"""Issue 10 (metadata and requests): each malformed `_cm.yaml` or request is an error naming the
file, the line and the key, never a traceback, a silent default or an arbitrary script."""
import json
import os
import re

import pytest


def marker_script(repo, workdir, alias="probe-thing", **meta):
    """A script that leaves a mark when it runs (so a test can say it did not)."""
    full = {"tags": ["probe", "thing"], "new_env_keys": ["P_*"]}
    full.update(meta)
    return repo.script(alias, full, run=f'echo ran >> "{workdir}/ran-{alias}"\n')


def ran(workdir, alias="probe-thing"):
    p = workdir / f"ran-{alias}"
    return len(p.read_text().split()) if p.exists() else 0


@pytest.mark.parametrize("args", [[], ["--tag=probe,thing"], ["--env.X=1"]])
def test_a_request_without_tags_is_an_error_with_a_hint(repo, cm, workdir, args):
    marker_script(repo, workdir)
    r = cm("run", "script", "-s", *args)
    assert r["return"] != 0
    assert "no tags, alias or uid" in r["error"] and "--tags" in r["error"]
    assert ran(workdir) == 0


def test_a_dependency_without_tags_is_a_meta_error(repo, cm, workdir):
    marker_script(repo, workdir)
    d = repo.script("parent", raw_meta="""\
        alias: parent
        uid: "00000000000000aa"
        automation_alias: script
        automation_uid: 5b4e0237da074764
        tags: [parent]
        deps:
          - names: [x]
        """)
    r = cm("run", "script", "--tags=parent", "-s")
    assert r["return"] != 0
    assert f"{d}/_cm.yaml:7" in r["error"] and "deps[0]" in r["error"] and "no `tags`" in r["error"]
    assert ran(workdir) == 0


def _meta(tags, body):
    return ("alias: x\nuid: \"00000000000000bb\"\nautomation_alias: script\n"
            f"automation_uid: 5b4e0237da074764\ntags: [{tags}]\n{body}")


# (yaml body, line of the error, words the message must hold)
BROKEN = {
    "cache-maybe": ("cache: 'maybe'\n", 6, ["`cache`", "true or false"]),
    "dep-tags-int": ("deps:\n  - tags: 123\n", 7, ["deps[0].tags", "123"]),
    "duplicate-key": ("env:\n  A: '1'\n  A: '2'\n", 8, ["duplicate key `A`", "line 7"]),
    "bad-env-name": ("input_mapping:\n  model: 'MY-MODEL'\n", 7, ["input_mapping.model", "MY-MODEL",
                                                                     "not a valid env name"]),
    "yaml-alias": ("default_env:\n  A: &a [x, x, x, x, x, x, x, x, x]\n  B: &b [*a, *a, *a, *a, *a, *a, *a]\n"
                   "  C: [*b, *b, *b, *b, *b, *b, *b, *b]\n", 7, ["aliases", "not allowed"]),
    "merge-key": ("env: &e {A: '1'}\ndefault_env:\n  <<: *e\n", 8, ["merge keys", "not allowed"]),
    "constraint-typo": ("constraints:\n  - when: {CM_X: [a]}\n    requires: {CM_Y: [b]}\n    error: no\n", 8,
                        ["constraints[0].requires", "did you mean `require`"]),
    "constraint-nested": ("constraints:\n  - when: {CM_X: [[a]]}\n    require: {CM_Y: b}\n", 7,
                          ["constraints[0].when.CM_X"]),
    "choices-not-list": ("input_description:\n  model:\n    choices: resnet50\n", 8,
                         ["input_description.model.choices", "must be a list"]),
    "required-for-int": ("input_description:\n  model:\n    required_for: [3]\n", 8,
                         ["input_description.model.required_for[0]"]),
    "accepted-inputs-dict": ("accepted_inputs:\n  - {a: 1}\n", 6, ["accepted_inputs[0]", "must be a string"]),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_each_meta_fault_names_file_line_and_key(repo, cm, workdir, case):
    body, line, words = BROKEN[case]
    # the folder name shares nothing with the tags: the error must not hide behind "no script matches"
    d = repo.script("zz-folder", raw_meta=_meta("probe, broken", body))
    r = cm("run", "script", "--tags=probe,broken", "-s")
    assert r["return"] != 0 and "Traceback" not in r["error"]
    assert f"{d}/_cm.yaml:{line}" in r["error"], r["error"]
    for word in words:
        assert word in r["error"], r["error"]
    assert "no script matches" not in r["error"]


def test_yaml_aliases_cannot_blow_up_the_index(repo, cm, workdir):
    laughs = "default_env:\n  L0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
        f"  L{n}: &l{n} [{', '.join(['*l%d' % (n - 1)] * 9)}]\n" for n in range(1, 7))
    repo.script("laughs", raw_meta=_meta("laughs", laughs))
    marker_script(repo, workdir)
    assert cm("run", "script", "--tags=probe,thing", "-s")["return"] == 0
    index = os.path.join(os.environ["CM_REPOS"], "cmperf", "script-index.json")
    assert os.path.getsize(index) < 200_000


def test_cache_no_is_false(repo, cm, workdir):
    marker_script(repo, workdir, cache="no")
    cm("run", "script", "--tags=probe,thing", "-s")
    r = cm("run", "script", "--tags=probe,thing", "-s")
    assert r["return"] == 0 and r["cached"] is False and ran(workdir) == 2


def test_broken_script_found_by_its_tags_when_requested_by_alias_folder_mismatch(repo, cm, workdir):
    d = repo.script("get-thing-folder", raw_meta=_meta("fetch, widget", "cache: maybe\n"))
    r = cm("run", "script", "--tags=fetch,widget", "-s")
    assert f"{d}/_cm.yaml:6" in r["error"]


def test_a_valid_new_plan_meta_is_accepted(repo, cm, workdir):
    marker_script(repo, workdir, constraints=[{"when": {"CM_A": ["x"]}, "require": {"CM_B": ["y", "z"]},
                                               "error": "x needs y or z"}],
                  accepted_inputs=["extra_flag"],
                  input_description={"model": {"desc": "the model", "choices": ["a", "b"], "default": "a",
                                               "required_for": ["full"]}})
    assert cm("run", "script", "--tags=probe,thing", "-s")["return"] == 0

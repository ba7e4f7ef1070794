"""Dependencies, --ad/--adr patches, conditions and env layering."""
import os

LEAF = {"tags": ["leaf"], "new_env_keys": ["LEAF_SEEN_*"],
        "input_mapping": {"flavour": "LEAF_FLAVOUR"},
        "variations": {"red": {"env": {"LEAF_COLOUR": "red"}}, "blue": {"env": {"LEAF_COLOUR": "blue"}}}}
LEAF_RUN = 'echo "LEAF_SEEN_VERSION=${CM_VERSION_MIN:-none}/${LEAF_FLAVOUR:-none}/${LEAF_COLOUR:-none}/${LEAF_PARENT_SAYS:-none}" > tmp-run-env.out\n'


def two_leaves(repo, extra=None):
    repo.script("leaf", LEAF, run=LEAF_RUN)
    meta = {"tags": ["root"], "new_env_keys": ["OUT_*"],
            "deps": [{"tags": "leaf", "names": ["first"]}, {"tags": "leaf", "names": ["second"]}]}
    meta.update(extra or {})
    repo.script("root", meta, customize='''
        def postprocess(i):
            return {"return": 0}
    ''', run='echo "OUT_SEEN=$LEAF_SEEN_VERSION" > tmp-run-env.out\n')


def seen(result):
    return [d["new_env"]["LEAF_SEEN_VERSION"] for d in result["deps"]]


def test_adr_patches_only_the_named_dependency(repo, cm):
    two_leaves(repo)
    r = cm("run", "script", "--tags=root", "-s", "--adr.second.tags=_red", "--adr.second.version_min=1.2",
           "--adr.first.flavour=mild")
    assert r["return"] == 0, r
    assert seen(r) == ["none/mild/none/none", "1.2/none/red/none"]


def test_ad_to_an_unknown_name_is_an_error(repo, cm):
    two_leaves(repo)
    r = cm("run", "script", "--tags=root", "-s", "--ad.third.tags=_red")
    assert r["return"] > 0 and "third" in r["error"] and "first, second" in r["error"]


def test_dependency_env_expands_parent_placeholders(repo, cm):
    two_leaves(repo, {"env": {"PARENT_VALUE": "from-parent"},
                      "deps": [{"tags": "leaf", "env": {"LEAF_PARENT_SAYS": "<<<PARENT_VALUE>>>"}}]})
    assert seen(cm("run", "script", "--tags=root", "-s")) == ["none/none/none/from-parent"]


def test_conditions_enable_and_skip(repo, cm):
    repo.script("leaf", LEAF, run=LEAF_RUN)
    repo.script("root", {"tags": ["root"], "deps": [
        {"tags": "leaf,_red", "enable_if_env": {"USE_RED": ["yes"]}},
        {"tags": "leaf,_blue", "skip_if_env": {"NO_BLUE": ["yes"]}},
        {"tags": "leaf", "enable_if_any_env": {"A": ["on"], "B": ["on"]}},
        {"tags": "leaf", "skip_if_any_env": {"C": ["no"]}}]})
    r = cm("run", "script", "--tags=root", "-s", "--env.USE_RED=yes", "--env.NO_BLUE=yes", "--env.B=on",
           "--env.C=yes")
    assert seen(r) == ["none/none/red/none", "none/none/none/none", "none/none/none/none"]
    r = cm("run", "script", "--tags=root", "-s")   # C missing counts as "no": the last is skipped
    assert seen(r) == ["none/none/blue/none"]


def test_update_tags_from_env_with_prefix(repo, cm):
    repo.script("leaf", LEAF, run=LEAF_RUN)
    repo.script("root", {"tags": ["root"], "deps": [
        {"tags": "leaf", "update_tags_from_env_with_prefix": {"_": ["COLOUR"]}}]})
    assert seen(cm("run", "script", "--tags=root", "-s", "--env.COLOUR=blue")) == ["none/none/blue/none"]


def test_env_layering(repo, cm):
    repo.script("layers", {"tags": ["layers"], "new_env_keys": ["L_*"],
                           "default_env": {"L_DEFAULT": "d", "L_OVER": "d", "L_INPUT": "d"},
                           "env": {"L_OVER": "meta", "L_USER": "meta"},
                           "input_mapping": {"value": "L_INPUT"}, "const": {"L_CONST": "c"}})
    r = cm("run", "script", "--tags=layers", "-s", "--value=v", "--env.L_USER=user", "--env.L_CONST=user",
           "--env.L_DEFAULT=user")
    assert r["new_env"] == {"L_DEFAULT": "user", "L_OVER": "meta", "L_INPUT": "v", "L_USER": "user",
                            "L_CONST": "c"}


def test_new_env_keys_globs_and_path_lists_and_local_keys(repo, cm, tmp_path):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "mytool").write_text("#!/bin/sh\necho tool-ran\n")
    os.chmod(bindir / "mytool", 0o755)
    repo.script("tool", {"tags": ["tool"], "new_env_keys": ["+PATH", "TOOL_*"]},
                customize=f'''
        def preprocess(i):
            i["env"]["+PATH"] = ["{bindir}"]
            i["env"]["TOOL_X"] = "x"
            i["env"]["OTHER"] = "hidden"
            return {{"return": 0}}
    ''')
    repo.script("user", {"tags": ["user"], "deps": [{"tags": "tool"}], "new_env_keys": ["USER_*"],
                         "local_env_keys": ["SECRET_*"]},
                run='echo "USER_OUT=$(mytool)/${OTHER:-unset}" > tmp-run-env.out\n')
    r = cm("run", "script", "--tags=user", "-s", "--env.SECRET_KEY=s")
    assert r["new_env"] == {"USER_OUT": "tool-ran/unset"}
    assert r["deps"][0]["new_env"] == {"+PATH": [str(bindir)], "TOOL_X": "x"}


def test_local_env_keys_do_not_reach_dependencies(repo, cm):
    repo.script("leaf", {"tags": ["leaf"], "new_env_keys": ["LEAF_*"]},
                run='echo "LEAF_GOT=${SECRET_KEY:-unset}/${CM_NAME:-unset}" > tmp-run-env.out\n')
    repo.script("root", {"tags": ["root"], "deps": [{"tags": "leaf"}], "local_env_keys": ["SECRET_*"]})
    r = cm("run", "script", "--tags=root", "-s", "--env.SECRET_KEY=s", "--name=mine")
    assert r["deps"][0]["new_env"] == {"LEAF_GOT": "unset/unset"}


def test_dependency_phases_run_in_order(repo, cm, workdir):
    for name in ("d-deps", "d-pre", "d-post", "d-postdeps"):
        repo.script(name, {"tags": [name]}, run=f'echo {name} >> "{workdir}/order.txt"\n')
    repo.script("phases", {"tags": ["phases"], "deps": [{"tags": "d-deps"}],
                           "prehook_deps": [{"tags": "d-pre"}], "posthook_deps": [{"tags": "d-post"}],
                           "post_deps": [{"tags": "d-postdeps"}]},
                run=f'echo main >> "{workdir}/order.txt"\n')
    assert cm("run", "script", "--tags=phases", "-s")["return"] == 0
    assert (workdir / "order.txt").read_text().split() == ["d-deps", "d-pre", "main", "d-post", "d-postdeps"]


def test_a_cached_script_never_replays_its_first_callers_env(repo, cm):
    repo.script("lib", {"tags": ["lib"], "cache": True, "new_env_keys": ["APP_*"]},
                run='echo "APP_LIB_VERSION=1.0" > tmp-run-env.out\n')
    repo.script("app", {"tags": ["app"], "deps": [{"tags": "lib"}], "new_env_keys": ["APP_*"]},
                run='echo "APP_SEEN=$APP_SCENARIO" > tmp-run-env.out\n')
    first = cm("run", "script", "--tags=app", "-s", "--env.APP_SCENARIO=Offline")
    second = cm("run", "script", "--tags=app", "-s", "--env.APP_SCENARIO=Server")
    assert first["deps"][0]["new_env"] == {"APP_LIB_VERSION": "1.0"}
    assert second["deps"][0]["cached"] and second["new_env"]["APP_SEEN"] == "Server"

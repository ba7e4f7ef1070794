"""CLI flags, --help, scaffolding, meta validation and cycles."""
import json
import os


def simple(repo, workdir):
    repo.script("leaf", {"tags": ["leaf"], "cache": True, "new_env_keys": ["LEAF_*"]},
                run='echo "LEAF_X=1" > tmp-run-env.out\n')
    repo.script("top", {"tags": ["top"], "deps": [{"tags": "leaf", "names": ["leafy"]}],
                        "input_mapping": {"model": "TOP_MODEL"},
                        "input_description": {"model": {"desc": "model to run", "choices": ["a", "b"]}},
                        "default_env": {"TOP_MODEL": "a"},
                        "variations": {"fast": {"group": "speed", "default": True}, "slow": {"group": "speed"}}},
                run=f'echo main-ran > "{workdir}/main"\necho "TOP_SECRET=$TOP_MODEL"\n')


def test_json_output_is_the_result(repo, cm_cli, workdir):
    simple(repo, workdir)
    r = cm_cli("run", "script", "--tags=top", "-j")
    data = json.loads(r.stdout)
    assert r.returncode == 0 and data["return"] == 0 and data["deps"][0]["new_env"] == {"LEAF_X": "1"}


def test_print_deps_shows_the_tree_before_running(repo, cm, workdir, capsys):
    simple(repo, workdir)
    cm("run", "script", "--tags=top", "--print_deps")
    out = capsys.readouterr().out
    tree = out.split("Resolved dependency tree (before running):")[1]
    assert tree.index("- top _fast") < tree.index("- leaf  [miss]") < tree.index("main-ran") \
        if "main-ran" in tree else tree.index("- leaf  [miss]") > 0
    assert out.index("Resolved dependency tree") < out.index("TOP_SECRET=a")
    capsys.readouterr()
    cm("run", "script", "--tags=top", "--print_deps", "-s")
    assert "- leaf  [hit]" in capsys.readouterr().out


def test_fake_run_runs_deps_but_not_the_script(repo, cm, workdir):
    simple(repo, workdir)
    r = cm("run", "script", "--tags=top", "--fake_run", "-s")
    assert r["return"] == 0 and r["deps"][0]["new_env"] == {"LEAF_X": "1"}
    assert not (workdir / "main").exists()
    assert cm("run", "script", "--tags=top", "--dry-run", "-s")["return"] == 0
    assert not (workdir / "main").exists()


def test_print_env(repo, cm, workdir, capsys):
    simple(repo, workdir)
    cm("run", "script", "--tags=top", "--print_env", "--model=b")
    assert "TOP_MODEL=b" in capsys.readouterr().out


def test_silent_hides_the_engine_lines_not_the_script_output(repo, cm, workdir, capsys):
    simple(repo, workdir)
    cm("run", "script", "--tags=top", "-s")
    assert capsys.readouterr().out == "TOP_SECRET=a\n"
    cm("run", "script", "--tags=top")
    assert "* top _fast" in capsys.readouterr().out


def test_help_lists_variations_flags_defaults_and_dep_names(repo, cm, workdir, capsys):
    simple(repo, workdir)
    r = cm("run", "script", "--tags=top", "--help")
    out = capsys.readouterr().out
    assert r["return"] == 0 and not (workdir / "main").exists()
    assert "speed: _fast (default), _slow" in out
    assert "--model  (env TOP_MODEL)  model to run  [default: a]  choices: a, b" in out
    assert "dependency names (for --adr.NAME.*): leafy" in out


def test_help_prints_a_variation_desc_under_its_group_and_the_desc_changes_nothing_else(repo, cm, workdir, capsys):
    simple(repo, workdir)
    plain = cm("run", "script", "--tags=top", "-s", "-j")
    repo.script("top", {"tags": ["top"], "deps": [{"tags": "leaf", "names": ["leafy"]}],
                        "input_mapping": {"model": "TOP_MODEL"}, "default_env": {"TOP_MODEL": "a"},
                        "variations": {"fast": {"group": "speed", "default": True, "desc": "few queries"},
                                       "slow": {"group": "speed", "desc": "the full\n  run"},
                                       "loud": {"env": {"TOP_LOUD": "yes"}, "desc": "prints more"},
                                       "quiet": {}}},
                run=f'echo main-ran > "{workdir}/main"\necho "TOP_SECRET=$TOP_MODEL"\n')
    capsys.readouterr()
    assert cm("run", "script", "--tags=top", "--help")["return"] == 0
    lines = capsys.readouterr().out.splitlines()
    at = lines.index("    speed: _fast (default), _slow")          # the group line as before
    assert lines[at + 1:at + 3] == ["      _fast  few queries", "      _slow  the full run"]
    assert lines[at + 3:at + 5] == ["    (no group): _loud, _quiet", "      _loud  prints more"]
    described = cm("run", "script", "--tags=top", "-s", "-j")   # `desc` is not merged, nor refused
    assert described["return"] == 0 and described["new_env"] == plain["new_env"]
    assert cm("run", "script", "--tags=top,_slow,_loud", "-s")["return"] == 0


def test_add_script_scaffold_runs(repo, cm, capsys):
    repo.script("detect-os", {"tags": ["detect", "os"]})   # the scaffold depends on detect,os
    r = cm("add", "script", "my-probe", "--tags=my,probe", f"--path={repo.path}")
    assert r["return"] == 0 and os.path.isfile(os.path.join(r["path"], "_cm.yaml")), r
    r = cm("run", "script", "--tags=my,probe,_loud", "--message=hi there", "-s")
    assert r["return"] == 0 and r["new_env"]["CM_MY_PROBE_OUTPUT"] == "HI THERE"
    assert cm("add", "script", "my-probe", f"--path={repo.path}")["return"] == 1


def test_unknown_key_is_an_error_with_file_line_and_suggestion(repo, cm):
    d = repo.script("typo", raw_meta="""\
        alias: typo
        uid: "0000000000000abc"
        automation_alias: script
        automation_uid: 5b4e0237da074764
        tags: [typo]
        defualt_env:
          A: b
    """)
    r = cm("run", "script", "--tags=typo", "-s")
    assert r["return"] == 1
    assert f"{d}/_cm.yaml:6" in r["error"] and "defualt_env" in r["error"] and "default_env" in r["error"]


def test_wrong_type_is_an_error(repo, cm):
    repo.script("wrong", {"tags": ["wrong"], "deps": "get,python"})
    r = cm("run", "script", "--tags=wrong", "-s")
    assert r["return"] == 1 and "`deps` must be a list" in r["error"]


def test_malformed_yaml_names_file_and_line(repo, cm):
    d = repo.script("bad-yaml", raw_meta="""\
        alias: bad-yaml
        tags: [bad, yaml
        cache: true
    """)
    r = cm("run", "script", "--tags=bad,yaml", "-s")
    assert r["return"] == 1 and f"{d}/_cm.yaml:" in r["error"] and "malformed YAML" in r["error"]


def test_a_broken_script_does_not_block_others_but_warns(repo, cm, workdir, capsys):
    simple(repo, workdir)
    repo.script("bad-yaml", raw_meta="alias: x\ntags: [oops\n")
    assert cm("run", "script", "--tags=leaf", "-s")["return"] == 0
    assert "broken metadata" in capsys.readouterr().err


def test_dependency_cycle_prints_the_cycle(repo, cm):
    repo.script("cyc-a", {"tags": ["cyc", "a"], "deps": [{"tags": "cyc,b"}]})
    repo.script("cyc-b", {"tags": ["cyc", "b"], "deps": [{"tags": "cyc,c"}]})
    repo.script("cyc-c", {"tags": ["cyc", "c"], "deps": [{"tags": "cyc,a"}]})
    r = cm("run", "script", "--tags=cyc,a", "-s")
    assert r["return"] == 1 and "cyc-a -> cyc-b -> cyc-c -> cyc-a" in r["error"]
    r = cm("run", "script", "--tags=cyc,a", "--print_deps", "-s")
    assert "cyc-a -> cyc-b -> cyc-c -> cyc-a" in r["error"]


def test_missing_dependency_names_it(repo, cm):
    repo.script("needy", {"tags": ["needy"], "deps": [{"tags": "get,nothing-like-this"}]})
    r = cm("run", "script", "--tags=needy", "-s")
    assert r["return"] == 16 and "get,nothing-like-this" in r["error"]


def test_no_traceback_for_user_mistakes(repo, cm_cli, workdir):
    simple(repo, workdir)
    r = cm_cli("run", "script", "--tags=top,_warp")
    assert r.returncode != 0 and "Traceback" not in r.stderr + r.stdout and "_warp" in r.stderr + r.stdout

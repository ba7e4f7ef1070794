"""customize.py hooks, helpers, run.sh export/import, and failures."""
import os


def test_values_survive_verbatim_and_are_never_executed(repo, cm, workdir):
    repo.script("echo", {"tags": ["echo"], "input_mapping": {"value": "ECHO_IN"}, "new_env_keys": ["ECHO_*"]},
                run='printf "ECHO_OUT=%s\\n" "$ECHO_IN" > tmp-run-env.out\n')
    nasty = f"a=b 'q' \"dq\" $(touch {workdir}/pwned) `touch {workdir}/pwned2` $HOME x=y"
    r = cm("run", "script", "--tags=echo", "-s", f"--value={nasty}")
    assert r["new_env"]["ECHO_OUT"] == nasty
    assert not (workdir / "pwned").exists() and not (workdir / "pwned2").exists()


def test_state_round_trip_and_run_state_json(repo, cm):
    repo.script("stateful", {"tags": ["stateful"], "new_state_keys": ["result"]},
                run='echo \'{"result": {"n": 3}}\' > tmp-run-state.json\n')
    assert cm("run", "script", "--tags=stateful", "-s")["new_state"] == {"result": {"n": 3}}


def test_hook_contract_and_helpers(repo, cm, tmp_path):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    tool = bindir / "fancytool"
    tool.write_text("#!/bin/sh\necho fancytool version 2.5.1\n")
    os.chmod(tool, 0o755)
    repo.script("get-fancy", {"tags": ["get", "fancy"], "new_env_keys": ["FANCY_*", "+PATH"]},
                customize='''
        def preprocess(i):
            for key in ("input", "automation", "os_info", "env", "state", "meta", "run_script_input"):
                assert key in i, key
            r = i["automation"].find_artifact({"file_name": "fancytool", "env": i["env"],
                                               "os_info": i["os_info"], "detect_version": True,
                                               "env_path_key": "FANCY_BIN",
                                               "run_script_input": i["run_script_input"]})
            return r if r["return"] > 0 else {"return": 0}

        def detect_version(i):
            return i["automation"].parse_version({"match_text": r"version\\s+([\\d.]+)", "group_number": 1,
                                                  "env_key": "FANCY_VERSION", "which_env": i["env"]})

        def postprocess(i):
            r = detect_version(i)
            if r["return"] > 0:
                return r
            return {"return": 0, "version": r["version"]}
    ''', run='"$FANCY_BIN" > tmp-ver.out\n')
    r = cm("run", "script", "--tags=get,fancy", "-s", f"--path={bindir}")
    assert r["return"] == 0, r
    assert r["version"] == "2.5.1"
    assert r["new_env"]["FANCY_BIN"] == str(tool) and str(bindir) in r["new_env"]["+PATH"]
    r = cm("run", "script", "--tags=get,fancy", "-s", f"--path={bindir}", "--version_min=3.0")
    assert r["return"] > 0 and "2.5.1" in r["error"] and ">=3.0" in r["error"]


def test_preprocess_skip(repo, cm, workdir):
    repo.script("skipper", {"tags": ["skipper"]}, customize='''
        def preprocess(i):
            return {"return": 0, "skip": True}
    ''', run=f'touch "{workdir}/ran"\n')
    assert cm("run", "script", "--tags=skipper", "-s")["return"] == 0
    assert not (workdir / "ran").exists()


def test_run_native_script_helper(repo, cm, workdir):
    repo.script("helper", {"tags": ["helper"], "new_env_keys": ["VALIDATED"]}, customize='''
        def preprocess(i):
            return i["automation"].run_native_script({"run_script_input": i["run_script_input"],
                                                      "env": i["env"], "script_name": "validate"})
    ''', validate_sh='echo "VALIDATED=yes" > tmp-run-env.out\n')
    assert cm("run", "script", "--tags=helper", "-s")["new_env"] == {"VALIDATED": "yes"}


def test_run_sh_failure_reports_everything(repo, cm):
    repo.script("broken-run", {"tags": ["broken", "run"]},
                run="for n in $(seq 1 30); do echo line-$n; done\nexit 3\n")
    r = cm("run", "script", "--tags=broken,run", "-s")
    assert r["return"] == 2
    err = r["error"]
    assert "script broken-run" in err and "tags broken,run" in err and "exit code: 3" in err
    assert "line-30" in err and "line-11" in err and "line-10\n" not in err
    assert "tmp-run.log" in err and "tmp-run.sh" in err


def test_customize_that_raises_is_reported_with_file_and_line(repo, cm):
    d = repo.script("raiser", {"tags": ["raiser"]}, customize='''
        def preprocess(i):
            x = {}
            return x["missing"]
    ''')
    r = cm("run", "script", "--tags=raiser", "-s")
    assert r["return"] == 2 and "KeyError" in r["error"] and f"{d}/customize.py:4" in r["error"]
    assert "Traceback" not in r["error"]


def test_customize_error_return(repo, cm):
    repo.script("refuser", {"tags": ["refuser"]}, customize='''
        def preprocess(i):
            return {"return": 1, "error": "--model must be one of a, b"}
    ''')
    r = cm("run", "script", "--tags=refuser", "-s")
    assert r["return"] == 2 and "--model must be one of a, b" in r["error"] and "refuser" in r["error"]

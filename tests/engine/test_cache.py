"""The cache: hits, keys, --new/--renew/--skip_cache, show/find/rm, atomicity, locking."""
import json
import os
import signal
import subprocess
import sys
import time

COUNTED = 'echo x >> "$COUNT_FILE"\necho "CNT_PATH=$PWD" > tmp-run-env.out\n'


def counted(repo, workdir, extra=None):
    meta = {"tags": ["cnt"], "cache": True, "new_env_keys": ["CNT_*"],
            "default_env": {"COUNT_FILE": str(workdir / "count")},
            "input_mapping": {"size": "CNT_SIZE"},
            "variations": {"small": {"group": "size", "default": True}, "big": {"group": "size"}}}
    meta.update(extra or {})
    repo.script("cnt", meta, run=COUNTED)


def runs(workdir):
    p = workdir / "count"
    return len(p.read_text().split()) if p.exists() else 0


def test_second_run_is_a_hit_and_default_variations_are_part_of_the_key(repo, cm, workdir):
    counted(repo, workdir)
    first = cm("run", "script", "--tags=cnt", "-s")
    assert cm("run", "script", "--tags=cnt,_small", "-s")["cached"] is True
    assert runs(workdir) == 1
    big = cm("run", "script", "--tags=cnt,_big", "-s")
    assert runs(workdir) == 2 and big["cache_path"] != first["cache_path"]
    assert first["new_env"]["CNT_PATH"] == first["cache_path"]   # the script ran inside its entry


def test_inputs_that_matter_are_part_of_the_key(repo, cm, workdir):
    counted(repo, workdir)
    cm("run", "script", "--tags=cnt", "-s", "--size=1")
    cm("run", "script", "--tags=cnt", "-s", "--size=2")
    cm("run", "script", "--tags=cnt", "-s", "--size=1")
    assert runs(workdir) == 2


def test_new_renew_and_skip_cache(repo, cm, workdir):
    counted(repo, workdir)
    first = cm("run", "script", "--tags=cnt", "-s")
    renewed = cm("run", "script", "--tags=cnt", "-s", "--renew")
    # built beside the old entry, which is dropped only once the new one is committed
    assert renewed["cache_path"] != first["cache_path"] and runs(workdir) == 2
    assert not os.path.exists(first["cache_path"])
    first = renewed
    new = cm("run", "script", "--tags=cnt", "-s", "--new")
    assert new["cache_path"] != first["cache_path"] and runs(workdir) == 3
    assert cm("run", "script", "--tags=cnt", "-s")["cache_path"] == new["cache_path"]   # newest wins
    skipped = cm("run", "script", "--tags=cnt", "-s", "--skip_cache")
    assert skipped["cache_path"] == "" and runs(workdir) == 4


def test_show_find_rm(repo, cm, workdir, capsys):
    counted(repo, workdir)
    cm("run", "script", "--tags=cnt", "-s")
    cm("run", "script", "--tags=cnt,_big", "-s")
    assert len(cm("find", "cache", "--tags=cnt")["list"]) == 2
    found = cm("find", "cache", "--tags=cnt,_big")["list"]
    assert len(found) == 1
    capsys.readouterr()
    assert cm("show", "cache", "--tags=cnt")["return"] == 0
    assert "2 cache entries" in capsys.readouterr().out
    assert cm("rm", "cache", "--tags=cnt,_big", "-f")["deleted"] == [found[0]["path"]]
    assert not os.path.exists(found[0]["path"])
    assert len(cm("find", "cache", "--tags=cnt")["list"]) == 1


def test_a_failed_run_leaves_no_entry(repo, cm, workdir):
    repo.script("flaky", {"tags": ["flaky"], "cache": True, "new_env_keys": ["F_*"]},
                run='if [ -f "$FLAG" ]; then echo "F_OK=yes" > tmp-run-env.out; else exit 5; fi\n')
    flag = workdir / "flag"
    assert cm("run", "script", "--tags=flaky", "-s", f"--env.FLAG={flag}")["return"] == 2
    assert cm("find", "cache", "--tags=flaky")["list"] == []
    flag.write_text("")
    r = cm("run", "script", "--tags=flaky", "-s", f"--env.FLAG={flag}")
    assert r["return"] == 0 and r["cached"] is False and r["new_env"] == {"F_OK": "yes"}


def test_kill_9_mid_run_leaves_nothing_a_later_run_uses_but_its_work_is_resumed(repo, cm_cli, workdir):
    repo.script("slow", {"uid": "00000000000051a0", "tags": ["slow"], "cache": True, "new_env_keys": ["S_*"]},
                run='echo partial > part\necho started > "$MARK"\nsleep 30\necho "S_DONE=yes" > tmp-run-env.out\n')
    mark = workdir / "mark"
    cm_bin = os.path.join(os.path.dirname(sys.executable), "cm")
    proc = subprocess.Popen([cm_bin, "run", "script", "--tags=slow", "-s", f"--env.MARK={mark}"],
                            start_new_session=True)
    deadline = time.time() + 30
    while not mark.exists() and time.time() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    cache_root = os.path.join(os.environ["CM_REPOS"], "repos", "local", "cache")
    leftovers = [d for d in os.listdir(cache_root) if not d.startswith(".")]
    assert len(leftovers) == 1                      # the unfinished build ...
    assert not os.path.exists(os.path.join(cache_root, leftovers[0], "_cm.json"))
    assert json.loads(cm_cli("find", "cache", "--tags=slow", "-j").stdout)["list"] == []   # ... is invisible
    repo.script("slow", {"uid": "00000000000051a0", "tags": ["slow"], "cache": True, "new_env_keys": ["S_*"]},
                run='echo "S_DONE=yes" > tmp-run-env.out\necho "S_RESUMED=$(cat part)" >> tmp-run-env.out\n')
    r = cm_cli("run", "script", "--tags=slow", "-s", "-j")
    assert r.returncode == 0, r.stderr
    # the next build of the same key resumes in it: partial work (a half download) is kept
    assert json.loads(r.stdout)["new_env"] == {"S_DONE": "yes", "S_RESUMED": "partial"}
    assert [d for d in os.listdir(cache_root) if not d.startswith(".")] == \
        [os.path.basename(json.loads(r.stdout)["cache_path"])] == leftovers


def test_two_concurrent_runs_end_with_one_entry(repo, cm_cli, workdir):
    repo.script("shared", {"tags": ["shared"], "cache": True, "new_env_keys": ["SH_*"]},
                run='echo x >> "$COUNT"\nsleep 1\necho "SH_DIR=$PWD" > tmp-run-env.out\n')
    count = workdir / "count"
    cm_bin = os.path.join(os.path.dirname(sys.executable), "cm")
    procs = [subprocess.Popen([cm_bin, "run", "script", "--tags=shared", "-s", "-j", f"--env.COUNT={count}"],
                              stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [json.loads(p.communicate(timeout=60)[0]) for p in procs]
    assert len(count.read_text().split()) == 1
    assert outs[0]["new_env"] == outs[1]["new_env"]
    assert sorted(o["cached"] for o in outs) == [False, True]


def test_fingerprint_hook_invalidates_platform_facts(repo, cm, workdir):
    fact = workdir / "fact"
    fact.write_text("kernel-1")
    repo.script("facts", {"tags": ["facts"], "cache": True, "new_env_keys": ["FACT"]}, customize=f'''
        def cache_fingerprint(i):
            return {{"return": 0, "fingerprint": open("{fact}").read()}}
    ''', run=f'echo "FACT=$(cat {fact})" > tmp-run-env.out\n')
    assert cm("run", "script", "--tags=facts", "-s")["new_env"] == {"FACT": "kernel-1"}
    assert cm("run", "script", "--tags=facts", "-s")["cached"] is True
    fact.write_text("kernel-2")
    r = cm("run", "script", "--tags=facts", "-s")
    assert r["cached"] is False and r["new_env"] == {"FACT": "kernel-2"}


def test_cache_key_naming_a_dependency_output_runs_dependencies_first(repo, cm, workdir):
    repo.script("pick", {"tags": ["pick"], "new_env_keys": ["PICKED"], "input_mapping": {"which": "PICKED"}})
    counted(repo, workdir, {"deps": [{"tags": "pick", "names": ["picker"]}], "cache_key_env": ["PICKED"]})
    a = cm("run", "script", "--tags=cnt", "-s", "--adr.picker.which=a")
    b = cm("run", "script", "--tags=cnt", "-s", "--adr.picker.which=b")
    again = cm("run", "script", "--tags=cnt", "-s", "--adr.picker.which=a")
    assert runs(workdir) == 2 and a["cache_path"] != b["cache_path"]
    assert again["cached"] is True and again["cache_path"] == a["cache_path"]

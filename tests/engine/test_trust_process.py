"""Issue 10 (engine, cache and processes), through the real `cm` command and real processes:
kill -9 and Ctrl-C of cm, entries in use, a killed --renew, malformed entries, the user's cwd
and secrets."""
import json
import os
import re
import signal
import stat
import subprocess
import sys
import time

import pytest

CM_BIN = os.path.join(os.path.dirname(sys.executable), "cm")
TOKEN = "ghp_trustEngineSecret0123456789"


def cache_root():
    return os.path.join(os.environ["CM_REPOS"], "repos", "local", "cache")


def wait_for(predicate, timeout=30.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def dead(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


def spawn(*args, **kw):
    return subprocess.Popen([CM_BIN, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


# run.sh that starts a background child and a grandchild, records their pids, then waits
SPAWNER = '''echo partial > part
sleep 300 &
echo $! >> "$PIDS"
sh -c 'echo $$ >> "$PIDS"; exec sleep 301' &
wait
echo "SP_DONE=yes" > tmp-run-env.out
'''


def pids_of(path, n=2):
    assert wait_for(lambda: path.exists() and len(path.read_text().split()) >= n), "run.sh never started"
    return [int(p) for p in path.read_text().split()]


@pytest.mark.parametrize("cached", [False, True])
def test_kill_9_of_cm_kills_run_sh_and_its_children(repo, workdir, cached):
    repo.script("spawner", {"tags": ["spawner"], "cache": cached, "new_env_keys": ["SP_*"]}, run=SPAWNER)
    pidfile = workdir / "pids"
    proc = spawn("run", "script", "--tags=spawner", "-s", f"--env.PIDS={pidfile}")
    children = pids_of(pidfile)
    os.kill(proc.pid, signal.SIGKILL)          # cm only, not its group
    proc.wait()
    assert wait_for(lambda: all(dead(p) for p in children), 10), \
        f"still running after kill -9 of cm: {[p for p in children if not dead(p)]}"


def test_ctrl_c_prints_one_line_exits_130_and_the_build_resumes(repo, cm_cli, workdir):
    meta = {"uid": "0000000000000c1c", "tags": ["spawner"], "cache": True, "new_env_keys": ["SP_*"]}
    repo.script("spawner", meta, run=SPAWNER)
    pidfile = workdir / "pids"
    proc = spawn("run", "script", "--tags=spawner", "-s", f"--env.PIDS={pidfile}")
    children = pids_of(pidfile)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1 and "interrupted" in err
    assert wait_for(lambda: all(dead(p) for p in children), 10)
    # the unfinished build is invisible but kept: the next run of the same request resumes in it
    repo.script("spawner", meta, run='echo "SP_DONE=yes" > tmp-run-env.out\necho "SP_PART=$(cat part)" >> tmp-run-env.out\n')
    r = cm_cli("run", "script", "--tags=spawner", "-s", "-j")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["new_env"] == {"SP_DONE": "yes", "SP_PART": "partial"}


def test_a_killed_renew_keeps_the_previous_good_entry(repo, cm_cli, workdir):
    repo.script("renewme", {"tags": ["renewme"], "cache": True, "new_env_keys": ["RN_*"]},
                run='echo "RN_GEN=$GEN" > tmp-run-env.out\nif [ -n "$MARK" ]; then echo > "$MARK"; sleep 300; fi\n')
    first = json.loads(cm_cli("run", "script", "--tags=renewme", "-s", "-j", "--env.GEN=1").stdout)
    mark = workdir / "mark"
    proc = spawn("run", "script", "--tags=renewme", "-s", "--renew", "--env.GEN=2", f"--env.MARK={mark}")
    assert wait_for(mark.exists)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    again = json.loads(cm_cli("run", "script", "--tags=renewme", "-s", "-j", "--env.GEN=3").stdout)
    assert again["cached"] is True and again["cache_path"] == first["cache_path"]
    assert again["new_env"] == {"RN_GEN": "1"}


def _in_use_setup(repo, workdir, prebuild=None):
    repo.script("res", {"tags": ["res"], "cache": True, "new_env_keys": ["RES_*"]},
                run='echo "RES_DIR=$PWD" > tmp-run-env.out\n')
    repo.script("user", {"tags": ["user"], "deps": [{"tags": "res"}]},
                run='echo > "$MARK"\nsleep 300\n')
    if prebuild:    # the running job then holds a cache hit, not an entry it built
        assert prebuild("run", "script", "--tags=res", "-s").returncode == 0
    mark = workdir / "mark"
    proc = spawn("run", "script", "--tags=user", "-s", f"--env.MARK={mark}")
    assert wait_for(mark.exists)
    return proc


@pytest.mark.parametrize("prebuilt", [False, True])
def test_rm_cache_f_refuses_an_entry_a_run_is_using_and_names_the_run(repo, cm_cli, workdir, prebuilt):
    proc = _in_use_setup(repo, workdir, cm_cli if prebuilt else None)
    try:
        entry = json.loads(cm_cli("find", "cache", "--tags=res", "-j").stdout)["list"][0]["path"]
        r = cm_cli("rm", "cache", "--tags=res", "-f", "--wait=0.3")
        assert r.returncode != 0
        assert f"pid {proc.pid}" in r.stdout + r.stderr and "--tags=user" in r.stdout + r.stderr
        assert "--force_in_use" in r.stdout + r.stderr
        assert os.path.isfile(os.path.join(entry, "_cm.json"))
        r = cm_cli("rm", "cache", "--tags=res", "-f", "--force_in_use")
        assert r.returncode == 0 and not os.path.exists(entry)
    finally:
        proc.kill()
        proc.wait()


def test_rm_cache_waits_for_a_run_that_ends(repo, cm_cli, workdir):
    proc = _in_use_setup(repo, workdir)
    rm = spawn("rm", "cache", "--tags=res", "-f", "--wait=60")
    time.sleep(1.0)
    assert rm.poll() is None            # waiting for the run
    proc.kill()
    proc.wait()
    out, err = rm.communicate(timeout=60)
    assert rm.returncode == 0, err
    assert json.loads(cm_cli("find", "cache", "--tags=res", "-j").stdout)["list"] == []


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", '{"tags": "a,b"}', '{"cmperf": 3, "tags": []}'])
def test_a_malformed_entry_is_skipped_shown_and_removable(repo, cm_cli, workdir, content):
    repo.script("okay", {"tags": ["okay"], "cache": True, "new_env_keys": ["OK_*"]},
                run='echo "OK_X=1" > tmp-run-env.out\n')
    bad = os.path.join(cache_root(), "badbadbadbadbad0")
    os.makedirs(bad)
    with open(os.path.join(bad, "_cm.json"), "w") as f:
        f.write(content)
    r = cm_cli("run", "script", "--tags=okay", "-s", "-j")
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr and "skipping cache entry" in r.stderr and bad in r.stderr
    r = cm_cli("show", "cache")
    assert r.returncode == 0 and "BROKEN" in r.stdout and bad in r.stdout, r.stdout + r.stderr
    r = cm_cli("rm", "cache", "badbadbadbadbad0", "-f")
    assert r.returncode == 0, r.stderr
    assert not os.path.exists(bad)
    assert len(json.loads(cm_cli("find", "cache", "--tags=okay", "-j").stdout)["list"]) == 1


def test_nothing_is_written_into_the_users_cwd_and_secrets_never_reach_disk(repo, cm_cli, workdir, tmp_path):
    repo.script("quiet", {"tags": ["quiet"], "new_env_keys": ["Q_*"]},
                run='echo "Q_LEN=${#GH_TOKEN}" > "$OUT_ENV"\n[ -z "$FAIL" ] || exit 3\n')
    repo.script("quiet-cached", {"tags": ["quiet", "cached"], "cache": True, "new_env_keys": ["Q_*"]},
                run='echo "Q_LEN=${#GH_TOKEN}" > tmp-run-env.out\n')
    env = dict(os.environ, GH_TOKEN=TOKEN)
    before = sorted(os.listdir(workdir))
    r = cm_cli("run", "script", "--tags=quiet,cached", "-s", "-j", env=env)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["new_env"] == {"Q_LEN": str(len(TOKEN))}      # the script got it
    state = os.path.join(json.loads(r.stdout)["cache_path"], "cm-cached-state.json")
    assert stat.S_IMODE(os.stat(state).st_mode) == 0o600                     # it holds env values
    failed = cm_cli("run", "script", "--tags=quiet,-cached", "-s", "--env.FAIL=1",
                    f"--env.OUT_ENV={tmp_path}/q.env", env=env)
    assert failed.returncode != 0
    assert sorted(os.listdir(workdir)) == before                             # nothing in the cwd
    log = re.search(r"log: (\S+)", failed.stdout + failed.stderr).group(1)
    private = os.path.dirname(log)
    assert not log.startswith(str(workdir))
    assert stat.S_IMODE(os.stat(private).st_mode) == 0o700
    for name in os.listdir(private):
        assert stat.S_IMODE(os.stat(os.path.join(private, name)).st_mode) == 0o600, name
    for root in (str(tmp_path), private):
        for dirpath, _, files in os.walk(root):
            for name in files:
                with open(os.path.join(dirpath, name), "rb") as f:
                    assert TOKEN.encode() not in f.read(), os.path.join(dirpath, name)


@pytest.fixture
def immutable_cwd(workdir):
    if subprocess.run(["chattr", "+i", str(workdir)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not available here")
    yield workdir
    subprocess.run(["chattr", "-i", str(workdir)])


def test_a_non_writable_cwd_works(repo, cm_cli, immutable_cwd):
    with pytest.raises(OSError):
        (immutable_cwd / "probe").write_text("x")
    repo.script("ro-probe", {"tags": ["ro", "probe"], "new_env_keys": ["RO_*"]}, run='echo hello\n')
    repo.script("ro-cached", {"tags": ["ro", "cached"], "cache": True, "new_env_keys": ["RO_*"],
                              "deps": [{"tags": "ro,probe"}]}, run='echo "RO_OK=yes" > tmp-run-env.out\n')
    r = cm_cli("run", "script", "--tags=ro,probe", "-j")      # runs in the cwd itself
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr and "hello" in r.stderr
    r = cm_cli("run", "script", "--tags=ro,cached", "-j")
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr and json.loads(r.stdout)["new_env"] == {"RO_OK": "yes"}


def test_secret_names_are_whole_name_parts():
    from cmperf.engine.native import is_secret
    assert all(is_secret(n) for n in ("GH_TOKEN", "CM_GH_TOKEN", "HF_TOKEN", "AWS_SECRET_ACCESS_KEY",
                                      "DB_PASSWORD", "OPENAI_API_KEY"))
    assert not any(is_secret(n) for n in ("CM_DATASET_SQUAD_TOKENIZED_ROOT", "PATH", "CM_TOKENIZER_PATH"))


def test_ctrl_c_inside_a_python_hook_is_one_line_and_130(repo, workdir):
    mark = workdir / "mark"
    repo.script("hooked", {"tags": ["hooked"], "cache": True}, customize=f'''
        import time
        def preprocess(i):
            open("{mark}", "w").write("in hook")
            time.sleep(300)
            return {{"return": 0}}
    ''')
    proc = spawn("run", "script", "--tags=hooked", "-s")
    assert wait_for(mark.exists)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and "Traceback" not in err and len(err.strip().splitlines()) == 1, err

"""`cm run|replay|show|find experiment` through the real cm command, in an isolated CM_REPOS."""
import glob
import json
import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TINY = os.path.join(ROOT, "tests", "experiment", "tiny_loadgen.py")
LOADGEN_CMD = ["--", sys.executable, TINY, "--out", "{{CM_EXPERIMENT_PATH}}/logs", "--batch", "{{BATCH}}"]


def _cm_runner(home, cwd):
    env = {**os.environ, "CM_REPOS": str(home), "PYTHONPATH": ROOT}

    def run(*args, check=True):
        p = subprocess.run([sys.executable, "-m", "cmind", *args], env=env, cwd=cwd,
                           capture_output=True, text=True, timeout=120)
        if check and p.returncode != 0:
            raise AssertionError(f"cm {' '.join(args)} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
        return p
    return run


@pytest.fixture(scope="module")
def _registered_home(tmp_path_factory):
    """A CM home where `cm init repo` registered this checkout and its data repo, once a module:
    the two inits (a cmind process and a reindex each, ~1 s of CPU) leave the same files every time."""
    home = tmp_path_factory.mktemp("cm-init") / "CM"
    run = _cm_runner(home, str(home.parent))
    run("init", "repo", "cmperf", f"--path={ROOT}")
    run("init", "repo", "cmperf-data", f"--path={os.path.join(ROOT, 'cm-repo')}")
    return home


@pytest.fixture
def cm(cm_repos, tmp_path, _registered_home):
    shutil.copytree(_registered_home, cm_repos)
    return _cm_runner(cm_repos, tmp_path)


def _steps(cm_repos):
    return sorted(glob.glob(str(cm_repos / "repos" / "local" / "experiment" / "*" / "*" / "step-*")))


def test_run_show_find_replay(cm, cm_repos):
    p = cm("run", "experiment", "--tags=tiny,dse", '--explore.BATCH=[1,8]', *LOADGEN_CMD)
    assert "2 steps ok, 0 failed" in p.stdout
    steps = _steps(cm_repos)
    assert len(steps) == 2
    records = [json.load(open(os.path.join(s, "cm-step.json"))) for s in steps]
    assert [r["variables"]["BATCH"] for r in records] == [1, 8]
    assert all(r["status"] == "ok" and r["results"][0]["scenario"] == "Offline" for r in records)

    shown = cm("show", "experiment", "--tags=tiny").stdout
    assert "BATCH=1" in shown and "BATCH=8" in shown and "(Offline)" in shown
    found = cm("find", "experiment", "--tags=dse").stdout
    assert os.path.dirname(os.path.dirname(steps[0])) in found

    again = cm("replay", "experiment", "--tags=tiny", "--step=2").stdout
    assert "Offline: original" in again
    assert os.path.isfile(steps[1] + ".replay-1/cm-step.json")


def test_failed_steps_do_not_stop_the_sweep_unless_asked(cm, cm_repos):
    p = cm("run", "experiment", "--tags=failing", "--explore.MODE,=--fail,--batch=4", "--explore.BATCH=2",
           *LOADGEN_CMD, "{{MODE}}")
    assert "1 steps ok, 1 failed" in p.stdout
    p = cm("run", "experiment", "--tags=failing2", "--explore.MODE,=--fail,--batch=4",
           "--explore.BATCH=2", "--fail_fast", *LOADGEN_CMD, "{{MODE}}", check=False)
    assert p.returncode != 0 and "step 1 failed: exit status 3" in p.stderr + p.stdout
    assert len(_steps(cm_repos)) == 3   # 2 of the first sweep, the failed one of the second


@pytest.mark.parametrize("explore,message", [
    ("--explore.BATCH=[]", "has no values"),
    ("--explore.BATCH=range(", "not a valid expression"),
    ("--explore.BACTH=[1]", "{{BATCH}} in the command has no value"),
])
def test_invalid_exploration_is_an_error_and_runs_nothing(cm, cm_repos, explore, message):
    p = cm("run", "experiment", "--tags=bad", explore, *LOADGEN_CMD, check=False)
    assert p.returncode != 0 and message in p.stderr + p.stdout
    assert not glob.glob(str(cm_repos / "repos" / "local" / "experiment" / "*"))


def test_published_data_is_not_an_experiment_to_run(cm):
    p = cm("show", "experiment", "--tags=published-results", check=False)
    assert p.returncode != 0 and "no experiment with tags published-results" in p.stderr + p.stdout
    p = cm("run", "experiment", "--explore.X=1", "--", "true", check=False)
    assert p.returncode != 0 and "give the experiment --tags" in p.stderr + p.stdout


def test_every_step_failed_is_a_failed_experiment(cm, cm_repos):
    p = cm("run", "experiment", "--tags=allfail", "--explore.BATCH=[1,2]", *LOADGEN_CMD, "--fail", check=False)
    assert p.returncode != 0 and "every step of" in p.stderr + p.stdout
    assert len(_steps(cm_repos)) == 2            # both recorded, with their log tails
    p = cm("run", "experiment", "--tags=rayless", "--executor=slurm", "--explore.X=1", "--", "true", check=False)
    assert p.returncode != 0 and "expected one of local, ray" in p.stderr + p.stdout
    assert len(glob.glob(str(cm_repos / "repos" / "local" / "experiment" / "*"))) == 1   # nothing created

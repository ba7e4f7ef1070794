"""The submission helper scripts through `cm`: results/submission dirs, generation without
--results_dir, and pushing a tree to a git remote (a local bare repository)."""
import os
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FULL = os.path.join(ROOT, "tests", "submission", "data", "full-offline-v3.1")
SYSTEM = os.path.join(ROOT, "docs", "system-example.json")


def test_results_dir_is_the_run_just_made_or_a_clear_error(cm):
    rc, _, out = cm("--tags=get,mlperf,inference,results,dir", "-j")
    assert rc != 0 and "no results of an MLPerf run" in out and "--results_dir" in out
    shutil.copytree(FULL, cm.work / "results")
    rc, data, out = cm("--tags=get,mlperf,inference,results,dir", "-j")
    assert rc == 0, out
    assert data["new_env"]["CM_MLPERF_INFERENCE_RESULTS_DIR"] == str(cm.work / "results")
    rc, data, out = cm("--tags=get,mlperf,inference,submission,dir", "--submission_dir=sub", "-j")
    assert rc == 0 and data["new_env"]["CM_MLPERF_INFERENCE_SUBMISSION_DIR"] == str(cm.work / "sub"), out


def test_submission_generation_finds_the_results_of_the_run_just_made(cm):
    shutil.copytree(FULL, cm.work / "results")
    rc, _, out = cm("--tags=generate,inference,submission,_r3.1", "--submitter=TestOrg", f"--system_json={SYSTEM}")
    assert rc == 0, out
    assert (cm.work / "submission" / "open" / "TestOrg" / "model_mapping.json").is_file(), out


def _git(*args, cwd=None):
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def git_identity(monkeypatch):
    for k, v in (("GIT_AUTHOR_NAME", "t"), ("GIT_AUTHOR_EMAIL", "t@example.org"),
                 ("GIT_COMMITTER_NAME", "t"), ("GIT_COMMITTER_EMAIL", "t@example.org")):
        monkeypatch.setenv(k, v)


def test_push_to_a_local_bare_repository(cm, tmp_path, git_identity):
    remote = tmp_path / "results.git"
    _git("init", "--quiet", "--bare", "-b", "main", str(remote))
    seed = tmp_path / "seed"
    _git("clone", "--quiet", str(remote), str(seed))
    (seed / "README.md").write_text("kept\n")
    _git("add", "README.md", cwd=seed)
    _git("commit", "--quiet", "-m", "seed", cwd=seed)
    _git("push", "--quiet", "origin", "HEAD:main", cwd=seed)

    tree = cm.work / "submission"
    shutil.copytree(FULL, tree / "open" / "TestOrg" / "results")
    rc, data, out = cm("push github mlperf inference submission", f"--repo_url={remote}", "--repo_branch=main",
                       "--commit_message=Results on testcpu", "-j")
    assert rc == 0, out
    check = tmp_path / "check"
    _git("clone", "--quiet", str(remote), str(check))
    assert _git("log", "-1", "--format=%s", cwd=check).strip() == "Results on testcpu"
    assert (check / "README.md").read_text() == "kept\n"            # the repository's own files stay
    assert (check / "open" / "TestOrg" / "results").is_dir()
    assert data["new_env"]["CM_MLPERF_RESULTS_PUSHED_COMMIT"] == _git("rev-parse", "HEAD", cwd=check).strip()

    rc, _, out = cm("push github mlperf inference submission", "--repo_url=", "-j")
    assert rc != 0 and "--repo_url" in out
    rc, _, out = cm("push github mlperf inference submission", f"--repo_url={tmp_path / 'nope.git'}")
    assert rc != 0 and "nope.git" in out

import os
import subprocess

import pytest

from cmperf.platform import git_repo


def git(cwd, *args):
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@t")
    return subprocess.run(["git", "-c", "protocol.file.allow=always", "-c", "init.defaultBranch=main", *args],
                          cwd=cwd, check=True, capture_output=True, text=True, env=env).stdout.strip()


def commit(repo, name, text):
    (repo / name).write_text(text)
    git(repo, "add", name)
    git(repo, "commit", "-qm", f"add {name}")
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def upstream(tmp_path):
    """A local repo: 3 commits on main (tag v1 on the first), a dev branch, a submodule."""
    sub = tmp_path / "sub"
    sub.mkdir()
    git(sub, "init", "-q")
    commit(sub, "s.txt", "sub")
    repo = tmp_path / "up"
    repo.mkdir()
    git(repo, "init", "-q")
    first = commit(repo, "a.txt", "1")
    git(repo, "tag", "v1")
    second = commit(repo, "a.txt", "2")
    git(repo, "submodule", "add", "-q", f"file://{sub}", "third_party/sub")
    git(repo, "commit", "-qm", "submodule")
    git(repo, "checkout", "-qb", "dev")
    commit(repo, "dev.txt", "dev")
    git(repo, "checkout", "-q", "main")
    return {"path": repo, "first": first, "second": second}


def test_shallow_clone_of_a_local_path_by_default(upstream, tmp_path):
    c = git_repo.clone(str(upstream["path"]), tmp_path / "co")
    assert c.shallow and git(c.path, "rev-list", "--count", "HEAD") == "1"
    assert (tmp_path / "co/a.txt").read_text() == "2" and not (tmp_path / "co/third_party/sub/s.txt").exists()
    assert c.to_env()["CM_GIT_REPO_CHECKOUT_PATH"] == str(tmp_path / "co")


def test_branch_tag_and_sha(upstream, tmp_path):
    assert (tmp_path / "b/dev.txt").exists() is False
    git_repo.clone(str(upstream["path"]), tmp_path / "b", branch="dev")
    assert (tmp_path / "b/dev.txt").read_text() == "dev"
    t = git_repo.clone(str(upstream["path"]), tmp_path / "t", tag="v1")
    assert t.sha == upstream["first"] and (tmp_path / "t/a.txt").read_text() == "1"
    s = git_repo.clone(str(upstream["path"]), tmp_path / "s", sha=upstream["second"])
    assert s.sha == upstream["second"] and (tmp_path / "s/a.txt").read_text() == "2"


def test_full_history_and_submodules_on_request(upstream, tmp_path):
    c = git_repo.clone(str(upstream["path"]), tmp_path / "full", depth=0, submodules=True)
    assert not c.shallow and git(c.path, "rev-list", "--count", "HEAD") == "3"
    assert (tmp_path / "full/third_party/sub/s.txt").read_text() == "sub"


def test_existing_checkout_is_reused_and_a_foreign_dir_is_not_clobbered(upstream, tmp_path):
    c1 = git_repo.clone(str(upstream["path"]), tmp_path / "co")
    marker = tmp_path / "co" / "untracked"
    marker.write_text("mine")
    c2 = git_repo.clone(str(upstream["path"]), tmp_path / "co")
    assert c2.sha == c1.sha and marker.exists()
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "file").write_text("x")
    with pytest.raises(git_repo.GitError, match="exists and is not a checkout"):
        git_repo.clone(str(upstream["path"]), tmp_path / "other")


def test_bad_ref_fails_cleanly(upstream, tmp_path):
    with pytest.raises(git_repo.GitError, match="no-such-branch"):
        git_repo.clone(str(upstream["path"]), tmp_path / "x", branch="no-such-branch")
    assert sorted(os.listdir(tmp_path)) == ["sub", "up"]  # no half clone, no temp dir left

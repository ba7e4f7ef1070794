"""Publish a submission (or results) tree to a git repository: clone, copy in, commit, push.

Works with any git remote the user's git can reach (a GitHub fork, a server, a local bare
repository). Everything that can be checked is checked before the clone; files of the repository
that the tree does not contain are kept (nothing of the user's is deleted).
"""
import os
import shutil
import subprocess

from ..core import progress
from ..core.errors import CmperfError


class PushError(CmperfError):
    pass


def _git(args, cwd, what):
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                          env=dict(os.environ, GIT_TERMINAL_PROMPT="0"))
    if proc.returncode:
        raise PushError(f"git {what} failed (rc {proc.returncode}): {(proc.stderr or proc.stdout).strip()}")
    return proc.stdout


def validate(source_dir, repo_url):
    if not repo_url:
        raise PushError("no repository given: pass --repo_url=<git URL of your fork or results repository>")
    if not source_dir or not os.path.isdir(source_dir):
        raise PushError(f"submission directory not found: {source_dir or '(none)'}: pass --submission_dir")
    if not os.listdir(source_dir):
        raise PushError(f"submission directory {source_dir} is empty: nothing to push")
    if shutil.which("git") is None:
        raise PushError("git is not installed (cm run script --tags=get,sys-utils-cm installs it)")


def _copy_tree(src, dst):
    for root, dirs, files in os.walk(src):
        dirs[:] = [d for d in dirs if d != ".git"]
        rel = os.path.relpath(root, src)
        os.makedirs(os.path.join(dst, rel), exist_ok=True)
        for name in files:
            shutil.copy2(os.path.join(root, name), os.path.join(dst, rel, name))


def push(source_dir, repo_url, workdir, message, branch=None):
    """Push source_dir's content into the repository; return the pushed commit (or None: nothing changed)."""
    validate(source_dir, repo_url)
    clone = os.path.join(workdir, "repo")
    if os.path.exists(clone):
        raise PushError(f"{clone} exists: use an empty work directory")
    with progress.Task(f"push results to {repo_url}", total=3, unit="steps") as task:
        _git(["clone", "--quiet", *(["--branch", branch] if branch else []), repo_url, clone], workdir,
             f"clone {repo_url}")
        task.advance(1)
        _copy_tree(source_dir, clone)
        _git(["add", "-A"], clone, "add")
        if not _git(["status", "--porcelain"], clone, "status").strip():
            task.advance(2)
            return None
        _git(["commit", "--quiet", "-m", message], clone,
             "commit (set git config user.name and user.email if git asks who you are)")
        task.advance(1)
        head = _git(["rev-parse", "HEAD"], clone, "rev-parse").strip()
        _git(["push", "--quiet", "origin", f"HEAD:{branch}" if branch else "HEAD"], clone, f"push to {repo_url}")
        task.advance(1)
    return head

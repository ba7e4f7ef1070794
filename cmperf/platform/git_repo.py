"""Clone a git repository at a branch, tag or commit; shallow by default; local paths work.

The clone is made in a temporary sibling directory and renamed into place, so a failed or
interrupted clone never leaves a half-populated checkout under the final name.
"""
import argparse
import dataclasses
import os
import shutil
import subprocess
import sys
import tempfile

from . import PlatformError


class GitError(PlatformError):
    """git failed; the message has the command and git's own error."""


@dataclasses.dataclass
class Checkout:
    path: str
    url: str
    sha: str
    ref: str            # branch, tag or sha asked for ("" = remote default branch)
    shallow: bool

    def to_env(self):
        return {"CM_GIT_REPO_CHECKOUT_PATH": self.path, "CM_GIT_CHECKOUT_PATH": self.path,
                "CM_GIT_REPO_CURRENT_HASH": self.sha, "CM_GIT_URL": self.url}


def _git(args, cwd=None, check=True):
    # file:// is blocked for submodules since git 2.38.1; a local mirror is a deliberate choice here.
    cmd = ["git", "-c", "protocol.file.allow=always", "-c", "advice.detachedHead=false"] + args
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0")  # never wait for credentials
    try:
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        raise GitError("git is not installed; install it (e.g. `cm run script --tags=get,generic-sys-util,_git`)")
    if check and proc.returncode != 0:
        raise GitError(f"`git {' '.join(args)}` failed (exit {proc.returncode}):\n"
                       f"{proc.stderr.strip()[-1500:]}")
    return proc


def normalize_url(url):
    """Local directories become file:// URLs (plain paths make git ignore --depth)."""
    if os.path.isdir(url):
        return "file://" + os.path.abspath(url)
    return url


def clone(url, dest, branch=None, tag=None, sha=None, depth=1, submodules=False, overwrite=False):
    """Clone ``url`` into ``dest`` and check out ``sha`` / ``tag`` / ``branch``.

    ``depth``: None or 0 for the full history. ``submodules``: True for all, or a list of paths.
    An existing checkout of the same URL and commit is reused.
    """
    if sum(bool(x) for x in (branch, tag, sha)) > 1:
        raise GitError("give only one of branch, tag and sha")
    src = normalize_url(url)
    dest = os.path.abspath(dest)
    if os.path.exists(dest) and os.listdir(dest):
        existing = _reuse(dest, url, src, sha)
        if existing and not overwrite:
            return existing
        if not overwrite:
            raise GitError(f"{dest} exists and is not a checkout of {url}"
                           f"{' at ' + sha if sha else ''}; remove it or pass --overwrite")
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=f".{os.path.basename(dest)}.clone-", dir=os.path.dirname(dest))
    shallow = bool(depth)
    try:
        if sha:
            _git(["init", "-q", tmp])
            _git(["remote", "add", "origin", src], cwd=tmp)
            fetched = shallow and _git(["fetch", "-q", f"--depth={depth}", "origin", sha], cwd=tmp,
                                       check=False).returncode == 0
            if not fetched:  # servers that refuse to serve a bare commit: take everything
                shallow = False
                _git(["fetch", "-q", "--tags", "origin", "+refs/heads/*:refs/remotes/origin/*"], cwd=tmp)
            _git(["checkout", "-q", sha], cwd=tmp)
        else:
            args = ["clone", "-q"] + ([f"--depth={depth}"] if shallow else [])
            if branch or tag:
                args += ["--branch", branch or tag]
            _git(args + [src, tmp])
        if submodules:
            paths = [] if submodules is True else list(submodules)
            _git(["submodule", "update", "--init", "--recursive"] + ([f"--depth={depth}"] if shallow else [])
                 + ["--"] + paths, cwd=tmp)
        head = _git(["rev-parse", "HEAD"], cwd=tmp).stdout.strip()
        if os.path.exists(dest):
            shutil.rmtree(dest)
        os.replace(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return Checkout(dest, url, head, sha or tag or branch or "", shallow)


def _reuse(dest, url, src, sha):
    """A Checkout for an existing clone of ``src`` (at ``sha`` if given), else None."""
    if not os.path.isdir(os.path.join(dest, ".git")):
        return None
    remote = _git(["config", "--get", "remote.origin.url"], cwd=dest, check=False).stdout.strip()
    head = _git(["rev-parse", "HEAD"], cwd=dest, check=False).stdout.strip()
    if remote != src or not head or (sha and not head.startswith(sha)):
        return None
    shallow = os.path.exists(os.path.join(dest, ".git", "shallow"))
    return Checkout(dest, url, head, sha or "", shallow)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Clone a git repository (shallow by default).")
    parser.add_argument("url")
    parser.add_argument("dest")
    parser.add_argument("--branch")
    parser.add_argument("--tag")
    parser.add_argument("--sha")
    parser.add_argument("--depth", type=int, default=1, help="0 = full history")
    parser.add_argument("--submodules", action="store_true")
    args = parser.parse_args(argv)
    try:
        c = clone(args.url, args.dest, args.branch, args.tag, args.sha, args.depth, args.submodules)
    except PlatformError as e:
        print(f"get-git-repo: {e}", file=sys.stderr)
        return 1
    print(c.path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

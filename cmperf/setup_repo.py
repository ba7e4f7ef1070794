"""`cmperf-setup`: register this checkout (and its data repository) with cmind.

Registration is what `cm pull repo` does for a remote repository; for a local checkout
cmind calls it `cm init repo ALIAS --path=...`. Running it twice is harmless.
"""
import argparse
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPOS = [("cmperf", ROOT), ("cmperf-data", os.path.join(ROOT, "cm-repo"))]


def repos_home():
    """Where cmind keeps repos.json: $CM_REPOS or ~/CM, exactly as cmind decides."""
    return os.environ.get("CM_REPOS") or os.path.join(os.path.expanduser("~"), "CM")


def registered_paths(home):
    path = os.path.join(home, "repos.json")
    if not os.path.isfile(path):
        return []
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def register(home=None, quiet=False):
    """Register every repository of this checkout that is not registered yet; return their paths."""
    from cmind.core import CM

    home = home or repos_home()
    cm = None      # cmind's own instance for this home (its global one may know another CM_REPOS)
    done = []
    for alias, path in REPOS:
        if not os.path.isfile(os.path.join(path, "cmr.yaml")):
            continue
        if path not in registered_paths(home):
            cm = cm or CM(repos_path=home)
            r = cm.access({"action": "init", "automation": "repo", "artifact": alias, "path": path})
            if r["return"] > 0:
                raise RuntimeError(f"cmind could not register {path}: {r.get('error')}")
        done.append(path)
    if not quiet:
        for path in done:
            print(f"registered CM repository {path} in {home}")
    return done


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-q", "--quiet", action="store_true")
    args = parser.parse_args(argv)
    try:
        register(quiet=args.quiet)
    except RuntimeError as e:
        print(f"cmperf-setup: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`cm` in an isolated CM home with this checkout as the only repository (as tests/mlscripts)."""
import contextlib
import json
import os
import subprocess
import sys

import pytest

from tests.conftest import cm_plan_in_process

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def cm(indexed_cm_repos, tmp_path, monkeypatch):
    """run(*args, action="run") -> (rc, parsed -j output or None, stdout+stderr), in run.work."""
    cm_repos = indexed_cm_repos
    monkeypatch.setenv("PYTHONPATH", ROOT)
    work = tmp_path / "work"
    work.mkdir()
    cm_bin = os.path.join(os.path.dirname(sys.executable), "cm")

    def run(*args, action="run"):
        proc = subprocess.run([cm_bin, action, "script", *args, "--quiet"], capture_output=True, text=True,
                              timeout=300, cwd=work, stdin=subprocess.DEVNULL)
        out, data = proc.stdout, None
        if "-j" in args and "{" in out:
            with contextlib.suppress(ValueError):
                data = json.loads(out if out.startswith("{") else out[out.index("\n{") + 1:])
        return proc.returncode, data, out + proc.stderr
    run.plan = cm_plan_in_process   # the second and later plans of a test (tests/conftest.py)
    run.work = work
    run.home = cm_repos
    return run

"""Synthetic CM repositories and a `cm` runner for engine tests."""
import json
import os
import subprocess
import sys
import textwrap

import pytest
import yaml

SCRIPT_AUTOMATION = {"automation_alias": "script", "automation_uid": "5b4e0237da074764"}
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Repo:
    """A CM repository on disk with helpers to add scripts to it."""

    def __init__(self, path):
        self.path = path
        os.makedirs(os.path.join(path, "script"), exist_ok=True)
        with open(os.path.join(path, "cmr.yaml"), "w") as f:
            f.write(f'alias: test-repo\nuid: "{abs(hash(path)) % 10**16:016d}"\n')
        self._n = 0

    def script(self, alias, meta=None, customize=None, run=None, raw_meta=None, **files):
        self._n += 1
        d = os.path.join(self.path, "script", alias)
        os.makedirs(d, exist_ok=True)
        if raw_meta is not None:
            with open(os.path.join(d, "_cm.yaml"), "w") as f:
                f.write(textwrap.dedent(raw_meta))
        else:
            full = {"alias": alias, "uid": f"{self._n:016x}", **SCRIPT_AUTOMATION,
                    "tags": alias.split("-")}
            full.update(meta or {})
            with open(os.path.join(d, "_cm.yaml"), "w") as f:
                yaml.safe_dump(full, f, sort_keys=False)
        if customize is not None:
            with open(os.path.join(d, "customize.py"), "w") as f:
                f.write(textwrap.dedent(customize))
        if run is not None:
            with open(os.path.join(d, "run.sh"), "w") as f:
                f.write(textwrap.dedent(run))
        for name, text in files.items():
            with open(os.path.join(d, name.replace("_sh", ".sh")), "w") as f:
                f.write(textwrap.dedent(text))
        return d


@pytest.fixture
def repo(tmp_path, indexed_cm_repos):
    """An empty script repository registered (alone with this checkout's automations). cmind's
    index is the session's copy (tests/conftest.py): an empty repository adds nothing to it."""
    r = Repo(str(tmp_path / "repo"))
    with open(indexed_cm_repos / "repos.json", "w") as f:
        json.dump([ROOT, r.path], f)
    return r


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    d = tmp_path / "work"
    d.mkdir()
    monkeypatch.chdir(d)
    return d


@pytest.fixture
def cm(workdir):
    """Run `cm ...` in-process through cmind, as the CLI does; returns the CM result dict."""
    from cmind.core import CM

    def run(*args):
        return CM().access(list(args), out="con")
    return run


@pytest.fixture
def cm_cli(workdir):
    """Run the real `cm` command in a subprocess; returns CompletedProcess."""
    cm_bin = os.path.join(os.path.dirname(sys.executable), "cm")

    def run(*args, **kw):
        return subprocess.run([cm_bin, *args], capture_output=True, text=True, timeout=120, **kw)
    return run

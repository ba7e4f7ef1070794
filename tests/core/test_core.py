"""The foundation layer: one rule each, checked where a mistake would spread everywhere."""
import json
import os
import stat

import pytest

from cmperf.core import atomic, progress
from cmperf.core.cm_hook import cm_hook
from cmperf.core.errors import CmperfError
from cmperf.core.jsonio import JsonFileError, load_json_object
from cmperf.core.truth import is_true


@pytest.mark.parametrize("value,expected", [
    ("yes", True), ("ON", True), (" true ", True), ("1", True), (True, True), (1, True),
    ("no", False), ("", False), (None, False), ("0", False), (False, False), ("maybe", False)])
def test_one_truthiness_rule(value, expected):
    assert is_true(value) is expected


def test_atomic_writer_honours_umask_and_private(tmp_path):
    old = os.umask(0o022)
    try:
        public = atomic.write_text(str(tmp_path / "a" / "README.md"), "x")
        secret = atomic.write_json(str(tmp_path / "env.json"), {"K": "v"}, private=True)
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(public).st_mode) == 0o644
    assert stat.S_IMODE(os.stat(secret).st_mode) == 0o600
    assert json.load(open(secret)) == {"K": "v"}


def test_atomic_writer_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("before")
    with pytest.raises(RuntimeError):
        with atomic.atomic_path(str(target)) as tmp:
            open(tmp, "w").write("half")
            raise RuntimeError("killed")
    assert target.read_text() == "before"
    assert sorted(os.listdir(tmp_path)) == ["out.txt"]


@pytest.mark.parametrize("text,message", [
    ("[1]", "must hold a JSON object, not list"), ("{bad", "is not valid JSON: line 1")])
def test_json_loader_names_the_file(tmp_path, text, message):
    path = tmp_path / "system.json"
    path.write_text(text)
    with pytest.raises(JsonFileError, match=message) as e:
        load_json_object(str(path), "system description")
    assert str(path) in str(e.value)
    with pytest.raises(JsonFileError, match="system description not found"):
        load_json_object(str(tmp_path / "missing.json"), "system description")


def test_json_loader_raises_the_callers_error_and_allows_optional_files(tmp_path):
    class DomainError(ValueError):
        pass
    bad = tmp_path / "run.json"
    bad.write_text("{broken")
    with pytest.raises(DomainError, match="run record .*run.json is not valid JSON: line 1"):
        load_json_object(str(bad), "run record", error=DomainError, missing={})
    assert load_json_object(str(tmp_path / "absent.json"), error=DomainError, missing={}) == {}


def test_hook_turns_errors_into_cm_dicts():
    @cm_hook
    def preprocess(i):
        if i == "bad":
            raise CmperfError("wrong input", hint="use --x")
        if i == "disk":
            raise OSError(28, "No space left on device")
        return None if i == "none" else {"version": "1.0"}
    assert preprocess("bad") == {"return": 1, "error": "wrong input\nuse --x"}
    assert preprocess("disk")["error"].startswith("OSError")
    assert preprocess("none") == {"return": 0}
    assert preprocess("ok") == {"return": 0, "version": "1.0"}


def test_progress_goes_to_the_sink_then_to_the_events_file(tmp_path, monkeypatch):
    got = []
    previous = progress.set_sink(got.append)
    try:
        with progress.Task("download m", total=10, unit="B", every=0) as t:
            t.advance(4)
    finally:
        progress.set_sink(previous)
    assert [e["event"] for e in got] == ["task_start", "progress", "task_done"]
    assert got[1]["done"] == 4 and got[1]["eta"] is not None
    events = tmp_path / "events.jsonl"
    monkeypatch.setenv(progress.EVENTS_FILE_ENV, str(events))
    with pytest.raises(ValueError):
        with progress.Task("loadgen", total=5, unit="queries"):
            raise ValueError("boom")
    lines = [json.loads(line) for line in events.read_text().splitlines()]
    assert [e["event"] for e in lines] == ["task_start", "task_failed"]
    assert lines[1]["error"] == "boom"


def test_pid_alive_tells_a_killed_child_from_a_live_one():
    import subprocess
    import sys
    from cmperf.core.processes import pid_alive
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert pid_alive(child.pid) and pid_alive(os.getpid())
        child.kill()
        child.wait()
        assert not pid_alive(child.pid)
    finally:
        child.kill()
    assert not pid_alive(0) and not pid_alive(-5) and not pid_alive("12")

"""Progress and events, from the libraries that do long work to whoever shows them.

A library calls ``emit(kind, **fields)`` for a one-off event, or opens a ``Task`` for work
with a size (a download, a pip install, a LoadGen run) and advances it. Where the events go:

- the engine's reporter, when the work runs inside the engine's process (``set_sink``);
- ``$CMPERF_EVENTS_FILE`` as JSON lines, when the engine started this process (run.sh ->
  ``python -m cmperf...``): the engine reads that file and feeds its reporter;
- else stderr: a live line on a terminal, one line a minute otherwise (logs stay short).

Every event is a dict: ``{"event": kind, "time": epoch seconds, **fields}``.
"""
import json
import os
import sys
import threading
import time

EVENTS_FILE_ENV = "CMPERF_EVENTS_FILE"
_sink = None
_lock = threading.Lock()


def set_sink(sink):
    """Install a callable taking one event dict (the engine's reporter); returns the previous one."""
    global _sink
    previous, _sink = _sink, sink
    return previous


def emit(kind, **fields):
    event = {"event": kind, "time": time.time(), **fields}
    if _sink is not None:
        _sink(event)
        return event
    path = os.environ.get(EVENTS_FILE_ENV)
    if path:
        with _lock, open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(event, default=str) + "\n")
        return event
    _render_plain(event)
    return event


def _render_plain(event):
    """Without a reporter: a task's progress on stderr (live on a tty), other events as one line."""
    kind = event["event"]
    text = event.get("text") or describe(event)
    if not text:
        return
    if kind == "progress" and sys.stderr.isatty():
        sys.stderr.write("\r" + text[:200].ljust(80))
        sys.stderr.flush()
        return
    end = "\n"
    if kind == "task_done" and sys.stderr.isatty():
        sys.stderr.write("\r")
    sys.stderr.write(text + end)
    sys.stderr.flush()


def describe(event):
    """A one-line human text for a task event (renderers may draw their own)."""
    label = event.get("label", "")
    if event["event"] == "task_start":
        total = event.get("total")
        return f"{label}: started" + (f" ({_amount(total, event.get('unit'))})" if total else "")
    if event["event"] in ("progress", "task_done"):
        done, total, unit = event.get("done", 0), event.get("total"), event.get("unit")
        bits = [_amount(done, unit) + (f" / {_amount(total, unit)}" if total else "")]
        if total:
            bits.append(f"{100.0 * done / total:.0f}%")
        bits.append(f"{event.get('elapsed', 0):.0f} s")
        if event.get("eta") is not None:
            bits.append(f"~{event['eta']:.0f} s left")
        if event.get("detail"):
            bits.append(str(event["detail"]))
        head = "done" if event["event"] == "task_done" else "…"
        return f"{label}: {head} " + ", ".join(bits)
    return ""


def _amount(n, unit):
    if unit == "B":
        for scale, name in ((1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")):
            if n >= scale:
                return f"{n / scale:.1f} {name}"
        return f"{n} B"
    return f"{n:g} {unit}" if unit else f"{n:g}"


class Task:
    """Work with a size: ``with Task("download x", total=n, unit="B") as t: t.advance(k)``.

    Progress events are throttled (``every`` seconds on a terminal or to a reporter, 60 s
    to a plain log) so a tight loop can call ``advance`` freely.
    """

    def __init__(self, label, total=None, unit="", every=None, **fields):
        self.label, self.total, self.unit, self.fields = label, total, unit, fields
        self.done = 0
        self.detail = ""
        quiet_log = _sink is None and not os.environ.get(EVENTS_FILE_ENV) and not sys.stderr.isatty()
        self.every = every if every is not None else (60.0 if quiet_log else 0.5)
        self.started = time.monotonic()
        self._last = 0.0

    def __enter__(self):
        emit("task_start", label=self.label, total=self.total, unit=self.unit, **self.fields)
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.finish()
        else:
            emit("task_failed", label=self.label, done=self.done, total=self.total, unit=self.unit,
                 elapsed=self.elapsed, error=str(exc) or exc_type.__name__, **self.fields)
        return False

    @property
    def elapsed(self):
        return time.monotonic() - self.started

    def advance(self, n=1, detail=None):
        self.update(self.done + n, detail)

    def update(self, done, detail=None, total=None):
        self.done = done
        if total is not None:
            self.total = total
        if detail is not None:
            self.detail = detail
        now = time.monotonic()
        if now - self._last >= self.every:
            self._last = now
            emit("progress", **self._snapshot())

    def finish(self, detail=None):
        if detail is not None:
            self.detail = detail
        emit("task_done", **self._snapshot())

    def _snapshot(self):
        elapsed = self.elapsed
        eta = None
        if self.total and self.done and self.done < self.total:
            eta = elapsed * (self.total - self.done) / self.done
        return {"label": self.label, "done": self.done, "total": self.total, "unit": self.unit,
                "elapsed": elapsed, "eta": eta, "detail": self.detail, **self.fields}

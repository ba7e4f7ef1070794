"""Engine events and their renderers.

The engine (planner, executor) and the long work it starts (through cmperf.core.progress)
emit events: plain dicts `{"event": kind, "time": ..., **fields}`. Kinds from the engine:
`plan` (the resolved plan's summary), `running`, `cache_hit`, `finished`, `failed` (error,
log tail), `replanned`, `note`, `warning`; from progress: `task_start`, `progress`,
`task_done`, `task_failed`. A Reporter hands each event to its renderers: the console tree
for people, JSON lines (`--events=jsonl`) for tools, benches and experiments.
"""
import json
import sys
import time

from ..core import progress


class Reporter:
    def __init__(self, *renderers):
        self.renderers = [r for r in renderers if r is not None]

    def __call__(self, event):
        for render in self.renderers:
            render(event)

    def emit(self, kind, **fields):
        self({"event": kind, "time": time.time(), **fields})


class Console:
    """A compact tree: one line per script reached, a cached dependency shown once."""

    def __init__(self, out=sys.stdout, silent=False, verbose=False, err=sys.stderr):
        self.out, self.err, self.silent, self.verbose = out, err, silent, verbose
        self._hits = set()
        self._progress_at = {}
        self._live = False

    def __call__(self, e):
        kind, depth = e["event"], e.get("depth", 0) or 0
        if kind in ("task_start", "progress", "task_done", "task_failed"):
            return self._progress(e)
        if kind == "warning":
            return self._write(self.err, f"cmperf: warning ({e.get('script')}): {e.get('text')}")
        if self.silent:
            return
        words = "".join(" _" + v for v in e.get("variations") or [])
        if kind == "running":
            self._line(depth, f"* {e['script']}{words}")
        elif kind == "cache_hit":
            if e.get("path") in self._hits:
                return
            self._hits.add(e.get("path"))
            self._line(depth, f"* {e['script']}{words} (cached)")
            if self.verbose:
                self._line(depth + 1, f"cached: {e.get('path')}")
        elif kind == "finished" and not e.get("cached") and e.get("elapsed", 0) >= 1.0:
            self._line(depth, f"  {e['script']}: done in {_seconds(e['elapsed'])}")
        elif kind == "failed":
            self._line(depth, f"  {e['script']}: failed after {_seconds(e.get('elapsed', 0))}"
                       + (f" (log: {e['log']})" if e.get("log") else ""))
        elif kind == "replanned" and self.verbose:
            self._line(depth, f"  {e['script']}: {e.get('phase')} planned now ({e.get('reason', 'run time')})")
        elif kind == "note":
            self._line(depth, e.get("text", ""))

    def _progress(self, e):
        text = e.get("text") or progress.describe(e)
        if not text:
            return
        live = self.err.isatty()
        if e["event"] == "progress":
            if live:
                self.err.write("\r" + text[:200].ljust(80))
                self.err.flush()
                self._live = True
                return
            label = e.get("label")
            if e["time"] - self._progress_at.get(label, 0) < 60:
                return
            self._progress_at[label] = e["time"]
        if self._live:
            self.err.write("\r")
            self._live = False
        self._write(self.err, text)

    def _line(self, depth, text):
        self._write(self.out, "  " * depth + text)

    @staticmethod
    def _write(stream, text):
        stream.write(text + "\n")
        stream.flush()


class JsonLines:
    """Every event as one JSON line (`--events=jsonl`: stdout; `--events=jsonl:PATH`: a file)."""

    def __init__(self, stream):
        self.stream = stream

    def __call__(self, e):
        self.stream.write(json.dumps(e, default=str, sort_keys=True) + "\n")
        self.stream.flush()


class Recorder:
    """Keeps every event (tests, benches)."""

    def __init__(self):
        self.events = []

    def __call__(self, e):
        self.events.append(e)


def _seconds(s):
    return f"{s:.1f} s" if s < 120 else f"{s / 60:.1f} min"

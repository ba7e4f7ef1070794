"""Read stored steps back: every step of an artifact, a sweep or one step directory."""
import json
import os

from cmperf.report.errors import DataError

from .runner import INPUT_FILE, SWEEP_FILE, load_record


def _step_dirs(path):
    path = os.path.abspath(path)
    if os.path.isfile(os.path.join(path, INPUT_FILE)):
        return [path]
    if os.path.isfile(os.path.join(path, SWEEP_FILE)):
        return [os.path.join(path, d) for d in sorted(os.listdir(path))
                if os.path.isfile(os.path.join(path, d, INPUT_FILE))]
    if os.path.isdir(path):
        return [s for d in sorted(os.listdir(path)) if os.path.isfile(os.path.join(path, d, SWEEP_FILE))
                for s in _step_dirs(os.path.join(path, d))]
    raise DataError(f"experiment path not found: {path}")


def load_steps(path):
    """Step records, oldest first; an interrupted step (no cm-step.json) has status 'incomplete'."""
    steps = []
    for d in _step_dirs(path):
        record = load_record(d)
        if record is None:
            with open(os.path.join(d, INPUT_FILE), encoding="utf-8") as f:
                inputs = json.load(f)
            record = {"step": inputs.get("step"), "status": "incomplete", "variables": inputs.get("variables", {}),
                      "results": [], "error": "no cm-step.json: the step was interrupted"}
        record["path"] = d
        steps.append(record)
    return steps


def step_rows(steps):
    """Rows for a table of steps: sweep, step, status, variables, first result."""
    rows = []
    for s in steps:
        first = s["results"][0] if s.get("results") else {}
        value = f"{first.get('value'):.6g} ({first.get('scenario', '')})" if "value" in first else ""
        rows.append([os.path.basename(os.path.dirname(s["path"])), os.path.basename(s["path"]),
                     s["status"], " ".join(f"{k}={v}" for k, v in s.get("variables", {}).items()),
                     value, s.get("error", "")])
    return rows


STEP_HEADERS = ["sweep", "step", "status", "variables", "result", "error"]

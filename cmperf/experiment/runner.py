"""Run an exploration: one wrapped command per step, each step stored as files.

Layout of one sweep inside an experiment artifact directory::

    <artifact>/<YYYY-MM-DD.HH-MM-SS.ffffff>/cm-sweep.json      template, explore spec, step summary
    <artifact>/<sweep>/step-0001/cm-input.json                  variables, the command as run, cwd
    <artifact>/<sweep>/step-0001/cm-output.txt                  stdout + stderr of the command
    <artifact>/<sweep>/step-0001/cm-step.json                   status, results, provenance

The command runs inside its step directory (as upstream CM does); ``{{CD}}`` is the directory the
sweep was started from, ``{{CM_EXPERIMENT_STEP}}`` the step number and ``{{CM_EXPERIMENT_PATH}}``
the step directory. ``cm-step.json`` is written last and atomically: a step directory without it
is an interrupted step, never mistaken for a finished one.
"""
import datetime
import functools
import getpass
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import threading
import time

import cmperf
from cmperf.core.atomic import write_text
from cmperf.core.errors import CmperfError
from cmperf.report.errors import DataError

from .collect import collect
from .explore import ExploreError, expand, substitute


SWEEP_FILE, INPUT_FILE, STEP_FILE, OUTPUT_FILE = "cm-sweep.json", "cm-input.json", "cm-step.json", \
    "cm-output.txt"
TAIL = 2000


class ExperimentError(CmperfError):
    """A sweep or replay that cannot run (bad spec, missing step, ...)."""


class StepFailed(ExperimentError):
    """Raised by a fail-fast sweep after the failed step was recorded."""

    def __init__(self, record):
        self.record = record
        super().__init__(f"step {record['step']} failed: {record['error']} "
                         f"(see {record['path']}/{OUTPUT_FILE})")


def _now():
    return datetime.datetime.now(datetime.timezone.utc)


def _json(path, data):
    write_text(path, json.dumps(data, indent=2, sort_keys=False, default=str) + "\n")


@functools.lru_cache(maxsize=1)
def _git_commit():
    """The checkout's commit, asked once per process (a sweep's steps share it)."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(cmperf.__file__)))
    try:
        out = subprocess.run(["git", "-C", root, "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=5)
        return out.stdout.strip() if out.returncode == 0 else ""
    except (OSError, subprocess.SubprocessError):
        return ""


def provenance():
    """Who ran what where: enough to judge whether two steps are comparable."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = ""
    return {"host": platform.node(), "platform": platform.platform(), "machine": platform.machine(),
            "cpu_count": os.cpu_count(), "load_avg": list(os.getloadavg()),
            "python": sys.version.split()[0], "cmperf_version": cmperf.__version__,
            "cmperf_git_commit": _git_commit(), "user": user}


def _die_with_parent(argv):
    """(argv, preexec_fn) that have the command killed when the process that started it dies
    (Linux), so a step whose Ray worker was killed does not go on measuring beside its retry.
    util-linux's setpriv does it in the exec chain; else a preexec_fn (a slower plain fork of a
    large worker process). libc is loaded here, in the parent: nothing may import after a fork."""
    if sys.platform != "linux":
        return argv, None
    setpriv = _setpriv()
    if setpriv:
        return [setpriv, "--pdeathsig", "KILL", "--", *argv], None
    try:
        import ctypes
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return argv, None
    return argv, lambda: prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG


@functools.lru_cache(maxsize=1)
def _setpriv():
    path = shutil.which("setpriv")
    if not path:
        return None
    try:
        ok = subprocess.run([path, "--pdeathsig", "KILL", "--", "true"], capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return path if ok.returncode == 0 else None


def _run_command(tokens, cwd, env, output_path, timeout, echo, die_with_parent=False):
    """Run tokens (one token: a shell command line) with output to output_path (and the console
    when echo); return (rc, error or '')."""
    argv = ["/bin/bash", "-c", tokens[0]] if len(tokens) == 1 else list(tokens)
    preexec = None
    if die_with_parent:
        if len(tokens) > 1 and not shutil.which(tokens[0], path=env.get("PATH")):
            # what Popen would say for a missing program (setpriv would only exit 127)
            error = FileNotFoundError(2, "No such file or directory")
            with open(output_path, "w", encoding="utf-8") as out:
                out.write(f"[Errno 2] No such file or directory: {tokens[0]!r}\n")
            return None, f"cannot start {tokens[0]!r}: {error.strerror}"
        argv, preexec = _die_with_parent(argv)
    with open(output_path, "w", encoding="utf-8") as out:
        try:
            proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    text=True, errors="replace", start_new_session=True, preexec_fn=preexec)
        except OSError as e:
            out.write(f"{e}\n")
            return None, f"cannot start {tokens[0]!r}: {e.strerror or e}"

        def pump():
            for line in proc.stdout:
                out.write(line)
                if echo:
                    sys.stdout.write(line)

        reader = threading.Thread(target=pump, daemon=True)
        reader.start()
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)   # the whole group: the command's children too
            rc = proc.wait()
            reader.join(5)
            return rc, f"timed out after {timeout} s"
        except BaseException:
            # interrupted (Ctrl-C): the command is in its own session and would not hear it;
            # stop it so a resumed sweep does not run the step beside its orphan
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise
        reader.join()
    return rc, "" if rc == 0 else f"exit status {rc}"


def _tail(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    return text[-TAIL:]


def step_values(variables, number, step_dir, cwd):
    """The placeholder values of one step: its variables, {{CD}}, {{CM_EXPERIMENT_STEP}} and
    {{CM_EXPERIMENT_PATH}} (the directory the command runs in)."""
    return {**{k: str(v) for k, v in variables.items()}, "CD": cwd,
            "CM_EXPERIMENT_STEP": str(number), "CM_EXPERIMENT_PATH": step_dir}


def write_input(step_dir, number, variables, template, cwd, extra=None):
    """Create the step directory with its cm-input.json (the command as substituted for it)."""
    os.makedirs(step_dir, exist_ok=False)
    command = substitute(template, step_values(variables, number, step_dir, cwd))
    _json(os.path.join(step_dir, INPUT_FILE),
          {"step": number, "variables": variables, "command": command, "template": template,
           "cwd": cwd, **(extra or {})})


def execute(work_dir, number, variables, template, cwd, timeout=None, echo=False, extra=None,
            die_with_parent=False):
    """Run one step's command inside the existing ``work_dir`` and return its record (not
    written): the local executor runs in the step directory itself, a remote one in a scratch
    directory of its node whose files are then shipped to the step directory."""
    command = substitute(template, step_values(variables, number, work_dir, cwd))
    env = {**os.environ, "CM_EXPERIMENT_STEP": str(number), "CM_EXPERIMENT_PATH": work_dir}
    started = _now()
    t0 = time.monotonic()
    rc, error = _run_command(command, work_dir, env, os.path.join(work_dir, OUTPUT_FILE), timeout, echo,
                             die_with_parent)
    duration = time.monotonic() - t0
    results = []
    if not error:
        try:
            results = collect(work_dir)
        except DataError as e:
            error = f"malformed results: {e}"
    return {"step": number, "status": "failed" if error else "ok", "rc": rc, "error": error,
            "variables": variables, "results": results,
            "warnings": [] if results or error else
            ["the command left no mlperf_log_summary.txt and no cm-result.json"],
            "output_tail": _tail(os.path.join(work_dir, OUTPUT_FILE)) if error else "",
            "provenance": {**provenance(), "started": started.isoformat(),
                           "finished": _now().isoformat(), "duration_s": round(duration, 3)},
            **(extra or {})}


def write_record(step_dir, record):
    """cm-step.json, last and atomically: from now on the step counts as finished."""
    record = {k: v for k, v in record.items() if k != "path"}
    _json(os.path.join(step_dir, STEP_FILE), record)
    record["path"] = step_dir
    return record


def run_step(step_dir, number, variables, template, cwd, timeout=None, echo=False, extra=None):
    """Run one step in step_dir and record it; return the record (status ok or failed)."""
    write_input(step_dir, number, variables, template, cwd, extra)
    return write_record(step_dir, execute(step_dir, number, variables, template, cwd, timeout, echo, extra))


def plan(template, explore):
    """The steps' variables; ExperimentError for a missing command, a bad spec or a placeholder
    without a value, before anything runs or is created."""
    if not template:
        raise ExperimentError("no command to run: put it after '--'")
    try:
        steps = expand(explore, template)     # + upstream's inline {{VAR{[...]}}} specs
        for variables in steps:
            substitute(template, {**{k: str(v) for k, v in variables.items()}, "CD": "",
                                  "CM_EXPERIMENT_STEP": "", "CM_EXPERIMENT_PATH": ""})
    except ExploreError as e:
        raise ExperimentError(str(e)) from None
    return steps


def run_sweep(artifact_dir, template, explore, fail_fast=False, timeout=None, echo=False, cwd=None,
              log=print, executor=None, resources=None, settings=None):
    """Run every step of ``explore`` with the command ``template`` (a token list); failed steps are
    recorded and the sweep goes on unless ``fail_fast``. ``executor`` runs the steps (default: one
    after another on this machine, see executors.py); ``resources`` is what each step asks of it
    (resources.py). Return {'path', 'steps': [records]}."""
    from .executors import LocalExecutor
    from .resources import step_resources, validate
    from .sweep import Sweep
    steps = plan(template, explore)
    executor = executor or LocalExecutor()
    resources = validate(resources)
    # every step's request is checked against the executor before the sweep directory exists
    executor.check([step_resources(resources, {**{k: str(v) for k, v in s.items()}, "CM_EXPERIMENT_STEP": str(n)})
                    for n, s in enumerate(steps, start=1)])
    sweep = Sweep.create(artifact_dir, template, explore, len(steps), os.path.abspath(cwd or os.getcwd()),
                         resources=resources, settings=settings)
    return sweep.run(steps, executor, fail_fast=fail_fast, timeout=timeout, echo=echo, log=log)


def resume(sweep_dir, executor=None, timeout=None, echo=False, log=print):
    """Continue an interrupted sweep: its finished steps are kept as they are, the others run."""
    from .sweep import Sweep
    sweep = Sweep.open(sweep_dir)
    steps = plan(sweep.summary["template"], sweep.summary["explore"])
    return sweep.run(steps, executor, timeout=timeout, echo=echo, log=log, resuming=True)


def replay(step_dir, timeout=None, echo=False, log=print):
    """Run a recorded step again with exactly its recorded command, as a sibling step directory
    ``<step>.replay-N``; the record says what it replays and how its results compare."""
    step_dir = os.path.abspath(step_dir.rstrip("/"))
    input_path = os.path.join(step_dir, INPUT_FILE)
    if not os.path.isfile(input_path):
        raise ExperimentError(f"not an experiment step (no {INPUT_FILE}): {step_dir}")
    with open(input_path, encoding="utf-8") as f:
        recorded = json.load(f)
    original = load_record(step_dir)
    n = 1
    while os.path.exists(f"{step_dir}.replay-{n}"):
        n += 1
    target = f"{step_dir}.replay-{n}"
    log(f"replaying step {recorded['step']} of {os.path.dirname(step_dir)} into {target}")
    record = run_step(target, recorded["step"], recorded["variables"], recorded["template"],
                      recorded["cwd"], timeout, echo, extra={"replay_of": step_dir})
    if original and original.get("results") and record["results"]:
        record["compared"] = [
            {"scenario": a.get("scenario"), "original": a.get("value"), "replay": b.get("value"),
             "ratio": (b["value"] / a["value"]) if a.get("value") else None}
            for a, b in zip(original["results"], record["results"])]
        _json(os.path.join(target, STEP_FILE), {k: v for k, v in record.items() if k != "path"})
    return record


def load_record(step_dir):
    """The cm-step.json of a step, or None for an interrupted step."""
    path = os.path.join(step_dir, STEP_FILE)
    if not os.path.isfile(path):
        return None
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except json.JSONDecodeError as e:
        raise DataError(f"{path}: not valid JSON ({e})") from None


def remove_sweep(sweep_dir):
    shutil.rmtree(sweep_dir)

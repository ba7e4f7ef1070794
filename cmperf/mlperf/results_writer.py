"""Write one run's files into the results layout without ever mixing old and new logs.

The harness logs into a fresh staging dir under ``<results>/.staging``; only a finished run is
renamed over ``performance/run_1`` or ``accuracy`` (the old one is moved aside first and deleted).

Run ids: every part of a scenario a run writes (``performance/run_1``, ``accuracy``, a
``TEST0x`` run, and the scenario's README.md + measurements.json) carries the id of the run
that wrote it in ``cmperf-run-id.txt`` (and the README says it). One process is one run
(``current_run_id()``); a caller that reuses logs of an earlier run adopts its id with
``set_run_id(read_run_id(dir))``. ``ScenarioUnit`` commits a whole scenario in one rename.
Submission generation refuses a scenario whose parts carry different ids
(``check_one_run``). Staging dirs and aside copies left by a killed run are cleaned by the
next run (``clean_leftovers``).
"""
import os
import re
import shlex
import shutil
import sys
import tempfile
import time
import uuid
from importlib import metadata

from ..core.processes import pid_alive as _pid_alive
from . import layout
from .fsutil import chmod_like_mkdir, clean_aside, replace_dir, write_json_atomic, write_text_atomic

RUN_ID_FILE = "cmperf-run-id.txt"
OWNER_FILE = ".cmperf-owner"
_RUN_ID = re.compile(r"^[A-Za-z0-9._-]{1,80}$")
_run_id = None


class MixedRunError(ValueError):
    """A scenario's parts come from different runs."""


def new_run_id():
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + uuid.uuid4().hex[:8]


def current_run_id():
    """The id of this process's run (made on first use)."""
    global _run_id
    if _run_id is None:
        _run_id = new_run_id()
    return _run_id


def set_run_id(run_id):
    """Adopt an id (logs reused from an earlier run with the same settings keep their run's id)."""
    global _run_id
    if not _RUN_ID.match(str(run_id or "")):
        raise ValueError(f"not a run id: {run_id!r}")
    _run_id = str(run_id)
    return _run_id


def read_run_id(directory):
    """The run id recorded in ``directory`` ("" when none: results written before run ids)."""
    try:
        with open(os.path.join(directory, RUN_ID_FILE), encoding="utf-8") as f:
            return f.read().strip()
    except OSError:
        return ""


def stamp(directory, run_id=None):
    write_text_atomic(os.path.join(directory, RUN_ID_FILE), (run_id or current_run_id()) + "\n")


def scenario_run_ids(scenario_path):
    """{part: run id} of the parts present in a scenario dir ("" for a part without an id)."""
    parts = {"performance": os.path.join(scenario_path, "performance", "run_1"),
             "accuracy": os.path.join(scenario_path, "accuracy")}
    out = {name: read_run_id(path) for name, path in parts.items() if os.path.isdir(path)}
    if any(os.path.isfile(os.path.join(scenario_path, n)) for n in ("README.md", "measurements.json")):
        out["README.md/measurements.json"] = read_run_id(scenario_path)
    return out


def check_one_run(scenario_path, label=None):
    """Raise MixedRunError unless every part carries the same run id (or none carries one)."""
    ids = scenario_run_ids(scenario_path)
    if len(set(ids.values())) > 1:
        shown = ", ".join(f"{part}: {rid or 'no run id'}" for part, rid in ids.items())
        raise MixedRunError(f"{label or scenario_path}: its results come from different runs ({shown}); "
                            "re-run the scenario (performance and accuracy together) before generating")
    return next(iter(ids.values()), "")


def clean_leftovers(results_dir):
    """Remove staging dirs of runs that are gone and finish interrupted directory swaps."""
    done = []
    root = os.path.join(results_dir, ".staging")
    try:
        names = os.listdir(root)
    except OSError:
        names = []
    for name in names:
        path = os.path.join(root, name)
        try:
            with open(os.path.join(path, OWNER_FILE), encoding="utf-8") as f:
                pid = int(f.read().strip() or 0)
        except (OSError, ValueError):
            pid = 0
        if pid and _pid_alive(pid):
            continue
        shutil.rmtree(path, ignore_errors=True)
        done.append(f"removed {path}")
    try:
        os.rmdir(root)      # only when empty
    except OSError:
        pass
    if os.path.isdir(results_dir):
        done += clean_aside(results_dir)
    return done


def new_staging_dir(results_dir, label):
    clean_leftovers(results_dir)
    root = os.path.join(results_dir, ".staging")
    os.makedirs(root, exist_ok=True)
    path = tempfile.mkdtemp(prefix=f"{label}-", dir=root)
    write_text_atomic(os.path.join(path, OWNER_FILE), f"{os.getpid()}\n")
    return path


def commit_mode_dir(staging, results_dir, sut, model, scenario, mode, compliance_test=None):
    final = layout.mode_dir(results_dir, sut, model, scenario, mode, compliance_test)
    chmod_like_mkdir(staging)
    stamp(staging)
    replace_dir(staging, final)
    return final


class ScenarioUnit:
    """One scenario's results committed together: ``with ScenarioUnit(...) as u:`` stage the
    parts (``u.mode_dir("performance")`` is where LoadGen logs, ``u.write_readme(...)``,
    ``u.write_measurements(...)``); on success they replace the scenario's old parts in one
    rename, all stamped with one run id; on an exception nothing of the old results changes.
    Parts the run did not stage (a TEST0x dir, say) are carried over with their own ids."""

    def __init__(self, results_dir, sut, model, scenario, run_id=None):
        self.results_dir, self.final = results_dir, layout.scenario_dir(results_dir, sut, model, scenario)
        self.model, self.scenario = model, scenario
        self.run_id = run_id or current_run_id()
        self.staging = None

    def __enter__(self):
        self.staging = new_staging_dir(self.results_dir, f"{self.model}-{self.scenario}")
        self.root = os.path.join(self.staging, "scenario")
        os.makedirs(self.root)
        self.staged = set()
        return self

    def mode_dir(self, mode, compliance_test=None):
        rel = os.path.relpath(layout.mode_dir("", "s", "m", self.scenario, mode, compliance_test),
                              os.path.join("s", "m", self.scenario.lower()))
        path = os.path.join(self.root, rel)
        os.makedirs(path, exist_ok=True)
        self.staged.add(rel.split(os.sep)[0])
        return path

    def write_measurements(self, measurements):
        write_json_atomic(os.path.join(self.root, "measurements.json"), measurements)
        self.staged.add("measurements.json")

    def write_readme(self, command, harness_commands, versions):
        write_text_atomic(os.path.join(self.root, "README.md"),
                          readme_text(self.model, self.scenario, command, harness_commands, versions, self.run_id))
        self.staged.add("README.md")

    def __exit__(self, kind, value, tb):
        try:
            if kind is None:
                self._commit()
        finally:
            discard_staging(self.staging, self.results_dir)
        return False

    def _commit(self):
        for dirpath, dirnames, _ in os.walk(self.root):
            chmod_like_mkdir(dirpath)
            if os.path.basename(dirpath) in ("run_1", "accuracy"):
                stamp(dirpath, self.run_id)
        if self.staged & {"README.md", "measurements.json"}:
            stamp(self.root, self.run_id)
        if os.path.isdir(self.final):
            for name in os.listdir(self.final):
                if name in self.staged or name == RUN_ID_FILE and self.staged & {"README.md", "measurements.json"}:
                    continue
                src, dst = os.path.join(self.final, name), os.path.join(self.root, name)
                if os.path.isdir(src):
                    shutil.copytree(src, dst, copy_function=_link_or_copy)
                else:
                    _link_or_copy(src, dst)
        replace_dir(self.root, self.final)


def _link_or_copy(src, dst):
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def discard_staging(staging, results_dir):
    """Remove a staging dir (and the .staging root when no other run is using it)."""
    shutil.rmtree(staging, ignore_errors=True)
    try:
        os.rmdir(os.path.join(results_dir, ".staging"))  # only when empty
    except OSError:
        pass


def write_sut_info(results_dir, sut, facts):
    write_json_atomic(os.path.join(results_dir, sut, layout.SUT_INFO), facts)


def write_measurements(results_dir, sut, model, scenario, measurements):
    directory = layout.scenario_dir(results_dir, sut, model, scenario)
    write_json_atomic(os.path.join(directory, "measurements.json"), measurements)
    stamp(directory)


def resolved_versions(extra=None):
    out = {"python": sys.version.split()[0]}
    for dist in ("mlcommons-loadgen", "numpy", "onnx", "onnxruntime", "scikit-learn", "cmind"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    out.update(extra or {})
    return out


def readme_text(model, scenario, command, harness_commands, versions, run_id):
    lines = [f"# {model} / {scenario}", "",
             "This directory was produced by cmperf's reference MLPerf harness.", "",
             f"Run id: {run_id}", "",
             "## Command", "", "```", command, "```", ""]
    if harness_commands:
        lines += ["## LoadGen runs (one process each)", ""]
        for mode, cmd in harness_commands.items():
            lines += [f"{mode}:", "```", " ".join(shlex.quote(c) for c in cmd), "```", ""]
    lines += ["## Resolved versions", "", "| package | version |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in sorted(versions.items())]
    return "\n".join(lines) + "\n"


def write_readme(results_dir, sut, model, scenario, command, harness_commands, versions):
    directory = layout.scenario_dir(results_dir, sut, model, scenario)
    write_text_atomic(os.path.join(directory, "README.md"),
                      readme_text(model, scenario, command, harness_commands, versions, current_run_id()))
    stamp(directory)

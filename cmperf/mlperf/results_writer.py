"""Write one run's files into the results layout without ever mixing old and new logs.

The harness logs into a fresh staging dir under ``<results>/.staging``; only a finished run is
renamed over ``performance/run_1`` or ``accuracy`` (the old one is moved aside first and deleted).
"""
import os
import shlex
import shutil
import sys
import tempfile
from importlib import metadata

from . import layout
from .fsutil import replace_dir, write_json_atomic, write_text_atomic


def new_staging_dir(results_dir, label):
    root = os.path.join(results_dir, ".staging")
    os.makedirs(root, exist_ok=True)
    return tempfile.mkdtemp(prefix=f"{label}-", dir=root)


def commit_mode_dir(staging, results_dir, sut, model, scenario, mode, compliance_test=None):
    final = layout.mode_dir(results_dir, sut, model, scenario, mode, compliance_test)
    os.chmod(staging, 0o755)
    replace_dir(staging, final)
    return final


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
    write_json_atomic(os.path.join(layout.scenario_dir(results_dir, sut, model, scenario),
                                   "measurements.json"), measurements)


def resolved_versions(extra=None):
    out = {"python": sys.version.split()[0]}
    for dist in ("mlcommons-loadgen", "numpy", "onnx", "onnxruntime", "scikit-learn", "cmind"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    out.update(extra or {})
    return out


def write_readme(results_dir, sut, model, scenario, command, harness_commands, versions):
    lines = [f"# {model} / {scenario}", "",
             "This directory was produced by cmperf's reference MLPerf harness.", "",
             "## Command", "", "```", command, "```", ""]
    if harness_commands:
        lines += ["## LoadGen runs (one process each)", ""]
        for mode, cmd in harness_commands.items():
            lines += [f"{mode}:", "```", " ".join(shlex.quote(c) for c in cmd), "```", ""]
    lines += ["## Resolved versions", "", "| package | version |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in sorted(versions.items())]
    write_text_atomic(os.path.join(layout.scenario_dir(results_dir, sut, model, scenario), "README.md"),
                      "\n".join(lines) + "\n")

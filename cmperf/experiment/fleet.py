"""A fleet run: one MLPerf request measured on every SUT (node) of a Ray cluster, gathered into
one results tree (and, when asked, one submission with a systems/<sut>.json per node).

A fleet is an exploration of the variable ``SUT`` whose steps ask for the custom resource
``sut:<name>`` (1 unit) and the whole node: a node started with ``--resources='{"sut:box1": 1}'``
runs box1's step alone, with its own hardware detection and CM cache. A ``cm run script`` command
for ``run-mlperf`` gets ``--hw_name={{SUT}}`` (the SUT folder of the results) and
``--results_dir={{CM_EXPERIMENT_PATH}}/results`` unless it sets them itself.
"""
import os
import re
import shutil

from .runner import ExperimentError

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
RESULTS = "results"


def parse(fleet):
    names = fleet if isinstance(fleet, list) else [s.strip() for s in str(fleet).split(",")]
    names = [str(n).strip() for n in names if str(n).strip()]
    if not names:
        raise ExperimentError("--fleet: name at least one SUT, e.g. --fleet=box1,box2")
    for n in names:
        if not _NAME.match(n):
            raise ExperimentError(f"--fleet: SUT name {n!r} must be letters, digits and . _ - "
                                  "(it names a Ray resource sut:<name> and a results folder)")
    if len(set(names)) != len(names):
        raise ExperimentError(f"--fleet: a SUT is named twice in {','.join(names)}")
    return names


def _has_flag(template, flag):
    return any(t == f"--{flag}" or t.startswith(f"--{flag}=") for t in template)


def request(fleet, template, explore, resources):
    """(template, explore, resources) of the fleet sweep; ExperimentError for a clash."""
    names = parse(fleet)
    if "SUT" in (explore or {}):
        raise ExperimentError("--fleet sets the explored variable SUT: drop --explore.SUT")
    template = list(template)
    is_mlperf = template[:3] == ["cm", "run", "script"] and any("run-mlperf" in t for t in template)
    if is_mlperf:
        if not _has_flag(template, "hw_name"):
            template.append("--hw_name={{SUT}}")
        if not _has_flag(template, "results_dir"):
            template.append("--results_dir={{CM_EXPERIMENT_PATH}}/" + RESULTS)
    resources = {**(resources or {}), "sut:{{SUT}}": 1}
    resources.setdefault("whole_node", "yes")   # a benchmark never shares its machine
    return template, {**(explore or {}), "SUT": names}, resources


def gather(sweep_path, records):
    """Copy every successful step's results/<sut folder> into <sweep>/results; return
    {'results_dir', 'suts': {folder: step}}. Two steps leaving the same SUT folder is an error
    naming both (give each node its own --hw_name)."""
    target = os.path.join(sweep_path, RESULTS)
    seen = {}
    for r in records:
        src = os.path.join(r["path"], RESULTS)
        if r["status"] != "ok" or not os.path.isdir(src):
            continue
        for name in sorted(os.listdir(src)):
            if not os.path.isdir(os.path.join(src, name)):
                continue
            if name in seen:
                raise ExperimentError(f"steps {seen[name]} and {r['step']} both measured SUT folder {name!r}: "
                                      "give each node its own name (--hw_name={{SUT}})")
            seen[name] = r["step"]
    if not seen:
        return {"results_dir": None, "suts": {}}
    tmp = target + ".partial"
    shutil.rmtree(tmp, ignore_errors=True)     # our own half-written copy of an earlier attempt
    os.makedirs(tmp)
    for name, step in seen.items():
        rec = next(r for r in records if r["step"] == step)
        shutil.copytree(os.path.join(rec["path"], RESULTS, name), os.path.join(tmp, name), symlinks=True)
    if os.path.isdir(target):
        shutil.rmtree(target)                   # the gathered copy of this sweep, rebuilt on resume
    os.replace(tmp, target)
    return {"results_dir": target, "suts": seen}


def submission(results_dir, out_dir, submitter, version, system_json=None, test_run=False,
               division="open", category="edge", log=print):
    """One submission tree from the gathered results (cmperf.submission.generate), one
    systems/<sut>.json per SUT folder."""
    from cmperf.submission import generate
    argv = ["--results-dir", results_dir, "--submission-dir", out_dir, "--submitter", submitter,
            "--version", version, "--division", division, "--category", category]
    if system_json:
        argv += ["--system-json", system_json]
    if test_run:
        argv.append("--test-run")
    return generate.generate(generate.build_parser().parse_args(argv), out=log)

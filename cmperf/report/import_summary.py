"""Import published MLPerf Inference results of any round into a CM repository's result store.

Input is a results summary: the official submission checker's `summary.csv` (Organization, Division,
SystemName, MlperfModel, Scenario, Result, ... columns) or a CSV already in the cm4mlperf-results
format. Rows are normalised to the importer's format, validated, and stored as a published-results
`experiment` artifact that `python -m cmperf.report --round ROUND --repo REPO` reads.
"""
import argparse
import csv
import json
import os
import tempfile

from .errors import DataError
from .importer import read_csv

# official summary.csv column -> cm4mlperf-results column (what cmperf.report.importer reads)
OFFICIAL_COLUMNS = {
    "version": "version", "SystemType": "category", "Division": "division", "has_power": "power_submission",
    "Organization": "submitter", "SystemName": "system_name", "Platform": "system_id",
    "accelerator_model_name": "accelerator", "accelerators_per_node": "accelerators_per_node",
    "host_processor_model_name": "host_processor", "host_processor_core_count": "host_processor_core_count",
    "host_processors_per_node": "host_processors_per_node", "framework": "framework",
    "MlperfModel": "model", "Scenario": "scenario", "Result": "result", "Units": "result_units",
    "Accuracy": "accuracy", "Availability": "availability", "inferred": "inferred",
    "operating_system": "operating_system", "Location": "results_path",
}


def _rows(path):
    if not os.path.isfile(path):
        raise DataError(f"results summary not found: {path} (the submission checker writes summary.csv; "
                        "pass --summary_csv=PATH)")
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return reader.fieldnames or [], list(reader)


def normalise(path, submitter=None):
    """(header, rows) in the importer's format; official summaries are renamed, others kept."""
    header, rows = _rows(path)
    official = "MlperfModel" in header or "Organization" in header
    if official:
        rows = [{OFFICIAL_COLUMNS[k]: (v or "") for k, v in r.items() if k in OFFICIAL_COLUMNS} for r in rows]
        header = [c for k, c in OFFICIAL_COLUMNS.items() if k in header]
        for r in rows:           # the checker writes booleans as True/False, the importer reads yes/no
            for key in ("power_submission", "inferred"):
                if key in r:
                    r[key] = "yes" if r[key].strip().lower() in ("true", "1", "yes") else "no"
    if submitter:
        key = "submitter" if "submitter" in header else None
        if key is None:
            raise DataError(f"{path}: --submitter given but the summary has no submitter/Organization column")
        kept = [r for r in rows if r.get(key, "").strip().lower() == submitter.strip().lower()]
        if not kept:
            have = sorted({r.get(key, "") for r in rows})
            raise DataError(f"{path}: no rows of submitter {submitter!r}; submitters: {', '.join(have)}")
        rows = kept
    return header, rows


def round_of(rows, given=None):
    if given:
        return given if str(given).startswith("v") else f"v{given}"
    found = sorted({(r.get("version") or "").strip() for r in rows} - {""})
    if len(found) != 1:
        raise DataError("cannot tell the round of the results "
                        f"({'versions ' + ', '.join(found) if found else 'no version column'}); pass --round")
    return found[0] if found[0].startswith("v") else f"v{found[0]}"


def local_repo(cm_home=None):
    home = cm_home or os.environ.get("CM_REPOS") or os.path.join(os.path.expanduser("~"), "CM")
    return os.path.join(home, "repos", "local")


def find_repo(value="", cm_home=None):
    """A CM repository directory from a path or a registered repository's name (e.g. mlcommons@cm4mlperf-results);
    none given: the local repository (created on first use, as cmind does)."""
    if not value:
        return local_repo(cm_home)
    if os.path.isdir(value):
        return os.path.abspath(value)
    home = cm_home or os.environ.get("CM_REPOS") or os.path.join(os.path.expanduser("~"), "CM")
    try:
        with open(os.path.join(home, "repos.json"), encoding="utf-8") as f:
            repos = [p for p in json.load(f) if isinstance(p, str)]
    except (OSError, ValueError):
        repos = []
    for path in repos:
        if os.path.basename(os.path.normpath(path)) == value:
            return path
    raise DataError(f"target repository {value!r} is neither a directory nor a registered CM repository; "
                    f"registered: {', '.join(os.path.basename(p) for p in repos) or 'none'}")


def import_summary(summary_csv, target_repo, round_name=None, submitter=None, name=None):
    """Store the summary's rows as a published-results artifact in target_repo; return its path."""
    from .cli import cmd_import      # the one writer of published-results artifacts
    header, rows = normalise(summary_csv, submitter)
    rnd = round_of(rows, round_name)
    for r in rows:
        r.setdefault("version", rnd)
    header = header + (["version"] if "version" not in header else [])
    name = name or "-".join(["mlperf-inference", rnd] + ([submitter] if submitter else []) + ["published"])
    with tempfile.TemporaryDirectory(prefix="cmperf-import-") as tmp:
        converted = os.path.join(tmp, f"{name}.csv")
        with open(converted, "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=header)
            w.writeheader()
            w.writerows(rows)
        read_csv(converted, rnd)      # validate every row before anything is written to the repo
        cmd_import(argparse.Namespace(csv_file=converted, round=rnd, name=name, repo=target_repo))
    return os.path.join(target_repo, "experiment", name)


def checker_summary(src, results_dir, version, workdir):
    """Run the official submission checker over a raw results tree; return the summary.csv it wrote."""
    import subprocess
    from ..submission.official import official_command
    if not os.path.isdir(results_dir):
        raise DataError(f"results tree not found: {results_dir}")
    argv, cwd = official_command(src, results_dir, version, skip_compliance=True)
    out = os.path.join(workdir, "summary.csv")
    proc = subprocess.run(argv + ["--csv", out], cwd=cwd, capture_output=True, text=True)
    if not os.path.isfile(out):
        raise DataError(f"the submission checker wrote no summary for {results_dir} (rc {proc.returncode}): "
                        + "\n".join(proc.stdout.splitlines()[-5:] + proc.stderr.splitlines()[-5:]))
    return out

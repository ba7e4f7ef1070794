"""Read the result of a LoadGen run from its logs (mlperf_log_summary.txt, mlperf_log_detail.txt).

The official metric of each scenario: Offline samples per second; SingleStream the early-stopping
90th-percentile latency estimate; MultiStream the early-stopping 99th-percentile estimate (LoadGen
omits an estimate when early stopping fails; the plain percentile is used then and flagged);
Server completed samples per second.
"""
import json
import os
import re

from .errors import DataError
from .results import canonical_scenario

SUMMARY = "mlperf_log_summary.txt"
DETAIL = "mlperf_log_detail.txt"

_LINE = re.compile(r"^\s*\*?\s*([^:]+?)\s*:\s*(.*?)\s*$")


def parse_summary(path):
    """The 'key : value' lines of a summary file as a dict (first occurrence wins)."""
    if not os.path.isfile(path):
        raise DataError(f"LoadGen summary not found: {path}")
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    if "MLPerf Results Summary" not in text:
        raise DataError(f"{path}: not a LoadGen summary (no 'MLPerf Results Summary' header)")
    fields = {}
    for line in text.splitlines():
        m = _LINE.match(line)
        if m and m.group(2):
            fields.setdefault(m.group(1), m.group(2))
    return fields


def parse_detail(path):
    """{key: value} of the ':::MLLOG {json}' lines of a detail log (last occurrence wins)."""
    if not os.path.isfile(path):
        raise DataError(f"LoadGen detail log not found: {path}")
    out = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for n, line in enumerate(f, start=1):
            if not line.startswith(":::MLLOG"):
                continue
            try:
                entry = json.loads(line[len(":::MLLOG"):])
            except json.JSONDecodeError:
                raise DataError(f"{path}:{n}: malformed :::MLLOG line") from None
            out[entry.get("key")] = entry.get("value")
    return out


def _number(fields, key, path):
    try:
        return float(fields[key])
    except ValueError:
        raise DataError(f"{path}: {key!r} is {fields[key]!r}, not a number") from None


def _pick(fields, keys, path):
    for key in keys:
        if key in fields:
            return key, _number(fields, key, path)
    return None, None


def read_run(run_dir):
    """The result of one LoadGen run directory.

    Returns a dict: scenario, value (samples/s or ms), metric_source (the summary key used),
    valid (bool), early_stopping (False when a latency estimate was not available), mode,
    loadgen_version (when the detail log is there) and the raw summary fields.
    """
    path = os.path.join(run_dir, SUMMARY)
    fields = parse_summary(path)
    if "Scenario" not in fields:
        raise DataError(f"{path}: no 'Scenario' line")
    try:
        scenario = canonical_scenario(fields["Scenario"])
    except Exception as e:
        raise DataError(f"{path}: {e}") from None
    early = True
    if scenario == "Offline":
        key, value = _pick(fields, ["Samples per second"], path)
    elif scenario == "Server":
        key, value = _pick(fields, ["Completed samples per second", "Scheduled samples per second"], path)
    else:
        pct = "90.0" if scenario == "SingleStream" else "99.0"
        key, value = _pick(fields, [f"Early stopping {pct}th percentile estimate"], path)
        if key is None:
            early = False
            key, value = _pick(fields, [f"{pct}th percentile latency (ns)",
                                        f"{pct}0 percentile latency (ns)"], path)
        if value is not None:
            value /= 1e6  # ns -> ms, as published
    if value is None:
        raise DataError(f"{path}: no {scenario} metric line (a truncated or failed run?)")
    run = {"scenario": scenario, "value": value, "metric_source": key,
           "valid": fields.get("Result is", "").upper() == "VALID", "early_stopping": early,
           "mode": fields.get("Mode", ""), "sut_name": fields.get("SUT name", ""), "summary": fields}
    detail = os.path.join(run_dir, DETAIL)
    if os.path.isfile(detail):
        run["loadgen_version"] = parse_detail(detail).get("loadgen_version", "")
    return run

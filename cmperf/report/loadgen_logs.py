"""Read the result of a LoadGen run from its logs (mlperf_log_summary.txt, mlperf_log_detail.txt).

The official metric of each scenario: Offline samples per second; SingleStream the early-stopping
90th-percentile latency estimate; MultiStream the early-stopping 99th-percentile estimate (LoadGen
omits an estimate when early stopping fails; the plain percentile is used then and flagged);
Server completed samples per second.
"""
import os

from .. import loadgen_logs as shared
from ..loadgen_logs import DETAIL, SUMMARY
from ..mlperf import spec
from .errors import DataError
from .results import canonical_scenario


def parse_summary(path):
    """The 'key : value' lines of a summary file as a dict (first occurrence wins)."""
    try:
        return shared.parse_performance_summary(path).values
    except shared.LogFormatError as e:
        raise DataError(str(e)) from None


def parse_detail(path):
    """{key: value} of the ':::MLLOG {json}' lines of a detail log (last occurrence wins)."""
    try:
        return shared.parse_detail_log(path).values
    except shared.LogFormatError as e:
        raise DataError(str(e)) from None


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
        pct = f"{spec.scenario(scenario).percentile:.1f}"   # "90.0", "99.0" as LoadGen prints them
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

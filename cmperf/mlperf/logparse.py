"""Parse LoadGen's logs (mlperf_log_summary.txt and the ``:::MLLOG`` detail lines) into a result.

The metric per scenario follows the MLPerf rules: Offline samples/s; Server completed samples/s
(scheduled is kept too); SingleStream the early-stopping 90th-percentile latency; MultiStream
the early-stopping 99th-percentile per-query latency (falling back to the measured percentile,
flagged, when too few queries ran for an estimate). An INVALID run keeps LoadGen's reason.
"""
import dataclasses
import json
import os
from typing import Optional

from .. import loadgen_logs
from ..loadgen_logs import DETAIL, SUMMARY
from . import spec
from .errors import LoadGenError


@dataclasses.dataclass
class LoadGenResult:
    scenario: str
    mode: str
    validity: str                 # VALID / INVALID (performance); VALID-less accuracy runs say "n/a"
    metric: str                   # e.g. "samples_per_second", "p90_latency_ms"
    value: Optional[float]        # Python 3.9 (python_requires) has no `float | None` at runtime
    unit: str
    invalid_reasons: list
    early_stopping: str
    seeds: dict
    settings: dict                # effective_* settings
    summary: dict                 # raw "key : value" pairs of the summary
    errors: list                  # MLLOG messages flagged is_error
    warnings: list
    loadgen_version: Optional[str]
    notes: list = dataclasses.field(default_factory=list)

    @property
    def valid(self):
        return self.validity == "VALID"

    def to_dict(self):
        return dataclasses.asdict(self)


def parse_summary(path):
    """(name -> value pairs, LoadGen's recommendations) of a summary log."""
    try:
        log = loadgen_logs.parse_summary_log(path)
    except loadgen_logs.LogFormatError as e:
        raise LoadGenError(str(e)) from None
    return log.values, log.recommendations


def parse_detail(path):
    """All ``:::MLLOG`` entries: (last value per key, error messages, warning messages)."""
    try:
        log = loadgen_logs.parse_detail_log(path)
    except loadgen_logs.LogFormatError as e:
        raise LoadGenError(str(e)) from None
    def text(entry):
        return f"{entry.get('key')}: {entry.get('value')}"
    return log.values, [text(e) for e in log.errors], [text(e) for e in log.warnings]


def _invalid_reasons(d, recommendations):
    reasons = []
    why = (d.get("result_invalid_reason") or "").strip()
    if why:
        reasons.append(why)
    checks = (("result_min_duration_met", "min duration not satisfied"),
              ("result_min_queries_met", "min queries not satisfied"),
              ("result_perf_constraints_met", "performance constraints (latency) not satisfied"),
              ("early_stopping_met", "early stopping not satisfied"))
    for key, text in checks:
        if d.get(key) is False:
            if key == "early_stopping_met" and d.get("early_stopping_result"):
                text += ": " + " ".join(d["early_stopping_result"].split())
            reasons.append(text)
    for r in recommendations:
        if r not in why:
            reasons.append(r)
    return reasons


def _metric(scenario, d, notes):
    """(metric, value, unit) of a performance run; names and units are spec.Scenario's."""
    s = spec.scenario(scenario)
    if s.name == "Offline":
        return s.metric, d.get("result_samples_per_second"), s.unit
    if s.name == "Server":
        return s.metric, d.get("result_completed_samples_per_sec"), s.unit
    if s.name == "SingleStream":
        est, key = d.get("early_stopping_latency_ss"), "result_90.00_percentile_latency_ns"
    else:
        est, key = d.get("early_stopping_latency_ms"), "result_99.00_percentile_per_query_latency_ns"
    if est:
        return s.metric, est / 1e6, s.unit
    if d.get(key) is not None:
        notes.append(f"too few queries for an early-stopping estimate: {s.metric} is the measured percentile")
        return s.metric, d[key] / 1e6, s.unit
    return s.metric, None, s.unit


def parse_dir(log_dir, mode=None):
    """Parse the LoadGen logs in ``log_dir`` into a LoadGenResult."""
    spath, dpath = os.path.join(log_dir, SUMMARY), os.path.join(log_dir, DETAIL)
    for p in (spath, dpath):
        if not os.path.isfile(p):
            raise LoadGenError(f"LoadGen log {p} is missing (the run did not finish)")
    summary, recommendations = parse_summary(spath)
    d, errors, warnings = parse_detail(dpath)
    scenario = d.get("effective_scenario") or summary.get("Scenario")
    lg_mode = d.get("effective_test_mode") or summary.get("Mode", "")
    mode = mode or ("accuracy" if "Accuracy" in lg_mode else "performance")
    notes = []
    if mode == "accuracy":
        # LoadGen skips performance statistics in accuracy mode: validity is the accuracy script's job
        metric, value, unit, validity, reasons = "accuracy", None, "%", "n/a", []
    else:
        metric, value, unit = _metric(scenario, d, notes)
        validity = d.get("result_validity") or summary.get("Result is", "UNKNOWN")
        reasons = _invalid_reasons(d, recommendations) if validity != "VALID" else []
    qsl_total, psc = d.get("qsl_reported_total_count"), d.get("effective_performance_sample_count")
    if isinstance(qsl_total, int) and isinstance(psc, int) and qsl_total < psc:
        # LoadGen then cycles through the QSL's samples yet still logs the larger count
        notes.append(f"the QSL holds only {qsl_total} samples but effective_performance_sample_count is "
                     f"{psc}: not a submittable run")
    if errors and validity == "VALID":
        notes.append("LoadGen logged errors: " + "; ".join(errors[:3]))
    seeds = {k[len("effective_"):]: v for k, v in d.items()
             if k.startswith("effective_") and k.endswith("_seed")}
    settings = {k[len("effective_"):]: v for k, v in d.items() if k.startswith("effective_")}
    return LoadGenResult(
        scenario=scenario, mode=mode, validity=validity, metric=metric,
        value=float(value) if value is not None else None, unit=unit, invalid_reasons=reasons,
        early_stopping=" ".join(str(d.get("early_stopping_result") or "").split()),
        seeds=seeds, settings=settings, summary=summary, errors=errors, warnings=warnings,
        loadgen_version=d.get("loadgen_version"), notes=notes)


def main(argv=None):
    """``python -m cmperf.mlperf.logparse LOG_DIR [--json]``: the parsed result of a LoadGen run."""
    import argparse
    import sys

    ap = argparse.ArgumentParser(description="parse LoadGen logs (mlperf_log_summary/detail.txt)")
    ap.add_argument("log_dir")
    ap.add_argument("--json", action="store_true", help="the whole result as JSON")
    a = ap.parse_args(argv)
    try:
        r = parse_dir(a.log_dir)
    except LoadGenError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if a.json:
        print(json.dumps(r.to_dict(), indent=2))
    else:
        value = "-" if r.value is None else f"{r.value:.6g}"
        print(f"{r.scenario} {r.mode}: {r.metric} = {value} {r.unit}, {r.validity}")
        for reason in r.invalid_reasons:
            print(f"  reason: {reason}")
        for note in r.notes:
            print(f"  note: {note}")
    return 0 if r.valid or r.mode == "accuracy" else 1


if __name__ == "__main__":
    import sys
    sys.exit(main())

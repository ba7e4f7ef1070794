"""Performance run rules: file list, LoadGen errors, validity, scenario, seeds, duration, counts."""
import os

from .. import rounds
from cmperf.loadgen_logs import LogFormatError, parse_detail_log

NS_PER_MS = 1e6


def check_file_list(ctx, run_dir, required, optional=(), rule="perf.files", official=True):
    """Exactly the required files (plus the optional ones); returns False if any is missing."""
    if not os.path.isdir(run_dir):
        ctx.report.error(rule, ctx.rel(run_dir), "folder is missing")
        return False
    present = set(os.listdir(run_dir))
    missing = [f for f in required if f not in present]
    extra = sorted(present - set(required) - set(optional))
    if missing:
        ctx.report.error(rule, ctx.rel(run_dir), "missing file(s): " + ", ".join(missing))
    if extra:
        ctx.report.error(rule, ctx.rel(run_dir), "unexpected file(s): " + ", ".join(extra), official=official)
    return not missing


def load_log(ctx, path):
    try:
        return parse_detail_log(path)
    except LogFormatError as e:
        ctx.report.error("log.format", ctx.rel(path), str(e).split(": ", 1)[-1])
        return None


def check_loadgen_errors(ctx, log):
    for text in log.error_texts():
        ctx.report.error("log.loadgen-error", ctx.rel(log.path), f"LoadGen reported an error: {text}")


def _require(ctx, log, key):
    if key not in log:
        ctx.report.error("perf.key-missing", ctx.rel(log.path), f"key '{key}' missing from the detail log")
        return None
    return log[key]


def effective_scenario_ok(entry, effective):
    """Directory scenario == effective one, or inferable from it on an edge system."""
    if effective == entry.scenario:
        return True, False
    if "edge" in entry.system_type and effective in rounds.EDGE_INFERABLE.get(entry.scenario, ()):
        return True, True
    return False, False


def check_performance_log(ctx, entry, log, seeds, division, equal_issue=True):
    """Check one performance detail log; returns (metric name, value, inferred) or None."""
    report, rules, rel = ctx.report, ctx.rules, ctx.rel(log.path)
    model = entry.model
    check_loadgen_errors(ctx, log)

    validity = log.get("result_validity")
    if validity != "VALID":
        reason = log.get("result_invalid_reason") or ""
        report.error("perf.invalid", rel, f"result_validity is {validity!r}, not VALID"
                     + (f" ({reason})" if reason else ""), official=rules.invalid_result_official)

    effective = _require(ctx, log, "effective_scenario")
    inferred = False
    if effective is not None:
        ok, inferred = effective_scenario_ok(entry, effective)
        if not ok:
            report.error("perf.scenario", rel, f"effective_scenario {effective} does not match the "
                         f"{entry.scenario} folder and cannot be inferred for system_type '{entry.system_type}'")
            return None   # the scenario-specific rules below would only add noise

    psc = _require(ctx, log, "effective_performance_sample_count")
    if psc is not None and model is not None and psc < model.performance_sample_count:
        report.error("perf.sample-count", rel, f"effective_performance_sample_count {psc} < "
                     f"{model.performance_sample_count} required for {model.name}")

    for key, want in seeds.as_log_keys().items():
        got = _require(ctx, log, key)
        if got is not None and got != want:
            report.error("perf.seeds", rel, f"{key} is {got}, the {rules.version} value is {want}")

    duration = _require(ctx, log, "effective_min_duration_ms")
    if duration is not None and duration < rules.min_duration_ms:
        report.error("perf.min-duration", rel, f"effective_min_duration_ms {duration} < {rules.min_duration_ms} "
                     "(a test run; a submission needs the full duration)")

    scen = effective or entry.scenario
    if scen == "Offline":
        spq = _require(ctx, log, "effective_samples_per_query")
        applies = division != "open" or not rules.offline_spq_closed_only
        floor = rules.min_samples_per_query(model)
        if spq is not None and applies and spq < floor:
            report.error("perf.samples-per-query", rel, f"Offline effective_samples_per_query {spq} < {floor}"
                         + (f" required for {model.name}" if model is not None else ""))
        mqc = _require(ctx, log, "effective_min_query_count")
        if mqc is not None and mqc < 1:
            report.error("perf.min-query-count", rel, f"effective_min_query_count {mqc} < 1")
    else:
        met = _require(ctx, log, "early_stopping_met")
        if met is not None and not met:
            report.error("perf.early-stopping", rel, "early stopping criteria not met: "
                         + str(log.get("early_stopping_result", "")).strip())
    # A model without a Server bound has no Server scenario either (walk reports that folder).
    if scen == "Server" and model is not None and model.server_target_latency_ns is not None:
        tl = _require(ctx, log, "effective_target_latency_ns")
        if tl is not None and tl > model.server_target_latency_ns:
            report.error("perf.server-latency", rel, f"effective_target_latency_ns {tl} > "
                         f"{model.server_target_latency_ns} for {model.name}")

    for key in ("result_99.00_percentile_latency_ns", "result_mean_latency_ns"):
        _require(ctx, log, key)
    if scen == "MultiStream":
        for key in ("result_99.00_percentile_per_query_latency_ns", "result_mean_query_latency_ns"):
            _require(ctx, log, key)

    if equal_issue and model is not None and model.equal_issue_closed and division != "open":
        # v4.1 requires_equal_issue() of the result's run (the official compliance check ignores it)
        if str(log.get("effective_sample_concatenate_permutation", "")).lower() != "true":
            report.error("perf.equal-issue", rel, f"{model.name} in the {division} division of {rules.version} "
                         "must run in equal-issue mode (effective_sample_concatenate_permutation true)")

    sut_name = str(log.get("sut_name", ""))
    if ("Network SUT" in sut_name) != (division == "network"):
        report.error("perf.sut-name", rel, "sut_name must contain 'Network SUT' exactly for network systems")

    if effective is None:
        return None
    return metric_of(ctx, log, entry.scenario, effective)


def metric_of(ctx, log, dir_scenario, effective):
    """The scenario's reported metric (inferred from another scenario's log where allowed)."""
    table = {
        ("Offline", "Offline"): ("samples_per_second", "result_samples_per_second", 1.0),
        ("SingleStream", "SingleStream"): ("latency_ms_p90", "early_stopping_latency_ss", 1 / NS_PER_MS),
        ("MultiStream", "MultiStream"): ("latency_ms_p99", "early_stopping_latency_ms", 1 / NS_PER_MS),
        ("Server", "Server"): ("samples_per_second", "server", 1.0),      # the round's key, below
        ("Offline", "SingleStream"): ("samples_per_second", "result_qps_without_loadgen_overhead", 1.0),
        ("MultiStream", "SingleStream"): ("latency_ms_p99", "early_stopping_latency_ms", 8 / NS_PER_MS),
    }
    if (dir_scenario, effective) == ("Offline", "MultiStream"):
        # samples per query over the mean *query* latency of the MultiStream run
        mean = _require(ctx, log, "result_mean_query_latency_ns")
        spq = log.get("effective_samples_per_query", 8)
        return ("samples_per_second", spq * 1e9 / mean if mean else None, True)
    if (dir_scenario, effective) == ("MultiStream", "SingleStream") and log.get("early_stopping_latency_ms") == 0:
        ctx.report.error("perf.early-stopping", ctx.rel(log.path), "not enough samples were processed for "
                         "early stopping to estimate the MultiStream latency inferred from SingleStream")
    name, key, scale = table.get((dir_scenario, effective), (None, None, None))
    if key == "server":
        key = ctx.rules.server_result_key
    if key is None:
        return None
    raw = _require(ctx, log, key)
    if not raw and (dir_scenario, effective) == ("SingleStream", "SingleStream"):
        # too few queries for an early-stopping estimate (LoadGen logs 0): the measured p90, not 0
        raw = log.get("result_90.00_percentile_latency_ns") or raw
    return (name, raw * scale if raw is not None else None, dir_scenario != effective)

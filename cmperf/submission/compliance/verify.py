"""Our verification of compliance runs, with the official pass criteria:

- performance: the test run must be VALID and its score within a tolerance of the reference
  (submission) run. TEST01: within +/-10 %; TEST04: not better than the reference by more than
  10 % (better = caching); TEST05: not worse by more than 5 %. The tolerance is 20 % for
  SingleStream at <= 0.2 ms and MultiStream at <= 1.6 ms, where OS noise dominates.
- TEST01 accuracy: every response logged during the performance run must equal the accuracy
  run's response for the same sample (and at least one sample must be compared).
"""
import json
import os
from dataclasses import dataclass, field

from ..logs import LogFormatError, parse_detail_log

TOLERANCE = {"TEST01": 0.10, "TEST04": 0.10, "TEST05": 0.05}
RELAXED = 0.20
LATENCY_KEYS = {"SingleStream": "early_stopping_latency_ss", "MultiStream": "early_stopping_latency_ms"}
THROUGHPUT_KEYS = {"Offline": "result_samples_per_second", "Server": "result_completed_samples_per_sec"}


@dataclass
class VerifyResult:
    passed: bool
    lines: list = field(default_factory=list)

    def text(self):
        return "\n".join(self.lines + ["TEST PASS" if self.passed else "TEST FAIL"]) + "\n"


def _score(log):
    """(scenario, throughput-like score where higher is better, raw value, unit)."""
    scen = log.get("effective_scenario")
    if scen in LATENCY_KEYS:
        ns = log.get(LATENCY_KEYS[scen]) or log.get("result_90.00_percentile_latency_ns")
        if not ns:
            raise LogFormatError(f"{log.path}: no {LATENCY_KEYS[scen]} for {scen}")
        return scen, 1e9 / ns, ns, "ns"
    key = THROUGHPUT_KEYS.get(scen)
    value = log.get(key) if key else None
    if scen == "Server" and value is None:
        value = log.get("result_scheduled_samples_per_sec")
    if value is None:
        raise LogFormatError(f"{log.path}: no score for scenario {scen!r}")
    return scen, float(value), value, "samples/s"


def verify_performance(test, reference_detail, test_detail):
    try:
        ref, tst = parse_detail_log(reference_detail), parse_detail_log(test_detail)
        ref_scen, ref_score, ref_raw, unit = _score(ref)
        tst_scen, tst_score, tst_raw, _ = _score(tst)
    except LogFormatError as e:
        return VerifyResult(False, [f"cannot verify: {e}"])
    lines = [f"{test} performance verification (cmperf.submission.compliance)",
             f"reference: {reference_detail}", f"test: {test_detail}",
             f"reference score = {ref_raw} {unit}", f"test score = {tst_raw} {unit}"]
    if ref_scen != tst_scen:
        return VerifyResult(False, lines + [f"scenario mismatch: reference {ref_scen}, test {tst_scen}"])
    for name, log in (("reference", ref), ("test", tst)):
        if log.get("result_validity") != "VALID":
            return VerifyResult(False, lines + [f"{name} result is {log.get('result_validity')}"])
    if ref_scen == "Server" and ref.get("effective_target_latency_ns") != tst.get("effective_target_latency_ns"):
        return VerifyResult(False, lines + ["Server target latency mismatch"])
    tol = TOLERANCE[test]
    if (ref_scen == "SingleStream" and ref_raw <= 200000) or (ref_scen == "MultiStream" and ref_raw <= 1600000):
        tol = RELAXED
    ratio = tst_score / ref_score
    lines.append(f"test/reference performance ratio = {ratio:.4f} (tolerance {tol:.0%})")
    if test == "TEST01":
        ok = 1 - tol < ratio < 1 + tol
    elif test == "TEST04":
        ok = ratio < 1 + tol
    elif test == "TEST05":
        ok = ratio > 1 - tol
    else:
        raise ValueError(f"unknown compliance test {test}")
    return VerifyResult(ok, lines)


def _load_accuracy_log(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        raise LogFormatError(f"{path}: not a readable accuracy log ({e}); use the full, untruncated log") from None


def verify_accuracy(reference_accuracy_log, test_accuracy_log):
    try:
        ref, tst = _load_accuracy_log(reference_accuracy_log), _load_accuracy_log(test_accuracy_log)
    except LogFormatError as e:
        return VerifyResult(False, [f"cannot verify: {e}"])
    answers = {}
    for entry in ref:
        answers.setdefault(entry["qsl_idx"], entry["data"])
    matched = mismatched = missing = 0
    for entry in tst:
        want = answers.get(entry["qsl_idx"])
        if want is None:
            missing += 1
        elif want.upper() == entry["data"].upper():
            matched += 1
        else:
            mismatched += 1
    lines = ["TEST01 accuracy verification (cmperf.submission.compliance)",
             f"reference log entries = {len(ref)}", f"test log entries = {len(tst)}",
             f"matching responses = {matched}", f"mismatching responses = {mismatched}",
             f"samples not in the reference log = {missing}"]
    return VerifyResult(mismatched == 0 and matched > 0, lines)


def write_verification(test, scenario_dir, test_dir, out_dir=None):
    """Verify a TEST dir against its scenario's runs (harness layout); write verify_*.txt
    into out_dir (default: the TEST dir itself)."""
    ref_perf = os.path.join(scenario_dir, "performance", "run_1", "mlperf_log_detail.txt")
    tst_perf = os.path.join(test_dir, "performance", "run_1", "mlperf_log_detail.txt")
    results = {"verify_performance.txt": verify_performance(test, ref_perf, tst_perf)}
    if test == "TEST01":
        ref_acc = os.path.join(scenario_dir, "accuracy", "mlperf_log_accuracy.json")
        tst_acc = os.path.join(test_dir, "performance", "run_1", "mlperf_log_accuracy.json")
        results["verify_accuracy.txt"] = verify_accuracy(ref_acc, tst_acc)
    out_dir = out_dir or test_dir
    os.makedirs(out_dir, exist_ok=True)
    for name, res in results.items():
        path = os.path.join(out_dir, name)
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            f.write(res.text())
        os.replace(path + ".tmp", path)
    return results

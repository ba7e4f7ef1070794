"""Compliance test folders (closed/network): verify files, TEST PASS, and their performance logs."""
import os
import re

from .. import rounds
from .performance import check_file_list, check_performance_log, load_log


def _contains_pass(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return "TEST PASS" in f.read()


def _first_number(path, pattern):
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = re.match(pattern, line)
            if m:
                return float(m.group(1))
    return None


def check_compliance(ctx, entry, division):
    if division == "open" or ctx.skip_compliance or entry.model is None:
        return
    report, rules = ctx.report, ctx.rules
    if not os.path.isdir(entry.compliance_dir):
        report.error("compliance.dir", ctx.rel(entry.compliance_dir), "no compliance folder for this result "
                     f"({division} division needs {', '.join(entry.model.compliance_tests)})")
        return
    for test in entry.model.compliance_tests:
        tdir = os.path.join(entry.compliance_dir, test)
        if not os.path.isdir(tdir):
            report.error("compliance.test-missing", ctx.rel(tdir), f"{test} is required for {entry.model.name} "
                         f"in {rules.version}")
            continue
        verify = os.path.join(tdir, "verify_performance.txt")
        if not os.path.isfile(verify):
            report.error("compliance.verify-missing", ctx.rel(verify), "verify_performance.txt is missing")
        elif not _contains_pass(verify):
            report.error("compliance.perf-fail", ctx.rel(verify), f"{test} performance verification did not pass")
        run_dir = os.path.join(tdir, "performance", "run_1")
        if check_file_list(ctx, run_dir, rounds.PERF_FILES, ("mlperf_log_accuracy.json",), rule="compliance.files"):
            log = load_log(ctx, os.path.join(run_dir, "mlperf_log_detail.txt"))
            if log is not None:
                seeds = rules.test05_seeds if test == "TEST05" else rules.seeds
                check_performance_log(ctx, entry, log, seeds, division, equal_issue=False)
        if test == "TEST01":
            _check_test01_accuracy(ctx, tdir, entry)


def _check_test01_accuracy(ctx, tdir, entry):
    verify = os.path.join(tdir, "verify_accuracy.txt")
    acc_dir = os.path.join(tdir, "accuracy")
    if not os.path.isfile(verify):
        ctx.report.error("compliance.verify-missing", ctx.rel(verify), "TEST01 verify_accuracy.txt is missing")
        return
    if _contains_pass(verify):
        check_file_list(ctx, acc_dir, ("mlperf_log_accuracy.json", "accuracy.txt"), rule="compliance.files")
        return
    # Accuracy logs differ: the baseline and compliance accuracy must agree within the model's
    # tolerance (1 %, 0.1 % for the -99.9 variants).
    files = ("mlperf_log_accuracy.json", "accuracy.txt", "baseline_accuracy.txt", "compliance_accuracy.txt")
    if not check_file_list(ctx, acc_dir, files, rule="compliance.files"):
        return
    base = _first_number(os.path.join(acc_dir, "baseline_accuracy.txt"), entry.model.accuracy_pattern)
    comp = _first_number(os.path.join(acc_dir, "compliance_accuracy.txt"), entry.model.accuracy_pattern)
    if base is None or comp is None:
        ctx.report.error("compliance.accuracy", ctx.rel(acc_dir), f"no {entry.model.accuracy_metric} value in "
                         "baseline_accuracy.txt or compliance_accuracy.txt")
    elif abs(base - comp) > entry.model.test01_accuracy_delta_pct / 100 * base:
        ctx.report.error("compliance.accuracy", ctx.rel(acc_dir),
                         f"TEST01 accuracy {comp} differs from the baseline {base} by more than "
                         f"{entry.model.test01_accuracy_delta_pct} % (the {entry.model.name} tolerance)")

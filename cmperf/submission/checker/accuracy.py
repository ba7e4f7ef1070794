"""Accuracy run rules: file list, accuracy.txt target and hash line, truncated log, dataset size."""
import os
import re

from .. import rounds
from .performance import check_file_list, check_loadgen_errors, load_log

HASH_LINE = re.compile(r"^hash=([\w\d]+)$")


def read_accuracy(path, pattern):
    """(accuracy value as str or None, hash or None) from an accuracy.txt."""
    acc = hash_val = None
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            m = re.match(pattern, line)
            if m and acc is None:
                acc = m.group(1)
            m = HASH_LINE.match(line)
            if m:
                hash_val = m.group(1)
    return acc, hash_val


def check_accuracy_dir(ctx, entry, division):
    """Returns the accuracy value as a string ('' when unknown)."""
    report, rules = ctx.report, ctx.rules
    acc_dir = os.path.join(entry.results_dir, "accuracy")
    # v3.1 logs an extra file as ERROR without rejecting: we reject it.
    if not check_file_list(ctx, acc_dir, rounds.ACCURACY_FILES, rule="accuracy.files", official=False):
        if not os.path.isdir(acc_dir):
            return ""
    acc_value = ""
    txt = os.path.join(acc_dir, "accuracy.txt")
    if os.path.isfile(txt) and entry.model is not None:
        acc, hash_val = read_accuracy(txt, entry.model.accuracy_pattern)
        if acc is None:
            report.error("accuracy.value-missing", ctx.rel(txt), f"no {entry.model.accuracy_metric} line for "
                         f"{entry.model.name} (a line matching {entry.model.accuracy_pattern!r})")
        else:
            acc_value = acc
            if division != "open" and float(acc) < entry.model.accuracy_target:
                report.error("accuracy.target", ctx.rel(txt), f"accuracy {acc} is below the {division}-division "
                             f"target {entry.model.accuracy_target:.4f} for {entry.model.name}")
        if hash_val is None:   # both checkers log an ERROR but accept the open division's accuracy anyway
            report.error("accuracy.hash", ctx.rel(txt), "no 'hash=' line (run the accuracy-log truncation)",
                         official=division != "open")
    acc_json = os.path.join(acc_dir, "mlperf_log_accuracy.json")
    if os.path.isfile(acc_json) and os.path.getsize(acc_json) > rounds.MAX_ACCURACY_LOG_BYTES:
        report.error("accuracy.not-truncated", ctx.rel(acc_json),
                     f"is not truncated ({os.path.getsize(acc_json)} bytes > {rounds.MAX_ACCURACY_LOG_BYTES})",
                     official=division != "open" or rules.layout == "v6")   # v3.1: ERROR, taken for open
    detail = os.path.join(acc_dir, "mlperf_log_detail.txt")
    if os.path.isfile(detail):
        log = load_log(ctx, detail)
        if log is not None:
            check_loadgen_errors(ctx, log)
            check_accuracy_log_keys(ctx, entry, log)
    return acc_value


def check_accuracy_log_keys(ctx, entry, log):
    rules, rel = ctx.rules, ctx.rel(log.path)
    if log.get("effective_scenario") is None:
        ctx.report.error("accuracy.scenario", rel, "effective_scenario missing from the accuracy detail log",
                         official=rules.layout == "v6")
    # A v6.x rule only: v3.1 accuracy runs on a subset (e.g. a mapped open model) are accepted.
    if ctx.skip_dataset_size_check or entry.model is None or not rules.dataset_size_official:
        return
    count = log.get("effective_accuracy_sample_count", log.get("qsl_reported_total_count"))
    if count != entry.model.dataset_size:
        ctx.report.error("accuracy.dataset-size", rel,
                         f"the accuracy run covered {count} samples, the {entry.model.name} dataset has "
                         f"{entry.model.dataset_size}")

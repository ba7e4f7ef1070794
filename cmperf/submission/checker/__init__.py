"""Our MLPerf Inference submission checker (the rules of every round in rounds.ROUNDS).

``check_submission(root, version)`` returns a Report: every Finding names its rule and the file it
concerns; ``report.ok`` is the verdict. Stricter than the official checkers where they are lenient:
an empty tree, an INVALID run, and ERROR-level conditions that v3.1 only logs are all failures.
"""
import os

from .. import rounds
from cmperf.loadgen_logs import LogFormatError, parse_performance_summary
from . import accuracy, compliance, hygiene, measurements, performance, walk
from .context import CheckContext
from .findings import ERROR, WARNING, Finding, Report, ResultRow

__all__ = ["check_submission", "Finding", "Report", "ResultRow", "ERROR", "WARNING"]


def check_submission(root, version, skip_compliance=False, skip_dataset_size_check=False):
    rules = rounds.get_round(version)
    root = os.path.abspath(root)
    ctx = CheckContext(root=root, rules=rules, skip_compliance=skip_compliance,
                       skip_dataset_size_check=skip_dataset_size_check)
    if skip_compliance and not rules.skip_compliance_allowed:
        # Passing would promise a verdict the official checker will not give.
        ctx.skip_compliance = False
        ctx.report.warning("options.skip-compliance", root, f"the {rules.version} official checker ignores "
                           "--skip_compliance, so compliance folders are still checked")
    if not os.path.isdir(root):
        ctx.report.error("root.missing", root, "submission folder does not exist")
        return ctx.report
    count = 0
    for tree in walk.submitters(ctx):
        hygiene.check_tree(ctx, tree.path)
        hygiene.check_calibration_doc(ctx, tree)
        tree.model_mapping = walk.load_model_mapping(ctx, tree)
        model_dirs = set()
        for entry in walk.scenario_entries(ctx, tree):
            model_dirs.add(entry.model_dir)
            count += 1
            try:
                _check_scenario(ctx, entry)
            except (TypeError, ValueError, KeyError, OSError) as e:
                # A malformed value (a string where LoadGen writes a number, ...) must not crash the
                # checker as the official one does: report it against the result instead.
                ctx.report.error("result.unreadable", ctx.rel(entry.results_dir),
                                 f"could not check this result: {type(e).__name__}: {e}")
        walk.check_code_dir(ctx, tree, model_dirs)
    if count == 0:
        # Both official checkers say "looks OK" with Results=0 here: we do not.
        ctx.report.error("root.empty", root, "no results found: expected <division>/<submitter>/results/"
                         "<system>/<model>/<Scenario>", official=False)
    return ctx.report


def _check_scenario(ctx, entry):
    division = entry.tree.division
    before = len(ctx.report.errors)
    run_dir = os.path.join(entry.results_dir, "performance", "run_1")
    metric = None
    validity = ""
    if performance.check_file_list(ctx, run_dir, rounds.PERF_FILES, rounds.PERF_OPTIONAL_FILES):
        log = performance.load_log(ctx, os.path.join(run_dir, "mlperf_log_detail.txt"))
        if log is not None:
            metric = performance.check_performance_log(ctx, entry, log, ctx.rules.seeds, division)
            validity = str(log.get("result_validity", ""))
        try:
            parse_performance_summary(os.path.join(run_dir, "mlperf_log_summary.txt"))
        except LogFormatError as e:
            ctx.report.warning("log.summary", ctx.rel(os.path.join(run_dir, "mlperf_log_summary.txt")),
                               str(e).split(": ", 1)[-1])
    acc = accuracy.check_accuracy_dir(ctx, entry, division)
    measurements.check_measurements(ctx, entry)
    compliance.check_compliance(ctx, entry, division)
    name, value, inferred = metric if metric else ("", None, False)
    ctx.report.results.append(ResultRow(
        division=division, submitter=entry.tree.submitter, system=entry.system, model=entry.model_dir,
        mlperf_model=entry.model.name if entry.model else "", scenario=entry.scenario, metric=name,
        value=value, accuracy=acc, accuracy_metric=entry.model.accuracy_metric if entry.model else "",
        validity=validity, inferred=inferred, path=ctx.rel(entry.results_dir), ok=len(ctx.report.errors) == before))

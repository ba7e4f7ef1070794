"""CLI: ``python -m cmperf.submission.generate --results-dir R --submission-dir S ...``.

Builds the submission tree beside S, checks it with our checker, and only then renames it into
place. A tree with violations is refused (nothing is written) unless ``--test-run`` says the
violations a short test run must have are expected; they are then listed, each by our checker.
"""
import argparse
import os
import shutil
import sys
import tarfile

from . import placement, rounds, system_desc
from .checker import check_submission
from .generator import GenerationError, Options, build_tree
from .results_dir import ResultsDirError, read_results_dir
from .summary import format_table, write_summaries


def build_parser():
    p = argparse.ArgumentParser(prog="python -m cmperf.submission.generate", description=__doc__.split("\n")[0])
    p.add_argument("--results-dir", required=True)
    p.add_argument("--submission-dir", required=True)
    p.add_argument("--division", default="open", choices=rounds.DIVISIONS)
    p.add_argument("--category", default="edge", help="edge, datacenter or datacenter,edge")
    p.add_argument("--submitter", required=True)
    p.add_argument("--version", required=True, help="MLPerf round: v3.1, v4.0, v4.1 or v6.1 (r4.1, r4.1-dev ... name the same)")
    p.add_argument("--sut", help="use only this SUT folder of the results dir")
    p.add_argument("--system-json", help="JSON file with system fields that cannot be detected")
    p.add_argument("--system-field", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--model-mapping", help="JSON file {custom model: official model} (open division)")
    p.add_argument("--infer-scenarios", action="store_true",
                   help="edge: fill the model's required MultiStream/Offline from SingleStream (marked as inferred)")
    p.add_argument("--force", action="store_true", help="replace a submission tree this tool generated before")
    p.add_argument("--test-run", action="store_true",
                   help="write the tree even though the checker finds violations (a short test run)")
    p.add_argument("--skip-dataset-size-check", action="store_true")
    p.add_argument("--summary-dir", help="where summary.csv/summary.md go (default: beside the submission dir)")
    p.add_argument("--tar", action="store_true", help="also write <submission-dir>.tar.gz")
    return p


def generate(args, out=print):
    """Returns the checker report of the placed tree; raises on refusal (nothing written)."""
    rules = rounds.get_round(args.version)
    target = os.path.abspath(args.submission_dir)
    placement.check_target(target, args.force)     # refuse early, before any work
    suts = read_results_dir(args.results_dir, args.sut)
    mapping = system_desc.load_user_file(args.model_mapping) if args.model_mapping else {}
    opts = Options(division=args.division, category=args.category, submitter=args.submitter,
                   version=rules.version, system_user=system_desc.load_user_file(args.system_json),
                   system_flags=system_desc.parse_field_flags(args.system_field), model_mapping=mapping,
                   infer_scenarios=args.infer_scenarios)
    build_dir = placement.make_build_dir(target)
    try:
        notes = build_tree(suts, build_dir, opts)
        report = check_submission(build_dir, rules.version, skip_dataset_size_check=args.skip_dataset_size_check)
        if not report.ok and not args.test_run:
            raise GenerationError(_refusal(report, build_dir))
        placement.place(build_dir, target, args.force)
    finally:
        if os.path.isdir(build_dir):
            shutil.rmtree(build_dir)
    for n in notes:
        out(f"note: {n}")
    for f in report.findings:
        out(str(f).replace(build_dir, target))
    out(format_table(report.results))
    summary_dir = args.summary_dir or os.path.dirname(target)
    os.makedirs(summary_dir, exist_ok=True)
    for p in write_summaries(report.results, summary_dir, prefix=os.path.basename(target) + "-"):
        out(f"wrote {p}")
    if args.tar:
        out(f"wrote {make_tarball(target)}")
    state = "no violations" if report.ok else f"{len(report.errors)} violation(s) (test run)"
    out(f"submission tree {target} ({rules.version}): {state}")
    return report


def _refusal(report, build_dir):
    lines = [str(f).replace(build_dir + os.sep, "") for f in report.errors]
    hint = ""
    if any(f.rule == "scenarios.missing" for f in report.errors):
        hint = "\n(an edge system can fill MultiStream/Offline from SingleStream with --infer-scenarios)"
    return ("the generated submission violates the round's rules, so it was not written "
            "(use --test-run for a short test run):\n  " + "\n  ".join(lines) + hint)


def make_tarball(target):
    path = target.rstrip(os.sep) + ".tar.gz"
    tmp = path + ".tmp"
    with tarfile.open(tmp, "w:gz") as tar:
        tar.add(target, arcname=os.path.basename(target))
    os.replace(tmp, path)
    return path


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        report = generate(args)
    except (GenerationError, ResultsDirError, placement.PlacementError, system_desc.SystemDescError,
            ValueError) as e:
        print(f"ERROR: {e}", file=sys.stderr)
        return 2
    # A --test-run tree is expected to break the rules a short run must break: it was asked for,
    # written and its violations listed, so that is success (`check` stays strict).
    return 0 if report.ok or args.test_run else 1


if __name__ == "__main__":
    sys.exit(main())

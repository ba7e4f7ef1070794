"""CLI: ``python -m cmperf.submission.check --submission-dir D --version v3.1|v4.0|v4.1|v6.1``.

Prints every finding with its file, then the verdict; exits 1 on any error. With
``--official-src`` (a checkout of mlcommons/inference) it also runs the official checker and
prints both verdicts.
"""
import argparse
import sys

from .checker import check_submission
from .official import OfficialCheckerError, run_official_checker
from .summary import format_table


def build_parser():
    p = argparse.ArgumentParser(prog="python -m cmperf.submission.check", description=__doc__.split("\n")[0])
    p.add_argument("--submission-dir", required=True)
    p.add_argument("--version", required=True, help="MLPerf round: v3.1, v4.0, v4.1 or v6.1 (r4.1, r4.1-dev ... name the same)")
    p.add_argument("--skip-compliance", action="store_true", help="do not require compliance (TEST0x) folders")
    p.add_argument("--skip-dataset-size-check", action="store_true",
                   help="v6.1: accept an accuracy run smaller than the official dataset")
    p.add_argument("--official-src", help="mlcommons/inference checkout: also run its submission checker")
    p.add_argument("--quiet", action="store_true", help="print only errors and the verdict")
    return p


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        report = check_submission(args.submission_dir, args.version, skip_compliance=args.skip_compliance,
                                  skip_dataset_size_check=args.skip_dataset_size_check)
    except ValueError as e:
        print(f"ERROR: {e}", file=sys.stderr)
        return 2
    for f in report.findings:
        if not args.quiet or f.level == "ERROR":
            print(f)
    if report.results:
        print(format_table(report.results))
    verdict = "OK" if report.ok else f"FAILED ({len(report.errors)} error(s))"
    print(f"cmperf checker ({args.version}): {verdict}")
    official_ok = True
    if args.official_src:
        try:
            res = run_official_checker(args.official_src, args.submission_dir, args.version,
                                       skip_compliance=args.skip_compliance)
            official_ok = res.ok
            print(f"official checker ({args.version}): {'OK' if res.ok else 'FAILED'} (exit {res.returncode})")
            for line in res.error_lines[:50]:
                print(f"  official: {line}")
        except OfficialCheckerError as e:
            print(f"official checker: not run: {e}", file=sys.stderr)
            official_ok = False
    return 0 if report.ok and official_ok else 1


if __name__ == "__main__":
    sys.exit(main())

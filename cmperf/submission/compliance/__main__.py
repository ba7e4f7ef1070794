"""CLI for the harness and for users:

  python -m cmperf.submission.compliance audit-config --test TEST05 --version v3.1 --model resnet50 --out DIR
  python -m cmperf.submission.compliance verify --test TEST01 --scenario-dir S --test-dir S/TEST01
"""
import argparse
import os
import sys

from .audit import AuditConfigError, audit_config_text
from .verify import write_verification


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m cmperf.submission.compliance")
    sub = p.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("audit-config", help="write the test's audit.config into --out")
    a.add_argument("--test", required=True)
    a.add_argument("--version", required=True)
    a.add_argument("--model", required=True, help="the benchmark (official name or alias, e.g. resnet50, bert-99)")
    a.add_argument("--out", required=True, help="the directory LoadGen will run in")
    v = sub.add_parser("verify", help="write verify_performance.txt (+ verify_accuracy.txt for TEST01)")
    v.add_argument("--test", required=True)
    v.add_argument("--scenario-dir", required=True, help="<results>/<sut>/<model>/<scenario>")
    v.add_argument("--test-dir", required=True)
    args = p.parse_args(argv)
    if args.cmd == "audit-config":
        try:
            text = audit_config_text(args.test, args.version, args.model)
        except (AuditConfigError, ValueError) as e:
            print(f"ERROR: {e}", file=sys.stderr)
            return 2
        os.makedirs(args.out, exist_ok=True)
        path = os.path.join(args.out, "audit.config")
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(path + ".tmp", path)
        print(path)
        return 0
    results = write_verification(args.test, args.scenario_dir, args.test_dir)
    for name, res in results.items():
        print(f"{name}: {'TEST PASS' if res.passed else 'TEST FAIL'}")
    return 0 if all(r.passed for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())

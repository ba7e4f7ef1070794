"""`python -m cmperf.experiment`: experiments in a plain directory (no CM repository needed).

    run --dir DIR --explore BATCH="[1,2,4]" [--fail-fast] -- COMMAND {{BATCH}}
        [--executor ray [--address HOST:PORT] [--resource cpus=2 --resource sut:NAME=1 ...]
         [--max-tries 3] [--fleet SUT1,SUT2]]
    resume DIR [--executor ray --address HOST:PORT]     (DIR: a sweep, or an experiment's newest unfinished one)
    show DIR
    replay STEP_DIR
    mlperf-dse --dir DIR --model digits-mlp --batch "[1,2,4,8,16,32]" [--backend onnxruntime] [--out CHARTS]

``mlperf-dse`` is the batch-size exploration of an MLPerf benchmark through
``cm run script --tags=run-mlperf,inference`` (one step per model x backend x batch size), then the
DSE chart of the measured steps: Offline samples/s against the batch size, one line per
model/backend.
"""
import argparse
import os
import sys

from tabulate import tabulate

from cmperf.report.errors import ReportError
from cmperf.report.html import write_page

from cmperf.core.errors import CmperfError

from . import api
from .explore import ExploreError
from .runner import ExperimentError, StepFailed, replay, run_sweep
from .steps import STEP_HEADERS, load_steps, step_rows


def mlperf_batch_template(results_subdir="results", test_query_count=10000):
    """The wrapped command of one DSE step: an Offline performance run of the MLPerf app with the
    step's MODEL, BACKEND and BATCH, its results directory inside the step. The Offline query
    has `test_query_count` samples: enough for a throughput that is not start-up noise."""
    return ["cm", "run", "script", "--tags=run-mlperf,inference,_performance-only",
            "--model={{MODEL}}", "--backend={{BACKEND}}", "--device=cpu", "--scenario=Offline",
            "--batch_size={{BATCH}}", f"--test_query_count={test_query_count}",
            "--results_dir={{CM_EXPERIMENT_PATH}}/" + results_subdir, "--quiet"]


def _explore(items):
    out = {}
    for item in items:
        if "=" not in item:
            raise ExperimentError(f"--explore {item!r}: expected VAR=VALUES, e.g. BATCH=[1,2,4]")
        k, v = item.split("=", 1)
        out[k.strip()] = v
    return out


def _print_steps(steps):
    print(tabulate(step_rows(steps), headers=STEP_HEADERS, tablefmt="github"))


def _pairs(items, flag):
    out = {}
    for item in items:
        if "=" not in item:
            raise ExperimentError(f"{flag} {item!r}: expected NAME=VALUE, e.g. cpus=2")
        k, v = item.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def _finish(out):
    _print_steps(out["steps"])
    print(f"sweep: {out['path']}")
    if out.get("fleet", {}).get("results_dir"):
        print(f"fleet results: {out['fleet']['results_dir']}")
    return 0 if all(s["status"] == "ok" for s in out["steps"]) else 1


def cmd_run(args):
    out = api.run(args.dir, args.command, _explore(args.explore), executor=args.executor,
                  address=args.address, resources=_pairs(args.resource, "--resource"),
                  max_tries=args.max_tries, fleet=args.fleet, fail_fast=args.fail_fast,
                  timeout=args.timeout, echo=args.verbose)
    return _finish(out)


def cmd_resume(args):
    return _finish(api.resume(args.path, executor=args.executor, address=args.address,
                              max_tries=args.max_tries, timeout=args.timeout, echo=args.verbose))


def cmd_show(args):
    _print_steps(load_steps(args.path))
    return 0


def cmd_replay(args):
    record = replay(args.step_dir, timeout=args.timeout, echo=args.verbose)
    for c in record.get("compared", []):
        print(f"{c['scenario']}: original {c['original']:.6g}, replay {c['replay']:.6g}")
    if record["status"] != "ok":
        print(f"replay failed: {record['error']}", file=sys.stderr)
        return 1
    return 0


def cmd_mlperf_dse(args):
    from cmperf.experiment.results import steps_as_results
    from cmperf.report.sweep import sweep
    explore = {"MODEL": args.model, "BACKEND": args.backend, "BATCH": args.batch}
    out = run_sweep(args.dir, mlperf_batch_template(test_query_count=args.test_query_count), explore,
                    fail_fast=args.fail_fast,
                    timeout=args.timeout, echo=args.verbose)
    _print_steps(out["steps"])
    results = steps_as_results(out["path"])
    section = sweep(results, "BATCH", ["model", "BACKEND"], args.out,
                    f"Offline samples/s vs batch size ({', '.join(sorted({r.model for r in results}))})",
                    "Offline", name="mlperf-batch-size-dse")
    print(section.text())
    if args.out:
        print(f"wrote {write_page(os.path.join(args.out, 'dse.html'), section.title, [section])}")
    return 0


def _executor_args(s):
    s.add_argument("--executor", choices=("local", "ray"), help="where steps run (default: here, one by one)")
    s.add_argument("--address", help="the Ray cluster, HOST:PORT (default: RAY_ADDRESS or a local Ray)")
    s.add_argument("--max-tries", type=int, help="tries of a step whose node dies (default 3)")


def parser():
    p = argparse.ArgumentParser(prog="python -m cmperf.experiment", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command_name", required=True)
    s = sub.add_parser("run", help="run a command once per combination of the explored values")
    s.add_argument("--dir", required=True, help="experiment directory (sweeps are added to it)")
    s.add_argument("--explore", action="append", default=[], metavar="VAR=VALUES")
    s.add_argument("--fail-fast", action="store_true")
    s.add_argument("--timeout", type=float, help="seconds per step")
    s.add_argument("-v", "--verbose", action="store_true", help="show the command's output")
    _executor_args(s)
    s.add_argument("--resource", action="append", default=[], metavar="NAME=VALUE",
                   help="what each step asks of its node: cpus, gpus, memory, whole_node, sut:NAME, ...")
    s.add_argument("--fleet", help="SUT1,SUT2: measure the command on each SUT's node (needs --executor ray)")
    s.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND with {{VAR}} placeholders")
    s.set_defaults(func=cmd_run)
    s = sub.add_parser("resume", help="run the steps an interrupted sweep did not finish")
    s.add_argument("path", help="a sweep directory, or an experiment directory (its newest unfinished sweep)")
    s.add_argument("--timeout", type=float, help="seconds per step")
    s.add_argument("-v", "--verbose", action="store_true")
    _executor_args(s)
    s.set_defaults(func=cmd_resume)
    s = sub.add_parser("show", help="the steps of an experiment, a sweep or a step")
    s.add_argument("path")
    s.set_defaults(func=cmd_show)
    s = sub.add_parser("replay", help="run a recorded step again")
    s.add_argument("step_dir")
    s.add_argument("--timeout", type=float)
    s.add_argument("-v", "--verbose", action="store_true")
    s.set_defaults(func=cmd_replay)
    s = sub.add_parser("mlperf-dse", help="batch-size sweep of the MLPerf app and its DSE chart")
    s.add_argument("--dir", required=True)
    s.add_argument("--model", default="digits-mlp", help="model value(s), e.g. digits-mlp or a,b")
    s.add_argument("--backend", default="onnxruntime", help="backend value(s), e.g. onnxruntime,deepsparse")
    s.add_argument("--batch", default="[1,2,4,8,16,32,64]")
    s.add_argument("--test-query-count", type=int, default=10000,
                   help="samples in each Offline step (a test run of that many samples)")
    s.add_argument("--out", help="directory for the chart and dse.html")
    s.add_argument("--fail-fast", action="store_true")
    s.add_argument("--timeout", type=float)
    s.add_argument("-v", "--verbose", action="store_true")
    s.set_defaults(func=cmd_mlperf_dse)
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    if getattr(args, "command", None) and args.command[:1] == ["--"]:
        args.command = args.command[1:]
    try:
        return args.func(args)
    except (ExperimentError, ExploreError, ReportError, CmperfError) as e:
        if isinstance(e, StepFailed):
            _print_steps(load_steps(os.path.dirname(e.record["path"])))
        print(f"error: {e}", file=sys.stderr)
        return 2

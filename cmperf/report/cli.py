"""`python -m cmperf.report COMMAND`: tables on stdout; charts and one HTML page with --out.

Commands: seed, top, per-accelerator, compare, sweep, import. Run one with --help for its options.
"""
import argparse
import os
import shutil
import sys
import tempfile

import yaml

from . import kinds, seed
from .errors import ReportError
from .html import write_page
from .importer import read_csv
from .local import read_results_dir
from .store import DATA_REPO, PUBLISHED_TAG, load_csvs, load_published, published_csv
from .sweep import sweep


def _data_args(p):
    g = p.add_argument_group("data (default: the shipped published results of --round)")
    g.add_argument("--csv", action="append", default=[], help="a results CSV (repeatable); replaces the default")
    g.add_argument("--round", default="v3.1", help="published round to use (default: v3.1)")
    g.add_argument("--subset", help="a named subset of the round (see cm-repo/experiment/*/_cm.yaml)")
    g.add_argument("--repo", default=DATA_REPO, help="data CM repository with published-results artifacts")


def _out_args(p):
    p.add_argument("--out", help="write PNG charts and report.html into this directory")
    p.add_argument("--html", default="report.html", help="name of the HTML page in --out")


def _local_args(p):
    p.add_argument("--local", action="append", default=[],
                   help="an MLPerf results directory whose runs are ranked beside the published rows")
    p.add_argument("--model-as", action="append", default=[], metavar="LOCAL=PUBLISHED",
                   help="compare a local model as a published benchmark, e.g. digits-mlp=resnet50")


def _store(args):
    if args.csv:
        return load_csvs(args.csv, args.round)
    return load_published(args.subset, args.round, args.repo)


def _pairs(items, what):
    out = {}
    for item in items:
        if "=" not in item:
            raise ReportError(f"{what} {item!r}: expected NAME=VALUE")
        k, v = item.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def _emit(sections, args, title):
    for s in sections:
        print(s.text())
    if args.out:
        page = write_page(os.path.join(args.out, args.html), title, sections)
        print(f"wrote {page}")


def cmd_seed(args):
    out = args.out or "seed-report"
    sections, page = seed.build(out, args.only or None, args.html)
    for s in sections:
        print(s.text())
    print(f"wrote {page}")


def _run_with_out(args, build, title):
    """Build sections (charts only with --out) and print them."""
    _emit(build(args.out), args, title)


def cmd_top(args):
    store = _store(args)
    model_as = _pairs(args.model_as, "--model-as")
    extra = [r for d in args.local for r in read_results_dir(d, model_as)
             if r.model == args.model and r.scenario.lower() == args.scenario.lower()]
    if args.local and not extra:
        raise ReportError(f"no local {args.model} {args.scenario} run under {', '.join(args.local)} "
                          "(use --model-as LOCAL=PUBLISHED to compare another model)")
    _run_with_out(args, lambda out: [kinds.top(store, args.model, args.scenario, out, args.division,
                                               args.n, extra)],
                  f"Top {args.n} {args.model} {args.scenario}")


def cmd_per_accelerator(args):
    store = _store(args)
    _run_with_out(args, lambda out: [kinds.per_accelerator(store, args.model, out, args.scenario,
                                                           args.division, args.n)],
                  f"{args.model} {args.scenario} per accelerator")


def cmd_compare(args):
    store = _store(args)
    where = _pairs(args.where, "--where")
    title = args.title or f"{args.by} compared on " + ", ".join(f"{k}={v}" for k, v in where.items())
    _run_with_out(args, lambda out: [kinds.compare(store, args.by, out, title, args.model or None,
                                                   args.scenario or None, args.division, **where)],
                  title)


def cmd_sweep(args):
    if args.experiment:
        from cmperf.experiment.results import steps_as_results
        results = [r for d in args.experiment for r in steps_as_results(d)]
    else:
        results = list(_store(args))
    where = _pairs(args.where, "--where")
    results = [r for r in results if all(str(r.get(k, "")) == v for k, v in where.items())]
    series = args.series.split(",")
    title = args.title or f"{args.scenario} vs {args.x}"
    _run_with_out(args, lambda out: [sweep(results, args.x, series if len(series) > 1 else series[0],
                                           out, title, args.scenario)], title)


def cmd_import(args):
    """Validate a CSV and store it as a published-results artifact of the data repository."""
    results = read_csv(args.csv_file, args.round)
    name = args.name or f"mlperf-inference-{args.round}-published"
    target = os.path.join(args.repo, "experiment", name)
    if os.path.exists(target):
        raise ReportError(f"{target} exists; choose another --name or remove it")
    meta = {"alias": name, "automation_alias": "experiment", "automation_uid": "a0a2d123ef064bcb",
            "tags": ["mlperf-inference", PUBLISHED_TAG, args.round], "round": args.round,
            "main_csv": os.path.basename(args.csv_file), "desc": f"imported from {args.csv_file}"}
    os.makedirs(os.path.dirname(target), exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".tmp-import-", dir=os.path.dirname(target))
    try:
        shutil.copyfile(args.csv_file, os.path.join(tmp, meta["main_csv"]))
        with open(os.path.join(tmp, "_cm.yaml"), "w", encoding="utf-8") as f:
            yaml.safe_dump(meta, f, sort_keys=False)
        os.rename(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"imported {len(results)} results of round {args.round} into {target}")
    print(f"check: {published_csv(round_name=args.round, repo=args.repo)}")


def parser():
    p = argparse.ArgumentParser(prog="python -m cmperf.report", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("seed", help="the seed report's charts, tables and statements from the data")
    s.add_argument("--out", help="output directory (default: ./seed-report)")
    s.add_argument("--only", action="append", choices=list(seed.FIGURES), help="one figure (repeatable)")
    s.add_argument("--html", default="index.html")
    s.set_defaults(func=cmd_seed)

    s = sub.add_parser("top", help="top N systems of a benchmark and scenario")
    s.add_argument("--model", required=True)
    s.add_argument("--scenario", required=True)
    s.add_argument("--division", default="closed")
    s.add_argument("-n", type=int, default=10)
    _data_args(s), _out_args(s), _local_args(s)
    s.set_defaults(func=cmd_top)

    s = sub.add_parser("per-accelerator", help="throughput per accelerator")
    s.add_argument("--model", required=True)
    s.add_argument("--scenario", default="Offline")
    s.add_argument("--division", default="closed")
    s.add_argument("-n", type=int, default=10)
    _data_args(s), _out_args(s)
    s.set_defaults(func=cmd_per_accelerator)

    s = sub.add_parser("compare", help="implementations / backends side by side on shared hardware")
    s.add_argument("--by", required=True, help="column to compare: implementation, framework, backend, ...")
    s.add_argument("--where", action="append", default=[], metavar="COLUMN=VALUE",
                   help="what the results share, e.g. accelerator=... or system_name=...")
    s.add_argument("--model", action="append", default=[])
    s.add_argument("--scenario", action="append", default=[])
    s.add_argument("--division")
    s.add_argument("--title")
    _data_args(s), _out_args(s)
    s.set_defaults(func=cmd_compare)

    s = sub.add_parser("sweep", help="a metric against an explored variable, one line per series")
    s.add_argument("--x", required=True, help="the explored variable (column), e.g. max_batchsize")
    s.add_argument("--series", required=True, help="column(s) naming a line, comma-separated")
    s.add_argument("--scenario", default="Offline")
    s.add_argument("--where", action="append", default=[], metavar="COLUMN=VALUE")
    s.add_argument("--experiment", action="append", default=[],
                   help="an experiment artifact directory (its steps are the points)")
    s.add_argument("--title")
    _data_args(s), _out_args(s)
    s.set_defaults(func=cmd_sweep)

    s = sub.add_parser("import", help="validate a results CSV and add it to the data repository")
    s.add_argument("csv_file")
    s.add_argument("--round", required=True, help="e.g. v4.0")
    s.add_argument("--name", help="artifact name (default: mlperf-inference-ROUND-published)")
    s.add_argument("--repo", default=DATA_REPO)
    s.set_defaults(func=cmd_import)
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    try:
        args.func(args)
    except ReportError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:   # output piped into head & co.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0

"""What the CM automation adapters call: plain functions that raise EngineError."""
import sys

from .request import parse_input


def _planner(home=None):
    from .cache import CacheStore
    from .index import ScriptIndex, cm_home
    from .plan import Planner
    home = home or cm_home()
    return Planner(ScriptIndex.load(home=home), CacheStore(home))


def plan(i):
    """The whole request resolved into a Plan, with no side effect (`--plan`)."""
    return _plan_only(_planner(), parse_input(i))


def _plan_only(planner, request):
    # Not even the bytecode of a customize.py lands in a script's folder (a user's repository).
    planner.plan_only = True
    saved, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    try:
        return planner.plan(request, {}, dict(request.state))
    finally:
        sys.dont_write_bytecode = saved


def reporter_for(i, out):
    """The console tree on `out`, plus JSON lines when `--events=jsonl[:PATH]`."""
    from .reporter import Console, JsonLines, Reporter
    from .request import Flags
    flags = Flags.from_input(i)
    events = str(i.get("events") or "")
    jsonl = None
    if events == "jsonl":
        jsonl = JsonLines(sys.stdout)
    elif events.startswith("jsonl:"):
        jsonl = JsonLines(open(events[len("jsonl:"):], "a", encoding="utf-8"))
    elif events:
        from .errors import InputError
        raise InputError(f"unknown --events '{events}'; use --events=jsonl or --events=jsonl:PATH")
    console = Console(out, silent=flags.silent, verbose=flags.verbose)
    return Reporter(console, jsonl)


def run(i, out=sys.stdout, reporter=None, hook_stdout=None, planner=None):
    """Plan a script request (a cmind input dict), then run the plan; returns a RunResult."""
    from ..core import progress
    from .execute import Executor
    request = parse_input(i)
    planner = planner or _planner()
    if request.flags.plan:          # --plan reaching here (a library caller): show it, run nothing
        the_plan = _plan_only(planner, request)
        print("\n".join(the_plan.lines()), file=out)
        from .execute import RunResult
        root = the_plan.root
        result = RunResult(root.script, root.variations, root.version, {}, {})
        result.plan = the_plan
        return result
    the_plan = planner.plan(request, {}, dict(request.state))
    reporter = reporter or reporter_for(i, out)
    if request.flags.print_deps:
        print("Resolved dependency tree (before running):", file=out)
        print("\n".join(the_plan.lines(costs=False)), file=out)
    reporter.emit("plan", **the_plan.summary())
    executor = Executor(planner, reporter, out=out, hook_stdout=hook_stdout)
    previous = progress.set_sink(reporter)
    try:
        result = executor.run(the_plan)
    finally:
        progress.set_sink(previous)
    result.executor = executor
    return result


def help_text(i):
    from .help import script_help
    from .index import ScriptIndex
    from .resolve import choose
    request = parse_input(i)
    index = ScriptIndex.load()
    scripts = [choose(index, request)] if (request.tags or request.name) else index.scripts
    return "\n\n".join(script_help(s) for s in scripts)


def add(alias, tags, repo_path=None):
    from .index import local_repo
    from .scaffold import add_script
    return add_script(repo_path or local_repo(), alias, tags)


def cache_store():
    from .cache import CacheStore
    from .index import cm_home
    return CacheStore(cm_home())

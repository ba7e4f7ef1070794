"""What the CM automation adapters call: plain functions that raise EngineError."""
import sys

from . import plan as plan_mod
from .cache import CacheStore
from .execute import Executor
from .help import script_help
from .index import ScriptIndex, cm_home, local_repo
from .request import parse_input
from .resolve import choose
from .scaffold import add_script


def run(i, out=sys.stdout):
    """Run a script request (a cmind input dict); returns a RunResult."""
    request = parse_input(i)
    executor = Executor(out=out)
    if request.flags.print_deps:
        print("Resolved dependency tree (before running):", file=out)
        tree = plan_mod.build(executor, request, {}, dict(request.state))
        print("\n".join(tree.lines()), file=out)
    return executor.run(request, {}, dict(request.state))


def help_text(i):
    request = parse_input(i)
    index = ScriptIndex.load()
    scripts = [choose(index, request)] if (request.tags or request.name) else index.scripts
    return "\n\n".join(script_help(s) for s in scripts)


def add(alias, tags, repo_path=None):
    return add_script(repo_path or local_repo(), alias, tags)


def cache_store():
    return CacheStore(cm_home())

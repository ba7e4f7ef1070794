"""CM adapter for `cm run script` and friends: calls cmperf.engine, returns CM dicts."""
import json
import os
import sys

from cmind.automation import Automation

try:
    import cmperf  # noqa: F401  (the package only: the engine is imported by the actions that use it)
except ImportError:   # a checkout used by `cm pull repo` without `pip install -e .`
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

# cmind imports this module for every `cm <action> script` (`cm find script` too): the engine is
# imported inside the actions, so an action that does not need it never pays for it.


def _error(e):
    return {"return": e.rc, "error": str(e)}


class CAutomation(Automation):
    """cm run script --tags=TAGS [--env.K=V] [--adr.NAME.K=V] [-j] [--print_deps] [--fake_run] ..."""

    def __init__(self, cmind, automation_file):
        super().__init__(cmind, __file__)

    def run(self, i):
        """
        Run a script found by tags, alias or uid, with its dependencies.

        Flags: --tags, --env.K=V, --const.K=V, --adr.NAME.K=V, --ad.NAME.K=V, --version*,
        --quiet, -v, -s, -j/--json, --plan/--dry-run (show the plan, run nothing), --print_deps,
        --fake_run, --print_env, --new, --renew, --skip_cache, --events=jsonl[:PATH],
        --allow_unknown_inputs, --help (the script's variations, input flags and defaults).
        """
        from cmperf.engine import api
        from cmperf.engine.errors import EngineError
        if i.get("help") or i.get("h"):
            try:
                print(api.help_text(i))
            except EngineError as e:
                return _error(e)
            return {"return": 0, "skip_delayed_help": True}
        if i.get("docker") and not i.get("_recursive"):
            from cmperf.core.truth import is_true
            if is_true(i["docker"]):
                return self.docker(i)          # upstream: --docker runs the request in a container
        as_json = bool(i.get("j") or i.get("json"))
        if i.get("plan") or i.get("dry_run"):
            try:
                plan = api.plan(i)
            except EngineError as e:
                return _error(e)
            r = {"return": 0, "plan": plan.to_dict()}
            if as_json:
                print(json.dumps(r, indent=2, sort_keys=True, default=str))
            else:
                print("\n".join(plan.lines()))
            return r
        # Under -j (or --events=jsonl) stdout carries only JSON: the engine's lines, run.sh's
        # output and what hooks print go to stderr.
        to_stderr = as_json or i.get("events") == "jsonl"
        out = sys.stderr if to_stderr else sys.stdout
        try:
            result = api.run(i, out=out, hook_stdout=sys.stderr if to_stderr else None)
        except EngineError as e:
            return _error(e)
        except KeyboardInterrupt:   # one line, exit code 130; the unfinished build is resumed next time
            return {"return": 130, "error": "interrupted (Ctrl-C); run the same command again to resume"}
        r = {"return": 0, **result.as_dict()}
        if as_json:
            print(json.dumps(r, indent=2, sort_keys=True, default=str))
        return r

    def docker(self, i):
        """cm docker script --tags=... [--docker_os, --docker_base_image, --docker_cache, --docker_it, ...]:
        build (or reuse) an image from the request's plan and run the request in it (docs/containers.md)."""
        from cmperf.container import workflow
        from cmperf.core.errors import CmperfError
        as_json = bool(i.get("j") or i.get("json"))
        try:
            r = {"return": 0, **workflow.docker(i, out=sys.stderr if as_json else sys.stdout)}
        except CmperfError as e:
            return _error(e)
        if as_json:
            print(json.dumps(r, indent=2, sort_keys=True))
        return r

    def prepare(self, i):
        """Resolve and run the dependencies only (the same as `cm run script ... --fake_run`)."""
        return self.run({**i, "fake_run": True})

    def add(self, i):
        """
        Scaffold a new script: cm add script NAME --tags=a,b [--path=REPO_DIR].
        """
        from cmperf.engine import api
        from cmperf.engine.errors import EngineError
        tags = [t for t in str(i.get("tags", "")).replace(" ", ",").split(",") if t]
        try:
            path = api.add(i.get("artifact", ""), tags, i.get("path") or None)
        except EngineError as e:
            return _error(e)
        if i.get("out") == "con":
            print(f"created {path}: edit _cm.yaml, customize.py and run.sh, then "
                  f"`cm run script --tags={','.join(tags or [os.path.basename(path)])}`")
        return {"return": 0, "path": path}

"""Plan a published command line with no side effects, the way `cm` would parse it.

Uses `cmperf.engine.api.plan(i)` when the engine has it (the plan-first work), otherwise the
side-effect-free dependency tree of `cmperf.engine.plan.build` (what `--print_deps` prints). Only an
isolated CM home (the script index and an empty cache) is written.
"""
import os
import re
import shlex
from dataclasses import dataclass

import cmind.cli

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@dataclass
class Outcome:
    planned: bool
    error: str = ""
    scripts: tuple = ()          # aliases of the planned nodes, top first


def instantiate(entry):
    """The published text with CI matrix values and reader placeholders filled in."""
    text = entry["cmd"]
    for key, value in (entry.get("matrix") or {}).items():
        text = re.sub(r"\$\{\{\s*matrix\.%s\s*\}\}" % re.escape(key), str(value), text)
    for key, value in (entry.get("subst") or {}).items():
        text = text.replace(key, str(value))
    return text


def shell_words(text, home):
    """argv of the first shell command in `text`: backslash-newlines join lines; an unescaped
    newline ends the command (as in a shell); $HOME and $PWD expand into the test's home."""
    logical = re.sub(r"\\\n", " ", text).split("\n", 1)[0]
    logical = logical.replace("$HOME", home).replace("${HOME}", home).replace("$PWD", home)
    return shlex.split(logical)


def cm_input(argv):
    """cmind's own parse of `cm ...` / `cmr ...` into its input dict."""
    if argv[0] == "cmr":
        argv = ["cm", "run", "script"] + argv[1:]
    if argv[0] != "cm":
        raise ValueError(f"not a cm command: {argv[0]}")
    r = cmind.cli.parse(argv[1:])
    if r["return"]:
        raise ValueError(r["error"])
    i = r["cm_input"]
    i.pop("cmd", None)
    return i


class Planner:
    """One isolated CM home (this checkout registered) for a batch of plans."""

    def __init__(self, home):
        import json
        self.home = str(home)
        os.makedirs(self.home, exist_ok=True)
        with open(os.path.join(self.home, "repos.json"), "w") as f:
            json.dump([ROOT], f)
        os.environ["CM_REPOS"] = self.home
        from cmperf.engine import api
        self.api = api
        self.uses_api_plan = hasattr(api, "plan")
        self._executor = None

    def plan_input(self, i):
        from cmperf.core.errors import CmperfError
        from cmperf.engine.errors import EngineError
        action = i.get("action", "run")
        if action != "run" and not self._has_action(action):
            return Outcome(False, f"cm {action} script: the script automation has no '{action}' action")
        i = {k: v for k, v in i.items() if k not in ("action", "automation")}
        if action != "run":
            i[action] = True
        try:
            if self.uses_api_plan:
                plan = self.api.plan(i)
                return Outcome(True, scripts=tuple(n.script for n in plan.nodes()))
            return Outcome(True, scripts=tuple(self._fallback_plan(i)))
        except (EngineError, CmperfError, ConstraintRefusal) as e:
            return Outcome(False, str(e))

    def _has_action(self, action):
        import importlib.util
        spec = importlib.util.spec_from_file_location(
            "cmperf_script_automation", os.path.join(ROOT, "automation", "script", "module.py"))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return callable(getattr(module.CAutomation, action, None))

    def _fallback_plan(self, i):
        from cmperf.engine import plan as plan_mod
        from cmperf.engine.execute import Executor
        from cmperf.engine.index import ScriptIndex
        from cmperf.engine.request import parse_input
        if self._executor is None:
            self._executor = Executor(index=ScriptIndex.load(repos=[ROOT], home=self.home), home=self.home,
                                      out=open(os.devnull, "w"))
        request = parse_input(i)
        refusal = _top_constraints(self._executor, request)
        if refusal:
            raise ConstraintRefusal(refusal)
        tree = plan_mod.build(self._executor, request, {}, dict(request.state))
        out, unresolved = [], []

        def walk(node):
            out.append(node.script)
            if node.cache == "unresolved":      # a conditional dependency that cannot resolve
                unresolved.append(f"{node.script}: {node.note}")
            for child in node.children:
                walk(child)
        walk(tree)
        if unresolved:
            raise ConstraintRefusal("unresolvable dependency: " + "; ".join(unresolved))
        return out

    def plan_entry(self, entry):
        try:
            i = cm_input(shell_words(instantiate(entry), self.home))
        except ValueError as e:
            return Outcome(False, f"cannot parse: {e}")
        return self.plan_input(i)


class ConstraintRefusal(Exception):
    """A `constraints:` error of the requested script (fallback path only)."""


def _top_constraints(executor, request):
    """The requested script's `constraints:` on its resolved env, as COORDINATION.md specifies them:
    all `when` keys match -> every `require` key must match, else the error. A stand-in for the
    plan-first engine (api.plan evaluates every node's constraints); used only while it is absent."""
    from cmperf.engine.resolve import choose, resolve
    inst = resolve(choose(executor.index, request, executor._has_cache_entry), request, {}, {})
    for rule in inst.meta.get("constraints", []) or []:
        def holds(conds):
            return all(str(inst.env.get(k, "")) in [str(v) for v in vals] for k, vals in conds.items())
        if holds(rule.get("when", {})) and not holds(rule.get("require", {})):
            return f"{inst.name}: {rule['error']}"
    return ""

"""Plan a published command line with no side effects, the way `cm` would parse it: cmind's own
parser, then `cmperf.engine.api.plan(i)` (what `--plan` prints). Only an isolated CM home (the
script index and an empty cache) is written.
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

    def plan_input(self, i):
        from cmperf.core.errors import CmperfError
        from cmperf.engine.errors import EngineError
        action = i.get("action", "run")
        if action != "run" and not self._has_action(action):
            return Outcome(False, f"cm {action} script: the script automation has no '{action}' action")
        i = {k: v for k, v in i.items() if k not in ("action", "automation")}
        if action == "docker":       # the docker action plans the request itself, minus the docker flags
            from cmperf.container.plan_source import request_input
            i = request_input(i)
        try:
            plan = self.api.plan(i)
        except (EngineError, CmperfError) as e:
            return Outcome(False, str(e))
        return Outcome(True, scripts=tuple(n.script for n in plan.nodes()))

    def _register_repo(self, name):
        """What the published instructions' `cm pull repo NAME` step leaves: a registered repository."""
        import json
        path = os.path.join(self.home, "repos", name)
        os.makedirs(path, exist_ok=True)
        with open(os.path.join(self.home, "repos.json")) as f:
            repos = json.load(f)
        if path not in repos:
            with open(os.path.join(self.home, "repos.json"), "w") as f:
                json.dump(repos + [path], f)

    def _has_action(self, action):
        import importlib.util
        spec = importlib.util.spec_from_file_location(
            "cmperf_script_automation", os.path.join(ROOT, "automation", "script", "module.py"))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return callable(getattr(module.CAutomation, action, None))

    def plan_entry(self, entry):
        for name in entry.get("needs_repos", []) or []:
            self._register_repo(name)
        try:
            i = cm_input(shell_words(instantiate(entry), self.home))
        except ValueError as e:
            return Outcome(False, f"cannot parse: {e}")
        return self.plan_input(i)


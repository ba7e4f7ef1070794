"""The plan of a request, reduced to what an image needs: scripts, versions, pip and apt actions.

Reads the engine's planner (`cmperf.engine.plan.Planner`, what `cmperf.engine.api.plan(i)` uses:
nodes in execution order, each with its `actions`) against an empty cache. With an engine that
predates it, the side-effect-free `plan.build` tree is the source of nodes and the install actions
are read from the installer scripts' variations (`_fallback_actions`).
"""
import io
import re
import tempfile
from dataclasses import dataclass, field

FALLBACK_SYS_UTILS = "git,wget,curl,unzip,zip,bzip2,xz,tar,ca-certificates"   # get-sys-utils-cm's default
INSTALLERS = {"get-generic-python-lib": "pip", "get-generic-sys-util": "apt", "get-sys-utils-cm": "apt"}

# Input keys that belong to the container step or to cmind, never to the plan or the inner run.
NOT_REQUEST = {"action", "automation", "out", "cmd", "parsed_automation", "parsed_artifact",
               "docker", "cm_input", "_recursive", "help", "h", "j", "json", "plan", "dry_run",
               "out_dir", "script_tags", "tags_for_script"}


@dataclass
class PlanView:
    script: str                                   # alias of the requested script
    nodes: list = field(default_factory=list)     # dicts: script, variations, version, phase, actions

    def actions(self, kind):
        return [a for n in self.nodes for a in n.get("actions", []) if a.get("kind") == kind]


def request_input(i):
    """The cmind input of the request itself: no docker_* flags, no cmind bookkeeping."""
    return {k: v for k, v in i.items() if k not in NOT_REQUEST and not k.startswith("docker_")}


def _get(node, key, default=None):
    return node.get(key, default) if isinstance(node, dict) else getattr(node, key, default)


def _node_dict(node):
    return {"script": _get(node, "script", ""), "variations": list(_get(node, "variations", []) or []),
            "version": _get(node, "version", "") or "", "phase": _get(node, "phase", "") or "",
            "actions": [dict(a) for a in (_get(node, "actions", []) or [])]}


def _flatten(node):
    """Depth first, dependencies before their parent (execution order)."""
    out = []
    for child in _get(node, "children", []) or []:
        out += _flatten(child)
    return out + [node]


def load(i):
    """The PlanView of a cmind input dict (raises the engine's errors for a bad request)."""
    from ..engine import plan as plan_mod
    from ..engine.request import parse_input
    request = parse_input(request_input(i))
    # The image starts with an empty cache: plan as if this machine's cache were empty too, so a
    # host cache hit never hides the dependencies (and their installs) the image needs.
    with tempfile.TemporaryDirectory(prefix="cmperf-plan-") as empty:
        if hasattr(plan_mod, "Planner"):
            return _from_planner(plan_mod, request, empty)
        return _from_tree(plan_mod, request, empty)


def _from_planner(plan_mod, request, empty_home):
    from ..engine.cache import CacheStore
    from ..engine.index import ScriptIndex, cm_home
    from ..engine.native import host_os_info
    planner = plan_mod.Planner(ScriptIndex.load(home=cm_home()), CacheStore(empty_home), host_os_info())
    plan = planner.plan(request, {}, dict(request.state))
    nodes = []
    for n in plan.nodes():
        d = _node_dict(n)
        d["actions"] = [_installed_note_as_pip(a) for a in d["actions"]]
        kind = INSTALLERS.get(d["script"])
        if kind and not any(a.get("kind") == kind for a in d["actions"]):
            d["actions"] += _fallback_actions(d, _get(n, "env", {}) or {})
        nodes.append(d)
    return PlanView(plan.root.script, nodes)


# get-generic-python-lib's plan() says "NAME VERSION is already installed in PYTHON" instead of a pip
# action when the package is there: for an image that is a pip install of exactly that version.
_INSTALLED = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*) (?P<version>\S+) is already installed in ")


def _installed_note_as_pip(action):
    if action.get("kind") != "note":
        return action
    if action.get("package") and action.get("version"):
        return {"kind": "pip", "package": action["package"], "spec": "", "version": action["version"]}
    m = _INSTALLED.match(str(action.get("text", "")))
    return {"kind": "pip", "package": m["name"], "spec": "", "version": m["version"]} if m else action


def _from_tree(plan_mod, request, empty_home):
    """The engine before `Planner` (plan.build): nodes without actions, read from the installers."""
    from ..engine.cache import CacheStore
    from ..engine.execute import Executor
    executor = Executor(cache=CacheStore(empty_home), out=io.StringIO())
    tree = plan_mod.build(executor, request, {}, dict(request.state))
    nodes = []
    for n in _flatten(tree):
        d = _node_dict(n)
        d["actions"] = _fallback_actions(d)
        nodes.append(d)
    return PlanView(tree.script, nodes)


def _fallback_actions(node, env=None):
    """pip/apt actions of the installer scripts, from their env (or variations) when their plan()
    hooks give none: what their preprocess would install on a machine that lacks it."""
    from ..core.truth import is_true
    from ..platform import python_packages
    script, variations, env = node["script"], node["variations"], env or {}
    if script == "get-generic-python-lib":
        for v in variations:
            if v.startswith("package."):
                name = v[len("package."):]
            elif v in python_packages.SHORTCUTS:
                name = python_packages.resolve(v)
            else:
                continue
            spec = f"=={node['version']}" if node["version"] else ""
            return [{"kind": "pip", "package": name, "spec": spec}]
    if is_true(env.get("CM_SKIP_SYS_UTILS")):
        return []
    if script == "get-generic-sys-util":
        name = env.get("CM_SYS_UTIL_NAME") or next(
            (v[len("package."):] if v.startswith("package.") else v for v in variations), "")
        return [{"kind": "apt", "package": name}] if name else []
    if script == "get-sys-utils-cm":
        names = str(env.get("CM_SYS_UTILS_LIST") or FALLBACK_SYS_UTILS).split(",")
        return [{"kind": "apt", "package": n.strip()} for n in names if n.strip()]
    return []

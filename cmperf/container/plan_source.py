"""The plan of a request, reduced to what an image needs: scripts, versions, pip and apt actions.

Reads `cmperf.engine.api.plan(i)` (nodes in execution order, each with its `actions`). Until that
API is on this branch, the side-effect-free `cmperf.engine.plan.build` tree is the source of nodes
and the install actions are read from the two installer scripts' variations (`_fallback_actions`).
"""
import io
import tempfile
from dataclasses import dataclass, field

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
    from ..engine import api
    from ..engine.request import parse_input
    req_i = request_input(i)
    if hasattr(api, "plan"):
        plan = api.plan(req_i)
        nodes = plan.nodes() if hasattr(plan, "nodes") else _flatten(plan)
        nodes = [_node_dict(n) for n in nodes]
        root = _get(plan, "script", "") or (nodes[-1]["script"] if nodes else "")
        return PlanView(root, nodes)
    from ..engine import plan as plan_mod
    from ..engine.cache import CacheStore
    from ..engine.execute import Executor
    request = parse_input(req_i)
    # The image starts with an empty cache: plan as if this machine's cache were empty too, so a
    # host cache hit never hides the dependencies (and their installs) the image needs.
    with tempfile.TemporaryDirectory(prefix="cmperf-plan-") as empty:
        executor = Executor(cache=CacheStore(empty), out=io.StringIO())
        tree = plan_mod.build(executor, request, {}, dict(request.state))
    nodes = []
    for n in _flatten(tree):
        d = _node_dict(n)
        d["actions"] = _fallback_actions(d, executor.index)
        nodes.append(d)
    return PlanView(tree.script, nodes)


def _fallback_actions(node, index):
    """pip/apt actions of the installer scripts, from their variations (until their plan() hooks exist)."""
    from ..platform import python_packages
    script, variations = node["script"], node["variations"]
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
    if script == "get-generic-sys-util":
        for v in variations:
            name = v[len("package."):] if v.startswith("package.") else v
            return [{"kind": "apt", "package": name}]
    if script == "get-sys-utils-cm":
        meta = next((s.meta for s in index.scripts if s.alias == script), {})
        names = str(meta.get("default_env", {}).get("CM_SYS_UTILS_LIST", "")).split(",")
        return [{"kind": "apt", "package": n.strip()} for n in names if n.strip()]
    return []

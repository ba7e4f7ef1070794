"""The resolved dependency tree, computed before anything runs (`--print_deps`).

Conditions are evaluated against the env known before execution; a dependency whose
condition reads keys that only an earlier step can set is shown as conditional.
"""
import copy
from dataclasses import dataclass, field

from . import envs
from .errors import DependencyCycle, EngineError
from .resolve import PHASES, choose, resolve


@dataclass
class PlanNode:
    script: str
    variations: list
    version: str
    phase: str = ""
    cache: str = "not cached"        # "hit", "miss" or "not cached"
    note: str = ""
    children: list = field(default_factory=list)

    def lines(self, depth=0):
        words = "".join(" _" + v for v in self.variations)
        bits = [self.cache] + ([f"version {self.version}"] if self.version else []) + \
            ([self.note] if self.note else [])
        phase = f"{self.phase}: " if self.phase and self.phase != "deps" else ""
        out = ["  " * depth + f"- {phase}{self.script}{words}  [{'; '.join(bits)}]"]
        for child in self.children:
            out += child.lines(depth + 1)
        return out


def build(executor, request, env=None, state=None, _stack=None, phase=""):
    stack = _stack if _stack is not None else []
    script = choose(executor.index, request, executor._has_cache_entry)
    inst = resolve(script, request, env or {}, state or {})
    ident = inst.identity()
    if ident in [i.identity() for i in stack]:
        chain = [i.name for i in stack] + [inst.name]
        raise DependencyCycle("dependency cycle: " + " -> ".join(chain), script=inst.name)
    node = PlanNode(inst.name, inst.variations.names, inst.version.get("version", ""), phase)
    if inst.caching and any(k not in inst.env for k in inst.meta.get("cache_key_env", [])):
        node.cache = "decided after its deps"      # the key names a dependency's output
    elif inst.caching and not request.flags.skip_cache:
        extra = str(request.inputs.get("extra_cache_tags", "") or "")
        hit = executor.cache.lookup(inst.key(extra, executor._fingerprint(inst)))
        node.cache = "hit" if hit and not (request.flags.new or request.flags.renew) else "miss"
        if node.cache == "hit":
            return node
    stack.append(inst)
    try:
        for ph in PHASES if not request.flags.fake_run else ("deps",):
            for dep in inst.deps[ph]:
                child = _plan_dependency(executor, inst, request, dep, ph, stack)
                if child is not None:
                    node.children.append(child)
    finally:
        stack.pop()
    return node


def _plan_dependency(executor, inst, request, dep, phase, stack):
    env = inst.env
    if dep.get("skip_if_fake_run") and request.flags.fake_run:
        return None
    unknown = sorted(k for k in envs.condition_keys(dep) if k not in env)
    if not envs.condition_holds(dep, env) and not unknown:
        return None
    child = executor.dependency_request(inst, request, dep, env)
    child_env = envs.strip_local(env, inst.meta.get("local_env_keys", []), keep=dep.get("force_env_keys", []))
    try:
        node = build(executor, child, child_env, copy.deepcopy(inst.state), stack, phase)
    except DependencyCycle:
        raise
    except EngineError as e:
        if unknown:
            return PlanNode(",".join(child.tags), child.variations, "", phase, "unresolved",
                            f"if {', '.join(unknown)} (set at run time): {e.args[0]}")
        raise
    if unknown:
        node.note = f"if {', '.join(unknown)} (set at run time)"
    return node

"""The plan: a request resolved into its whole tree before anything runs.

One function decides every node (:meth:`Planner.decide`: which script, its variations, version,
env, cache key and hit/miss) and :meth:`Planner.node` expands it into its dependency phases. The
executor walks the resulting tree, so what `--plan` prints is what runs.

A decision can rest only on what is known before running. The planner tracks *volatile* env
keys: the `new_env_keys` globs of dependencies that will really run (their run.sh and hooks may
write those keys) and everything after a script's own run.sh. A dependency whose condition, tags
or cache key reads a volatile key is planned from the current env but marked "decided at run
time"; so is every phase after a `preprocess` hook (the hook may edit env and the lists). The
executor re-plans those nodes and phases, with this same planner, when it gets there.
"""
import copy
import os
import re

from . import envs, hooks, validate
from .cache import STATE_FILE
from .errors import DependencyCycle, EngineError, HookError, InputError
from .request import from_words, inputs_to_env
from .resolve import PHASES, choose, dependency_tags, resolve

RUN_TIME = "decided at run time"
DEP_STRUCTURE_KEYS = {"tags", "names", "enable_if_env", "skip_if_env", "enable_if_any_env",
                      "skip_if_any_env", "skip_if_fake_run", "env", "force_env_keys", "reuse_version",
                      "version", "version_min", "version_max", "version_max_usable",
                      "update_tags_from_env_with_prefix", "update_tags_from_env", "inherit_variation_tags",
                      "skip_inherit_variation_groups", "dynamic", "add_deps", "ad", "add_deps_recursive",
                      "adr", "skip_inside_docker", "force_new_env_keys"}
_PLACEHOLDER = re.compile(r"<<<([A-Za-z0-9_+]+)>>>")
ACTION_KINDS = {"download", "pip", "apt", "note"}


class PlanNode:
    """One script of the plan (a plain class: see variations.Resolved); equal only to itself."""

    def __init__(self, script, path, tags, variations, version, phase="", cache="not cached", env=None,
                 actions=None, children=None, decided="plan", note="", inst=None, request=None, dep=None):
        self.script = script
        self.path = path
        self.tags = tags
        self.variations = variations
        self.version = version
        self.phase = phase
        self.cache = cache                  # "hit", "miss", "not cached" or RUN_TIME
        self.env = {} if env is None else env
        self.actions = [] if actions is None else actions
        self.children = [] if children is None else children
        self.decided = decided              # "plan", or "run time" (re-planned when execution gets there)
        self.note = note
        # engine internals, not part of the JSON
        self.inst = inst
        self.request = request
        self.dep = dep                      # the dependency entry this node comes from
        self.key = ""
        self.fingerprint = ""
        self.entry = None                   # the cache entry of a hit
        self.shared = False                 # a hit on an entry an earlier node of this plan builds
        self.caching = False
        self.deps_first = False             # its cache key reads outputs of its deps: they run before the lookup
        self.conditional = False            # its condition reads a volatile key: evaluated at run time
        self.runtime_phases = {}            # phase -> why it is re-planned at run time

    def to_dict(self):
        return {"script": self.script, "path": self.path, "tags": self.tags,
                "variations": self.variations, "version": self.version, "phase": self.phase or "root",
                "cache": self.cache, "decided": self.decided, "note": self.note,
                "env": {k: v for k, v in self.env.items()}, "actions": self.actions,
                "children": [c.to_dict() for c in self.children]}

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()

    @property
    def runs(self):
        return self.cache != "hit"


class Plan:
    def __init__(self, root, request):
        self.root = root
        self.request = request

    def nodes(self):
        """Every node in the order the executor reaches it (a node, then its phases in order)."""
        return list(self.root.walk())

    def summary(self):
        nodes = self.nodes()
        actions = [a for n in nodes if n.runs for a in n.actions]
        downloads = [a for a in actions if a.get("kind") == "download"]
        sizes = [a.get("size") for a in downloads]
        return {"scripts": len(nodes),
                "to_run": sum(1 for n in nodes if n.runs),
                "cache_hits": len({n.key for n in nodes if n.cache == "hit" and not n.shared}),
                "reused": sum(1 for n in nodes if n.shared),
                "decided_at_run_time": sum(1 for n in nodes if n.decided == "run time"),
                "pip": [a for a in actions if a.get("kind") == "pip"],
                "apt": [a for a in actions if a.get("kind") == "apt"],
                "downloads": downloads,
                "download_bytes": sum(s for s in sizes if isinstance(s, int)),
                "unknown_sizes": sum(1 for s in sizes if not isinstance(s, int))}

    def to_dict(self):
        return {"root": self.root.to_dict(), "summary": self.summary()}

    def lines(self, costs=True):
        out, seen = [], set()

        def draw(node, depth):
            words = "".join(" _" + v for v in node.variations)
            bits = [node.cache] + ([f"version {node.version}"] if node.version else [])
            if node.decided == "run time" and node.cache != RUN_TIME:
                bits.append("predicted; " + RUN_TIME)
            if node.note:
                bits.append(node.note)
            phase = f"{node.phase}: " if node.phase and node.phase != "deps" else ""
            if node.key and node.key in seen:
                out.append("  " * depth + f"- {phase}{node.script}{words}  [shown above]")
                return
            if node.key:
                seen.add(node.key)
            out.append("  " * depth + f"- {phase}{node.script}{words}  [{'; '.join(bits)}]")
            if costs and node.runs:
                for a in node.actions:
                    out.append("  " * depth + "    " + describe_action(a))
            for child in node.children:
                draw(child, depth + 1)
        draw(self.root, 0)
        if costs:
            s = self.summary()
            out.append(f"{s['to_run']} script(s) to run, {s['cache_hits']} cache hit(s)"
                       + (f", {s['reused']} reuse(s) of an entry built earlier" if s["reused"] else "")
                       + (f", {s['decided_at_run_time']} decided at run time" if s["decided_at_run_time"] else ""))
            if s["pip"]:
                out.append("pip: " + ", ".join(a.get("package", "?") + (a.get("spec") or "") for a in s["pip"]))
            if s["apt"]:
                out.append("apt: " + ", ".join(a.get("package", "?") for a in s["apt"]))
            if s["downloads"]:
                n, size, unknown = len(s["downloads"]), s["download_bytes"], s["unknown_sizes"]
                if unknown == n:
                    out.append(f"downloads: {n} file(s) of unknown size")
                else:
                    out.append(f"downloads: {n} file(s), {_bytes(size)}"
                               + (f" (+ {unknown} of unknown size)" if unknown else "")
                               + f"; disk needed: at least {_bytes(size)}")
        return out


def describe_action(a):
    kind = a.get("kind")
    if kind == "download":
        size = _bytes(a["size"]) if isinstance(a.get("size"), int) else "size unknown"
        return f"download {a.get('url', '?')} ({size}" + \
            (f", {a['checksum']}" if a.get("checksum") else ", no checksum") + ")" + \
            (f" -> {a['path']}" if a.get("path") else "")
    if kind == "pip":
        return f"pip install {a.get('package', '?')}{a.get('spec') or ''}" + \
            (f" (with {a['python']})" if a.get("python") else "")
    if kind == "apt":
        return f"system package {a.get('package', '?')}"
    return str(a.get("text", a))


def _bytes(n):
    for scale, name in ((1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")):
        if n >= scale:
            return f"{n / scale:.1f} {name}"
    return f"{n} B"


class Planner:
    """Decides nodes and expands them into plans. Reads the index, the cache and hooks only."""

    def __init__(self, index, cache, os_info=None):
        self.index = index
        self.cache = cache
        self._os_info = os_info
        self.built = set()          # cache keys that an earlier node of the plan builds
        self.maybe_built = set()    # keys that a node decided at run time may build
        self.plan_only = False      # --plan: nothing runs after planning
        self._artifact_tags = None
        self._by_tag = None
        self._by_key = None
        self._states = {}

    @property
    def os_info(self):
        if self._os_info is None:       # hooks only: the warm path of a cache hit never needs it
            from .native import host_os_info
            self._os_info = host_os_info()
        return self._os_info

    # ------------------------------------------------------------------ entry
    def plan(self, request, env=None, state=None):
        root = self.node(request, dict(env or {}), dict(state or {}), "", [], frozenset())
        plan = Plan(root, request)
        validate.known_inputs(plan, request)
        return plan

    # ------------------------------------------------------------ one decision
    def find(self, tags=(), excluded=(), name=None):
        """index.find through a tag -> scripts map: a plan looks up hundreds of tag sets."""
        if name or not tags:
            return self.index.find(tags, excluded, name)
        if self._by_tag is None:
            self._by_tag = {}
            for s in self.index.scripts:
                for t in s.tags:
                    self._by_tag.setdefault(t, []).append(s)
        wanted, unwanted = set(tags), set(excluded)
        candidates = min((self._by_tag.get(t, []) for t in wanted), key=len)
        found = [s for s in candidates if wanted.issubset(s.tags) and not unwanted.intersection(s.tags)]
        if not found or self.index.broken:
            return self.index.find(tags, excluded, name)    # its errors and warnings
        return found

    def lookup_entry(self, key):
        """cache.lookup through a key -> entry map (the store scans its entries per lookup)."""
        if self._by_key is None:
            self._by_key = {}
            for e in self.cache.entries():          # newest first: the newest wins
                self._by_key.setdefault(e.key, e)
        entry = self._by_key.get(key)
        if entry is not None and os.path.isfile(os.path.join(entry.path, STATE_FILE)):
            return entry
        return self.cache.lookup(key) if entry is not None else None

    def saved_state(self, entry):
        """An entry's new_env/new_state/version, read once per plan and run."""
        saved = self._states.get(entry.path)
        if saved is None:
            saved = self._states[entry.path] = entry.load_state()
        return saved

    def cache_changed(self):
        """The executor built an entry: forget what was derived from the old list."""
        self._by_key = self._artifact_tags = None

    def has_cache_entry(self, script):
        if self._artifact_tags is None:
            self._artifact_tags = {t for e in self.cache.entries() for t in e.tags
                                   if t.startswith("script-artifact-")}
        return "script-artifact-" + (script.uid or script.alias) in self._artifact_tags

    def decide(self, request, env, state, phase="", volatile=frozenset(), live=False,
               fingerprint=None, script=None):
        """A node without children: the chosen script resolved, its cache key and hit or miss."""
        script = script or choose(self, request, self.has_cache_entry)
        inst = resolve(script, request, env, state)
        flags = request.flags
        node = PlanNode(inst.name, script.path, list(script.tags), list(inst.variations.names),
                        inst.version.get("version", ""), phase, env=inst.env, inst=inst, request=request)
        node.caching = bool((inst.caching or (flags.force_cache and inst.meta.get("can_force_cache")))
                            and not flags.fake_run and not flags.skip_cache)
        if not node.caching:
            return node
        if any(k not in inst.env for k in inst.meta.get("cache_key_env", [])):
            # The key names an output of a dependency (the selected Python, say): the deps run
            # first and the key is computed from the env they leave (see node()).
            node.deps_first, node.cache = True, RUN_TIME
            return node
        self.lookup(node, inst, volatile, live, fingerprint)
        return node

    def lookup(self, node, inst, volatile, live=False, fingerprint=None):
        """Set node.key and hit/miss, unless a key input is set only at run time."""
        shaky = sorted(k for k in inst.cache_env_keys() if envs.matches_any(k, volatile))
        if shaky:
            node.cache = RUN_TIME
            node.note = f"its cache key reads {', '.join(shaky)}, set at run time"
            return
        flags = node.request.flags
        extra = str(node.request.inputs.get("extra_cache_tags", "") or "")
        node.fingerprint = self.fingerprint(inst) if fingerprint is None else fingerprint
        node.key = inst.key(extra, node.fingerprint)
        node.cache = "miss"
        if not (flags.new or flags.renew):
            if not live and node.key in self.built:
                node.cache, node.shared = "hit", True
                node.note = "built earlier in this plan"
            else:
                entry = self.lookup_entry(node.key)
                if entry is not None:
                    node.cache, node.entry = "hit", entry
                elif not live and node.key in self.maybe_built:
                    node.cache = RUN_TIME
                    node.note = "a step decided at run time may build it first"

    def fingerprint(self, inst):
        module = hooks.load_customize(inst.script.path)
        if module is None or not hasattr(module, "cache_fingerprint"):
            return ""
        r = hooks.call(module, "cache_fingerprint", {"env": inst.env, "meta": inst.meta}, inst.name)
        return str(r.get("fingerprint", ""))

    # ------------------------------------------------------------- expansion
    def node(self, request, env, state, phase, stack, volatile, dep=None, decided=None):
        node = decided or self.decide(request, env, state, phase, volatile)
        node.dep = dep
        inst = node.inst
        ident = inst.identity()
        if any(ident == other.identity() for other in stack):
            chain = [f"{i.name}{''.join(' _' + v for v in i.variations.names)}" for i in stack]
            chain.append(chain[[o.identity() for o in stack].index(ident)])
            raise DependencyCycle("dependency cycle: " + " -> ".join(chain), script=inst.name)
        validate.node_inputs(node, volatile)
        if node.cache == "hit":
            stack.append(inst)
            try:        # a hit runs only its `dynamic: true` dependencies
                self.expand_phase(node, "deps", dict(inst.env), inst.state, stack, volatile, dynamic_only=True)
            finally:
                stack.pop()
            return node
        flags = request.flags
        module = None if flags.fake_run else hooks.load_customize(inst.script.path)
        stack.append(inst)
        try:
            env = envs.TrackedEnv(inst.env)
            state = copy.deepcopy(inst.state)
            volatile = self.expand_phase(node, "deps", env, state, stack, volatile)
            if node.deps_first:
                # the key as the deps will leave the env: known when their outputs are
                self.lookup(node, inst.with_env(env), volatile)
                if node.cache == "hit":
                    return node
            if module is not None and hasattr(module, "plan"):
                node.actions = self.plan_hook(module, node, predicted=bool(volatile))
            if flags.fake_run:
                return node
            has_native = self.has_native(inst, env)
            for ph in ("prehook_deps", "posthook_deps", "post_deps"):
                if ph == "posthook_deps" and has_native:
                    volatile = volatile | {"*"}          # run.sh may write any key
                if hasattr(module, "preprocess"):
                    node.runtime_phases[ph] = f"after {inst.name}'s preprocess hook"
                if ph == "post_deps" and hasattr(module, "postprocess"):
                    node.runtime_phases[ph] = f"after {inst.name}'s postprocess hook"
                # a phase planned again at run time is shown as predicted from what is known now
                volatile = self.expand_phase(node, ph, env, state, stack, volatile)
        finally:
            stack.pop()
        if node.key and node.cache == "miss":
            self.built.add(node.key)
        elif node.key and node.cache == RUN_TIME:
            self.maybe_built.add(node.key)
        return node

    def has_native(self, inst, env):
        from . import native
        return native.choose_script(inst.script.path, inst.meta.get("script_name") or "run", env) is not None

    def expand_phase(self, node, phase, env, state, stack, volatile, dynamic_only=False):
        """Plan the dependencies of one phase into node.children; returns the volatile keys after it."""
        runtime = node.runtime_phases.get(phase)
        for dep in list(node.inst.meta.get(phase) or []):   # a hook may have edited the list
            if dynamic_only and not dep.get("dynamic"):
                continue
            built = set(self.built)
            child = self.child(node, dep, phase, env, state, stack, volatile)
            if child is None:
                continue
            if runtime:
                child.decided, child.note = "run time", child.note or runtime
            if child.decided == "run time":
                # what it builds is not certain: a later node with the same key is hit or miss at run time
                self.maybe_built |= self.built - built
                self.built = built
            node.children.append(child)
            volatile = self.after_child(child, dep, env, state, volatile)
        return volatile

    def after_child(self, child, dep, env, state, volatile):
        """Fold a planned child's outputs into its parent's env as far as they are known."""
        inst = child.inst
        if inst is None:
            return volatile | {"*"}
        if child.cache == "hit" and child.entry is not None:
            saved = self.saved_state(child.entry)
            envs.merge_env(env, saved.get("new_env", {}))
            envs.merge_state(state, saved.get("new_state", {}))
            return volatile
        globs = list(inst.meta.get("new_env_keys", [])) + list(dep.get("force_new_env_keys", []) or [])
        envs.merge_env(env, {k: v for k, v in envs.select_keys(inst.env, globs).items()
                             if k in getattr(inst.env, "written", ())})
        globs = [g for g in globs if not _PLACEHOLDER.fullmatch(g)] + \
            (["*"] if any(_PLACEHOLDER.fullmatch(g) for g in globs) else [])
        return volatile | set(globs) if globs else volatile

    def child(self, parent, dep, phase, env, state, stack, volatile):
        """The node of one dependency entry under `env`, or None when its condition excludes it."""
        request = parent.request
        if dep.get("skip_if_fake_run") and request.flags.fake_run:
            return None
        shaky_cond = sorted(k for k in envs.condition_keys(dep) if envs.matches_any(k, volatile))
        if not shaky_cond and not envs.condition_holds(dep, env):
            return None
        shaky_reads = sorted(k for k in dep_reads(dep) if envs.matches_any(k, volatile))
        try:
            child_req = self.dependency_request(parent.inst, request, dep, env)
            child_env = child_env_for(parent.inst, dep, phase, env)
            node = self.node(child_req, child_env, copy.deepcopy(state), phase, stack, volatile, dep)
        except (DependencyCycle, InputError):
            raise
        except EngineError as e:
            if not (shaky_cond or shaky_reads):
                raise
            node = PlanNode(",".join(dependency_tags(dep, env)), "", [], [], "", phase, RUN_TIME,
                            decided="run time", dep=dep,
                            note=f"unresolved before run time: {e.args[0]}")
        if shaky_cond:
            node.conditional = True
            node.decided = "run time"
            node.note = f"if {', '.join(shaky_cond)} (set at run time)"
        elif shaky_reads:
            node.decided = "run time"
            node.note = node.note or f"reads {', '.join(shaky_reads)}, set at run time"
        return node

    def phase_nodes(self, parent, phase, env, state, stack):
        """Re-plan one phase of a running script now that its env is known (the executor's call).

        The fresh nodes replace the predicted ones in the tree, so the tree stays what ran."""
        parent.runtime_phases.pop(phase, None)
        others = [c for c in parent.children if c.phase != phase]
        parent.children = []
        self.expand_phase(parent, phase, envs.TrackedEnv(env), copy.deepcopy(state), stack, frozenset())
        fresh = parent.children
        order = {p: n for n, p in enumerate(PHASES)}
        parent.children = sorted(others + fresh, key=lambda c: order[c.phase])
        return fresh

    # ------------------------------------------------------------- requests
    def dependency_request(self, inst, request, dep, env):
        return dependency_request(inst, request, dep, env)

    def plan_hook(self, module, node, predicted=False):
        """The script's `plan(i)`: its costs as actions, or a refusal before anything runs."""
        inst = node.inst
        i = hook_input(inst, node.request, dict(inst.env), copy.deepcopy(inst.state), self.os_info)
        i["plan_only"] = self.plan_only     # True under --plan: a hook may probe (subprocess) then
        try:
            r = hooks.call(module, "plan", i, inst.name)
        except HookError as e:
            text = e.args[0]
            if text.startswith("customize.py plan() failed: "):
                raise InputError(text[len("customize.py plan() failed: "):], script=inst.name) from None
            if not predicted:
                raise
            return [{"kind": "note", "text": f"cost not known before run time ({text})"}]
        actions = r.get("actions", []) or []
        for a in actions:
            if not isinstance(a, dict) or a.get("kind") not in ACTION_KINDS:
                raise HookError(f"customize.py plan() returned a bad action {a!r} "
                                f"(kinds: {', '.join(sorted(ACTION_KINDS))})", script=inst.name)
        return actions


def dep_reads(dep):
    """Env keys a dependency entry's tags, env and versions read."""
    keys = set()
    for prefix_keys in (dep.get("update_tags_from_env_with_prefix") or {}).values():
        keys.update(envs.listify(prefix_keys))
    keys.update(dep.get("update_tags_from_env", []) or [])
    for name in ("tags", "env", "version", "version_min", "version_max", "version_max_usable"):
        value = dep.get(name)
        if value:
            text = value if isinstance(value, str) else str(value)
            if "<<<" in text:
                keys.update(_PLACEHOLDER.findall(text))
    if dep.get("reuse_version"):
        keys.update(("CM_VERSION", "CM_VERSION_MIN", "CM_VERSION_MAX"))
    return keys


def child_env_for(inst, dep, phase, env):
    """The env a dependency starts from: its parent's minus local keys (post_deps: the meta's list)."""
    patterns = inst.meta.get("clean_env_keys_post_deps", []) if phase == "post_deps" \
        else inst.meta.get("local_env_keys", [])
    return envs.strip_local(env, patterns, keep=dep.get("force_env_keys", []) or ())


def dependency_request(inst, request, dep, env):
    child = from_words(dependency_tags(dep, env))
    child.env = {k: v for k, v in envs.expand(dep.get("env", {}) or {}, env).items()
                 if not envs.has_placeholder(v)}
    for key in ("version", "version_min", "version_max", "version_max_usable"):
        if dep.get(key):
            child.versions[key] = str(envs.expand(dep[key], env))
    if dep.get("reuse_version"):
        for key, env_key in (("version", "CM_VERSION"), ("version_min", "CM_VERSION_MIN"),
                             ("version_max", "CM_VERSION_MAX")):
            if env.get(env_key):
                child.versions.setdefault(key, env[env_key])
    child.add_deps_recursive = copy.deepcopy(inst.adr)
    child.inputs = {k: envs.expand(v, env) for k, v in dep.items() if k not in DEP_STRUCTURE_KEYS}
    child.inputs["_recursive"] = True
    child.flags = request.flags.for_dependency()
    for flag in ("new", "renew", "skip_cache", "force_cache"):
        if dep.get(flag):
            setattr(child.flags, flag, True)
    child.force_new_env_keys = dep.get("force_new_env_keys", []) or []
    inputs_to_env(child.inputs, child.env)
    return child


def hook_input(inst, request, env, state, os_info, depth=0, helpers=None):
    """The `i` of preprocess/postprocess/plan hooks (upstream CM's shape)."""
    from . import native
    rsi = {"path": inst.script.path, "bat_ext": ".sh", "os_info": os_info,
           "script_name": inst.meta.get("script_name") or "run", "env": env, "state": state,
           "recursion_spaces": "  " * depth,
           "tmp_file_run_env": native.ENV_OUT, "tmp_file_run_state": native.STATE_OUT}
    return {"input": dict(request.inputs), "automation": helpers,
            "artifact": {"path": inst.script.path, "alias": inst.name, "uid": inst.script.uid},
            "customize": {}, "os_info": os_info, "recursion_spaces": "  " * depth,
            "script_tags": list(inst.script.tags), "variation_tags": list(inst.variations.names),
            "env": env, "state": state, "meta": inst.meta, "const": inst.const,
            "const_state": inst.const_state, "run_script_input": rsi}


def same_decision(planned, fresh):
    """Whether a node decided again at run time is the one the plan showed."""
    return (planned.path == fresh.path and planned.variations == fresh.variations
            and planned.version == fresh.version
            and (planned.deps_first or planned.key == fresh.key))


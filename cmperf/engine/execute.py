"""Execute a plan: walk its nodes in order, running hooks, run.sh and the cache.

The executor decides nothing itself. A node the plan decided is re-resolved with the env that
the steps before it really produced (values such as paths flow on), and must come out as the
plan said; a node or phase the plan marked "decided at run time" is planned now, by the same
planner, and the fresh nodes take its place in the tree.
"""
import contextlib
import copy
import os
import sys
import time

from ..core import progress, versions
from . import envs, hooks
from .errors import EngineError, HookError, NativeScriptFailed, VersionError
from .plan import child_env_for, dependency_request, hook_input, same_decision


class RunResult:
    """What a run of one script produced (a plain class: see variations.Resolved)."""

    def __init__(self, script, variations, version, new_env, new_state, cached=False, cache_path="", deps=None):
        self.script = script
        self.variations = variations
        self.version = version
        self.new_env = new_env
        self.new_state = new_state
        self.cached = cached
        self.cache_path = cache_path
        self.deps = [] if deps is None else deps

    def as_dict(self):
        return {"script": self.script, "variations": self.variations, "version": self.version,
                "new_env": self.new_env, "new_state": self.new_state, "cached": self.cached,
                "cache_path": self.cache_path, "deps": [d.as_dict() for d in self.deps]}


class Executor:
    def __init__(self, planner, reporter, out=sys.stdout, hook_stdout=None):
        self.planner = planner
        self.cache = planner.cache
        self.reporter = reporter
        self.out = out                    # where run.sh output goes
        self.hook_stdout = hook_stdout    # where customize.py prints go (None: unchanged)
        self._helpers = None
        self._stack = []
        self.built = set()                # keys built by this run
        self.used = []                    # the cache entries this run used, in order
        self.entered = []                 # nodes in the order they were reached

    @property
    def helpers(self):
        if self._helpers is None:
            self._helpers = hooks.ScriptHelpers()
        return self._helpers

    def run(self, plan):
        return self._run_node(plan.root, 0)

    # ------------------------------------------------------------- one node
    def _run_node(self, node, depth):
        inst = node.inst
        self.entered.append(node)
        if node.cache != "hit":
            self._emit("running", node, depth)
        for warning in inst.variations.warnings:
            self.reporter.emit("warning", script=inst.name, text=warning, depth=depth)
        self._stack.append(inst)
        started = time.monotonic()
        try:
            result = self._dispatch(node, depth)
        except EngineError as e:
            self._emit("failed", node, depth, error=str(e).splitlines()[0],
                       tail=getattr(e, "tail", None), log=getattr(e, "log_path", None),
                       elapsed=time.monotonic() - started)
            raise
        finally:
            self._stack.pop()
        self._emit("finished", node, depth, cached=result.cached, elapsed=time.monotonic() - started)
        return result

    def _dispatch(self, node, depth):
        inst, flags = node.inst, node.request.flags
        if node.cache == "hit" and not node.deps_first:
            return self._from_cache(node, node.entry or self.planner.lookup_entry(node.key), depth)
        if not node.caching:
            return self._execute(node, depth, os.getcwd(), None)
        extra = str(node.request.inputs.get("extra_cache_tags", "") or "")
        ran = None
        if node.deps_first:
            # The key names an output of a dependency (the selected Python, say): run the
            # dependencies first so that entries for different dependencies never collide.
            ran = []
            self._walk_phase(node, "deps", inst.env, inst.state, depth, ran)
            node.fingerprint = self.planner.fingerprint(inst)
            node.key = inst.key(extra, node.fingerprint)
        key = node.key
        if not (flags.new or flags.renew):
            hit = self.planner.lookup_entry(key)
            if hit is not None:
                return self._from_cache(node, hit, depth, ran)
        with self.cache.locked(key):
            existing = self.cache.lookup(key, refresh=True)
            if existing is not None and not (flags.new or flags.renew):
                return self._from_cache(node, existing, depth, ran)
            workdir = self.cache.start_build(key, reuse=existing if flags.renew else None)
            try:
                result = self._execute(node, depth, workdir, key, ran)
            except BaseException:
                self.cache.abandon(workdir)
                raise
            tags = list(inst.script.tags) + inst.variations.tags + \
                ([f"version-{result.version}"] if result.version else []) + \
                [t for t in extra.split(",") if t] + ["script-artifact-" + (inst.script.uid or inst.script.alias)]
            entry = self.cache.commit(
                workdir, key, tags,
                {"new_env": result.new_env, "new_state": result.new_state, "version": result.version},
                version=result.version,
                info={"script": inst.name, "variations": inst.variations.names,
                      "key_material": inst.key_material(extra, node.fingerprint)})
            self.built.add(key)
            self.planner.cache_changed()
            result.cache_path = entry.path
            return result

    def _from_cache(self, node, entry, depth, ran=None):
        inst = node.inst
        if entry is None or not self._hold(entry):
            from .errors import CacheError
            raise CacheError(f"the cache entry of {inst.name} planned as a hit was deleted meanwhile; "
                             "run the command again", script=inst.name)
        saved = self.planner.saved_state(entry)
        self.used.append(entry)
        self._emit("cache_hit", node, depth, path=entry.path)
        if ran is None:      # a hit runs only its `dynamic: true` dependencies
            node.children = [c for c in node.children if c.phase == "deps" and (c.dep or {}).get("dynamic")]
            self._walk(node, "deps", list(node.children), dict(inst.env), inst.state, depth, [])
        else:                # its deps ran before the lookup; nothing else of it runs
            node.children = [c for c in node.children if c.phase == "deps"]
        return RunResult(inst.name, inst.variations.names, saved.get("version", ""),
                         saved.get("new_env", {}), saved.get("new_state", {}), True, entry.path)

    def _hold(self, entry):
        """Mark the entry as in use by this run (`cm rm cache` then refuses it); False if it is gone."""
        from .cache import META_FILE
        hold = getattr(self.cache, "hold", None)
        if hold is None:
            return True
        hold(entry)
        if os.path.isfile(os.path.join(entry.path, META_FILE)):
            return True
        self.cache.release(entry)
        self.planner.cache_changed()
        return False

    def _execute(self, node, depth, workdir, key, ran=None):
        from . import native
        inst, request = node.inst, node.request
        flags = request.flags
        env, state, meta = inst.env, inst.state, inst.meta
        children = list(ran or [])
        env["CM_TMP_CURRENT_SCRIPT_PATH"] = inst.script.path   # upstream hooks and run.sh use these
        env["CM_TMP_CURRENT_PATH"] = workdir
        with _cwd(workdir):
            if ran is None:
                self._walk_phase(node, "deps", env, state, depth, children)
            module = None if flags.fake_run else hooks.load_customize(inst.script.path)
            i = hook_input(inst, request, env, state, self.planner.os_info, depth, self.helpers)
            version = ""
            skip = False
            if module is not None:
                r = self._hook(module, "preprocess", i, inst.name)
                skip = bool(r.get("skip"))
                version = r.get("version", "") or version
            skip = skip or flags.fake_run   # a fake run prepares the `deps` and stops there
            if not skip:
                self._walk_phase(node, "prehook_deps", env, state, depth, children)
                _map_env_keys(env, meta.get("env_key_mappings", {}))
                self._run_native(node, env, state, workdir, depth)
                self._walk_phase(node, "posthook_deps", env, state, depth, children)
                if module is not None:
                    r = self._hook(module, "postprocess", i, inst.name)
                    version = r.get("version", "") or version
            version = version or env.get("CM_DETECTED_VERSION", "") if not skip else version
            if not skip:
                for k, label in (meta.get("print_env_at_the_end") or {}).items():
                    if env.get(k) not in (None, ""):
                        self.reporter.emit("note", script=inst.name, depth=depth + 1,
                                           text=f"{label or k}: {env[k]}")
            self._check_detected_version(inst, version)
            version = version or inst.version.get("version", "")
            if not flags.fake_run:
                self._walk_phase(node, "post_deps", env, state, depth, children)
            envs.apply_overrides(env, inst.const)
            envs.merge_state(state, inst.const_state)
            # only keys this script wrote (see TrackedEnv): never a caller's value replayed
            new_env = {k: v for k, v in envs.select_keys(
                env, list(meta.get("new_env_keys", [])) + request.force_new_env_keys).items()
                if k in env.written}
            new_state = envs.select_keys(state, meta.get("new_state_keys", []))
            if not flags.dirty:
                native.clean_tmp_files(workdir, keep_log=key is not None)
        return RunResult(inst.name, inst.variations.names, version, new_env, new_state,
                         False, workdir if key else "", children)

    def _hook(self, module, name, i, script):
        redirect = contextlib.redirect_stdout(self.hook_stdout) if self.hook_stdout else contextlib.nullcontext()
        with redirect:
            return hooks.call(module, name, i, script)

    def _check_detected_version(self, inst, detected):
        v = inst.version
        if detected and not v.get("default") and \
                not versions.satisfies(detected, v["version"], v["version_min"], v["version_max"]):
            raise VersionError(
                f"detected version {detected} does not satisfy "
                f"{versions.describe(v['version'], v['version_min'], v['version_max'])}", script=inst.name,
                hint=f"detected: {detected}; wanted: "
                     f"{versions.describe(v['version'], v['version_min'], v['version_max'])}")

    # ----------------------------------------------------------- dependencies
    def _walk_phase(self, node, phase, env, state, depth, results):
        if phase in node.runtime_phases:
            self.planner.built = set(self.built)
            planned = self.planner.phase_nodes(node, phase, env, state, self._stack)
            self.reporter.emit("replanned", script=node.script, phase=phase, depth=depth,
                               nodes=[c.script for c in planned])
        else:
            planned = [c for c in node.children if c.phase == phase]
        self._walk(node, phase, planned, env, state, depth, results)

    def _walk(self, node, phase, planned, env, state, depth, results):
        for child in planned:
            if child.conditional and not envs.condition_holds(child.dep, env):
                if child in node.children:      # the tree keeps only what ran
                    node.children.remove(child)
                continue
            child = self._realize(node, child, phase, env, state, depth)
            if child is None:
                continue
            result = self._run_node(child, depth + 1)
            envs.merge_env(env, result.new_env)
            envs.merge_state(state, result.new_state)
            results.append(result)

    def _realize(self, parent, child, phase, env, state, depth):
        """The child decided with the env that really reached it; re-planned where the plan said so."""
        if child.cache == "hit" and child.decided == "plan" and not child.deps_first and not child.children:
            # a hit the plan decided needs nothing of the env (it has no dynamic deps): its entry
            child.entry = child.entry or self.planner.lookup_entry(child.key)
            if child.entry is not None:
                return child
        if child.inst is not None and child.decided == "plan":
            request = dependency_request(parent.inst, parent.request, child.dep, env)
            fresh = self.planner.decide(request, child_env_for(parent.inst, child.dep, phase, env),
                                        copy.deepcopy(state), phase, live=True,
                                        fingerprint=child.fingerprint if child.key else None,
                                        script=child.inst.script)
            planned_hit = child.cache == "hit"
            if same_decision(child, fresh) and (fresh.cache == "hit" or not planned_hit or child.deps_first):
                child.inst, child.request, child.env = fresh.inst, fresh.request, fresh.env
                if not child.deps_first:
                    child.cache, child.entry, child.key = fresh.cache, fresh.entry, fresh.key
                return child
            self.reporter.emit("replanned", script=child.script, phase=phase, depth=depth + 1,
                               reason="its inputs changed at run time")
        self.planner.built = set(self.built)
        fresh = self.planner.child(parent, child.dep, phase, env, state, self._stack, frozenset())
        where = parent.children.index(child) if child in parent.children else None
        if where is not None:
            if fresh is None:
                del parent.children[where]
            else:
                parent.children[where] = fresh
        return fresh

    # ---------------------------------------------------------------- native
    def _run_native(self, node, env, state, workdir, depth):
        import tempfile
        from . import native
        inst, flags = node.inst, node.request.flags
        name = inst.meta.get("script_name") or "run"
        script_path = native.choose_script(inst.script.path, name, env)
        if script_path is None:
            if inst.meta.get("script_name"):
                raise HookError(f"script_name '{name}' has no {name}.sh in {inst.script.path}",
                                script=inst.name)
            return
        if flags.print_env:
            for k in sorted(env):
                print(f"{k}={env[k]}", file=self.out)
        # Long work in the script (python -m cmperf...) reports through progress events: read
        # them from a file while it runs and hand them to the reporter.
        fd, events_path = tempfile.mkstemp(prefix="cmperf-events-", suffix=".jsonl")
        os.close(fd)
        run_env = dict(env)
        run_env[progress.EVENTS_FILE_ENV] = events_path
        tail = _EventsTail(events_path, lambda e: self.reporter({**e, "script": inst.name, "depth": depth}))
        tail.start()
        try:
            rc, lines, new_env, new_state, log = native.run(
                script_path, workdir, run_env, state, prefix=state.get("script_prefix", []) or [],
                stream=self.out)
        finally:
            tail.stop()
            with contextlib.suppress(OSError):
                os.remove(events_path)
        new_env.pop(progress.EVENTS_FILE_ENV, None)
        envs.merge_env(env, new_env)
        envs.merge_state(state, new_state)
        if rc != 0 and not flags.ignore_script_error:
            raise NativeScriptFailed(f"{os.path.basename(script_path)} failed", exit_code=rc,
                                     command=native.last_command(),
                                     tail=lines, log_path=log, script=inst.name,
                                     tags=",".join(inst.script.tags))

    def _emit(self, kind, node, depth, **fields):
        self.reporter.emit(kind, script=node.script, variations=node.variations, phase=node.phase,
                           depth=depth, **fields)


class _EventsTail:
    """Follows a JSON-lines file that a subprocess appends to; forwards each event."""

    def __init__(self, path, forward, every=0.2):
        self.path, self.forward, self.every = path, forward, every
        import threading
        self._offset = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def start(self):
        self._thread.start()

    def stop(self):
        self._stop.set()
        self._thread.join()
        self._read()            # what was written after the last poll

    def _loop(self):
        while not self._stop.wait(self.every):
            self._read()

    def _read(self):
        import json
        try:
            with open(self.path, "rb") as f:
                f.seek(self._offset)
                data = f.read()
        except OSError:
            return
        complete = data[:data.rfind(b"\n") + 1]
        self._offset += len(complete)
        for line in complete.decode("utf-8", errors="replace").splitlines():
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if isinstance(event, dict) and "event" in event:
                self.forward(event)


def _map_env_keys(env, mappings):
    for old, new in mappings.items():
        for key in [k for k in env if k.startswith(old)]:
            env[new + key[len(old):]] = env[key]


@contextlib.contextmanager
def _cwd(path):
    before = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)

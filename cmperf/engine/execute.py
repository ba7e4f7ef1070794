"""Execute script instances: dependencies, hooks, the native script, the cache."""
import copy
import json
import os
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field

from ..core import versions
from . import envs, hooks, native
from .cache import CacheStore
from .errors import DependencyCycle, HookError, NativeScriptFailed, VersionError
from .index import ScriptIndex, cm_home
from .request import from_words, inputs_to_env
from .resolve import choose, dependency_tags, resolve

DEP_STRUCTURE_KEYS = {"tags", "names", "enable_if_env", "skip_if_env", "enable_if_any_env",
                      "skip_if_any_env", "skip_if_fake_run", "env", "force_env_keys", "reuse_version",
                      "version", "version_min", "version_max", "version_max_usable",
                      "update_tags_from_env_with_prefix", "update_tags_from_env", "inherit_variation_tags",
                      "skip_inherit_variation_groups", "dynamic", "add_deps", "ad", "add_deps_recursive",
                      "adr", "skip_inside_docker", "force_new_env_keys"}


@dataclass
class RunResult:
    script: str
    variations: list
    version: str
    new_env: dict
    new_state: dict
    cached: bool = False
    cache_path: str = ""
    deps: list = field(default_factory=list)

    def as_dict(self):
        return {"script": self.script, "variations": self.variations, "version": self.version,
                "new_env": self.new_env, "new_state": self.new_state, "cached": self.cached,
                "cache_path": self.cache_path, "deps": [d.as_dict() for d in self.deps]}


class Executor:
    def __init__(self, index=None, cache=None, home=None, out=sys.stdout):
        self.home = home or cm_home()
        self.index = index or ScriptIndex.load(home=self.home)
        self.cache = cache or CacheStore(self.home)
        self.os_info = native.host_os_info()
        self.out = out
        self.helpers = hooks.ScriptHelpers()
        self._stack = []

    # ------------------------------------------------------------------ entry
    def run(self, request, env=None, state=None, depth=0):
        script = choose(self.index, request, self._has_cache_entry)
        inst = resolve(script, request, env or {}, state or {})
        self._enter(inst)
        try:
            return self._run_instance(inst, request, depth)
        finally:
            self._stack.pop()

    def _enter(self, inst):
        ident = inst.identity()
        if any(ident == other.identity() for other in self._stack):
            chain = [f"{i.name}{''.join(' _' + v for v in i.variations.names)}" for i in self._stack]
            chain.append(chain[[o.identity() for o in self._stack].index(ident)])
            raise DependencyCycle("dependency cycle: " + " -> ".join(chain), script=inst.name)
        self._stack.append(inst)

    def _has_cache_entry(self, script):
        tag = "script-artifact-" + (script.uid or script.alias)
        return any(tag in e.tags for e in self.cache.entries())

    # ------------------------------------------------------------- one script
    def _run_instance(self, inst, request, depth):
        flags = request.flags
        self._say(depth, inst, flags)
        for warning in inst.variations.warnings:
            print(f"cmperf: warning ({inst.name}): {warning}", file=sys.stderr)
        caching = (inst.caching or (flags.force_cache and inst.meta.get("can_force_cache"))) \
            and not flags.fake_run and not flags.skip_cache
        if not caching:
            return self._execute(inst, request, depth, os.getcwd(), None)

        extra = str(request.inputs.get("extra_cache_tags", "") or "")
        if any(k not in inst.env for k in inst.meta.get("cache_key_env", [])):
            # The key names an output of a dependency (the selected Python, say): run the
            # dependencies first so that entries for different dependencies never collide.
            inst.ran_deps = []
            self._run_phase(inst, request, "deps", inst.env, inst.state, depth, inst.ran_deps)
        key = inst.key(extra, self._fingerprint(inst))
        if not (flags.new or flags.renew):
            hit = self.cache.lookup(key)
            if hit is not None:
                return self._from_cache(inst, request, hit, depth)
        with self.cache.locked(key):
            existing = self.cache.lookup(key, refresh=True)
            if existing is not None and not (flags.new or flags.renew):
                return self._from_cache(inst, request, existing, depth)
            workdir = self.cache.start_build(key, reuse=existing if flags.renew else None)
            try:
                result = self._execute(inst, request, depth, workdir, key)
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
                      "key_material": inst.key_material(extra)})
            result.cache_path = entry.path
            return result

    def _fingerprint(self, inst):
        module = hooks.load_customize(inst.script.path)
        if module is None or not hasattr(module, "cache_fingerprint"):
            return ""
        r = hooks.call(module, "cache_fingerprint", {"env": inst.env, "meta": inst.meta}, inst.name)
        return str(r.get("fingerprint", ""))

    def _from_cache(self, inst, request, entry, depth):
        saved = entry.load_state()
        env = dict(inst.env)
        state = inst.state
        for dep in inst.deps["deps"] if inst.ran_deps is None else []:
            if dep.get("dynamic"):
                self._run_dependency(inst, request, dep, env, state, depth, [])
        if request.flags.verbose:
            self._emit(depth + 1, f"cached: {entry.path}")
        return RunResult(inst.name, inst.variations.names, saved.get("version", ""),
                         saved.get("new_env", {}), saved.get("new_state", {}), True, entry.path)

    def _execute(self, inst, request, depth, workdir, key):
        flags = request.flags
        env, state, meta = inst.env, inst.state, inst.meta
        children = list(inst.ran_deps or [])
        env["CM_TMP_CURRENT_SCRIPT_PATH"] = inst.script.path   # upstream hooks and run.sh use these
        env["CM_TMP_CURRENT_PATH"] = workdir
        with _cwd(workdir):
            if inst.ran_deps is None:
                self._run_phase(inst, request, "deps", env, state, depth, children)
            module = None if flags.fake_run else hooks.load_customize(inst.script.path)
            i = self._hook_input(inst, request, depth, env, state)
            version = ""
            skip = False
            if module is not None:
                r = hooks.call(module, "preprocess", i, inst.name)
                skip = bool(r.get("skip"))
                version = r.get("version", "") or version
            skip = skip or flags.fake_run   # a fake run prepares the `deps` and stops there
            if not skip:
                self._run_phase(inst, request, "prehook_deps", env, state, depth, children)
                _map_env_keys(env, meta.get("env_key_mappings", {}))
                if not flags.fake_run:
                    self._run_native(inst, request, env, state, workdir)
                self._run_phase(inst, request, "posthook_deps", env, state, depth, children)
                if module is not None:
                    r = hooks.call(module, "postprocess", i, inst.name)
                    version = r.get("version", "") or version
            version = version or env.get("CM_DETECTED_VERSION", "") if not skip else version
            if not skip and not flags.silent:
                for key, label in (meta.get("print_env_at_the_end") or {}).items():
                    if env.get(key) not in (None, ""):
                        self._emit(depth + 1, f"{label or key}: {env[key]}")
            self._check_detected_version(inst, version)
            version = version or inst.version.get("version", "")
            if not flags.fake_run:
                self._run_phase(inst, request, "post_deps", env, state, depth, children)
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
    def _run_phase(self, inst, request, phase, env, state, depth, children):
        for dep in inst.meta.get(phase, []) or []:
            self._run_dependency(inst, request, dep, env, state, depth, children, phase)

    def _run_dependency(self, inst, request, dep, env, state, depth, children, phase="deps"):
        if dep.get("skip_if_fake_run") and request.flags.fake_run:
            return
        if not envs.condition_holds(dep, env):
            return
        child = self.dependency_request(inst, request, dep, env)
        if phase == "post_deps":
            patterns = inst.meta.get("clean_env_keys_post_deps", [])
        else:
            patterns = inst.meta.get("local_env_keys", [])
        child_env = envs.strip_local(env, patterns, keep=dep.get("force_env_keys", []))
        result = self.run(child, child_env, copy.deepcopy(state), depth + 1)
        envs.merge_env(env, result.new_env)
        envs.merge_state(state, result.new_state)
        children.append(result)

    def dependency_request(self, inst, request, dep, env):
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

    # ---------------------------------------------------------------- native
    def _run_native(self, inst, request, env, state, workdir):
        name = inst.meta.get("script_name") or "run"
        script_path = native.choose_script(inst.script.path, name, env)
        if script_path is None:
            if inst.meta.get("script_name"):
                raise HookError(f"script_name '{name}' has no {name}.sh in {inst.script.path}",
                                script=inst.name)
            return
        if request.flags.print_env:
            for k in sorted(env):
                print(f"{k}={env[k]}", file=self.out)
        # -s hides the engine's own lines only; what the script prints is its output
        rc, tail, new_env, new_state, log = native.run(
            script_path, workdir, env, state, prefix=state.get("script_prefix", []) or [], stream=self.out)
        envs.merge_env(env, new_env)
        envs.merge_state(state, new_state)
        if rc != 0 and not request.flags.ignore_script_error:
            raise NativeScriptFailed(f"{os.path.basename(script_path)} failed", exit_code=rc,
                                     command=native.last_command(),
                                     tail=tail, log_path=log, script=inst.name,
                                     tags=",".join(inst.script.tags))

    def _hook_input(self, inst, request, depth, env, state):
        rsi = {"path": inst.script.path, "bat_ext": ".sh", "os_info": self.os_info,
               "script_name": inst.meta.get("script_name") or "run", "env": env, "state": state,
               "recursion_spaces": "  " * depth,
               "tmp_file_run_env": native.ENV_OUT, "tmp_file_run_state": native.STATE_OUT}
        return {"input": dict(request.inputs), "automation": self.helpers,
                "artifact": {"path": inst.script.path, "alias": inst.name, "uid": inst.script.uid},
                "customize": {}, "os_info": self.os_info, "recursion_spaces": "  " * depth,
                "script_tags": list(inst.script.tags), "variation_tags": list(inst.variations.names),
                "env": env, "state": state, "meta": inst.meta, "const": inst.const,
                "const_state": inst.const_state, "run_script_input": rsi}

    # ---------------------------------------------------------------- output
    def _say(self, depth, inst, flags):
        if flags.silent:
            return
        words = ",".join(inst.variations.tags)
        self._emit(depth, f"* {inst.name}" + (f" {words}" if words else ""))

    def _emit(self, depth, text):
        print("  " * depth + text, file=self.out)
        self.out.flush()


def _map_env_keys(env, mappings):
    for old, new in mappings.items():
        for key in [k for k in env if k.startswith(old)]:
            env[new + key[len(old):]] = env[key]


@contextmanager
def _cwd(path):
    before = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def dump_json(data):
    return json.dumps(data, indent=2, sort_keys=True, default=str)

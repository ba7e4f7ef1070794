"""Resolve one request into a ScriptInstance: the chosen script, its final variations,
version constraints, layered env and patched dependency lists. No side effects."""
import copy

from ..core import versions
from . import envs, variations as var_mod
from .cache import cache_key
from .errors import DependencyPatchError, VersionError
from .hooks import apply_patch

PHASES = ("deps", "prehook_deps", "posthook_deps", "post_deps")
VERSION_FIELDS = ("version", "version_min", "version_max", "version_max_usable")


class ScriptInstance:
    """A script with its variations, version and env resolved (a plain class: see variations.Resolved)."""

    def __init__(self, script, variations, meta, env, state, const, const_state, version, adr, deps=None):
        self.script = script            # index.Script
        self.variations = variations    # variations.Resolved
        self.meta = meta                # effective meta (variations and `versions:` applied)
        self.env = env
        self.state = state
        self.const = const
        self.const_state = const_state
        self.version = version          # exact/min/max/max_usable after defaults
        self.adr = adr                  # add_deps_recursive handed to every dependency
        self.deps = {} if deps is None else deps    # phase -> patched dependency entries
        self._identity = None

    def with_env(self, env):
        """The same instance with another env (everything else shared)."""
        twin = copy.copy(self)
        twin.env = env
        return twin

    @property
    def name(self):
        return self.script.alias

    @property
    def caching(self):
        return bool(self.meta.get("cache"))

    def identity(self):
        if self._identity is None:
            self._identity = (self.script.path, tuple(sorted(self.variations.names)))
        return self._identity

    def cache_env_keys(self):
        """The env keys whose values are part of the cache key."""
        return set(self.meta.get("input_mapping", {}).values()) | set(self.meta.get("default_env", {})) \
            | set(self.meta.get("cache_key_env", []))

    def key_material(self, extra_tags="", fingerprint=""):
        """What makes two runs of this script interchangeable (see docs on caching)."""
        keys = self.cache_env_keys()
        return {"script": self.script.uid or self.script.path,
                "variations": sorted(self.variations.names),
                "version": {k: self.version[k] for k in VERSION_FIELDS if self.version.get(k)},
                "env": {k: self.env.get(k) for k in sorted(keys) if self.env.get(k) not in (None, "")},
                "extra_tags": extra_tags, "fingerprint": fingerprint}

    def key(self, extra_tags="", fingerprint=""):
        return cache_key(self.key_material(extra_tags, fingerprint))


def choose(index, request, has_cache_entry=lambda script: False):
    """Pick one script deterministically among those matching tags and variations.

    Rule: scripts that define every requested variation; among them, those that already have
    a cache entry first, then the lowest `sort` value, then the alias alphabetically.
    """
    found = index.find(request.tags, request.excluded_tags, request.name or None)
    wanted = list(request.variations) + list(request.excluded_variations)
    fitting = [s for s in found
               if all(var_mod._template(s.meta.get("variations") or {}, v) for v in wanted)]
    if not fitting:
        best = found[0]
        missing = [v for v in wanted if not var_mod._template(best.meta.get("variations") or {}, v)]
        raise var_mod.unknown_variation(best.meta, missing[0], best.alias, tags=request.tag_string)
    return sorted(fitting, key=lambda s: (not has_cache_entry(s), s.sort, s.alias))[0]


def resolve(script, request, inherited_env, inherited_state):
    meta = script.meta
    chosen = var_mod.resolve(meta, request.variations, request.excluded_variations, script.alias)
    m = var_mod.apply(meta, chosen)
    env = envs.TrackedEnv(inherited_env)
    state = copy.deepcopy(inherited_state)

    version = _version_request(request, m, script.alias)
    if version["version"] and version["version"] in (m.get("versions") or {}):
        var_mod.merge_sub_meta(m, m["versions"][version["version"]] or {})

    envs.apply_defaults(env, m.get("default_env", {}))
    envs.apply_overrides(env, m.get("env", {}))
    envs.merge_state(state, m.get("state", {}))
    const = dict(m.get("const", {}))
    for key, env_key in m.get("input_mapping", {}).items():
        value = request.inputs.get(key)
        if value is not None and value is not False:
            env[env_key] = "yes" if value is True else value if isinstance(value, list) else str(value)
            const[env_key] = env[env_key]
    envs.apply_overrides(env, request.env)
    const.update(request.const)
    envs.apply_overrides(env, const)
    const_state = copy.deepcopy(m.get("const_state", {}))
    envs.merge_state(const_state, request.const_state)
    envs.merge_state(state, request.state)
    envs.merge_state(state, const_state)
    for key, env_key in (("version", "CM_VERSION"), ("version_min", "CM_VERSION_MIN"),
                         ("version_max", "CM_VERSION_MAX"), ("version_max_usable", "CM_VERSION_MAX_USABLE")):
        if version[key]:
            env[env_key] = version[key]

    adr = copy.deepcopy(m.get("add_deps_recursive", {}))
    for name, patch in request.add_deps_recursive.items():
        adr.setdefault(name, {}).update(copy.deepcopy(patch))
    ad = copy.deepcopy(m.get("add_deps", {}))
    for name, patch in request.add_deps.items():
        ad.setdefault(name, {}).update(copy.deepcopy(patch))
    deps, used = {}, set()
    for phase in PHASES:
        patched = []
        for dep in m.get(phase, []) or []:
            dep = copy.deepcopy(dep)
            for name in dep.get("names", []) or []:
                if name in adr:
                    apply_patch(dep, copy.deepcopy(adr[name]))
                if name in ad:
                    apply_patch(dep, copy.deepcopy(ad[name]))
                    used.add(name)
            patched.append(dep)
        deps[phase] = patched
        m[phase] = patched          # hooks see (and may edit) the patched lists
    unused = set(request.add_deps) - used
    if unused:
        names = sorted({n for phase in deps.values() for d in phase for n in d.get("names", []) or []})
        raise DependencyPatchError(
            f"--ad names {', '.join(sorted(unused))} match no dependency", script=script.alias,
            hint="dependency names of this script: " + (", ".join(names) or "none"))
    return ScriptInstance(script, chosen, m, env, state, const, const_state, version, adr, deps)


def _version_request(request, m, script):
    """Exact/min/max: the request's, else the inherited CM_VERSION* env, else the meta's."""
    out = {}
    for key, env_key in (("version", "CM_VERSION"), ("version_min", "CM_VERSION_MIN"),
                         ("version_max", "CM_VERSION_MAX"), ("version_max_usable", "CM_VERSION_MAX_USABLE")):
        out[key] = str(request.versions.get(key) or request.env.get(env_key) or m.get(key) or "")
    try:
        versions.check_constraints_consistent(out["version"], out["version_min"], out["version_max"])
    except versions.VersionConstraintError as e:
        raise VersionError(str(e), script=script) from None
    if not out["version"] and m.get("default_version"):
        out["version"] = versions.clamp_default(m["default_version"], out["version_min"],
                                                out["version_max"], out["version_max_usable"])
        out["default"] = True
    else:
        out["default"] = False
    return out


def dependency_tags(dep, env):
    """The tag words of a dependency entry after env-driven tag updates."""
    tags = dep.get("tags", "")
    words = [w for w in (tags if isinstance(tags, list) else tags.split(",")) if w.strip()]
    for prefix, keys in (dep.get("update_tags_from_env_with_prefix") or {}).items():
        for key in envs.listify(keys):
            if env.get(key) not in (None, ""):
                words.append(prefix + str(env[key]))
    for key in dep.get("update_tags_from_env", []) or []:
        if env.get(key):
            words += [w for w in str(env[key]).split(",") if w]
    return [w.strip() for w in envs.expand(words, env)]

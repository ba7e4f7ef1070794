"""Resolve a script's requested variations and apply them to its meta.

Order, as in upstream CM: explicit variations (aliases followed), `default_variation` when
none was given, bases and `default_variations` of active variations, then the `default` of
every group still empty, then bases and defaults once more. An excluded variation (`-_x`)
blocks defaults and bases. Unlike upstream, a variation is a group default only when its
`default` value is true, and combined keys (`"a,b"`) apply after single ones, smaller first.
"""
import copy

from .envs import is_true, listify
from .errors import MetaError, VariationError

_LIST_KEYS = ("new_env_keys", "new_state_keys", "local_env_keys", "cache_key_env",
              "update_meta_if_env", "constraints", "accepted_inputs")
_DICT_KEYS = ("env", "default_env", "const", "state", "const_state", "input_mapping")
_PHASES = ("deps", "prehook_deps", "posthook_deps", "post_deps")
_PATCH_ALIASES = {"ad": "add_deps", "adr": "add_deps_recursive"}


class Resolved:
    """A script's active variations. (The engine's records are plain classes: a @dataclass costs
    ~0.7 ms to create at import, and a warm `cm run script` imports nine of them.)"""

    def __init__(self, names, combined=None, warnings=None):
        self.names = names                      # active variation names in application order ("batch_size.8")
        self.combined = [] if combined is None else combined   # active combined keys ("onnx,fp32")
        self.warnings = [] if warnings is None else warnings

    @property
    def tags(self):
        return ["_" + n for n in self.names]


def parse_requested(words):
    """Split `_x` / `-_x` / `_-x` words into (requested, excluded) lists, order kept."""
    requested, excluded = [], []
    for word in words:
        if word.startswith("-_"):
            excluded.append(word[2:])
        elif word.startswith("_-"):
            excluded.append(word[2:])
        elif word.startswith("_"):
            requested.append(word[1:])
    return requested, excluded


def available(meta):
    return [k for k in meta.get("variations", {}) if "," not in k]


def unknown_variation(meta, name, script, why="requested", tags=None):
    """The error for an undefined variation, with the closest defined one."""
    from ..core.suggest import did_you_mean
    names = [v for v in available(meta) if not v.endswith(".#")]
    suggestion = did_you_mean(name, names, "_")
    if not suggestion:  # a value of a flag given as a variation: `_bert99` for --model=bert-99
        for flag, desc in (meta.get("input_description") or {}).items():
            choices = [str(c) for c in (desc.get("choices") or [])] if isinstance(desc, dict) else []
            suggestion = did_you_mean(name, choices, f"--{flag}=")
            if suggestion:
                break
    suggestion = "; " + suggestion if suggestion else ""
    dynamic = [v[:-1] + "VALUE" for v in available(meta) if v.endswith(".#")]
    return VariationError(
        f"unknown variation _{name}" + suggestion
        + (f" ({why})" if why != "requested" else ""), script=script, tags=tags,
        hint="variations: " + (", ".join("_" + v for v in names + dynamic) or "none"))


def _template(variations, name):
    """The meta key serving `name`: itself, or `prefix.#` for a dynamic `prefix.value`."""
    if name in variations:
        return name
    if "." in name:
        prefix = name.split(".", 1)[0]
        if prefix + ".#" in variations:
            return prefix + ".#"
    return None


def resolve(meta, requested, excluded=(), script=""):
    variations = meta.get("variations") or {}
    excluded = set(excluded)
    order, seen = [], set()

    def get(name):
        return variations.get(_template(variations, name)) or {}

    def activate(name, why):
        key = _template(variations, name)
        if key is None:
            raise unknown_variation(meta, name, script, why)
        body = variations[key] or {}
        if body.get("alias"):
            return activate(body["alias"], f"alias of _{name}")
        if name in seen or name in excluded:
            return
        seen.add(name)
        for base in listify(body.get("base")):
            if base not in excluded:
                activate(base, f"base of _{name}")
        order.append(name)

    for name in requested:
        activate(name, "requested")
    if not requested and meta.get("default_variation") and meta["default_variation"] not in excluded:
        activate(meta["default_variation"], "default_variation")

    def groups_of(names):
        return {get(n).get("group"): n for n in names if get(n).get("group")}

    def fill_default_variations():
        changed = True
        while changed:
            changed = False
            taken = groups_of(order)
            for source in list(order) + _active_combined(variations, order):
                for group, target in (variations.get(source, get(source)) or {}).get(
                        "default_variations", {}).items():
                    if group not in taken and target not in excluded and target not in seen:
                        activate(target, f"default_variations of _{source}")
                        taken = groups_of(order)
                        changed = True

    fill_default_variations()
    taken = groups_of(order)
    for key, body in variations.items():
        body = body or {}
        group = body.get("group")
        if group and group not in taken and is_true(body.get("default", False)) \
                and key not in excluded and "#" not in key and "," not in key:
            activate(key, f"default of group {group}")
            taken[group] = key
    fill_default_variations()

    _check_groups(order, get, script)
    combined = _active_combined(variations, order)
    _check_combinations(meta, set(order), script)
    warnings = [get(n)["warning"] for n in order if get(n).get("warning")]
    return Resolved(order, combined, warnings)


def _active_combined(variations, active):
    active = set(active)
    keys = [k for k in variations if "," in k and set(p.strip() for p in k.split(",")) <= active]
    return sorted(keys, key=lambda k: (k.count(","), list(variations).index(k)))


def _check_groups(order, get, script):
    members = {}
    for name in order:
        group = get(name).get("group")
        if group:
            members.setdefault(group, []).append(name)
    for group, names in members.items():
        if len(names) > 1:
            raise VariationError(
                f"variations {', '.join('_' + n for n in names)} belong to the same group "
                f"'{group}'; choose one", script=script)


def _combo(entry):
    return {p.strip().lstrip("_") for p in (entry.split(",") if isinstance(entry, str) else entry)}


def _check_combinations(meta, active, script):
    for combo in meta.get("invalid_variation_combinations", []):
        parts = _combo(combo)
        if parts <= active:
            raise VariationError(
                f"the combination {', '.join('_' + p for p in sorted(parts))} is invalid", script=script)
    valid = meta.get("valid_variation_combinations", [])
    if valid and not any(_combo(c) <= active for c in valid):
        raise VariationError(
            "the active variations " + ", ".join("_" + v for v in sorted(active)) +
            " contain none of the valid combinations", script=script,
            hint="valid combinations: " + "; ".join(",".join("_" + p for p in sorted(_combo(c))) for c in valid))


def _substitute(value, fill):
    if isinstance(value, str):
        return value.replace("#", fill)
    if isinstance(value, list):
        return [_substitute(v, fill) for v in value]
    if isinstance(value, dict):
        return {k: _substitute(v, fill) for k, v in value.items()}
    return value


def body_for(meta, name):
    """The meta body of an active variation name, with `#` substituted for dynamic ones."""
    variations = meta.get("variations") or {}
    key = _template(variations, name)
    body = copy.deepcopy(variations.get(key) or {})
    if key != name and key and key.endswith(".#"):
        body = _substitute(body, name.split(".", 1)[1])
    return body


def apply(meta, resolved):
    """A copy of `meta` with the bodies of the active variations merged in, in order."""
    out = copy.deepcopy(meta)
    out.pop("variations", None)
    for k in ("ad", "adr"):
        if k in out:
            out.setdefault(_PATCH_ALIASES[k], {}).update(out.pop(k))
    bodies = [body_for(meta, n) for n in resolved.names]
    bodies += [copy.deepcopy(meta["variations"][k] or {}) for k in resolved.combined]
    for body in bodies:
        merge_sub_meta(out, body)
    return out


def merge_sub_meta(out, body):
    """Merge a variation or `versions:` body into an effective meta, in place."""
    for key, value in body.items():
        if value is None:
            continue
        key = _PATCH_ALIASES.get(key, key)
        if key in _DICT_KEYS:
            out.setdefault(key, {}).update(value)
        elif key in _LIST_KEYS:
            out.setdefault(key, []).extend(v for v in value if v not in out.get(key, []))
        elif key in _PHASES:
            out.setdefault(key, []).extend(copy.deepcopy(value))
        elif key in ("add_deps", "add_deps_recursive"):
            target = out.setdefault(key, {})
            for name, patch in value.items():
                target.setdefault(name, {}).update(patch)
        elif key in ("script_name", "default_version"):
            out[key] = value
        elif key == "versions":
            out.setdefault("versions", {}).update(value)
        elif key in ("group", "default", "base", "alias", "default_variations", "warning",
                     "required_disk_space", "docker", "default_gui", "desc"):
            continue
        else:
            raise MetaError(f"cannot apply key `{key}` of a variation")

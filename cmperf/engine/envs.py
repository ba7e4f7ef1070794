"""Env and state rules: conditions, <<<VAR>>> expansion, key filtering, list keys.

Env values are strings (lists for `+KEY` keys); state is a nested dict.
"""
import copy
import fnmatch
import functools
import re

from ..core.truth import FALSE_WORDS, TRUE_WORDS, is_true  # noqa: F401  (is_true: envs.is_true)

# Keys that describe one script's own request and must not reach its dependencies.
LOCAL_KEYS = ["CM_VERSION", "CM_VERSION_MIN", "CM_VERSION_MAX", "CM_VERSION_MAX_USABLE",
              "CM_DETECTED_VERSION", "CM_INPUT", "CM_OUTPUT", "CM_NAME", "CM_EXTRA_CACHE_TAGS",
              "CM_TMP_*", "CM_GIT_*", "CM_RENEW_CACHE_ENTRY"]

_LOCAL = tuple(LOCAL_KEYS)
_PLACEHOLDER = re.compile(r"<<<([A-Za-z0-9_+]+)>>>")


class TrackedEnv(dict):
    """An env that remembers which keys were written after it was created.

    A script hands back (new_env) only keys it wrote itself: its meta, hooks, run.sh or
    dependencies. An inherited value that merely matches a `new_env_keys` glob is not
    handed back, so a cached entry never replays its first caller's env to another caller.
    """

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.written = set()

    def __setitem__(self, key, value):
        self.written.add(key)
        super().__setitem__(key, value)

    def setdefault(self, key, default=None):
        if key not in self:
            self[key] = default
        return self[key]

    def update(self, *args, **kw):
        for key, value in dict(*args, **kw).items():
            self[key] = value


def listify(value):
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def value_matches(wanted, env, key):
    """Whether env[key] is one of `wanted` (yes/no words compare by truthiness, unset is 'no')."""
    wanted = [str(v) for v in listify(wanted)]
    lowered = {v.lower() for v in wanted}
    value = env.get(key)
    text = None if value is None else str(value).strip().lower()
    if lowered & TRUE_WORDS and text is not None and text not in FALSE_WORDS:
        return True
    if lowered & (FALSE_WORDS - {""}) and (text is None or text in FALSE_WORDS):
        return True
    return value is not None and str(value) in wanted


def condition_holds(dep, env):
    """Whether a dependency entry is enabled under `env` (upstream CM semantics)."""
    cond = dep.get("enable_if_env")
    if cond and not all(value_matches(v, env, k) for k, v in cond.items()):
        return False
    cond = dep.get("enable_if_any_env")
    if cond and not any(value_matches(v, env, k) for k, v in cond.items()):
        return False
    cond = dep.get("skip_if_env")
    if cond and all(value_matches(v, env, k) for k, v in cond.items()):
        return False
    cond = dep.get("skip_if_any_env")
    if cond and any(value_matches(v, env, k) for k, v in cond.items()):
        return False
    return True


def condition_keys(dep):
    keys = set()
    for name in ("enable_if_env", "enable_if_any_env", "skip_if_env", "skip_if_any_env"):
        keys.update((dep.get(name) or {}).keys())
    return keys


def expand(value, env):
    """Replace <<<VAR>>> by env[VAR] in strings, recursively; unknown names stay."""
    if isinstance(value, str):
        if "<<<" not in value:
            return value
        return _PLACEHOLDER.sub(lambda m: _as_text(env[m.group(1)]) if m.group(1) in env else m.group(0), value)
    if isinstance(value, list):
        return [expand(v, env) for v in value]
    if isinstance(value, dict):
        return {k: expand(v, env) for k, v in value.items()}
    return value


def has_placeholder(value):
    return isinstance(value, str) and "<<<" in value and bool(_PLACEHOLDER.search(value))


def _as_text(value):
    if isinstance(value, list):
        return ":".join(str(v) for v in value)
    return str(value)


@functools.lru_cache(maxsize=1024)
def _matcher(patterns):
    """One compiled regex for a tuple of globs (matching key by key was quadratic)."""
    if not patterns:
        return None
    return re.compile("|".join(fnmatch.translate(p) for p in patterns)).match


def matches_any(key, patterns):
    if not patterns:
        return False
    match = _matcher(patterns if isinstance(patterns, (tuple, frozenset)) else tuple(patterns))
    return match is not None and match(key) is not None


def select_keys(env, patterns):
    """The entries of env whose key matches one of the globs; `<<<VAR>>>` names a key indirectly."""
    direct = []
    for p in patterns:
        m = _PLACEHOLDER.fullmatch(p)
        if m:
            if m.group(1) in env:
                direct.append(str(env[m.group(1)]))
        else:
            direct.append(p)
    match = _matcher(tuple(direct))
    return {k: v for k, v in env.items() if match(k)} if match is not None else {}


def strip_local(env, extra_patterns=(), keep=()):
    """A copy of env for entering a dependency: local keys and unresolved placeholders removed.

    Called once per dependency with envs of hundreds of keys: each key's verdict is memoised
    per pattern set, so the cost is one dict lookup per key."""
    verdicts = _verdicts(_LOCAL + tuple(extra_patterns), tuple(keep))
    out = {}
    for k, v in env.items():
        verdict = verdicts.get(k)
        if verdict is None:
            verdict = verdicts[k] = _verdict(k, _LOCAL + tuple(extra_patterns), tuple(keep))
        if verdict == 1 or (verdict == 0 and not (v.__class__ is str and "<<<" in v and has_placeholder(v))):
            out[k] = v
    return out


_VERDICTS = {}


def _verdicts(patterns, keep):
    memo = _VERDICTS.get((patterns, keep))
    if memo is None:
        memo = _VERDICTS[(patterns, keep)] = {}
    return memo


def _verdict(key, patterns, keep):
    """1: kept whatever its value; 0: kept unless an unresolved placeholder; -1: local, dropped."""
    if keep and matches_any(key, keep):
        return 1
    return -1 if matches_any(key, patterns) else 0


def merge_env(target, new):
    """Merge `new` into `target`: plain keys overwrite, `+KEY` lists are extended uniquely."""
    for key, value in new.items():
        if key.startswith("+") and isinstance(value, list):
            current = list(target.get(key) or [])
            current.extend(item for item in value if item not in current)
            target[key] = current
        else:
            target[key] = value
    return target


def merge_state(target, new):
    """Deep-merge dicts; lists are extended with unseen items."""
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            merge_state(target[key], value)
        elif isinstance(value, list) and isinstance(target.get(key), list):
            target[key].extend(v for v in value if v not in target[key])
        else:
            target[key] = copy.deepcopy(value)
    return target


def apply_defaults(env, defaults):
    for key, value in defaults.items():
        if key not in env:
            env[key] = _normalise(value)


def apply_overrides(env, values):
    for key, value in values.items():
        env[key] = _normalise(value) if not key.startswith("+") else listify(value)


def _normalise(value):
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return str(value)
    return value


def list_key_export(key, value):
    """(name, separator) for a `+KEY` list key; a non-alphanumeric first char is the separator."""
    name = key[1:]
    sep = ":"
    if name and not (name[0].isalnum() or name[0] == "_"):
        sep, name = name[0], name[1:]
    return name, sep

"""Load and validate script metadata (_cm.yaml / _cm.json).

Upstream CM silently ignores a typo such as `defualt_env`; here an unknown key, a wrong
type or a YAML syntax error is a MetaError naming the file, the line and the likely key.
Stricter than plain YAML on purpose: duplicate keys and aliases (`&a`/`*a`, which let a
few hundred bytes expand into megabytes of index) are errors; boolean keys accept only
the truth words of cmperf.core.truth (so `cache: 'no'` is false, `cache: 'maybe'` an error).
"""
import json
import os
import re

from ..core.truth import FALSE_WORDS, TRUE_WORDS
from .errors import MetaError

ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

STR, LIST, DICT, BOOL, INT, ANY = "str", "list", "dict", "bool", "int", "any"
_PY_TYPES = {STR: (str, int, float), LIST: (list,), DICT: (dict,), BOOL: (bool, str), INT: (int,)}

_ENV_AND_STATE = {
    "env": DICT, "default_env": DICT, "const": DICT, "state": DICT, "const_state": DICT,
    "new_env_keys": LIST, "new_state_keys": LIST, "local_env_keys": LIST,
    "update_meta_if_env": LIST, "cache_key_env": LIST, "input_mapping": DICT,
}
_DEP_LISTS = {"deps": LIST, "prehook_deps": LIST, "posthook_deps": LIST, "post_deps": LIST}
_PATCHES = {"add_deps": DICT, "ad": DICT, "add_deps_recursive": DICT, "adr": DICT}

# Flags that a dependency entry may carry because it is merged into the sub-run input.
RUN_FLAGS = {
    "quiet": ANY, "silent": ANY, "verbose": ANY, "new": ANY, "renew": ANY, "skip_cache": ANY,
    "force_cache": ANY, "fake_run": ANY, "extra_cache_tags": STR, "force_new_env_keys": LIST,
    "md5sum": STR, "verify": ANY, "name": STR, "path": STR, "input": STR, "output": STR,
    "state": DICT, "const": DICT, "const_state": DICT, "ignore_script_error": ANY,
}

TOP_LEVEL = {
    "alias": STR, "uid": STR, "automation_alias": STR, "automation_uid": STR, "tags": LIST,
    "category": STR, "name": STR, "developers": ANY, "tags_help": STR, "input_description": DICT,
    "gui": ANY, "gui_title": STR, "docker": DICT, "docker_input_mapping": DICT, "cache": BOOL,
    "can_force_cache": BOOL, **_DEP_LISTS, **_ENV_AND_STATE, **_PATCHES,
    "env_key_mappings": DICT, "extra_cache_tags_from_env": LIST, "clean_env_keys_post_deps": LIST,
    "variations": DICT, "default_variation": STR, "variation_groups_order": LIST,
    "valid_variation_combinations": LIST, "invalid_variation_combinations": LIST,
    "versions": DICT, "default_version": STR, "version": STR, "version_min": STR,
    "version_max": STR, "version_max_usable": STR, "clean_files": LIST, "clean_output_files": LIST,
    "print_env_at_the_end": DICT, "print_files_if_script_error": LIST, "script_name": STR,
    "warnings": LIST, "min_cm_version": STR, "repo_to_report_errors": STR, "sort": INT,
    "source": STR, "private": BOOL, "deps_doc": ANY,
    # cmperf extensions read at plan time (docs/engine.md)
    "constraints": LIST, "accepted_inputs": LIST,
}

INPUT_DESCRIPTION = {"desc": STR, "default": ANY, "choices": LIST, "required_for": ANY,
                     "boolean": BOOL, "sort": INT, "type": STR}
CONSTRAINT = {"when": DICT, "require": DICT, "error": STR}

DEPENDENCY = {
    "tags": ANY, "names": LIST, "enable_if_env": DICT, "skip_if_env": DICT,
    "enable_if_any_env": DICT, "skip_if_any_env": DICT, "skip_if_fake_run": BOOL, "env": DICT,
    "force_env_keys": LIST, "reuse_version": BOOL, "version": STR, "version_min": STR,
    "version_max": STR, "version_max_usable": STR, "update_tags_from_env_with_prefix": DICT,
    "update_tags_from_env": LIST, "inherit_variation_tags": BOOL,
    "skip_inherit_variation_groups": LIST, "dynamic": BOOL, **_PATCHES,
    "skip_inside_docker": BOOL, **RUN_FLAGS,
}

VARIATION = {
    **_ENV_AND_STATE, **_DEP_LISTS, **_PATCHES, "group": STR, "default": BOOL, "base": LIST,
    "alias": STR, "default_variations": DICT, "script_name": STR, "default_version": STR,
    "required_disk_space": INT, "warning": STR, "docker": DICT, "default_gui": ANY,
    "versions": DICT, "constraints": LIST, "accepted_inputs": LIST,
    "desc": STR,    # what the variation does, for --help only (never merged into the meta)
}


def load_meta(path):
    """Parse and validate the meta file at `path`; return the dict."""
    text = _read(path)
    if path.endswith(".json"):
        try:
            meta = json.loads(text, object_pairs_hook=_json_object)
        except _StrictYamlError as e:
            raise MetaError(f"{path}: {e.problem}") from None
        except json.JSONDecodeError as e:
            raise MetaError(f"{path}:{e.lineno}: invalid JSON: {e.msg}") from None
    else:
        meta = _parse_yaml(path, text)
    if not isinstance(meta, dict):
        raise MetaError(f"{path}: the top level must be a mapping of keys")
    validate(meta, path, text)
    return _plain(meta)


def validate(meta, path, text=""):
    """Check keys and types everywhere; normalise boolean words in place. Raises MetaError."""
    _check_block(meta, TOP_LEVEL, "", path, text)
    for name, variation in (meta.get("variations") or {}).items():
        where = f"variations.{name}"
        if variation is None:
            continue
        if not isinstance(variation, dict):
            raise MetaError(f"{_loc(path, text, name, meta.get('variations'))}: `{where}` must be a mapping")
        _check_block(variation, VARIATION, where + ".", path, text)
    for version, sub in (meta.get("versions") or {}).items():
        if isinstance(sub, dict):
            _check_block(sub, VARIATION, f"versions.{version}.", path, text)
    if not meta.get("tags") and not meta.get("alias"):
        raise MetaError(f"{path}: a script needs `alias` and `tags`")


def _check_block(block, schema, prefix, path, text):
    """One level with script-like keys: top level, a variation or a `versions:` entry."""
    _check_keys(block, schema, prefix, path, text)
    for phase in _DEP_LISTS:
        _check_deps(block.get(phase) or [], f"{prefix}{phase}", path, text, block)
    mapping = block.get("input_mapping") or {}
    for flag, env_key in mapping.items():
        if not isinstance(env_key, str) or not ENV_NAME.match(env_key):
            raise MetaError(f"{_loc(path, text, flag, mapping)}: `{prefix}input_mapping.{flag}` maps to "
                            f"{env_key!r}, which is not a valid env name (letters, digits and _, "
                            "not starting with a digit)")
    for key in ("accepted_inputs", "new_env_keys", "new_state_keys", "local_env_keys", "cache_key_env"):
        for n, item in enumerate(block.get(key) or []):
            if not isinstance(item, str):
                raise MetaError(f"{_loc(path, text, key, block)}: `{prefix}{key}[{n}]` must be a string, "
                                f"not {type(item).__name__}")
    descriptions = block.get("input_description") or {}
    for flag, desc in descriptions.items():
        where = f"{prefix}input_description.{flag}"
        if isinstance(desc, str):
            continue
        if not isinstance(desc, dict):
            raise MetaError(f"{_loc(path, text, flag, descriptions)}: `{where}` must be a mapping "
                            "(desc, default, choices, required_for)")
        _check_keys(desc, INPUT_DESCRIPTION, where + ".", path, text)
        for key in ("required_for",):
            value = desc.get(key) or []
            for n, item in enumerate(value if isinstance(value, list) else [value]):
                if not isinstance(item, str):
                    raise MetaError(f"{_loc(path, text, key, desc)}: `{where}.{key}[{n}]` must be a "
                                    f"variation name, not {type(item).__name__}")
    for n, rule in enumerate(block.get("constraints") or []):
        where = f"{prefix}constraints[{n}]"
        if not isinstance(rule, dict):
            raise MetaError(f"{_loc(path, text, 'constraints', block)}: `{where}` must be a mapping "
                            "with `when`, `require` and `error`")
        _check_keys(rule, CONSTRAINT, where + ".", path, text)
        for part in ("when", "require"):
            if part not in rule:
                raise MetaError(f"{_loc(path, text, 'constraints', block)}: `{where}` needs `{part}`")
            for env_key, values in (rule[part] or {}).items():
                if not isinstance(env_key, str) or not ENV_NAME.match(env_key):
                    raise MetaError(f"{_loc(path, text, part, rule)}: `{where}.{part}` key {env_key!r} "
                                    "is not a valid env name")
                items = values if isinstance(values, list) else [values]
                if any(isinstance(v, (dict, list)) for v in items):
                    raise MetaError(f"{_loc(path, text, env_key, rule[part])}: `{where}.{part}.{env_key}` "
                                    "must be a value or a list of values")


def _check_deps(deps, where, path, text, parent):
    if not isinstance(deps, list):
        return   # _check_keys reported the type already
    for n, dep in enumerate(deps):
        line = _loc(path, text, where.rsplit(".", 1)[-1], parent)
        if not isinstance(dep, dict):
            raise MetaError(f"{line}: `{where}[{n}]` must be a mapping with at least `tags`")
        _check_keys(dep, DEPENDENCY, f"{where}[{n}].", path, text)
        tags = dep.get("tags")
        dynamic_tags = dep.get("update_tags_from_env") or dep.get("update_tags_from_env_with_prefix")
        if tags in (None, "", []) and not dynamic_tags:
            first = "tags" if "tags" in dep else next(iter(dep), None)
            raise MetaError(f"{_loc(path, text, first, dep) if first else line}: `{where}[{n}]` has "
                            "no `tags`: a dependency without tags would match any script",
                            hint="give the dependency's tags, e.g. `tags: get,python3`")
        if tags is not None and not (isinstance(tags, str) or
                                     (isinstance(tags, list) and all(isinstance(t, str) for t in tags))):
            raise MetaError(f"{_loc(path, text, 'tags', dep)}: `{where}[{n}].tags` must be a comma-separated "
                            f"string or a list of strings, not {tags!r}")


def _check_keys(d, schema, prefix, path, text):
    for key, value in list(d.items()):
        kind = schema.get(key)
        if kind is None:
            import difflib   # only for the error message
            close = difflib.get_close_matches(str(key), list(schema), n=1, cutoff=0.6)
            hint = f"; did you mean `{close[0]}`?" if close else f"; known keys: {', '.join(sorted(schema))}"
            raise MetaError(f"{_loc(path, text, key, d)}: unknown key `{prefix}{key}`{hint}")
        if kind == BOOL and isinstance(value, str):
            word = value.strip().lower()
            if word not in TRUE_WORDS and word not in FALSE_WORDS:
                raise MetaError(f"{_loc(path, text, key, d)}: `{prefix}{key}` must be true or false "
                                f"(yes/no/on/off/1/0), not {value!r}")
            d[key] = word in TRUE_WORDS   # `cache: 'no'` is false, as everywhere in cmperf
            continue
        if kind != ANY and value is not None and not isinstance(value, _PY_TYPES[kind]):
            raise MetaError(f"{_loc(path, text, key, d)}: `{prefix}{key}` must be a {kind}, "
                            f"not {type(value).__name__}")


def _loc(path, text, key, mapping=None):
    """`file:line` of `key` in `mapping` (exact when the YAML loader recorded it, else best effort)."""
    line = getattr(mapping, "lines", {}).get(key)
    if line:
        return f"{path}:{line}"
    pattern = re.compile(r'^\s*-?\s*["\']?' + re.escape(str(key)) + r'["\']?\s*:')
    for lineno, line in enumerate(text.splitlines(), 1):
        if pattern.match(line):
            return f"{path}:{lineno}"
    return path


def _read(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError as e:
        raise MetaError(f"cannot read script meta {path}: {e.strerror}") from None


class _LineDict(dict):
    """A mapping that remembers the line of each key (for error messages only)."""
    lines = {}


class _StrictYamlError(Exception):
    def __init__(self, line, problem):
        self.line, self.problem = line, problem
        super().__init__(problem)


_LOADER = None


def _loader():
    """A safe loader that refuses aliases and duplicate keys and records key lines."""
    global _LOADER
    if _LOADER is not None:
        return _LOADER
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class StrictLoader(base):
        def construct_object(self, node, deep=False):
            # Every node is constructed once; a second visit can only be an alias (`*name`).
            if node in self.constructed_objects or node in self.recursive_objects:
                raise _StrictYamlError(node.start_mark.line + 1,
                                       "YAML aliases (&anchor / *alias) are not allowed in script metadata; "
                                       "write the value out")
            return super().construct_object(node, deep)

    def construct_map(loader, node):
        data = _LineDict()
        data.lines = {}
        yield data
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise _StrictYamlError(key_node.start_mark.line + 1,
                                       "YAML merge keys (<<) are not allowed in script metadata")
            key = loader.construct_object(key_node, deep=False)
            try:
                hash(key)
            except TypeError:
                raise _StrictYamlError(key_node.start_mark.line + 1, "a mapping key must be a scalar") from None
            if key in data:
                raise _StrictYamlError(key_node.start_mark.line + 1,
                                       f"duplicate key `{key}` (first on line {data.lines[key]})")
            data.lines[key] = key_node.start_mark.line + 1
            if value_node in loader.constructed_objects:
                raise _StrictYamlError(key_node.start_mark.line + 1,
                                       f"`{key}`: YAML aliases (*alias) are not allowed in script metadata; "
                                       "write the value out")
            data[key] = loader.construct_object(value_node, deep=False)

    StrictLoader.add_constructor("tag:yaml.org,2002:map", construct_map)
    _LOADER = StrictLoader
    return _LOADER


def _json_object(pairs):
    out = {}
    for key, value in pairs:
        if key in out:
            raise _StrictYamlError(0, f"duplicate key `{key}`")
        out[key] = value
    return out


def _plain(value):
    """Plain dicts and lists again (the index stores JSON; no loader types leak out)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _parse_yaml(path, text):
    import yaml

    try:
        return yaml.load(text, Loader=_loader())
    except _StrictYamlError as e:
        raise MetaError(f"{path}:{e.line}: {e.problem}") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        problem = getattr(e, "problem", None) or str(e)
        raise MetaError(f"{path}{line}: malformed YAML: {problem}") from None

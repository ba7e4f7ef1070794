"""Load and validate script metadata (_cm.yaml / _cm.json).

Upstream CM silently ignores a typo such as `defualt_env`; here an unknown key, a wrong
type or a YAML syntax error is a MetaError naming the file, the line and the likely key.
"""
import difflib
import json
import os
import re

from .errors import MetaError

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
    "constraints": LIST, "accepted_inputs": LIST,   # plan-time checks (COORDINATION.md)
}

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
    "versions": DICT,
}


def load_meta(path):
    """Parse and validate the meta file at `path`; return the dict."""
    text = _read(path)
    if path.endswith(".json"):
        try:
            meta = json.loads(text)
        except json.JSONDecodeError as e:
            raise MetaError(f"{path}:{e.lineno}: invalid JSON: {e.msg}") from None
    else:
        meta = _parse_yaml(path, text)
    if not isinstance(meta, dict):
        raise MetaError(f"{path}: the top level must be a mapping of keys")
    validate(meta, path, text)
    return meta


def find_meta_file(script_dir):
    for name in ("_cm.yaml", "_cm.json"):
        path = os.path.join(script_dir, name)
        if os.path.isfile(path):
            return path
    return None


def validate(meta, path, text=""):
    _check_keys(meta, TOP_LEVEL, "", path, text)
    for phase in _DEP_LISTS:
        _check_deps(meta.get(phase, []), f"{phase}", path, text)
    for name, variation in meta.get("variations", {}).items():
        where = f"variations.{name}"
        if variation is None:
            continue
        if not isinstance(variation, dict):
            raise MetaError(f"{_loc(path, text, name)}: {where} must be a mapping")
        _check_keys(variation, VARIATION, where + ".", path, text)
        for phase in _DEP_LISTS:
            _check_deps(variation.get(phase, []), f"{where}.{phase}", path, text)
    for version, sub in meta.get("versions", {}).items():
        if isinstance(sub, dict):
            _check_keys(sub, VARIATION, f"versions.{version}.", path, text)
            for phase in _DEP_LISTS:
                _check_deps(sub.get(phase, []), f"versions.{version}.{phase}", path, text)
    if not meta.get("tags") and not meta.get("alias"):
        raise MetaError(f"{path}: a script needs `alias` and `tags`")


def _check_deps(deps, where, path, text):
    for n, dep in enumerate(deps):
        if not isinstance(dep, dict):
            raise MetaError(f"{path}: {where}[{n}] must be a mapping with at least `tags`")
        _check_keys(dep, DEPENDENCY, f"{where}[{n}].", path, text)


def _check_keys(d, schema, prefix, path, text):
    for key, value in d.items():
        kind = schema.get(key)
        if kind is None:
            close = difflib.get_close_matches(key, list(schema), n=1, cutoff=0.6)
            hint = f"; did you mean `{close[0]}`?" if close else f"; known keys: {', '.join(sorted(schema))}"
            raise MetaError(f"{_loc(path, text, key)}: unknown key `{prefix}{key}`{hint}")
        if kind != ANY and value is not None and not isinstance(value, _PY_TYPES[kind]):
            raise MetaError(f"{_loc(path, text, key)}: `{prefix}{key}` must be a {kind}, "
                            f"not {type(value).__name__}")


def _loc(path, text, key):
    """`file:line` of the first line that defines `key` (best effort)."""
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


def _parse_yaml(path, text):
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        problem = getattr(e, "problem", None) or str(e)
        raise MetaError(f"{path}{line}: malformed YAML: {problem}") from None

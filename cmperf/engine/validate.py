"""Checks that run at plan time, before any side effect, and speak the user's language.

- `input_description.FLAG.choices`: a value outside them is refused with the closest choice;
- `input_description.FLAG.required_for: [variation]`: the flag must be given when it is active;
- `constraints`: `{when: {KEY: [values]}, require: {KEY: [values]}, error: ...}` on the resolved env;
- a flag that no script of the plan reads is refused with the closest known flag, unless
  `--allow_unknown_inputs` (upstream's permissive behaviour, for scripts that read raw input).
"""
from . import envs
from .errors import InputError
from .request import INPUT_TO_ENV, VERSION_KEYS

# What the engine and cmind's front end read themselves, whatever the scripts are.
ENGINE_INPUTS = {
    "action", "automation", "artifact", "artifacts", "out", "cmd", "parsed_automation",
    "parsed_artifact", "parsed_artifacts", "control", "f", "task", "common", "ignore_inheritance",
    "save_to_json", "tags", "env", "const", "state", "const_state", "add_deps", "ad",
    "add_deps_recursive", "adr", "quiet", "v", "verbose", "s", "silent", "fake_run", "prepare",
    "dry_run", "plan", "print_deps", "print_env", "new", "renew", "skip_cache", "force_cache",
    "dirty", "ignore_script_error", "j", "json", "help", "h", "events", "allow_unknown_inputs",
    "force_new_env_keys", "extra_cache_tags", "_recursive", "md5sum", "verify", "add_deps_tags",
} | set(INPUT_TO_ENV) | set(VERSION_KEYS)


def did_you_mean(word, options, prefix=""):
    """"; did you mean X or Y?" (every option at the smallest edit distance), or "" if none is close."""
    from ..core.suggest import did_you_mean as suggest
    text = suggest(word, options, prefix)
    return "; " + text if text else ""


def node_inputs(node, volatile=frozenset()):
    inst = node.inst
    meta, inputs = inst.meta, node.request.inputs
    for flag, desc in (meta.get("input_description") or {}).items():
        if not isinstance(desc, dict):
            continue
        if desc.get("choices") and flag in inputs and inputs[flag] not in (None, False):
            _check_choice(flag, inputs[flag], [str(c) for c in desc["choices"]], inst.name)
        needed_by = [v.lstrip("_") for v in envs.listify(desc.get("required_for"))]
        active = [v for v in needed_by if v in inst.variations.names]
        if active and inputs.get(flag) in (None, "", False):
            env_key = (meta.get("input_mapping") or {}).get(flag)
            if not env_key or inst.env.get(env_key) in (None, ""):
                what = f" ({desc['desc']})" if desc.get("desc") else ""
                raise InputError(f"_{active[0]} needs --{flag}{what}; give --{flag}=...", script=inst.name)
    for rule in meta.get("constraints") or []:
        _check_constraint(rule, inst.env, volatile, inst.name)


def _check_choice(flag, value, choices, script):
    lowered = {c.lower() for c in choices}
    values = value if isinstance(value, list) else [value]
    for v in values:
        text = "yes" if v is True else str(v)
        if text.lower() in lowered:
            continue
        parts = [p.strip() for p in text.split(",") if p.strip()]
        bad = [p for p in parts if p.lower() not in lowered] if len(parts) > 1 else [text]
        if not bad:
            continue
        raise InputError(f"unknown --{flag} '{bad[0]}'" + did_you_mean(bad[0], choices)
                         + f" choices: {', '.join(choices)}", script=script)


def _check_constraint(rule, env, volatile, script):
    when, require = rule.get("when") or {}, rule.get("require") or {}
    if any(envs.matches_any(k, volatile) for k in list(when) + list(require)):
        return                      # a key set at run time: checked when the node is re-planned
    if all(envs.value_matches(v, env, k) for k, v in when.items()) and \
            not all(envs.value_matches(v, env, k) for k, v in require.items()):
        given = ", ".join(f"{k}={env.get(k, '(unset)')}" for k in list(when) + list(require))
        raise InputError(rule.get("error") or
                         "incompatible settings: " + given + "; needs " +
                         ", ".join(f"{k} in {envs.listify(v)}" for k, v in require.items()),
                         script=script)


def known_inputs(plan, request):
    """Refuse a flag that no script of the plan reads (before anything runs)."""
    inputs = request.inputs
    if inputs.get("_recursive"):
        return
    for name, tags in (inputs.get("add_deps_tags") or {}).items():   # renamed: say so, never drop it
        names = {n for node in plan.nodes() for n in ((node.dep or {}).get("names") or [])}
        if name not in names:
            raise InputError(f"--add_deps_tags.{name} (v2.1-era CM's --adr.{name}.tags): no dependency of this "
                             f"workflow is named '{name}'" + did_you_mean(name, names),
                             script=plan.root.script)
        plan.root.actions.append({"kind": "note", "text": f"--add_deps_tags.{name}={tags} is the v2.1-era name "
                                  f"of --adr.{name}.tags={tags} (renamed upstream); applied as that"})
    if inputs.get("allow_unknown_inputs"):
        return
    known = set(ENGINE_INPUTS)
    for node in plan.nodes():
        if node.inst is None:
            return                  # a node is unknown until run time: it may read anything
        meta = node.inst.meta
        known.update(meta.get("input_mapping") or {})
        known.update(meta.get("input_description") or {})
        if "*" in (meta.get("accepted_inputs") or []):
            return                  # it wraps another request (build-dockerfile): that one is checked
        known.update(meta.get("accepted_inputs") or [])
    unknown = [k for k in inputs if k not in known and not k.startswith("_")]
    if unknown:
        flag = unknown[0]
        raise InputError(f"unknown flag --{flag}" + did_you_mean(flag, (known - ENGINE_INPUTS) or known, "--"),
                         script=plan.root.script,
                         hint="no script of this workflow reads it; `--help` lists the flags, and "
                              "--allow_unknown_inputs passes flags that scripts read from raw input")

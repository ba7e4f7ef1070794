"""`cm run script --tags=... --help`: what a script offers, from its meta alone."""
from .envs import is_true
from .resolve import PHASES


def script_help(script):
    meta = script.meta
    out = [f"{script.alias}: cm run script --tags={','.join(script.tags)}", f"  path: {script.path}",
           f"  cached: {'yes' if meta.get('cache') else 'no'}"]
    groups, free, described = {}, [], {}
    for name, body in (meta.get("variations") or {}).items():
        if "," in name:
            continue
        body = body or {}
        label = "_" + name + (" (default)" if is_true(body.get("default", False)) else "") + \
            (f" -> _{body['alias']}" if body.get("alias") else "")
        (groups.setdefault(body["group"], []) if body.get("group") else free).append(label)
        text = " ".join(str(body.get("desc") or "").split())
        if text:
            described.setdefault(body.get("group") or None, []).append(("_" + name, text))
    if groups or free:
        out.append("  variations:")
        for group, names in groups.items():
            out.append(f"    {group}: {', '.join(names)}")
            out.extend(_described(described.get(group)))
        if free:
            out.append(f"    (no group): {', '.join(free)}")
            out.extend(_described(described.get(None)))
    if meta.get("default_variation"):
        out.append(f"  default_variation: _{meta['default_variation']}")
    descriptions = meta.get("input_description", {}) or {}
    mapping = meta.get("input_mapping", {}) or {}
    if mapping:
        out.append("  input flags:")
        defaults = meta.get("default_env", {}) or {}
        for flag, env_key in mapping.items():
            desc = descriptions.get(flag, {})
            desc_text = desc.get("desc", "") if isinstance(desc, dict) else str(desc)
            default = desc.get("default") if isinstance(desc, dict) and "default" in desc \
                else defaults.get(env_key)
            choices = desc.get("choices") if isinstance(desc, dict) else None
            line = f"    --{flag}  (env {env_key})"
            if desc_text:
                line += f"  {desc_text}"
            if default not in (None, ""):
                line += f"  [default: {default}]"
            if choices:
                line += f"  choices: {', '.join(map(str, choices))}"
            out.append(line)
    if meta.get("default_env"):
        out.append("  default env: " + ", ".join(f"{k}={v}" for k, v in meta["default_env"].items()))
    versions = list((meta.get("versions") or {}).keys())
    if versions or meta.get("default_version"):
        out.append(f"  versions: {', '.join(versions) or '-'}"
                   + (f" (default {meta['default_version']})" if meta.get("default_version") else ""))
    names = sorted({n for p in PHASES for d in meta.get(p, []) or [] for n in d.get("names", []) or []})
    if names:
        out.append("  dependency names (for --adr.NAME.*): " + ", ".join(names))
    return "\n".join(out)


def _described(rows):
    """`      _name  what it does` under its group's line, names padded to one column."""
    width = max((len(name) for name, _ in rows or []), default=0)
    return [f"      {name.ljust(width)}  {text}" for name, text in rows or []]

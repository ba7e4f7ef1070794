"""systems/<system>.json: required fields, meaningful values, division/submitter consistency."""
import json
import os

from .. import rounds


def load_system_json(ctx, tree, system):
    """Parse and check one system description; returns the dict, or None when unusable."""
    path = os.path.join(tree.path, "systems", f"{system}.json")
    rel = ctx.rel(path)
    if not os.path.isfile(path):
        ctx.report.error("system.missing", rel, f"no system description for results/{system}")
        return None
    try:
        with open(path, encoding="utf-8") as f:
            desc = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        ctx.report.error("system.json", rel, f"not valid JSON: {e}")
        return None
    if not isinstance(desc, dict):
        ctx.report.error("system.json", rel, "the system description must be a JSON object")
        return None
    check_system_desc(ctx, desc, rel, tree.division, tree.submitter, ctx.rules.system_field_aliases)
    return desc


def _value(desc, key, aliases):
    """The field's value under its name or an accepted alias; None when absent."""
    for name in (key, *aliases.get(key, ())):
        if name in desc:
            return desc[name]
    return None


def check_system_desc(ctx, desc, rel, division, submitter, aliases=None):
    report, aliases = ctx.report, aliases or {}
    missing = [k for k in rounds.SYSTEM_REQUIRED_FIELDS if _value(desc, k, aliases) is None]
    if missing:
        report.error("system.fields-missing", rel, "field(s) missing: " + ", ".join(missing))
    empty = [k for k in rounds.SYSTEM_NONEMPTY_FIELDS
             if _value(desc, k, aliases) is not None and str(_value(desc, k, aliases)).strip() == ""]
    if empty:
        report.error("system.fields-empty", rel, "field(s) need a meaningful value: " + ", ".join(empty))
    known = set(rounds.SYSTEM_REQUIRED_FIELDS) | set(rounds.SYSTEM_OPTIONAL_FIELDS)
    known |= {a for names in aliases.values() for a in names}
    unknown = sorted(k for k in desc if k not in known)
    if unknown:
        report.warning("system.unknown-fields", rel, "unknown field(s): " + ", ".join(unknown))
    status = str(desc.get("status", "")).lower()
    if "status" in desc and status not in rounds.VALID_STATUS:
        report.error("system.status", rel, f"status '{desc['status']}' is not one of {', '.join(rounds.VALID_STATUS)}")
    if "system_type" in desc and rounds.normalize_system_type(desc["system_type"]) not in rounds.VALID_SYSTEM_TYPES:
        report.error("system.system-type", rel,
                     f"system_type '{desc['system_type']}' is not one of {', '.join(rounds.VALID_SYSTEM_TYPES)}")
    if "division" in desc and desc["division"] != division:   # compared exactly, as the official checker does
        report.error("system.division", rel, f"division '{desc['division']}' does not match the folder '{division}'")
    if "submitter" in desc and str(desc["submitter"]).lower() != submitter.lower():
        report.error("system.submitter", rel,
                     f"submitter '{desc['submitter']}' does not match the folder '{submitter}'")
    is_network = str(desc.get("is_network", "false")).lower() == "true"
    if division == "network" and not is_network:
        report.error("system.network", rel, "network division systems need is_network: true")
    if division != "network" and is_network:
        report.error("system.network", rel, f"is_network is true in the {division} division")
    for key in ("host_processor_model_name", "accelerator_model_name"):
        if key in desc and not isinstance(desc[key], str):
            report.error("system.field-type", rel, f"{key} must be a string")

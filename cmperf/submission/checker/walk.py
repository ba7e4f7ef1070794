"""Walk a submission tree: divisions, submitters, systems, models and scenario folders."""
import json
import os

from .. import rounds
from . import hygiene, systems
from .context import ScenarioEntry, SubmitterTree


def submitters(ctx):
    for division in hygiene.check_root(ctx):
        dpath = os.path.join(ctx.root, division)
        hygiene.check_division_dir(ctx, dpath)
        for name in sorted(os.listdir(dpath)):
            path = os.path.join(dpath, name)
            if os.path.isdir(path):
                yield SubmitterTree(division=division, submitter=name, path=path)


def load_model_mapping(ctx, tree):
    path = os.path.join(tree.path, "model_mapping.json")
    if not os.path.exists(path):
        return {}
    if tree.division != "open":
        ctx.report.error("model.mapping-closed", ctx.rel(path), "model_mapping.json is only allowed in the open division")
    try:
        with open(path, encoding="utf-8") as f:
            mapping = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        ctx.report.error("model.mapping", ctx.rel(path), f"not valid JSON: {e}")
        return {}
    if not isinstance(mapping, dict):
        ctx.report.error("model.mapping", ctx.rel(path), "must be a JSON object {custom model: official model}")
        return {}
    return mapping


def resolve_model(ctx, tree, model_dir, path):
    model = ctx.rules.model(model_dir)
    if model is None and tree.division == "open" and model_dir in tree.model_mapping:
        model = ctx.rules.model(tree.model_mapping[model_dir])
    if model is None:
        hint = " (open division: map it in model_mapping.json)" if tree.division == "open" else ""
        ctx.report.error("model.unknown", ctx.rel(path),
                         f"'{model_dir}' is not a {ctx.rules.version} benchmark this checker knows{hint}")
    return model


def scenario_entries(ctx, tree):
    """Yield ScenarioEntry for every results/<system>/<model>/<Scenario> of a submitter."""
    results = os.path.join(tree.path, "results")
    if not os.path.isdir(results):
        # The official checkers skip such a submitter silently; a tree without results is no submission.
        ctx.report.error("layout.results", ctx.rel(results), "no results folder", official=False)
        return
    v6 = ctx.rules.layout == "v6"
    for system in sorted(os.listdir(results)):
        sys_results = os.path.join(results, system)
        if not os.path.isdir(sys_results):
            ctx.report.error("layout.results", ctx.rel(sys_results), "results/ may only contain system folders")
            continue
        desc = systems.load_system_json(ctx, tree, system)
        tree.systems[system] = desc
        system_type = rounds.normalize_system_type((desc or {}).get("system_type", ""))
        for model_dir in sorted(os.listdir(sys_results)):
            mpath = os.path.join(sys_results, model_dir)
            if not os.path.isdir(mpath):
                continue
            model = resolve_model(ctx, tree, model_dir, mpath)
            found = []
            for scen_dir in sorted(os.listdir(mpath)):
                spath = os.path.join(mpath, scen_dir)
                if not os.path.isdir(spath):
                    continue
                scenario = scen_dir if scen_dir in rounds.SCENARIOS else rounds.SCENARIO_BY_LOWER.get(scen_dir)
                if scenario is None:
                    ctx.report.error("layout.scenario", ctx.rel(spath), f"'{scen_dir}' is not an MLPerf scenario")
                    continue
                found.append(scenario)
                tail = (system, model_dir, scen_dir)
                yield ScenarioEntry(
                    tree=tree, system=system, model_dir=model_dir, model=model, scenario_dir=scen_dir,
                    scenario=scenario, results_dir=spath, system_type=system_type,
                    measurements_dir=spath if v6 else os.path.join(tree.path, "measurements", *tail),
                    compliance_dir=spath if v6 else os.path.join(tree.path, "compliance", *tail))
            check_required_scenarios(ctx, tree, mpath, model, system_type, found)


def check_required_scenarios(ctx, tree, model_path, model, system_type, found):
    if model is None or system_type not in rounds.VALID_SYSTEM_TYPES:   # a bad system_type is reported already
        return
    required = model.required_scenarios.get(system_type)
    if required is None:   # every division: the model must be a benchmark of this system type
        ctx.report.error("scenarios.system-type", ctx.rel(model_path),
                         f"{model.name} is not a {ctx.rules.version} benchmark for system_type '{system_type}'")
        return
    if tree.division == "open":   # open may submit any subset of scenarios
        return
    missing = [s for s in required if s not in found]
    if missing:
        ctx.report.error("scenarios.missing", ctx.rel(model_path),
                         f"{tree.division} {system_type} {model.name} needs scenario(s) {', '.join(missing)} "
                         f"(required: {', '.join(required)})")
    extra = [s for s in found if s not in required]
    if extra:
        ctx.report.error("scenarios.extra", ctx.rel(model_path),
                         f"scenario(s) {', '.join(extra)} are neither required nor optional for {system_type}")


def check_code_dir(ctx, tree, model_dirs):
    code = os.path.join(tree.path, ctx.rules.code_dir)
    if ctx.rules.layout == "v6":
        if not os.path.isdir(code):
            ctx.report.error("layout.src", ctx.rel(code), "src/ folder is required")
        return
    for model_dir in sorted(model_dirs):
        mcode = os.path.join(code, model_dir)
        if os.path.isfile(mcode):
            with open(mcode, encoding="utf-8", errors="replace") as f:
                target = f.read().strip()
            if not os.path.isdir(os.path.join(code, target)):
                ctx.report.error("layout.code", ctx.rel(mcode), f"points at code/{target}, which does not exist")
        elif not os.path.isdir(mcode) or not os.listdir(mcode):
            ctx.report.error("layout.code", ctx.rel(mcode), f"code/{model_dir} must exist and not be empty")

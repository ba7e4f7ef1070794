"""Experiment steps as report Results, so every report kind (sweep charts, top N beside published
rows) works on measured steps too."""
import os

from cmperf.report.errors import NoDataError
from cmperf.report.results import Result

from .steps import load_steps


def steps_as_results(path, model=None):
    """One Result per result of every successful step under ``path``. The model is the result's
    own ``model`` (from cm-result.json), else an explored MODEL variable, else ``model``, else the
    artifact's directory name. Explored variables become columns (``r.get('BATCH')``). Replays are
    left out: they check a step, they are not another point of the sweep."""
    results = []
    for step in load_steps(path):
        if step["status"] != "ok" or step.get("replay_of"):
            continue   # failed steps have no figure; a replay re-measures a step already counted
        variables = step.get("variables", {})
        for entry in step["results"]:
            if entry.get("kind", "performance") != "performance":
                continue
            name = entry.get("model") or variables.get("MODEL") or variables.get("model") or model \
                or os.path.basename(os.path.dirname(os.path.dirname(step["path"])))
            extra = {**{k: v for k, v in entry.items() if k not in ("value", "scenario", "model")},
                     **variables, "step": step["step"]}
            results.append(Result(
                model=str(name), scenario=entry["scenario"], value=float(entry["value"]),
                system_name=step.get("provenance", {}).get("host", "this machine"),
                system_id=f"{step['path']}#{entry.get('log_dir', '')}", division="experiment",
                framework=str(entry.get("backend", variables.get("BACKEND", ""))),
                origin="experiment", source=step["path"], extra=extra))
    if not results:
        raise NoDataError(f"no successful experiment step with results under {path}")
    return results

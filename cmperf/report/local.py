"""Results of local runs: an MLPerf results directory (docs/architecture.md layout) as Results.

``<results_dir>/<sut>/<model>/<scenario>/performance/run_1/mlperf_log_summary.txt`` gives the value,
``<results_dir>/<sut>/cm-sut-info.json`` the system facts.
"""
import json
import os

from ..core.jsonio import load_json_object
from .errors import DataError, NoDataError
from .loadgen_logs import SUMMARY, read_run
from .results import Result


def _sut_info(sut_dir):
    return load_json_object(os.path.join(sut_dir, "cm-sut-info.json"), "SUT description",
                            error=DataError, missing={})


def run_label(run_dir, run):
    """'test run: N queries, not a benchmark result' or 'valid run: N queries': how a local figure was
    measured, shown next to it wherever it stands beside published results."""
    facts = {}
    path = os.path.join(run_dir, "run.json")
    if os.path.isfile(path):
        try:
            with open(path, encoding="utf-8") as f:
                facts = json.load(f)
        except (OSError, json.JSONDecodeError):
            facts = {}
    style = facts.get("run_style")
    settings = (facts.get("result") or {}).get("settings") or {}
    n = facts.get("samples_completed")
    if style is None:   # logs from elsewhere: a fixed query count and no minimum duration is a test
        test = settings.get("min_duration_ms") == 0 or run["summary"].get("Min duration satisfied") == "NO"
        style = "test" if test else "performance"
    count = f"{n} queries" if n is not None else "query count unknown"
    return f"test run: {count}, not a benchmark result" if style == "test" else f"{style} run: {count}"


def read_results_dir(results_dir, model_as=None, origin="local"):
    """Every performance run under results_dir as a Result. ``model_as`` maps local model names to
    the published benchmark they stand in for (e.g. {"digits-mlp": "resnet50"})."""
    if not os.path.isdir(results_dir):
        raise DataError(f"results directory not found: {results_dir}")
    model_as = model_as or {}
    results = []
    for sut in sorted(os.listdir(results_dir)):
        sut_dir = os.path.join(results_dir, sut)
        if not os.path.isdir(sut_dir):
            continue
        info = _sut_info(sut_dir)
        for model in sorted(os.listdir(sut_dir)):
            model_dir = os.path.join(sut_dir, model)
            if not os.path.isdir(model_dir):
                continue
            for scenario in sorted(os.listdir(model_dir)):
                run_dir = os.path.join(model_dir, scenario, "performance", "run_1")
                if not os.path.isfile(os.path.join(run_dir, SUMMARY)):
                    continue
                run = read_run(run_dir)
                framework = " ".join(x for x in (info.get("framework"), info.get("framework_version"))
                                     if x)
                n_accel = info.get("accelerators_per_node")
                results.append(Result(
                    model=model_as.get(model, model), scenario=run["scenario"], value=run["value"],
                    system_name=info.get("system_name") or sut, system_id=sut, division=origin,
                    submitter=info.get("submitter", ""),
                    accelerator=info.get("accelerator_model_name") or None,
                    accelerators_per_node=int(n_accel) if str(n_accel or "").isdigit() else None,
                    host_processor=info.get("host_processor_model_name", ""), framework=framework,
                    origin=origin, source=os.path.join(run_dir, SUMMARY),
                    extra={"valid": run["valid"], "local_model": model, "run": run_label(run_dir, run),
                           "implementation": info.get("implementation", ""),
                           "device": info.get("device", ""), "backend": info.get("framework", "")}))
    if not results:
        raise NoDataError(f"no performance run (<sut>/<model>/<scenario>/performance/run_1/{SUMMARY}) "
                          f"under {results_dir}")
    return results

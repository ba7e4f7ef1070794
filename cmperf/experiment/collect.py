"""Results a step's command left behind: LoadGen logs anywhere under the step directory and/or a
cm-result.json (a JSON object or a list of objects) that the command wrote. Objects of
cm-result.json with a ``value`` (and ``scenario``) are results; the others are facts about the run
(model, backend, ...) merged into every result of the step."""
import json
import os
import re

from cmperf.report.errors import DataError
from cmperf.report.loadgen_logs import SUMMARY, read_run

CM_RESULT = "cm-result.json"
# <sut>/<model>/<scenario>/performance/run_N: the MLPerf results directory layout (architecture.md)
RESULTS_LAYOUT = re.compile(r"(?:^|/)(?P<sut>[^/]+)/(?P<model>[^/]+)/"
                            r"(?P<scenario>offline|singlestream|multistream|server)/performance/run_\d+$",
                            re.IGNORECASE)
COMPLIANCE = re.compile(r"(?:^|/)TEST\d+(?:/|$)")
KEEP = ("scenario", "value", "metric_source", "valid", "early_stopping", "mode", "loadgen_version")


def _layout_facts(run_dir, rel):
    """model, sut (and backend/device from cm-sut-info.json) of a run in the results layout."""
    m = RESULTS_LAYOUT.search(rel.replace(os.sep, "/"))
    if not m:
        return {}
    facts = {"model": m.group("model"), "sut": m.group("sut")}
    info_path = os.path.join(run_dir, "..", "..", "..", "..", "cm-sut-info.json")
    if os.path.isfile(info_path):
        try:
            with open(info_path, encoding="utf-8") as f:
                info = json.load(f)
        except json.JSONDecodeError as e:
            raise DataError(f"{os.path.normpath(info_path)}: not valid JSON ({e})") from None
        for key, name in (("framework", "backend"), ("device", "device"),
                          ("implementation", "implementation")):
            if isinstance(info, dict) and info.get(key):
                facts[name] = info[key]
    return facts


def collect(step_dir):
    """A list of result dicts; DataError names the file when one is malformed."""
    results = []
    for root, dirs, files in os.walk(step_dir):
        dirs.sort()
        if SUMMARY in files:
            run = read_run(root)
            entry = {k: run[k] for k in KEEP if k in run}
            entry["log_dir"] = os.path.relpath(root, step_dir)
            # only performance runs are points of a sweep; accuracy and compliance runs are kept too
            entry["kind"] = "compliance" if COMPLIANCE.search(entry["log_dir"].replace(os.sep, "/")) \
                else "accuracy" if run.get("mode", "").lower().startswith("accuracy") else "performance"
            entry.update(_layout_facts(root, entry["log_dir"]))
            results.append(entry)
    path = os.path.join(step_dir, CM_RESULT)
    if os.path.isfile(path):
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
        except json.JSONDecodeError as e:
            raise DataError(f"{path}: not valid JSON ({e})") from None
        items = data if isinstance(data, list) else [data]
        if not all(isinstance(x, dict) for x in items):
            raise DataError(f"{path}: expected a JSON object or a list of objects")
        meta = {}
        for item in items:
            if "value" not in item:
                meta.update(item)       # facts about the run (model, backend, ...), no figure
                continue
            if not isinstance(item["value"], (int, float)) or isinstance(item["value"], bool):
                raise DataError(f"{path}: 'value' must be a number, not {item['value']!r}")
            if "scenario" not in item:
                raise DataError(f"{path}: a result with a 'value' needs a 'scenario'")
            results.append({**item, "log_dir": CM_RESULT})
        results = [{**meta, **r} for r in results]
    return results

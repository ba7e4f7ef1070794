"""Measurements: README.md, user.conf, mlperf.conf (v3.1), the measurements json and its keys."""
import json
import os

from .. import rounds


def _nonempty_file(ctx, path, rule, why=""):
    if not os.path.isfile(path):
        ctx.report.error(rule, ctx.rel(path), "required file is missing" + why)
        return False
    if os.path.getsize(path) == 0:
        ctx.report.error(rule, ctx.rel(path), "required file is empty" + why)
        return False
    return True


def measurements_json_path(ctx, entry):
    """v3.1: the single <system>_<impl>_<Scenario>.json; v6: measurements.json."""
    mdir = entry.measurements_dir
    if ctx.rules.layout == "v6":
        return os.path.join(mdir, "measurements.json")
    if not os.path.isdir(mdir):
        return None
    found = sorted(f for f in os.listdir(mdir) if f.startswith(entry.system + "_") and f.endswith(".json"))
    if len(found) > 1:
        ctx.report.error("measurements.json-ambiguous", ctx.rel(mdir),
                         "more than one <system>_<impl>_<Scenario>.json: " + ", ".join(found))
    if found and not found[0].endswith(f"_{entry.scenario_dir}.json"):
        # The official checker also takes <system>*.json; the implementation name would then be lost.
        ctx.report.error("measurements.json-name", ctx.rel(os.path.join(mdir, found[0])),
                         f"name must be {entry.system}_<impl>_{entry.scenario_dir}.json", official=False)
    return os.path.join(mdir, found[0]) if found else os.path.join(mdir, f"{entry.system}_<impl>_{entry.scenario_dir}.json")


def check_measurements(ctx, entry):
    mdir = entry.measurements_dir
    if not os.path.isdir(mdir):
        ctx.report.error("measurements.dir", ctx.rel(mdir), "no measurements folder for this result")
        return
    _nonempty_file(ctx, os.path.join(mdir, "README.md"), "measurements.readme")
    _nonempty_file(ctx, os.path.join(mdir, "user.conf"), "measurements.user-conf")
    if ctx.rules.mlperf_conf_required:
        _nonempty_file(ctx, os.path.join(mdir, "mlperf.conf"), "measurements.mlperf-conf",
                       f" ({ctx.rules.version} requires mlperf.conf)")
    path = measurements_json_path(ctx, entry)
    if path is None or not os.path.isfile(path):
        ctx.report.error("measurements.json", ctx.rel(path or mdir), "measurements json is missing")
        return
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        ctx.report.error("measurements.json", ctx.rel(path), f"not valid JSON: {e}")
        return
    missing = [k for k in rounds.MEASUREMENTS_JSON_KEYS if str(data.get(k, "")).strip() == ""]
    if missing:
        ctx.report.error("measurements.json-fields", ctx.rel(path), "missing or empty: " + ", ".join(missing))

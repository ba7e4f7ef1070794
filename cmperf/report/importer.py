"""Read published MLPerf results from CSV (the cm4mlperf-results column format).

The reader is driven by column names, not positions, so a newer round's CSV with more, fewer or
reordered columns imports as long as it has the required ones. Every problem names the file and
the line.
"""
import csv
import os

from .errors import DataError, ReportError
from .results import Result, canonical_scenario

# attribute -> accepted column names, first match wins
COLUMNS = {
    "model": ("model", "benchmark_model"),
    "scenario": ("scenario",),
    "value": ("result",),
    "system_name": ("system_name", "system"),
    "system_id": ("system_id",),
    "division": ("division",),
    "submitter": ("submitter",),
    "metric": ("metric",),
    "units": ("result_units", "units"),
    "accelerator": ("accelerator",),
    "accelerators_per_node": ("accelerators_per_node",),
    "host_processor": ("host_processor",),
    "framework": ("framework",),
    "power": ("power_submission",),
    "power_value": ("power_result",),
    "power_units": ("power_units",),
    "inferred": ("inferred",),
    "round": ("version", "round"),
    "results_path": ("results_path_in_inference_results_v3.1", "results_path"),
}
REQUIRED = ("model", "scenario", "value")
NO_ACCELERATOR = {"", "n/a", "na", "none", "-"}
YES = {"yes", "true", "1", "y"}


def _column_map(header):
    found = {}
    for attr, names in COLUMNS.items():
        for name in names:
            if name in header:
                found[attr] = name
                break
    return found


def _float(text, what, where):
    try:
        return float(text)
    except (TypeError, ValueError):
        raise DataError(f"{where}: {what} {text!r} is not a number") from None


def _row_to_result(row, cols, where, round_name):
    get = {attr: (row.get(col) or "").strip() for attr, col in cols.items()}
    for attr in REQUIRED:
        if not get.get(attr):
            raise DataError(f"{where}: empty {cols[attr]!r}")
    if not get.get("system_name") and not get.get("system_id"):
        raise DataError(f"{where}: a row needs a system_name or a system_id")
    try:
        scenario = canonical_scenario(get["scenario"])
    except ReportError as e:
        raise DataError(f"{where}: {e}") from None
    value = _float(get["value"], "result", where)
    if value <= 0:
        raise DataError(f"{where}: result {value} must be positive")

    division = get.get("division", "")
    power = get.get("power", "").lower() in YES
    if division.endswith("-power"):          # raw cm4mlperf-results divisions: closed-power, open-power
        division, power = division[: -len("-power")], True
    results_path = get.get("results_path", "")
    if not division and results_path:         # e.g. open/CTuning/results/<sut>/<model>/offline
        division = results_path.split("/", 1)[0]

    accel = get.get("accelerator", "")
    n_accel = get.get("accelerators_per_node", "")
    power_value = get.get("power_value", "")
    used = set(cols.values())
    extra = {k: v for k, v in row.items() if k not in used and k is not None}
    return Result(
        model=get["model"], scenario=scenario, value=value,
        system_name=get.get("system_name") or get["system_id"], system_id=get.get("system_id", ""),
        division=division, submitter=get.get("submitter", ""), metric=get.get("metric", ""),
        units=get.get("units", ""),
        accelerator=None if accel.lower() in NO_ACCELERATOR else accel,
        accelerators_per_node=int(_float(n_accel, "accelerators_per_node", where)) if n_accel else None,
        host_processor=get.get("host_processor", ""), framework=get.get("framework", ""),
        power=power, power_value=_float(power_value, "power_result", where) if power_value else None,
        power_units=get.get("power_units", ""), inferred=get.get("inferred", "").lower() in YES,
        round=get.get("round") or round_name, origin="published", source=where,
        results_path=results_path, extra=extra,
    )


def read_csv(path, round_name=""):
    """All results of one CSV file, in file order. Raise DataError for a missing or malformed file."""
    if not os.path.isfile(path):
        raise DataError(f"results file not found: {path}")
    try:
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            header = reader.fieldnames or []
            cols = _column_map(header)
            missing = [COLUMNS[a][0] for a in REQUIRED if a not in cols]
            if not header:
                raise DataError(f"{path}: empty file, expected a CSV header")
            if missing:
                raise DataError(f"{path}: missing column(s) {', '.join(missing)}; "
                                f"the header has: {', '.join(header)}")
            results = []
            for line, row in enumerate(reader, start=2):
                if None in row:
                    raise DataError(f"{path}:{line}: more fields than the header has")
                if not any((v or "").strip() for v in row.values()):
                    continue  # blank line
                results.append(_row_to_result(row, cols, f"{path}:{line}", round_name))
    except UnicodeDecodeError as e:
        raise DataError(f"{path}: not a UTF-8 text CSV ({e})") from None
    except csv.Error as e:
        raise DataError(f"{path}: malformed CSV ({e})") from None
    if not results:
        raise DataError(f"{path}: no result rows")
    return results

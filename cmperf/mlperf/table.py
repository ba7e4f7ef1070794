"""The result table printed at the end of each run.

A test-style run (a few queries, min_duration 0) is never shown as a bare figure: its value and
validity carry "test run: N queries, not a benchmark result".
"""
from tabulate import tabulate

HEADERS = ["Model", "Scenario", "Mode", "Metric", "Value", "Validity", "Accuracy"]


def _fmt_value(v):
    if v is None:
        return "-"
    return f"{v:.3f}" if abs(v) < 1000 else f"{v:.1f}"


def test_label(record):
    """'test run: N queries, not a benchmark result' for a test-style record, else ''."""
    if record.get("run_style") != "test":
        return ""
    n = record.get("samples")
    return f"test run: {n} queries, not a benchmark result" if n is not None else \
        "test run, not a benchmark result"


def rows(records):
    out = []
    for r in records:
        res = r["result"]
        acc = r.get("accuracy")
        perf = res["mode"] == "performance"
        label = test_label(r) if perf else ""
        value = _fmt_value(res["value"]) if perf else "-"
        validity = res["validity"] if not res["invalid_reasons"] else \
            f"{res['validity']}: {'; '.join(res['invalid_reasons'])[:120]}"
        if label:
            value, validity = f"{value} ({label})", f"{validity} (test run)"
        out.append([r["model"], res["scenario"], res["mode"],
                    f"{res['metric']} ({res['unit']})" if perf else r.get("accuracy_metric") or "top-1",
                    value, validity, f"{acc:.3f}%" if acc is not None else "-"])
    return out


def render(records, fmt="github"):
    text = tabulate(rows(records), headers=HEADERS, tablefmt=fmt)
    notes = [f"- {r['model']} {r['result']['scenario']} {r['result']['mode']}: {n}"
             for r in records for n in r["result"].get("notes", [])]
    notes += [f"- {r['model']} {r['result']['scenario']}: target {r['target']['value']:g} from {r['target']['source']}"
              for r in records if r.get("target") and r["result"]["mode"] == "performance"]
    return text + ("\nNotes:\n" + "\n".join(notes) if notes else "")

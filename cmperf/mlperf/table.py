"""The result table printed at the end of each run."""
from tabulate import tabulate

HEADERS = ["Model", "Scenario", "Mode", "Metric", "Value", "Validity", "Accuracy"]


def _fmt_value(v):
    if v is None:
        return "-"
    return f"{v:.3f}" if abs(v) < 1000 else f"{v:.1f}"


def rows(records):
    out = []
    for r in records:
        res = r["result"]
        acc = r.get("accuracy")
        out.append([r["model"], res["scenario"], res["mode"],
                    f"{res['metric']} ({res['unit']})" if res["mode"] == "performance"
                    else r.get("accuracy_metric") or "top-1",
                    _fmt_value(res["value"]) if res["mode"] == "performance" else "-",
                    res["validity"] if not res["invalid_reasons"] else
                    f"{res['validity']}: {'; '.join(res['invalid_reasons'])[:120]}",
                    f"{acc:.3f}%" if acc is not None else "-"])
    return out


def render(records, fmt="github"):
    text = tabulate(rows(records), headers=HEADERS, tablefmt=fmt)
    notes = [f"- {r['model']} {r['result']['scenario']} {r['result']['mode']}: {n}"
             for r in records for n in r["result"].get("notes", [])]
    return text + ("\nNotes:\n" + "\n".join(notes) if notes else "")

"""Result summaries: a terminal table, summary.csv, summary.md."""
import csv
import io
import os

from tabulate import tabulate

COLUMNS = ("system", "model", "scenario", "metric", "result", "accuracy", "validity", "inferred", "checker")


def _rows(results):
    for r in results:
        value = "" if r.value is None else f"{r.value:.6g}"
        # Models report different accuracy metrics (top-1 for resnet, F1 for bert): name it.
        accuracy = f"{r.accuracy_metric} {r.accuracy}" if r.accuracy and r.accuracy_metric else r.accuracy
        yield (r.system, r.model if r.model == r.mlperf_model or not r.mlperf_model
               else f"{r.model} ({r.mlperf_model})", r.scenario, r.metric, value, accuracy, r.validity,
               "yes" if r.inferred else "", "ok" if r.ok else "errors")


def format_table(results, fmt="simple"):
    return tabulate(list(_rows(results)), headers=COLUMNS, tablefmt=fmt)


def _atomic_write(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    os.replace(tmp, path)


def write_summaries(results, out_dir, prefix=""):
    """Write summary.csv and summary.md into out_dir; returns their paths."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(COLUMNS)
    w.writerows(_rows(results))
    csv_path = os.path.join(out_dir, prefix + "summary.csv")
    md_path = os.path.join(out_dir, prefix + "summary.md")
    _atomic_write(csv_path, buf.getvalue())
    _atomic_write(md_path, "# MLPerf submission summary\n\n" + format_table(results, "github") + "\n")
    return csv_path, md_path

"""Tables of rankings and comparisons: plain rows, rendered as text (tabulate) or HTML."""
from dataclasses import dataclass, field

from tabulate import tabulate

from .rankings import Comparison
from .results import metric_label


@dataclass
class Table:
    title: str
    headers: list
    rows: list
    notes: list = field(default_factory=list)

    def text(self):
        body = tabulate(self.rows, headers=self.headers, tablefmt="github", floatfmt="g",
                        disable_numparse=True)
        notes = "".join(f"\n{n}" for n in self.notes)
        return f"{self.title}\n\n{body}{notes}\n"

    def html(self):
        # tabulate's "html" format escapes cell text
        return tabulate(self.rows, headers=self.headers, tablefmt="html", disable_numparse=True)


def fmt(value):
    """Numbers as published: up to 6 significant digits, no exponent for usual magnitudes."""
    if value is None:
        return ""
    return f"{value:.6g}" if abs(value) < 1e6 else f"{value:.0f}"


def ranking_table(ranked, title, per_accelerator=False):
    scenario = ranked[0].result.scenario
    value_header = metric_label(scenario) + (" per accelerator" if per_accelerator else "")
    headers = ["rank", "system", "submitter", "accelerator", "n"] + \
        (["result"] if per_accelerator else []) + [value_header, "power", "origin"]
    rows = []
    for x in ranked:
        r = x.result
        row = [str(x.rank), r.label, r.submitter, r.accelerator or "-",
               "" if r.accelerators_per_node is None else str(r.accelerators_per_node)]
        if per_accelerator:
            row.append(fmt(r.value))
        row += [fmt(x.value), f"{fmt(r.power_value)} {r.power_units}" if r.power else "", r.origin]
        rows.append(row)
    return Table(title, headers, rows)


def comparison_table(cmp: Comparison, title):
    headers = ["model", "scenario"] + list(cmp.columns) + ["best", "best vs worst"]
    rows = []
    for model, scenario, cells in cmp.rows:
        best = cmp.best_column(cells, scenario)
        values = [c.value for c in cells.values()]
        spread = max(values) / min(values)
        rows.append([model, scenario] + [fmt(cells[c].value) if c in cells else "-" for c in cmp.columns]
                    + [best, f"{spread:.2f}x" if len(cells) > 1 else "-"])
    notes = ["Offline: samples/s (higher is better); SingleStream p90 / MultiStream p99 latency in ms "
             "(lower is better). A cell with several results shows the best one."]
    return Table(title, headers, rows, notes)


def leads_table(leads, title):
    headers = ["model", "scenario", "winner", "result", "runner-up", "result ", "lead"]
    rows = [[l.model, l.scenario, l.winner.system_name, fmt(l.winner.value),
             l.runner_up.system_name if l.runner_up else "-",
             fmt(l.runner_up.value) if l.runner_up else "-",
             f"{l.ratio:.2f}x" if l.ratio else "-"] for l in leads]
    return Table(title, headers, rows)


def series_table(series, x_name, y_label, title, higher_is_better=True):
    """series: {name: [(x, y), ...]} as one row per series, one column per x."""
    xs = sorted({x for points in series.values() for x, _ in points})
    headers = ["series"] + [f"{x_name}={x:g}" for x in xs] + ["best " + x_name]
    rows = []
    for name, points in series.items():
        by_x = dict(points)
        best = (max if higher_is_better else min)(points, key=lambda p: p[1])[0]
        rows.append([name] + [fmt(by_x.get(x)) if x in by_x else "-" for x in xs] + [f"{best:g}"])
    return Table(title, headers, rows, [y_label])

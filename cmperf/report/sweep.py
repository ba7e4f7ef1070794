"""Design-space exploration charts: a metric against an explored variable, one line per series.

Works on any results that carry the variable as a column: published rows (DeepSparse
``max_batchsize``) or experiment steps (the explored variables of each step).
"""
import os

from . import charts, tables
from .errors import NoDataError, ReportError
from .html import Section
from .kinds import describe, slug
from .results import canonical_scenario, higher_is_better, metric_label


def series_of(results, x, series_by, scenario):
    """{series name: [(x, value), ...]}; results without a numeric ``x`` are skipped."""
    scenario = canonical_scenario(scenario)
    out = {}
    for r in results:
        if r.scenario != scenario:
            continue
        raw = r.get(x)
        if raw is None:
            continue
        try:
            xv = float(raw)
        except (TypeError, ValueError):
            raise ReportError(f"{r.source or r.system_name}: {x}={raw!r} is not a number; "
                              "a sweep chart needs a numeric variable") from None
        name = str(r.get(series_by, "?")) if isinstance(series_by, str) else \
            " / ".join(str(r.get(s, "?")) for s in series_by)
        out.setdefault(name, []).append((xv, r.value))
    for name, points in out.items():
        xs = [p[0] for p in points]
        if len(xs) != len(set(xs)):
            raise ReportError(f"series {name!r} has several results for one {x} value; "
                              "split it with another series column")
        points.sort()
    return out


def sweep(results, x, series_by, out_dir, title, scenario="Offline", name=None):
    scenario = canonical_scenario(scenario)
    series = series_of(results, x, series_by, scenario)
    if not series:
        raise NoDataError(f"no {scenario} results with a {x!r} value to plot for {title!r}")
    hib = higher_is_better(scenario)
    pick = max if hib else min
    statements = []
    for s, points in sorted(series.items()):
        bx, by = pick(points, key=lambda p: p[1])
        wx, wy = (min if hib else max)(points, key=lambda p: p[1])
        ratio = by / wy if hib else wy / by
        apart = f"{ratio - 1:.1%} apart" if ratio < 2 else f"{ratio:.1f}x apart"
        statements.append(f"{s}: best {x}={bx:g} with {describe(by, scenario)}; "
                          f"worst {x}={wx:g} ({describe(wy, scenario)}), {apart}.")
    name = name or slug("sweep", x, scenario)
    y_label = metric_label(scenario)
    chart = [charts.series_chart(series, x, y_label, title, os.path.join(out_dir, name + ".png"),
                                 scenario)] if out_dir else []
    table = tables.series_table(series, x, y_label, title, hib)
    return Section(name, title, statements, [table], chart)

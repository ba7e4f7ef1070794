"""The report kinds: each builds a Section (statements, table, chart) from a store.

- ``top``: the best N systems of a benchmark and scenario (local/experiment results ranked among them)
- ``per_accelerator``: Offline throughput divided by the accelerator count
- ``compare``: one column of results (implementation, framework, backend) side by side on results
  that share a filter (same accelerator, same system)
"""
import os
import re

from . import charts, rankings, tables
from .html import Section
from .results import canonical_scenario, higher_is_better

UNIT_WORDS = {"Offline": "samples/s", "Server": "samples/s", "SingleStream": "ms", "MultiStream": "ms"}


def slug(*parts):
    return re.sub(r"[^A-Za-z0-9.]+", "-", "-".join(str(p) for p in parts)).strip("-").lower()


def _chart(out_dir, name, draw, data, title, **kw):
    """[PNG path] of a chart drawn into out_dir, or [] when no output directory was asked for."""
    if not out_dir:
        return []
    return [draw(data, title, os.path.join(out_dir, name + ".png"), **kw)]


def describe(value, scenario):
    scenario = canonical_scenario(scenario)
    if scenario in ("SingleStream", "MultiStream"):
        pct = "p90" if scenario == "SingleStream" else "p99"
        return f"{value:.6g} ms ({pct} latency)"
    return f"{value:.6g} samples/s"


def winner_statement(ranked_first, model, scenario, division, per_accelerator=False):
    """'X has the best closed Offline resnet50 result: N samples/s' from rank-1 results."""
    names = " and ".join(f"{x.result.system_name} ({x.result.submitter})" if x.result.submitter
                         else x.result.system_name for x in ranked_first)
    what = "result per accelerator" if per_accelerator else "result"
    verb = "share" if len(ranked_first) > 1 else "has"
    return f"{names} {verb} the best {division} {scenario} {model} {what}: " \
           f"{describe(ranked_first[0].value, scenario)}."


def top(store, model, scenario, out_dir, division="closed", n=10, extra=()):
    scenario = canonical_scenario(scenario)
    ranked = rankings.top(store, model, scenario, division, n, extra)
    title = f"Top {n} {division} {model} {scenario}"
    statements = [winner_statement([x for x in ranked if x.rank == 1], model, scenario, division)]
    total = len(store.select(model=model, scenario=scenario, division=division)) + len(extra)
    for x in ranked:
        if x.result.origin != "published":
            statements.append(f"{x.result.label} would rank {x.rank} of {total}: "
                              f"{describe(x.value, scenario)}.")
    name = slug("top", division, model, scenario)
    return Section(name, title, statements, [tables.ranking_table(ranked, title)],
                   _chart(out_dir, name, charts.ranking_chart, ranked, title))


def per_accelerator(store, model, out_dir, scenario="Offline", division="closed", n=10):
    scenario = canonical_scenario(scenario)
    ranked = rankings.per_accelerator(store, model, scenario, division, n)
    title = f"Top {n} {division} {model} {scenario} per accelerator"
    first = [x for x in ranked if x.rank == 1]
    statements = [winner_statement(first, model, scenario, division, per_accelerator=True)
                  + f" Accelerator: {first[0].result.accelerator}."]
    name = slug("per-accelerator", division, model, scenario)
    return Section(name, title, statements, [tables.ranking_table(ranked, title, per_accelerator=True)],
                   _chart(out_dir, name, charts.ranking_chart, ranked, title, per_accelerator=True))


def compare(store, by, out_dir, title, models=None, scenarios=None, division=None, name=None,
            **filters):
    cmp = rankings.compare(store, by, models, scenarios, division, **filters)
    statements = []
    for model, scenario, cells in cmp.rows:
        if len(cells) < 2:
            continue
        best = cmp.best_column(cells, scenario)
        worst = (min if higher_is_better(scenario) else max)(cells, key=lambda c: cells[c].value)
        a, b = cells[best].value, cells[worst].value
        ratio = a / b if a >= b else b / a
        statements.append(f"{model} {scenario}: {best} is best with {describe(a, scenario)}, "
                          f"{ratio:.1f}x better than {worst} ({describe(b, scenario)}).")
    name = name or slug("compare", by, *filters.values())
    return Section(name, title, statements, [tables.comparison_table(cmp, title)],
                   _chart(out_dir, name, charts.comparison_chart, cmp, title))

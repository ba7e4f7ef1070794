"""Rankings computed from the data: top N, winners, per accelerator, side-by-side comparisons.

Ranks are competition ranks ("1224"): results with equal values share a rank. Latency scenarios
rank the smallest value first, throughput scenarios the largest.
"""
from dataclasses import dataclass, field

from .errors import NoDataError, ReportError
from .results import canonical_scenario, higher_is_better


@dataclass
class Ranked:
    rank: int
    result: object          # Result
    value: float            # the ranked value (the result, or the result per accelerator)


def rank(results, value=lambda r: r.value):
    """Rank results of one scenario, best first; ``value`` picks the figure that is compared."""
    results = list(results)
    if not results:
        return []
    scenarios = {r.scenario for r in results}
    if len(scenarios) > 1:
        raise ReportError(f"cannot rank results of different scenarios together: {sorted(scenarios)}")
    hib = higher_is_better(results[0].scenario)
    keyed = sorted(((value(r), r) for r in results),
                   key=lambda vr: (-vr[0] if hib else vr[0], vr[1].system_name, vr[1].system_id))
    ranked, prev, prev_rank = [], None, 0
    for i, (v, r) in enumerate(keyed, start=1):
        prev_rank = prev_rank if v == prev else i
        prev = v
        ranked.append(Ranked(prev_rank, r, v))
    return ranked


def top(store, model, scenario, division="closed", n=10, extra=()):
    """The best ``n`` results of a benchmark and scenario; ``extra`` results (local runs, experiment
    steps) are ranked among them and always shown."""
    published = store.require(model, scenario, division)
    ranked = rank(list(published) + list(extra))
    extra_ids = {id(r) for r in extra}
    return [x for x in ranked if x.rank <= n or id(x.result) in extra_ids]


def winners(store, model, scenario, division="closed"):
    """Every result ranked first (more than one only on an exact tie)."""
    return [x for x in rank(store.require(model, scenario, division)) if x.rank == 1]


def per_accelerator(store, model, scenario="Offline", division="closed", n=None):
    """Throughput divided by accelerators_per_node, for systems that state at least one accelerator."""
    scenario = canonical_scenario(scenario)
    if not higher_is_better(scenario):
        raise ReportError(f"performance per accelerator is a throughput figure; {scenario} reports "
                          "latency (use Offline)")
    results = [r for r in store.require(model, scenario, division)
               if r.accelerator and (r.accelerators_per_node or 0) >= 1]
    if not results:
        raise NoDataError(f"no {model} {scenario} result in division {division!r} states an "
                          "accelerator count of 1 or more")
    ranked = rank(results, value=lambda r: r.value / r.accelerators_per_node)
    return ranked if n is None else [x for x in ranked if x.rank <= n]


@dataclass
class Comparison:
    """Results side by side: one row per (model, scenario), one column per value of ``by``."""
    by: str
    columns: list
    rows: list = field(default_factory=list)   # [(model, scenario, {column: Result})]
    filters: dict = field(default_factory=dict)

    def best_column(self, cells, scenario):
        hib = higher_is_better(scenario)
        return (max if hib else min)(cells, key=lambda c: cells[c].value)


def compare(store, by, models=None, scenarios=None, division=None, **filters):
    """Compare the values of column ``by`` (implementation, framework, backend, ...) on results that
    share ``filters`` (e.g. accelerator=..., or system_name=...). When one cell holds several
    results (e.g. two versions of one backend) the best one is kept."""
    scenarios = [canonical_scenario(s) for s in scenarios] if scenarios else None
    chosen = [r for r in store.select(division=division, **filters)
              if (not models or r.model in models) and (not scenarios or r.scenario in scenarios)]
    chosen = [r for r in chosen if r.get(by)]
    if not chosen:
        what = ", ".join(f"{k}={v!r}" for k, v in filters.items()) or "any system"
        raise NoDataError(f"no results with a {by!r} value for {what}"
                          + (f", models {models}" if models else "")
                          + (f", scenarios {scenarios}" if scenarios else ""))
    cells = {}
    for r in chosen:
        cell = cells.setdefault((r.model, r.scenario), {})
        col = r.get(by)
        if col not in cell or r.better_than(cell[col]):
            cell[col] = r
    order = {"Offline": 0, "Server": 1, "SingleStream": 2, "MultiStream": 3}
    columns = sorted({r.get(by) for r in chosen})
    rows = [(m, s, cells[(m, s)]) for m, s in sorted(cells, key=lambda k: (k[0], order[k[1]]))]
    return Comparison(by=by, columns=columns, rows=rows, filters=dict(filters))


@dataclass
class Lead:
    model: str
    scenario: str
    winner: object       # Result
    runner_up: object    # Result or None

    @property
    def ratio(self):
        """How many times better the winner is than the runner-up (>1)."""
        if self.runner_up is None:
            return None
        a, b = self.winner.value, self.runner_up.value
        return a / b if self.winner.higher_is_better else b / a


def leads_of(store, system_name, scenario, division="closed"):
    """For every model where ``system_name`` ranks first: its lead over the best other system."""
    leads = []
    for model in store.models(scenario=scenario, division=division):
        ranked = rank(store.select(model=model, scenario=scenario, division=division))
        first = [x for x in ranked if x.rank == 1]
        if not any(x.result.system_name == system_name for x in first):
            continue
        mine = next(x.result for x in first if x.result.system_name == system_name)
        others = [x.result for x in ranked if x.result.system_name != system_name]
        leads.append(Lead(model, canonical_scenario(scenario), mine, others[0] if others else None))
    return leads


def rank_of(store, system_name, model, scenario, division="closed"):
    """(rank, result, number of ranked results) of a system's best result on a benchmark."""
    ranked = rank(store.require(model, scenario, division))
    for x in ranked:
        if x.result.system_name == system_name:
            return x.rank, x.result, len(ranked)
    raise NoDataError(f"{system_name!r} has no {model} {canonical_scenario(scenario)} result "
                      f"in division {division!r}")

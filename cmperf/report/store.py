"""A deduplicated collection of results, and where the shipped published results live.

MLPerf lists a power submission twice, in the performance table and in the power table
(cm4mlperf-results: divisions ``closed`` and ``closed-power``). Both rows describe one run, so the
store keeps one result per :attr:`Result.key` and prefers the row that carries the power figure.
"""
import json
import os

import yaml

from .errors import DataError, NoDataError
from .importer import read_csv
from .results import canonical_scenario

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA_REPO = os.path.join(ROOT, "cm-repo")
PUBLISHED_TAG = "published-results"


class ResultStore:
    def __init__(self, results=()):
        self._results = {}
        for r in results:
            self.add(r)

    def add(self, result):
        """Add one result, merging it with an existing power/non-power twin of the same key."""
        old = self._results.get(result.key)
        if old is None:
            self._results[result.key] = result
            return result
        if old.power == result.power:
            if old.value != result.value:
                raise DataError(
                    f"two different results for {result.system_name} {result.model} {result.scenario} "
                    f"({result.division}): {old.value} at {old.source} and {result.value} at "
                    f"{result.source}")
            return old
        keep, other = (result, old) if result.power else (old, result)
        keep.extra.setdefault("merged_from", other.source)
        if other.value != keep.value:
            keep.extra.setdefault("non_power_result", other.value)
        self._results[result.key] = keep
        return keep

    def extend(self, results):
        for r in results:
            self.add(r)
        return self

    def __iter__(self):
        return iter(self._results.values())

    def __len__(self):
        return len(self._results)

    def select(self, model=None, scenario=None, division=None, origin=None, **columns):
        """Results matching every given filter; ``columns`` compares :meth:`Result.get` values."""
        scenario = canonical_scenario(scenario) if scenario else None
        out = []
        for r in self:
            if model and r.model != model:
                continue
            if scenario and r.scenario != scenario:
                continue
            if division and r.division != division:
                continue
            if origin and r.origin != origin:
                continue
            if any(str(r.get(k, "")) != str(v) for k, v in columns.items()):
                continue
            out.append(r)
        return out

    def models(self, scenario=None, division=None):
        return sorted({r.model for r in self.select(scenario=scenario, division=division)})

    def require(self, model, scenario, division=None, **columns):
        """Like :meth:`select`, but an empty answer is an error that says what does exist."""
        found = self.select(model=model, scenario=scenario, division=division, **columns)
        if found:
            return found
        scenario = canonical_scenario(scenario)
        where = f" in division {division!r}" if division else ""
        extra = "".join(f", {k}={v!r}" for k, v in columns.items())
        have = self.models(scenario=scenario, division=division)
        hint = f"models with {scenario} results{where}: {', '.join(have)}" if have else \
            f"no {scenario} results at all{where}"
        raise NoDataError(f"no results for model {model!r}, scenario {scenario}{where}{extra}; {hint}")


def _registered_repos():
    """Paths of the CM repositories registered with cmind ($CM_REPOS/repos.json or ~/CM)."""
    home = os.environ.get("CM_REPOS") or os.path.join(os.path.expanduser("~"), "CM")
    try:
        with open(os.path.join(home, "repos.json"), encoding="utf-8") as f:
            return [p for p in json.load(f) if isinstance(p, str)]
    except (OSError, ValueError):
        return []


def published_sets(repo=DATA_REPO):
    """{name: (directory, meta)} of the published-results artifacts in the data CM repository.

    Without the checkout's cm-repo/ (a non-editable install), the registered CM repositories are
    searched instead: `cmperf-setup` registers cm-repo/ there."""
    sets = {}
    repos = [repo] if os.path.isdir(repo) or repo != DATA_REPO else _registered_repos()
    for r in repos:
        sets.update(_sets_in(r))
    return sets


def _sets_in(repo):
    sets = {}
    base = os.path.join(repo, "experiment")
    if not os.path.isdir(base):
        return sets
    for name in sorted(os.listdir(base)):
        meta_path = os.path.join(base, name, "_cm.yaml")
        if not os.path.isfile(meta_path):
            continue
        with open(meta_path, encoding="utf-8") as f:
            meta = yaml.safe_load(f) or {}
        if PUBLISHED_TAG in meta.get("tags", []):
            sets[name] = (os.path.join(base, name), meta)
    return sets


def published_csv(subset=None, round_name="v3.1", repo=DATA_REPO):
    """Path of the main CSV of a round, or of one of its named subsets."""
    for name, (path, meta) in published_sets(repo).items():
        if meta.get("round") != round_name:
            continue
        if subset is None:
            return os.path.join(path, meta["main_csv"])
        subsets = meta.get("subsets", {})
        if subset not in subsets:
            raise DataError(f"round {round_name} ({name}) has no subset {subset!r}; "
                            f"it has: {', '.join(sorted(subsets))}")
        return os.path.join(path, subsets[subset])
    have = sorted({m.get("round", "?") for _, m in published_sets(repo).values()})
    raise DataError(f"no published results for round {round_name!r} in {repo}; "
                    f"rounds available: {', '.join(have) or 'none'}")


def load_published(subset=None, round_name="v3.1", repo=DATA_REPO):
    """A store with one round's published results (the main CSV, or a named subset)."""
    return ResultStore(read_csv(published_csv(subset, round_name, repo), round_name))


def load_csvs(paths, round_name=""):
    store = ResultStore()
    for p in paths:
        store.extend(read_csv(p, round_name))
    return store

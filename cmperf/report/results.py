"""The Result record shared by published, local and experiment results, and scenario metrics."""
from dataclasses import dataclass, field
from typing import Optional

from ..mlperf import spec
from ..mlperf.errors import UnknownChoiceError
from .errors import ReportError

# The official metric of each scenario (the names cm4mlperf-results uses).
SCENARIO_METRIC = {
    "Offline": "throughput_samples_per_s",
    "Server": "throughput_samples_per_s",
    "SingleStream": "latency_ms_p90_early_stopping_estimate",
    "MultiStream": "latency_ms_p99_early_stopping_estimate",
}
SCENARIO_UNITS = {"Offline": "Samples/s", "Server": "Samples/s",
                  "SingleStream": "Latency (ms)", "MultiStream": "Latency (ms)"}


def _scenario(name):
    """The one Scenario type (cmperf.mlperf.spec), as a ReportError naming the scenario when unknown."""
    try:
        return spec.scenario(name)
    except UnknownChoiceError:
        raise ReportError(f"unknown scenario {name!r}: expected one of {', '.join(spec.SCENARIO_NAMES)}") from None


def canonical_scenario(name):
    """'offline' -> 'Offline'."""
    return _scenario(name).name


def higher_is_better(scenario):
    """Throughput scenarios rank the largest value first, latency scenarios the smallest."""
    return _scenario(scenario).higher_is_better


def metric_label(scenario):
    s = _scenario(scenario)
    if s.higher_is_better:
        return f"{s.unit} (higher is better)"
    return f"p{s.percentile:g} latency, {s.unit} (lower is better)"


@dataclass
class Result:
    """One performance result of one system on one benchmark (model) and scenario.

    ``origin`` says where it came from: ``published`` (an MLPerf round), ``local`` (an MLPerf results
    directory of this machine) or ``experiment`` (a step of an experiment sweep). Columns that have
    no attribute are kept in ``extra`` and reachable with :meth:`get`.
    """

    model: str
    scenario: str
    value: float
    system_name: str
    division: str = ""
    submitter: str = ""
    system_id: str = ""
    metric: str = ""
    units: str = ""
    accelerator: Optional[str] = None
    accelerators_per_node: Optional[int] = None
    host_processor: str = ""
    framework: str = ""
    power: bool = False
    power_value: Optional[float] = None
    power_units: str = ""
    inferred: bool = False
    round: str = ""
    origin: str = "published"
    source: str = ""          # file (and line) the result was read from
    results_path: str = ""    # results folder in the submission repository, when known
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        self.scenario = canonical_scenario(self.scenario)
        if not self.metric:
            self.metric = SCENARIO_METRIC[self.scenario]
        if not self.units:
            self.units = SCENARIO_UNITS[self.scenario]

    @property
    def key(self):
        """Identity of a result: a power and a non-power row with the same key are one result.

        The results folder identifies a published result exactly (open-division variants of one
        benchmark share model and system names); without it, the system and benchmark do."""
        if self.results_path:
            return (self.division, self.results_path.lower())
        return (self.division, self.submitter, self.system_id or self.system_name, self.model,
                self.scenario)

    @property
    def higher_is_better(self):
        return higher_is_better(self.scenario)

    @property
    def label(self):
        """A short display name: system name, plus the origin when it is not a published row."""
        if self.origin == "published":
            return self.system_name
        run = self.extra.get("run") if isinstance(self.extra, dict) else None
        return f"{self.system_name} ({self.origin}{', ' + run if run else ''})"

    def get(self, name, default=None):
        """An attribute or an extra column by name (``implementation``, ``max_batchsize``, ...)."""
        if name in self.__dataclass_fields__ and name != "extra":
            value = getattr(self, name)
            return default if value in (None, "") else value
        value = self.extra.get(name)
        return default if value in (None, "") else value

    def better_than(self, other):
        """Strictly better on this scenario's metric."""
        return self.value > other.value if self.higher_is_better else self.value < other.value

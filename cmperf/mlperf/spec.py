"""The typed MLPerf run: one ``Scenario`` type, ``ModelSpec`` and a frozen ``RunSpec``.

A request is turned into a RunSpec once (``RunSpec.build``), where every name and number is
checked; everything after that (user.conf, the harness process, accuracy, the results dir, the
table, the submission summary) reads fields, never strings or argv. One LoadGen test is a
``HarnessJob``: the harness process gets it as a JSON file (``harness.main JOB.json``), or as an
object (``harness.run_job(job)``).

A model is data (``registry.MODELS``) plus four plug points named by dotted paths, so a new
benchmark declares how it is fed and scored without editing the harness:
``qsl`` (``module:callable(model, dataset_dir, performance_sample_count) -> QSL``),
``response`` (an encoder kind or ``module:callable(model, qsl) -> encoder``),
``scorer`` (``module:callable(model, log_dir, dataset_dir, response_dtype) -> Score``) and
``rounds`` (the submission rounds whose rules its accuracy set can meet).
"""
import dataclasses
import importlib
import json
import math
import os
from typing import Optional

from ..core.jsonio import load_json_object
from .errors import ConfigError, UnknownChoiceError


# --- scenarios ---------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Scenario:
    """An MLPerf scenario and what its result is: metric, unit, which direction is better,
    and the user.conf target LoadGen needs to size the run."""
    name: str                   # "Offline", "SingleStream", ...
    metric: str                 # the result's metric key (LoadGenResult.metric)
    unit: str
    direction: str              # "higher" or "lower" is better
    target: str                 # "qps" or "latency": the user.conf key that sizes the run
    target_unit: str
    percentile: Optional[float] = None   # latency scenarios: the reported percentile

    @property
    def higher_is_better(self):
        return self.direction == "higher"

    @property
    def dirname(self):
        """The results/submission directory name (lower case)."""
        return self.name.lower()

    def better(self, a, b):
        """True when value ``a`` is a better result than ``b`` for this scenario."""
        return a > b if self.higher_is_better else a < b

    def __str__(self):
        return self.name


OFFLINE = Scenario("Offline", "samples_per_second", "samples/s", "higher", "qps", "samples/s")
SERVER = Scenario("Server", "completed_samples_per_second", "samples/s", "higher", "qps", "samples/s")
SINGLE_STREAM = Scenario("SingleStream", "p90_latency_ms", "ms", "lower", "latency", "ms", 90.0)
MULTI_STREAM = Scenario("MultiStream", "p99_latency_ms", "ms", "lower", "latency", "ms", 99.0)
SCENARIOS = {s.name: s for s in (OFFLINE, SINGLE_STREAM, MULTI_STREAM, SERVER)}
SCENARIO_NAMES = tuple(SCENARIOS)
MODES = ("performance", "accuracy")
RUN_STYLES = ("test", "fast", "valid")


def scenario(name):
    """The Scenario of a name in any case ("offline", "Offline"); UnknownChoiceError otherwise."""
    if isinstance(name, Scenario):
        return name
    s = SCENARIOS.get(str(name)) or {k.lower(): v for k, v in SCENARIOS.items()}.get(str(name).strip().lower())
    if s is None:
        raise UnknownChoiceError("scenario", name, SCENARIO_NAMES)
    return s


def scenarios(names):
    """A comma list or sequence of names -> tuple of Scenarios, in the given order, no repeats."""
    if isinstance(names, str):
        names = [n for n in names.split(",")]
    out = []
    for n in names:
        if str(n).strip():
            s = scenario(str(n).strip() if not isinstance(n, Scenario) else n)
            if s not in out:
                out.append(s)
    if not out:
        raise ConfigError("no scenario given")
    return tuple(out)


# --- models ------------------------------------------------------------------------------------

def load_object(path):
    """``"package.module:attr.sub"`` -> the object (the plug points of a ModelSpec)."""
    module, _, attr = path.partition(":")
    obj = importlib.import_module(module)
    for part in attr.split(".") if attr else ():
        obj = getattr(obj, part)
    return obj


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    name: str
    loadgen_name: str                      # mlperf.conf section
    mlperf_model: str                      # official benchmark name ("resnet", "bert-99")
    dataset: str
    task: str = ""
    harness: Optional[str] = None          # "reference" when our harness runs it
    maps_to_mlperf_model: bool = False     # open division: model_mapping {name: mlperf_model}
    performance_only: bool = False
    accuracy: Optional[str] = None         # the accuracy figure's kind ("imagenet-top1", "squad-f1")
    qsl: str = "cmperf.mlperf.qsl:array_qsl"   # or squad_qsl, random_pool_qsl, a model's own
    response: str = "class-index"
    scorer: Optional[str] = None
    input_name: object = None
    output_name: object = None
    output_kind: str = "scores"
    label_offset: int = 0
    max_seq_length: Optional[int] = None
    backends: Optional[tuple] = None       # None: every backend
    dataset_size: Optional[int] = None     # samples of its accuracy set
    formats: dict = dataclasses.field(default_factory=dict, compare=False)
    measurements: dict = dataclasses.field(default_factory=dict, compare=False)
    extra: dict = dataclasses.field(default_factory=dict, compare=False)   # other registry keys

    @classmethod
    def from_entry(cls, name, entry):
        known = {f.name for f in dataclasses.fields(cls)}
        kw = {k: v for k, v in entry.items() if k in known}
        if "harness_backends" in entry:
            kw["backends"] = tuple(entry["harness_backends"])
        kw["qsl"] = QSLS.get(entry.get("qsl"), entry.get("qsl")) or (
            QSLS["random-pool"] if entry.get("performance_only") else QSLS["array"])
        if "scorer" not in entry and entry.get("accuracy"):
            kw["scorer"] = "cmperf.mlperf.accuracy.score:score_run"
        kw["extra"] = {k: v for k, v in entry.items() if k not in known}
        return cls(name=name, **kw)

    def __getitem__(self, key):
        value = self.get(key, KeyError)
        if value is KeyError:
            raise KeyError(key)
        return value

    def get(self, key, default=None):
        """Dict-style access for code that still reads registry keys."""
        if key == "name" or key in {f.name for f in dataclasses.fields(self)}:
            value = getattr(self, key)
            return default if value is None else value
        return self.extra.get(key, default)

    def check_backend(self, backend):
        if self.backends and backend not in self.backends:
            raise UnknownChoiceError(f"backend for {self.name}", backend, self.backends)
        return backend

    def submission_rounds(self):
        """The rounds whose accuracy rules this model's accuracy set can meet (sorted)."""
        from cmperf.submission import rounds as R
        out = []
        for version, rules in sorted(R.ROUNDS.items()):
            mr = rules.model(self.mlperf_model)
            if mr is None:
                continue
            if rules.dataset_size_official and self.dataset_size is not None and self.dataset_size < mr.dataset_size:
                continue
            out.append(version)
        return tuple(out)

    def required_scenarios(self, version, system_type="edge"):
        """The scenarios round ``version`` requires of this benchmark in the closed division
        (open: any subset), as Scenarios; () when the round has no such benchmark."""
        from cmperf.submission import rounds as R
        mr = R.get_round(version).model(self.mlperf_model)
        if mr is None:
            return ()
        return tuple(scenario(n) for n in mr.required_scenarios.get(R.normalize_system_type(system_type), ()))

    def round_refusal(self, version):
        """Why this model cannot pass round ``version`` (None when it can)."""
        from cmperf.submission import rounds as R
        try:
            rules = R.get_round(version)
        except R.UnknownRoundError as e:
            return str(e)
        if self.performance_only:
            return f"{self.name} has random weights (performance only): it cannot be submitted"
        if rules.version in self.submission_rounds():
            return None
        can = ", ".join(self.submission_rounds()) or "none"
        mr = rules.model(self.mlperf_model)
        if mr is None:
            why = f"round {rules.version} has no {self.mlperf_model} benchmark"
        else:
            why = (f"round {rules.version} requires an accuracy run over the whole {mr.name} dataset "
                   f"({mr.dataset_size} samples); {self.name}'s accuracy set has {self.dataset_size}")
        return f"{why}. Rounds {self.name} can pass: {can}"


# registry "qsl" kinds -> factories
QSLS = {"array": "cmperf.mlperf.qsl:array_qsl", "squad": "cmperf.mlperf.qsl:squad_qsl",
        "random-pool": "cmperf.mlperf.qsl:random_pool_qsl"}


def model(name):
    """The ModelSpec of a registered model (aliases resolved)."""
    from . import registry
    entry = registry.model_spec(name)
    return ModelSpec.from_entry(entry.pop("name"), entry)


def harness_model(name):
    """The ModelSpec of a model our reference harness runs (HarnessNotImplementedError otherwise)."""
    m = model(name)
    if m.harness != "reference":
        from . import registry
        registry.harness_spec(m.name)   # raises, naming the models it does run
    return m


# --- the run -----------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Target:
    """A scenario's LoadGen target and where it came from."""
    value: float
    source: str          # "flag", "sut-config <path>, measured <time>", "calibration", "default"

    def to_dict(self):
        return {"value": self.value, "source": self.source}


@dataclasses.dataclass(frozen=True)
class RunSpec:
    model: ModelSpec
    backend: str = "onnxruntime"
    device: str = "cpu"
    implementation: str = "reference"
    precision: str = "fp32"
    scenarios: tuple = (OFFLINE,)
    modes: tuple = MODES
    run_style: str = "test"
    test_query_count: Optional[int] = None
    targets: tuple = ()               # ((scenario name, Target), ...): per scenario
    samples_per_query: Optional[int] = None
    performance_sample_count: Optional[int] = None
    min_duration_ms: Optional[int] = None
    max_duration_ms: Optional[int] = None
    min_query_count: Optional[int] = None
    max_query_count: Optional[int] = None
    fast_factor: float = 5.0
    batch_size: Optional[int] = None  # None: the model/backend default (sut_config.defaults)
    threads: Optional[int] = None
    workers: int = 1
    warmup_s: float = 1.0             # untimed warm-up before LoadGen's clock, bounded by time
    results_dir: str = "results"
    dataset_dir: Optional[str] = None
    model_path: Optional[str] = None
    mlperf_conf: Optional[str] = None
    compliance_test: Optional[str] = None
    audit_conf: Optional[str] = None
    python: Optional[str] = None      # interpreter of the harness process (deepsparse's venv)
    hw_name: str = "default"
    run_config: str = "default_config"
    round: Optional[str] = None
    timeout_s: float = 7200.0
    find_performance: bool = False
    submission: bool = False          # the run feeds a submission (test style is refused)
    allow_test_submission: bool = False

    @classmethod
    def build(cls, model, **kw):
        """Check every field once; raise ConfigError/UnknownChoiceError naming the flag."""
        from .backends import BACKENDS, DEVICES
        m = harness_model(model.name if isinstance(model, ModelSpec) else model)
        backend = kw.get("backend") or "onnxruntime"
        if backend not in BACKENDS:
            raise UnknownChoiceError("backend", backend, BACKENDS)
        m.check_backend(backend)
        device = kw.get("device") or "cpu"
        if device not in DEVICES:
            raise UnknownChoiceError("device", device, DEVICES)
        impl = kw.get("implementation") or "reference"
        if impl not in ("reference", "mlcommons-python", "python"):
            raise UnknownChoiceError("implementation", impl, ("reference", "mlcommons-python"))
        kw["implementation"] = "reference"
        from . import precision as P   # a published file must exist for (model, backend, precision)
        kw["precision"] = P.normalize(kw.get("precision"))
        if m.formats:
            P.format_key(m, backend, kw["precision"])
        kw["scenarios"] = scenarios(kw.get("scenarios") or "Offline")
        modes = kw.get("modes") or MODES
        if isinstance(modes, str):
            modes = MODES if modes == "both" else tuple(x.strip() for x in modes.split(",") if x.strip())
        for x in modes:
            if x not in MODES:
                raise UnknownChoiceError("mode", x, MODES + ("both",))
        if m.performance_only and "accuracy" in modes:
            if tuple(modes) == ("accuracy",):
                raise ConfigError(f"model {m.name} is performance-only (random weights): no accuracy mode")
            modes = ("performance",)
        kw["modes"] = tuple(modes)
        style = kw.get("run_style") or "test"
        if style not in RUN_STYLES:
            raise UnknownChoiceError("execution_mode", style, RUN_STYLES)
        kw["run_style"] = style
        for key in ("test_query_count", "samples_per_query", "performance_sample_count", "min_duration_ms",
                    "max_duration_ms", "min_query_count", "max_query_count", "batch_size", "threads", "workers"):
            if kw.get(key) not in (None, ""):
                kw[key] = _positive_int(key, kw[key], allow_zero=key.endswith("duration_ms"))
            else:
                kw.pop(key, None)
        if kw.get("batch_size"):   # one image/volume per inference for some models: refused up front
            from .benchmarks import check_batch_size
            check_batch_size(m, kw["batch_size"])
        if kw.get("fast_factor") not in (None, ""):
            kw["fast_factor"] = _positive_float("fast_factor", kw["fast_factor"])
        else:
            kw.pop("fast_factor", None)
        kw["targets"] = tuple(sorted((scenario(k).name, v if isinstance(v, Target) else Target(
            _positive_float(f"{scenario(k).name} target", v), "flag")) for k, v in dict(kw.get("targets") or {}).items()))
        if bool(kw.get("compliance_test")) != bool(kw.get("audit_conf")):
            raise ConfigError("compliance_test and audit_conf go together (the TEST0x audit.config)")
        if kw.get("compliance_test") and kw["compliance_test"] not in ("TEST01", "TEST04", "TEST05"):
            raise UnknownChoiceError("compliance test", kw["compliance_test"], ("TEST01", "TEST04", "TEST05"))
        for key in ("audit_conf", "mlperf_conf"):
            if kw.get(key):
                if not os.path.isfile(kw[key]):
                    raise ConfigError(f"{key.replace('_', ' ')} {kw[key]!r} does not exist")
                kw[key] = os.path.abspath(kw[key])
        kw["results_dir"] = kw.get("results_dir") or "results"
        for key in ("results_dir", "dataset_dir", "model_path"):
            if kw.get(key):
                kw[key] = os.path.abspath(os.path.expanduser(str(kw[key])))
        if kw.get("round"):
            from cmperf.submission import rounds as R
            try:
                kw["round"] = R.get_round(kw["round"]).version
            except R.UnknownRoundError as e:
                raise ConfigError(str(e)) from None
        if kw.get("submission"):
            if style == "test" and not kw.get("allow_test_submission"):
                raise ConfigError(
                    "a submission needs measured results: --execution_mode=test runs only "
                    f"{kw.get('test_query_count') or 10} queries, not a benchmark result. Use "
                    "--execution_mode=valid (or --allow_test_submission=yes to write a tree marked as a test)")
            if kw.get("round"):
                why = m.round_refusal(kw["round"])
                if why:
                    raise ConfigError(f"cannot submit {m.name} to round {kw['round']}: {why}")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(kw) - known
        if unknown:
            raise ConfigError(f"unknown run settings: {', '.join(sorted(unknown))}")
        kw = {k: v for k, v in kw.items() if v is not None}
        return cls(model=m, **kw)

    def target(self, scen):
        """The Target of a scenario, or None."""
        return dict(self.targets).get(scenario(scen).name)

    def with_targets(self, targets):
        """A copy with these targets ({scenario: Target}) merged over the current ones."""
        merged = dict(self.targets)
        merged.update({scenario(k).name: v for k, v in targets.items()})
        return dataclasses.replace(self, targets=tuple(sorted(merged.items())))

    def replace(self, **kw):
        return dataclasses.replace(self, **kw)

    def is_test(self):
        return self.run_style == "test"

    def to_dict(self):
        d = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        d["model"] = self.model.name
        d["scenarios"] = [s.name for s in self.scenarios]
        d["modes"] = list(self.modes)
        d["targets"] = {k: t.to_dict() for k, t in self.targets}
        return d


@dataclasses.dataclass(frozen=True)
class HarnessJob:
    """One LoadGen test in one process: what ``harness.run_job`` needs, as plain values."""
    model: str
    backend: str
    device: str
    scenario: str
    mode: str
    user_conf: str
    output_dir: str
    dataset_dir: Optional[str] = None
    model_path: Optional[str] = None
    batch_size: int = 1
    threads: Optional[int] = None
    workers: int = 1
    audit_conf: Optional[str] = None
    mlperf_conf: Optional[str] = None
    round: Optional[str] = None
    compliance_test: Optional[str] = None
    warmup_s: float = 1.0
    performance_sample_count: Optional[int] = None
    label: Optional[str] = None          # progress label
    result_file: Optional[str] = None    # the harness writes {"ok": ..., "error": ...} here

    def to_json(self):
        return json.dumps(dataclasses.asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, d):
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ConfigError(f"harness job has unknown keys: {', '.join(sorted(unknown))}")
        return cls(**d)

    @classmethod
    def load(cls, path):
        return cls.from_dict(load_json_object(path, "harness job", error=ConfigError))


def _positive_int(name, value, allow_zero=False):
    try:
        v = int(str(value).strip())
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {value!r}") from None
    if v < 0 or (v == 0 and not allow_zero):
        raise ConfigError(f"{name} must be {'>= 0' if allow_zero else '>= 1'}, got {value!r}")
    return v


def _positive_float(name, value):
    try:
        v = float(str(value).strip())
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {value!r}") from None
    if not v > 0 or math.isinf(v) or math.isnan(v):
        raise ConfigError(f"{name} must be > 0, got {value!r}")
    return v

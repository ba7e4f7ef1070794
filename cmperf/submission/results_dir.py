"""Read an MLPerf results directory as the harness writes it (docs/architecture.md)."""
import os
from dataclasses import dataclass, field

from cmperf.core.jsonio import load_json_object

from . import rounds


class ResultsDirError(ValueError):
    """The results directory cannot be turned into a submission; the message says why and where."""


# Facts that identify the machine: two SUT dirs that differ in one of them are two systems.
SYSTEM_IDENTITY_KEYS = ("hardware_name", "host_processor_model_name", "host_processor_core_count",
                        "host_memory_capacity", "accelerator_model_name", "accelerators_per_node")


@dataclass
class ScenarioRun:
    scenario: str            # canonical name (Offline, SingleStream, ...)
    path: str                # <results>/<sut>/<model>/<scenario lower>
    perf_dir: str
    accuracy_dir: str
    compliance: dict = field(default_factory=dict)   # "TEST01" -> path

    @property
    def has_accuracy(self):
        return os.path.isdir(self.accuracy_dir)


@dataclass
class SutResults:
    name: str                # the SUT dir name, used as the submission system name
    path: str
    info: dict
    models: dict = field(default_factory=dict)        # model -> {scenario: ScenarioRun}


def read_sut(path):
    info_path = os.path.join(path, "cm-sut-info.json")
    sut = SutResults(name=os.path.basename(path.rstrip(os.sep)), path=path, info=load_json_object(info_path, "SUT description", error=ResultsDirError))
    for model in sorted(os.listdir(path)):
        mpath = os.path.join(path, model)
        if not os.path.isdir(mpath):
            continue
        runs = {}
        for scen_dir in sorted(os.listdir(mpath)):
            scenario = rounds.SCENARIO_BY_LOWER.get(scen_dir.lower())
            spath = os.path.join(mpath, scen_dir)
            if scenario is None or not os.path.isdir(spath):
                continue
            run = ScenarioRun(scenario=scenario, path=spath, perf_dir=os.path.join(spath, "performance", "run_1"),
                              accuracy_dir=os.path.join(spath, "accuracy"))
            for test in ("TEST01", "TEST04", "TEST05"):
                if os.path.isdir(os.path.join(spath, test)):
                    run.compliance[test] = os.path.join(spath, test)
            if not os.path.isfile(os.path.join(run.perf_dir, "mlperf_log_detail.txt")):
                raise ResultsDirError(f"{run.perf_dir}: no mlperf_log_detail.txt (performance run missing)")
            runs[scenario] = run
        if runs:
            sut.models[model] = runs
    return sut


def read_results_dir(results_dir, sut_name=None):
    """The one SUT of a results dir (or the named one). Several systems are an error."""
    if not os.path.isdir(results_dir):
        raise ResultsDirError(f"{results_dir}: results directory does not exist")
    candidates = sorted(d for d in os.listdir(results_dir)
                        if os.path.isfile(os.path.join(results_dir, d, "cm-sut-info.json")))
    if sut_name:
        if sut_name not in candidates:
            raise ResultsDirError(f"{results_dir}: no SUT folder '{sut_name}' (found: {', '.join(candidates) or 'none'})")
        candidates = [sut_name]
    if not candidates:
        raise ResultsDirError(f"{results_dir}: no <sut>/cm-sut-info.json found; is this an MLPerf results directory?")
    suts = [read_sut(os.path.join(results_dir, c)) for c in candidates]
    _ensure_one_system(results_dir, suts)
    suts = [s for s in suts if s.models]
    if not suts:
        raise ResultsDirError(f"{results_dir}: no <model>/<scenario>/performance/run_1 results found")
    return suts


def _ensure_one_system(results_dir, suts):
    first = suts[0]
    for other in suts[1:]:
        diffs = [k for k in SYSTEM_IDENTITY_KEYS if first.info.get(k) != other.info.get(k)]
        if diffs:
            detail = "; ".join(f"{k}: {first.info.get(k)!r} vs {other.info.get(k)!r}" for k in diffs)
            raise ResultsDirError(
                f"{results_dir}: results from two different systems ({first.name} and {other.name}: {detail}); "
                "generate one submission per system with --sut NAME")

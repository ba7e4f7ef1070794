"""The MLPerf run: RunSpec -> targets -> user.conf -> one LoadGen process per mode -> accuracy ->
results dir -> table.

``execute(spec)`` is what the run-mlperf CM scripts call (a typed call: see cmperf.mlperf.spec);
its records go back through the script's state. ``python -m cmperf.mlperf.run --model ...`` is a
command line for people over the same call. Each LoadGen test runs in its own subprocess
(``python -m cmperf.mlperf.harness JOB.json``) because LoadGen allows one test per process;
logs are staged and renamed into ``<results>/<sut>/<model>/<scenario>/{performance/run_1,accuracy}``.
Nothing is reused behind the user's back: every call runs its tests.
"""
import argparse
import dataclasses
import json
import os
import subprocess
import sys
import threading

from cmperf.core import progress

from . import layout, logparse, results_writer, sut_config, table, user_conf
from . import spec as specs
from .errors import ConfigError, LoadGenError, MlperfError
from .fsutil import write_text_atomic

# A Server accuracy run issues every sample of the dataset at target_qps: at the default 1 qps that
# is 17 minutes for digits and 3 hours for bert's 10833 features. The pace cannot change the
# accuracy, so with no target the accuracy run issues at this rate and the SUT drains its queue.
SERVER_ACCURACY_QPS = 1000.0


# --- one LoadGen process -----------------------------------------------------------------------

def _run_harness(job, python, cwd, timeout):
    """Start ``python -m cmperf.mlperf.harness JOB.json``; its stderr (live progress, tracebacks)
    goes to ours, its outcome comes back in job.result_file."""
    job_path = os.path.join(cwd, "job.json")
    write_text_atomic(job_path, job.to_json())
    env = dict(os.environ)
    pkg_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env["PYTHONPATH"] = pkg_root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    cmd = [python or sys.executable, "-m", "cmperf.mlperf.harness", job_path]
    relay = None
    if _engine_sink() is not None and not env.get(progress.EVENTS_FILE_ENV):
        # inside the engine: the harness's progress reaches the engine's reporter through a file
        env[progress.EVENTS_FILE_ENV] = os.path.join(cwd, "events.jsonl")
        relay = _Relay(env[progress.EVENTS_FILE_ENV])
    try:
        p = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise LoadGenError(f"LoadGen run exceeded {timeout} s ({job.label})") from e
    finally:
        if relay:
            relay.stop()
    outcome = {}
    if os.path.isfile(job.result_file):
        with open(job.result_file, encoding="utf-8") as f:
            outcome = json.load(f)
    if p.returncode == 0 and outcome.get("ok"):
        return
    if outcome.get("kind") in ("ConfigError", "UnknownChoiceError", "DatasetError", "ModelFileError",
                               "BackendUnavailableError", "HarnessNotImplementedError"):
        raise ConfigError(outcome["error"])
    raise LoadGenError(f"LoadGen run {job.label} failed (rc {p.returncode}): "
                       f"{outcome.get('error') or 'see the harness output above'}")


def _engine_sink():
    """The reporter installed in this process, if any (set_sink returns the previous one)."""
    sink = progress.set_sink(None)
    progress.set_sink(sink)
    return sink


class _Relay:
    """Follow a JSON-lines events file and re-emit each event in this process."""

    def __init__(self, path):
        self.path, self.pos, self.done = path, 0, threading.Event()
        self.thread = threading.Thread(target=self._run, name="harness-events", daemon=True)
        self.thread.start()

    def _drain(self):
        if not os.path.isfile(self.path):
            return
        with open(self.path, encoding="utf-8") as f:
            f.seek(self.pos)
            while True:
                line = f.readline()
                if not line.endswith("\n"):
                    break
                self.pos = f.tell()
                try:
                    event = json.loads(line)
                except ValueError:
                    continue
                progress.emit(event.pop("event", "note"), **event)

    def _run(self):
        while not self.done.wait(0.5):
            self._drain()

    def stop(self):
        self.done.set()
        self.thread.join()
        self._drain()


def _conf_text(spec, scen, mode, target):
    qps = lat = None
    if target is not None:
        qps, lat = (target.value, None) if scen.target == "qps" else (None, target.value)
    if scen.name == "Server" and mode == "accuracy" and qps is None:
        qps = SERVER_ACCURACY_QPS
    return user_conf.generate(
        spec.model.loadgen_name, scen.name, spec.run_style, target_qps=qps, target_latency_ms=lat,
        test_query_count=spec.test_query_count, samples_per_query=spec.samples_per_query,
        performance_sample_count=spec.performance_sample_count, min_duration_ms=spec.min_duration_ms,
        max_duration_ms=spec.max_duration_ms, min_query_count=spec.min_query_count,
        max_query_count=spec.max_query_count, fast_factor=spec.fast_factor)


def run_one(spec, scen, mode, conf_text, style_label=None):
    """One LoadGen process for one scenario/mode; returns its record (and commits its dir)."""
    model = spec.model
    staging = results_writer.new_staging_dir(spec.results_dir, f"{model.name}-{scen.name}-{mode}")
    try:
        conf_path = os.path.join(staging, "user.conf")
        write_text_atomic(conf_path, conf_text)
        logs = os.path.join(staging, "logs")  # the harness creates it only when its test finished
        defaults = sut_config.defaults(model.name, spec.backend, scen.name)
        job = specs.HarnessJob(
            model=model.name, backend=spec.backend, device=spec.device, scenario=scen.name, mode=mode,
            user_conf=conf_path, output_dir=logs, dataset_dir=spec.dataset_dir, model_path=spec.model_path,
            batch_size=spec.batch_size or defaults["batch_size"], threads=spec.threads or defaults["threads"],
            workers=spec.workers, audit_conf=spec.audit_conf, mlperf_conf=spec.mlperf_conf, round=spec.round,
            compliance_test=spec.compliance_test if spec.round else None, warmup_s=spec.warmup_s,
            performance_sample_count=spec.performance_sample_count,
            label=f"LoadGen {model.name} {scen.name} {mode}" + (f" ({style_label})" if style_label else ""),
            result_file=os.path.join(staging, "harness-result.json"))
        _run_harness(job, spec.python, staging, spec.timeout_s)
        with open(os.path.join(logs, "run.json"), encoding="utf-8") as f:
            info = json.load(f)
        result = logparse.parse_dir(logs, mode)
        accuracy = None
        if mode == "accuracy":
            score = specs.load_object(model.scorer)(model, logs, info.get("dataset_dir"),
                                                    info.get("response_dtype", "int32"))
            accuracy = score.value
            info.update(accuracy_metric=score.metric, accuracy_details=score.details)
            total = info["qsl"]["total_count"]
            result.validity = "VALID" if score.covered == total else "INVALID"
            if not result.valid:
                result.invalid_reasons = [f"accuracy log covers {score.covered} of {total} samples"]
        sut = layout.sut_name(spec.hw_name, spec.implementation, spec.device, spec.backend,
                              info["backend"]["version"], spec.run_config)
        final = layout.mode_dir(spec.results_dir, sut, model.name, scen.name, mode, spec.compliance_test)
        # the job as it reproduces this run from where its files end up (not the staging paths)
        info["job"].update(user_conf=os.path.join(final, "user.conf"), output_dir=final, result_file=None)
        info["result"] = result.to_dict()
        info["accuracy"] = accuracy
        info["run_style"] = spec.run_style
        info["spec"] = spec.to_dict()
        results_writer.write_json_atomic(os.path.join(logs, "run.json"), info)
        final = results_writer.commit_mode_dir(logs, spec.results_dir, sut, model.name, scen.name, mode,
                                               spec.compliance_test)
    finally:
        results_writer.discard_staging(staging, spec.results_dir)
    return {"model": model.name, "sut": sut, "dir": final, "result": info["result"], "accuracy": accuracy,
            "accuracy_metric": info.get("accuracy_metric"), "run_style": spec.run_style,
            "samples": info["samples_completed"],
            "target": spec.target(scen).to_dict() if spec.target(scen) else None, "info": info}


# --- targets: flags, stored SUT configs, or a short calibration ------------------------------------

def resolve_targets(spec, out=sys.stderr):
    """The spec with a target for every scenario a valid/fast performance run needs.

    A flag wins; then the SUT config `_find-performance` stored for this system/model/backend/
    scenario; with neither, a short calibration run (announced) measures one and stores it."""
    if spec.run_style == "test" or "performance" not in spec.modes:
        return spec
    found = {}
    for scen in spec.scenarios:
        if spec.target(scen) is not None:
            continue
        stored = sut_config.load(spec, scen)
        if stored is not None:
            found[scen.name] = stored
            continue
        found[scen.name] = calibrate(spec, scen, out)
    return spec.with_targets(found)


def calibrate(spec, scen, out=sys.stderr, seconds=None):
    """A short announced performance test of ``scen``; store and return the Target it suggests."""
    seconds = sut_config.CALIBRATION_S if seconds is None else seconds
    progress.emit("note", text=f"{spec.model.name} {scen.name}: no stored SUT config for this system; "
                               f"calibrating for ~{seconds:.0f} s first (store one with _find-performance)")
    cal = dataclasses.replace(spec, results_dir=os.path.join(spec.results_dir, ".calibration"),
                              compliance_test=None, audit_conf=None, targets=())
    rec = measure(cal, scen, seconds, "calibration")
    sut_config.store(spec, scen, rec, "calibration")
    return sut_config.load(spec, scen)


def measure(spec, scen, seconds, label):
    """A performance test of about ``seconds``: a probe (a few full batches) sizes the real one."""
    batch = spec.batch_size or sut_config.defaults(spec.model.name, spec.backend, scen.name)["batch_size"]
    n_probe = max(sut_config.PROBE_QUERIES, 4 * batch if scen.name == "Offline" else 0)
    probe = dataclasses.replace(spec, run_style="test", test_query_count=n_probe,
                                modes=("performance",), min_duration_ms=None, max_duration_ms=None,
                                min_query_count=None, max_query_count=None)
    rec = run_one(probe, scen, "performance", _conf_text(probe, scen, "performance", None), f"{label} probe")
    wall = max(rec["info"]["wall_time_s"], 1e-3)
    count = int(n_probe * seconds / wall)
    if count <= 2 * n_probe:
        return rec
    sized = dataclasses.replace(probe, test_query_count=count)
    return run_one(sized, scen, "performance", _conf_text(sized, scen, "performance", None), label)


def execute(spec, out=sys.stderr):
    """Run every scenario and mode of ``spec``; print the table to ``out``; return the records."""
    os.makedirs(spec.results_dir, exist_ok=True)
    spec = _with_assets(spec)
    spec = resolve_targets(spec, out)
    records = []
    for scen in spec.scenarios:
        mode_recs = []
        if spec.find_performance and not spec.test_query_count:
            mode_recs.append(measure(spec, scen, sut_config.FIND_PERFORMANCE_S, "find-performance"))
        for mode in spec.modes if not mode_recs else ():
            rec = run_one(spec, scen, mode, _conf_text(spec, scen, mode, spec.target(scen)))
            if mode == "performance" and _too_fast_for_target(spec, rec):
                # the machine ran faster than when the target was measured (a shared machine's load
                # changed): LoadGen ran out of work before the minimum duration. Store what this
                # run measured and run once more with it, saying so.
                path = sut_config.store(spec, scen, rec, "re-measured by an INVALID valid run")
                spec = spec.with_targets({scen.name: sut_config.load(spec, scen)})
                progress.emit("note", text=f"{spec.model.name} {scen.name}: INVALID, LoadGen ran out of queries "
                                           f"before the minimum duration; running again with the target it "
                                           f"measured ({path})")
                first = rec
                rec = run_one(spec, scen, mode, _conf_text(spec, scen, mode, spec.target(scen)))
                rec["result"]["notes"].append(
                    f"second attempt: the first ran out of queries at target {first['target']['value']:g} "
                    f"({'; '.join(first['result']['invalid_reasons'])[:160]})")
            if scen.name == "Server" and mode == "accuracy" and spec.target(scen) is None:
                rec["result"]["notes"].append(
                    f"accuracy issued at {SERVER_ACCURACY_QPS:g} qps (no --target-qps given); "
                    "the pace does not change the accuracy")
            mode_recs.append(rec)
        records += mode_recs
        if spec.find_performance:
            for rec in mode_recs:
                if rec["result"]["mode"] == "performance":
                    path = sut_config.store(spec, scen, rec, "find-performance")
                    rec["result"]["notes"].append(f"stored as the SUT config in {path}")
        info, sut = mode_recs[-1]["info"], mode_recs[-1]["sut"]
        results_writer.write_sut_info(spec.results_dir, sut, _sut_facts(spec, sut, info))
        if spec.compliance_test:
            continue  # TEST0x runs sit inside the scenario dir; its README/measurements stay the main run's
        results_writer.write_measurements(spec.results_dir, sut, spec.model.name, scen.name,
                                          _measurements(spec.model, info, spec))
        jobs = {r["result"]["mode"]: ["python", "-m", "cmperf.mlperf.harness",
                                      os.path.join(r["dir"], "run.json") + " (its \"job\")"] for r in mode_recs}
        results_writer.write_readme(spec.results_dir, sut, spec.model.name, scen.name, _command(spec), jobs,
                                    results_writer.resolved_versions(
                                        {f"backend {spec.backend}": info["backend"]["version"],
                                         "loadgen (detail log)": info["loadgen_version"]}))
    print(table.render(records), file=out)
    return records


def _too_fast_for_target(spec, rec):
    """A valid-style run that LoadGen ended INVALID only because it ran out of queries early."""
    res = rec["result"]
    if spec.run_style == "test" or res["validity"] == "VALID" or spec.min_duration_ms is not None:
        return False
    why = " ".join(res["invalid_reasons"]).lower()
    return "min duration" in why and rec.get("target") is not None


def summary(records):
    """The JSON-able part of the records (what the CM script puts in its state)."""
    keys = ("model", "sut", "dir", "result", "accuracy", "accuracy_metric", "run_style", "samples", "target")
    return [{k: r.get(k) for k in keys} for r in records]


def _with_assets(spec):
    if spec.model.name == "digits-mlp":  # build once here, not racing in each harness process
        from .assets import digits_dir
        return spec.replace(dataset_dir=digits_dir(spec.dataset_dir, backend=spec.backend))
    return spec


def _command(spec):
    """The request as a `cm` command (what reproduces this directory)."""
    words = ["cm", "run", "script", "--tags=run-mlperf,inference", f"--model={spec.model.name}",
             f"--backend={spec.backend}", f"--device={spec.device}",
             f"--scenario={','.join(s.name for s in spec.scenarios)}", f"--execution_mode={spec.run_style}"]
    if spec.test_query_count and spec.is_test():
        words.append(f"--test_query_count={spec.test_query_count}")
    for name, t in spec.targets:
        kind = specs.scenario(name).target
        words.append(f"--{name.lower()}_target_{'qps' if kind == 'qps' else 'latency'}={t.value:g}  # {t.source}")
    return " ".join(words)


def _measurements(model, info, spec=None):
    m = dict(model.measurements)
    if spec is not None:   # the chosen precision's file: its data types and transformations
        from . import precision as P
        m.update(P.measurements(model, spec.backend, spec.precision) if model.formats else {"precision": spec.precision})
    m.update(model=model.name, mlperf_model=model.mlperf_model,
             model_mapping={model.name: model.mlperf_model} if model.maps_to_mlperf_model else None,
             starting_weights_sha256=info.get("model_sha256"), dataset=model.dataset,
             dataset_dir=info.get("dataset_dir"), performance_only=model.performance_only)
    manifest = os.path.join(info.get("dataset_dir") or "", "manifest.json")
    if info.get("dataset_dir") and os.path.isfile(manifest):
        with open(manifest, encoding="utf-8") as f:
            man = json.load(f)
        if isinstance(man, dict):   # digits' build facts; LibriSpeech's manifest is the utterance list
            m["dataset_manifest"] = {k: man.get(k) for k in ("split", "train_accuracy", "sha256")}
    return m


def _sut_facts(spec, sut, info):
    h = info["host"]
    return {"system_name": sut, "hardware_name": spec.hw_name, "implementation": spec.implementation,
            "device": spec.device, "framework": spec.backend, "framework_version": info["backend"]["version"],
            "run_config": spec.run_config, "precision": spec.precision,
            "host_processor_model_name": h["host_processor_model_name"],
            "host_processor_core_count": h["host_processor_core_count"],
            "host_processors_per_node": h["host_processors_per_node"],
            "host_memory_capacity": h["host_memory_capacity"], "operating_system": h["operating_system"],
            "accelerator_model_name": "N/A" if spec.device == "cpu" else spec.device,
            "accelerators_per_node": 0 if spec.device == "cpu" else 1,
            "python_version": h["python_version"], "loadgen_version": info["loadgen_version"]}


# --- the command line (for people; the CM scripts call execute) ------------------------------------

def _parse(argv):
    ap = argparse.ArgumentParser(prog="python -m cmperf.mlperf.run", description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="digits-mlp")
    ap.add_argument("--implementation", default="reference")
    ap.add_argument("--backend", "--framework", default="onnxruntime")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--scenario", default="Offline", help="one scenario or a comma list")
    ap.add_argument("--mode", default="both", choices=("performance", "accuracy", "both"))
    ap.add_argument("--run-style", "--execution_mode", "--execution-mode", "--run_style", default="test")
    ap.add_argument("--test-query-count", "--test_query_count", type=int)
    ap.add_argument("--target-qps", "--target_qps", type=float)
    ap.add_argument("--target-latency", "--target_latency", type=float, help="ms")
    for s in specs.SCENARIOS.values():  # win over the generic ones
        ap.add_argument(f"--{s.name.lower()}-target-{s.target}", f"--{s.name.lower()}_target_{s.target}",
                        type=float, help=f"{s.target_unit}, {s.name} only")
    ap.add_argument("--samples-per-query", type=int, help="MultiStream")
    ap.add_argument("--performance-sample-count", type=int)
    ap.add_argument("--min-duration", type=int, help="ms")
    ap.add_argument("--max-duration", type=int, help="ms")
    ap.add_argument("--min-query-count", type=int)
    ap.add_argument("--max-query-count", type=int)
    ap.add_argument("--fast-factor", type=float)
    ap.add_argument("--batch-size", "--batch_size", type=int)
    ap.add_argument("--threads", type=int)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--results-dir", "--results_dir", "--output_dir", required=True)
    ap.add_argument("--hw-name", "--hw_name", default="default")
    ap.add_argument("--run-config", default="default_config")
    ap.add_argument("--dataset-dir")
    ap.add_argument("--model-path")
    ap.add_argument("--mlperf-conf")
    ap.add_argument("--compliance-test", help="TEST01|TEST04|TEST05: results go to <scenario>/TEST0x/...")
    ap.add_argument("--audit-conf", help="the audit.config of --compliance-test")
    ap.add_argument("--python", help="interpreter for the harness (e.g. the deepsparse virtualenv's python)")
    ap.add_argument("--timeout", type=float, default=7200, help="seconds per LoadGen process")
    ap.add_argument("--find-performance", action="store_true", help="store the measured targets as SUT config")
    ap.add_argument("--json", action="store_true", help="print the records as JSON after the table")
    ap.add_argument("--round", help="MLPerf round whose RNG seeds LoadGen must use (e.g. v3.1)")
    return ap.parse_args(argv)


def spec_from_args(a):
    targets = {}
    for s in specs.SCENARIOS.values():
        own = getattr(a, f"{s.name.lower()}_target_{s.target}")
        generic = a.target_qps if s.target == "qps" else a.target_latency
        value = own if own is not None else generic
        if value is not None:
            targets[s.name] = value
    scen = specs.scenarios(a.scenario)
    return specs.RunSpec.build(
        a.model, backend=a.backend, device=a.device, implementation=a.implementation, scenarios=scen,
        modes=a.mode, run_style=a.run_style, test_query_count=a.test_query_count,
        targets={k: v for k, v in targets.items() if specs.scenario(k) in scen},
        samples_per_query=a.samples_per_query, performance_sample_count=a.performance_sample_count,
        min_duration_ms=a.min_duration, max_duration_ms=a.max_duration, min_query_count=a.min_query_count,
        max_query_count=a.max_query_count, fast_factor=a.fast_factor, batch_size=a.batch_size,
        threads=a.threads, workers=a.workers, results_dir=a.results_dir, dataset_dir=a.dataset_dir,
        model_path=a.model_path, mlperf_conf=a.mlperf_conf, compliance_test=a.compliance_test,
        audit_conf=a.audit_conf, python=a.python, hw_name=a.hw_name, run_config=a.run_config,
        round=a.round, timeout_s=a.timeout, find_performance=a.find_performance)


def run(argv=None, out=sys.stdout):
    a = _parse(list(sys.argv[1:] if argv is None else argv))
    records = execute(spec_from_args(a), out)
    if a.json:
        print(json.dumps(summary(records), indent=2), file=out)
    return records


def main(argv=None):
    try:
        run(argv)
    except MlperfError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

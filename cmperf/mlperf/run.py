"""The MLPerf run: user.conf -> one LoadGen process per mode -> accuracy -> results dir -> table.

  python -m cmperf.mlperf.run --model digits-mlp --backend onnxruntime --scenario Offline \
      --mode both --run-style test --test-query-count 100 --results-dir RESULTS

This is what the run-mlperf CM scripts call. Each LoadGen test runs in its own subprocess
(``python -m cmperf.mlperf.harness``); logs are staged and renamed into
``<results>/<sut>/<model>/<scenario>/{performance/run_1,accuracy}``.
"""
import argparse
import json
import os
import shlex
import subprocess
import sys

from . import layout, logparse, registry, results_writer, table, user_conf
from .errors import ConfigError, LoadGenError, MlperfError, UnknownChoiceError
from .fsutil import write_json_atomic, write_text_atomic

IMPLEMENTATIONS = ("reference",)
PER_SCENARIO_TARGETS = {"Offline": ("qps", "samples/s"), "Server": ("qps", "samples/s"),
                        "SingleStream": ("latency", "ms"), "MultiStream": ("latency", "ms")}


def _parse(argv):
    ap = argparse.ArgumentParser(prog="python -m cmperf.mlperf.run", description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="digits-mlp")
    ap.add_argument("--implementation", default="reference")
    ap.add_argument("--backend", "--framework", default="onnxruntime")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--scenario", default="Offline", help="one scenario or a comma list")
    ap.add_argument("--mode", default="both", choices=("performance", "accuracy", "both"))
    ap.add_argument("--run-style", "--execution_mode", "--execution-mode", "--run_style", default="test",
                    choices=user_conf.RUN_STYLES)
    ap.add_argument("--test-query-count", "--test_query_count", type=int)
    ap.add_argument("--target-qps", "--target_qps", type=float)
    ap.add_argument("--target-latency", "--target_latency", type=float, help="ms")
    for scenario, (kind, unit) in PER_SCENARIO_TARGETS.items():  # win over the generic ones
        ap.add_argument(f"--{scenario.lower()}-target-{kind}", f"--{scenario.lower()}_target_{kind}", type=float,
                        help=f"{unit}, {scenario} only")
    ap.add_argument("--samples-per-query", type=int, help="MultiStream")
    ap.add_argument("--performance-sample-count", type=int)
    ap.add_argument("--min-duration", type=int, help="ms")
    ap.add_argument("--max-duration", type=int, help="ms")
    ap.add_argument("--min-query-count", type=int)
    ap.add_argument("--max-query-count", type=int)
    ap.add_argument("--fast-factor", type=float, default=5)
    ap.add_argument("--batch-size", "--batch_size", type=int, default=1)
    ap.add_argument("--threads", type=int)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--results-dir", "--results_dir", "--output_dir", required=True)
    ap.add_argument("--hw-name", "--hw_name", default="default")
    ap.add_argument("--run-config", default="default_config")
    ap.add_argument("--dataset-dir")
    ap.add_argument("--model-path")
    ap.add_argument("--mlperf-conf")
    ap.add_argument("--compliance-test", choices=("TEST01", "TEST04", "TEST05"),
                    help="a compliance run: results go to <scenario>/TEST0x/...; needs --audit-conf")
    ap.add_argument("--audit-conf", help="the audit.config of --compliance-test")
    ap.add_argument("--python", default=sys.executable,
                    help="interpreter for the harness (e.g. the deepsparse virtualenv's python)")
    ap.add_argument("--rerun", action="store_true", help="run again even if logs exist")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds per LoadGen process")
    ap.add_argument("--json", action="store_true", help="print the records as JSON after the table")
    ap.add_argument("--records-out", help="also write the records as JSON to this file (for CM scripts)")
    ap.add_argument("--round", help="MLPerf round whose RNG seeds LoadGen must use (e.g. v3.1); "
                                    "default: those of LoadGen's built-in mlperf.conf")
    return ap.parse_args(argv)


def _harness_cmd(a, scenario, mode, conf_path, out_dir):
    cmd = [a.python, "-m", "cmperf.mlperf.harness", "--model", a.model, "--backend", a.backend,
           "--device", a.device, "--scenario", scenario, "--mode", mode, "--user-conf", conf_path,
           "--output-dir", out_dir, "--batch-size", str(a.batch_size), "--workers", str(a.workers)]
    for flag, val in (("--threads", a.threads), ("--dataset-dir", a.dataset_dir), ("--audit-conf", a.audit_conf),
                      ("--model-path", a.model_path), ("--mlperf-conf", a.mlperf_conf),
                      ("--performance-sample-count", a.performance_sample_count), ("--round", a.round),
                      ("--compliance-test", a.compliance_test if a.round else None)):
        if val is not None:
            cmd += [flag, str(val)]
    return cmd


def _run_harness(cmd, cwd, timeout):
    env = dict(os.environ)
    pkg_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env["PYTHONPATH"] = pkg_root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    try:
        p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise LoadGenError(f"LoadGen run exceeded {timeout} s: {' '.join(cmd)}") from e
    if p.returncode != 0:
        tail = (p.stderr or p.stdout or "").strip().splitlines()[-15:]
        msg = "\n  ".join(tail)
        if p.returncode == 2 and tail and tail[-1].startswith("error: "):
            raise ConfigError(tail[-1][len("error: "):])
        raise LoadGenError(f"LoadGen run failed (rc {p.returncode}): {shlex.join(cmd)}\n  {msg}")
    return p


def _reuse_key(a, conf_text):
    """What must match for earlier logs to stand in for this run (no --rerun)."""
    return {"user_conf": conf_text, "batch_size": a.batch_size, "threads": a.threads, "workers": a.workers,
            "dataset_dir": a.dataset_dir, "model_path": a.model_path, "audit_conf": a.audit_conf,
            "round": a.round}


def run_one(a, spec, scenario, mode, conf_text, command_line):
    """One LoadGen process for one mode; returns the record (and commits its dir)."""
    staging = results_writer.new_staging_dir(a.results_dir, f"{spec['name']}-{scenario}-{mode}")
    try:
        conf_path = os.path.join(staging, "user.conf")
        write_text_atomic(conf_path, conf_text)
        logs = os.path.join(staging, "logs")  # the harness creates it only when its test finished
        cmd = _harness_cmd(a, scenario, mode, conf_path, logs)
        _run_harness(cmd, staging, a.timeout)
        with open(os.path.join(logs, "run.json"), encoding="utf-8") as f:
            info = json.load(f)
        result = logparse.parse_dir(logs, mode)
        accuracy = None
        if mode == "accuracy":
            from .accuracy.score import score_run
            score = score_run(spec, logs, info.get("dataset_dir"), info.get("response_dtype", "int32"))
            accuracy = score.value
            info.update(accuracy_metric=score.metric, accuracy_details=score.details)
            total = info["qsl"]["total_count"]
            result.validity = "VALID" if score.covered == total else "INVALID"
            if not result.valid:
                result.invalid_reasons = [f"accuracy log covers {score.covered} of {total} samples"]
        b = info["backend"]
        sut = layout.sut_name(a.hw_name, a.implementation, a.device, a.backend, b["version"], a.run_config)
        final = layout.mode_dir(a.results_dir, sut, spec["name"], scenario, mode, a.compliance_test)
        # the command as it reproduces this run from where its files end up (not the staging paths)
        cmd = [os.path.join(final, "user.conf") if c == conf_path else final if c == logs else c for c in cmd]
        info["command"] = cmd
        info["result"] = result.to_dict()
        info["accuracy"] = accuracy
        info["orchestrator_command"] = command_line
        info["reuse_key"] = _reuse_key(a, conf_text)
        write_json_atomic(os.path.join(logs, "run.json"), info)
        final = results_writer.commit_mode_dir(logs, a.results_dir, sut, spec["name"], scenario, mode,
                                               a.compliance_test)
    finally:
        results_writer.discard_staging(staging, a.results_dir)
    return {"model": spec["name"], "sut": sut, "dir": final, "result": info["result"],
            "accuracy": accuracy, "accuracy_metric": info.get("accuracy_metric"), "info": info,
            "harness_command": cmd}


def _existing_record(a, spec, scenario, mode, conf_text):
    """A finished earlier run of this SUT/model/scenario/mode with the same settings, or None."""
    root = a.results_dir
    if not os.path.isdir(root):
        return None
    prefix = layout.sut_name(a.hw_name, a.implementation, a.device, a.backend, "X", a.run_config)
    head, tail = prefix.split("-vX-")
    for sut in sorted(os.listdir(root)):
        if not (sut.startswith(head + "-v") and sut.endswith("-" + tail)):
            continue
        d = layout.mode_dir(root, sut, spec["name"], scenario, mode, a.compliance_test)
        rj = os.path.join(d, "run.json")
        if os.path.isfile(rj) and os.path.isfile(os.path.join(d, logparse.SUMMARY)):
            with open(rj, encoding="utf-8") as f:
                info = json.load(f)
            if "result" in info and info.get("reuse_key") == _reuse_key(a, conf_text):
                return {"model": spec["name"], "sut": sut, "dir": d, "result": info["result"],
                        "accuracy": info.get("accuracy"), "accuracy_metric": info.get("accuracy_metric"),
                        "info": info, "harness_command": info["command"], "reused": True}
    return None


def _measurements(spec, info):
    m = dict(spec.get("measurements", {}))
    m.update(model=spec["name"], mlperf_model=spec.get("mlperf_model"),
             model_mapping={spec["name"]: spec["mlperf_model"]} if spec.get("maps_to_mlperf_model") else None,
             starting_weights_sha256=info.get("model_sha256"), dataset=spec.get("dataset"),
             dataset_dir=info.get("dataset_dir"), performance_only=bool(spec.get("performance_only")))
    manifest = os.path.join(info.get("dataset_dir") or "", "manifest.json")
    if info.get("dataset_dir") and os.path.isfile(manifest):
        with open(manifest, encoding="utf-8") as f:
            man = json.load(f)
        m["dataset_manifest"] = {k: man.get(k) for k in ("split", "train_accuracy", "sha256")}
    return m


def _sut_facts(a, sut, info):
    h = info["host"]
    return {"system_name": sut, "hardware_name": a.hw_name, "implementation": a.implementation,
            "device": a.device, "framework": a.backend, "framework_version": info["backend"]["version"],
            "run_config": a.run_config,
            "host_processor_model_name": h["host_processor_model_name"],
            "host_processor_core_count": h["host_processor_core_count"],
            "host_processors_per_node": h["host_processors_per_node"],
            "host_memory_capacity": h["host_memory_capacity"], "operating_system": h["operating_system"],
            "accelerator_model_name": "N/A" if a.device == "cpu" else a.device,
            "accelerators_per_node": 0 if a.device == "cpu" else 1,
            "python_version": h["python_version"], "loadgen_version": info["loadgen_version"]}


# A Server accuracy run issues every sample of the dataset at target_qps: at the default 1 qps that
# is 17 minutes for digits and 3 hours for bert's 10833 features. The pace cannot change the
# accuracy, so with no --target-qps the accuracy run issues at this rate and the SUT drains its queue.
SERVER_ACCURACY_QPS = 1000.0


def _targets(a, scenario):
    """(target_qps, target_latency) of a scenario: its own flag, else the generic one."""
    kind, _ = PER_SCENARIO_TARGETS[scenario]
    own = getattr(a, f"{scenario.lower()}_target_{kind}")
    return (own if own is not None and kind == "qps" else a.target_qps,
            own if own is not None and kind == "latency" else a.target_latency)


def _server_accuracy_target(a, scenario, mode):
    """(target_qps, note) for one run; a note says when the accuracy pace is not the user's."""
    target_qps = _targets(a, scenario)[0]
    if scenario != "Server" or mode != "accuracy" or target_qps is not None:
        return target_qps, None
    return SERVER_ACCURACY_QPS, (f"accuracy issued at {SERVER_ACCURACY_QPS:g} qps (no --target-qps given); "
                                 "the pace does not change the accuracy")


def run(argv=None, out=sys.stdout):
    argv = list(sys.argv[1:] if argv is None else argv)
    a = _parse(argv)
    if a.implementation not in IMPLEMENTATIONS:
        raise UnknownChoiceError("implementation", a.implementation, IMPLEMENTATIONS)
    spec = registry.harness_spec(a.model)
    from .backends import BACKENDS, DEVICES
    if a.backend not in BACKENDS:
        raise UnknownChoiceError("backend", a.backend, BACKENDS)
    registry.check_backend(spec, a.backend)
    if a.device not in DEVICES:
        raise UnknownChoiceError("device", a.device, DEVICES)
    if bool(a.compliance_test) != bool(a.audit_conf):
        raise ConfigError("--compliance-test and --audit-conf go together (the TEST0x audit.config)")
    if a.audit_conf:
        if not os.path.isfile(a.audit_conf):
            raise ConfigError(f"audit config {a.audit_conf!r} does not exist")
        a.audit_conf = os.path.abspath(a.audit_conf)
    scenarios = [registry.check_scenario(s.strip()) for s in a.scenario.split(",") if s.strip()]
    modes = ["performance", "accuracy"] if a.mode == "both" else [a.mode]
    if spec.get("performance_only") and "accuracy" in modes:
        if a.mode == "accuracy":
            raise ConfigError(f"model {spec['name']} is performance-only (random weights): no accuracy mode")
        modes = ["performance"]
    os.makedirs(a.results_dir, exist_ok=True)
    a.results_dir = os.path.abspath(a.results_dir)
    if a.dataset_dir:
        a.dataset_dir = os.path.abspath(a.dataset_dir)
    if a.model_path:
        a.model_path = os.path.abspath(a.model_path)
    if spec["name"] == "digits-mlp":  # build once here, not racing in each harness process
        from .assets import digits_dir
        a.dataset_dir = digits_dir(a.dataset_dir)
    command_line = shlex.join([sys.executable, "-m", "cmperf.mlperf.run"] + argv)

    def conf_for(scenario, target_qps):
        return user_conf.generate(
            spec["loadgen_name"], scenario, a.run_style, target_qps=target_qps,
            target_latency_ms=_targets(a, scenario)[1], test_query_count=a.test_query_count,
            samples_per_query=a.samples_per_query, performance_sample_count=a.performance_sample_count,
            min_duration_ms=a.min_duration, max_duration_ms=a.max_duration,
            min_query_count=a.min_query_count, max_query_count=a.max_query_count, fast_factor=a.fast_factor)

    records = []
    for scenario in scenarios:
        harness_cmds = {}
        for mode in modes:
            target_qps, note = _server_accuracy_target(a, scenario, mode)
            conf_text = conf_for(scenario, target_qps)
            rec = None if a.rerun else _existing_record(a, spec, scenario, mode, conf_text)
            if rec is None:
                rec = run_one(a, spec, scenario, mode, conf_text, command_line)
            if note:
                rec["result"].setdefault("notes", []).append(note)
            harness_cmds[mode] = rec["harness_command"]
            records.append(rec)
        info = records[-1]["info"]
        sut = records[-1]["sut"]
        results_writer.write_sut_info(a.results_dir, sut, _sut_facts(a, sut, info))
        if a.compliance_test:
            continue  # TEST0x runs sit inside the scenario dir; its README/measurements stay the main run's
        results_writer.write_measurements(a.results_dir, sut, spec["name"], scenario, _measurements(spec, info))
        results_writer.write_readme(a.results_dir, sut, spec["name"], scenario, command_line, harness_cmds,
                                    results_writer.resolved_versions({f"backend {a.backend}": info["backend"]["version"],
                                                                      "loadgen (detail log)": info["loadgen_version"]}))
    print(table.render(records), file=out)
    summary = [{k: r.get(k) for k in ("model", "sut", "dir", "result", "accuracy", "accuracy_metric")}
               for r in records]
    if a.json:
        print(json.dumps(summary, indent=2), file=out)
    if a.records_out:
        write_json_atomic(a.records_out, summary)
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

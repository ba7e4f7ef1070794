"""Fixtures of the submission tests: synthetic but well-formed LoadGen logs and trees.

``tree_builder`` writes a complete, rule-abiding submission tree for a round; tests then break
one rule at a time. ``results_builder`` writes an MLPerf results directory as the harness does
(docs/architecture.md), the generator's input.
"""
import hashlib
import json
import os
import types

import pytest

from cmperf.submission import rounds

FULL_SYSTEM = {
    "division": "open", "submitter": "TestOrg", "status": "available", "system_name": "Test box",
    "number_of_nodes": "1", "host_processor_model_name": "Test CPU 9000", "host_processors_per_node": "1",
    "host_processor_core_count": "2", "host_memory_capacity": "24 GB", "host_storage_capacity": "100 GB",
    "host_storage_type": "SSD", "accelerators_per_node": "0", "accelerator_model_name": "N/A",
    "accelerator_memory_capacity": "N/A", "framework": "onnxruntime 1.32", "operating_system": "Ubuntu 24.04",
    "system_type": "edge", "other_software_stack": "Python 3.11", "host_processor_frequency": "3 GHz",
    "host_processor_caches": "L2 1 MB", "host_memory_configuration": "2x12 GB",
    "host_processor_interconnect": "N/A", "host_networking": "Ethernet", "host_networking_topology": "N/A",
    "accelerator_frequency": "", "accelerator_host_interconnect": "N/A", "accelerator_interconnect": "N/A",
    "accelerator_interconnect_topology": "", "accelerator_memory_configuration": "N/A",
    "accelerator_on-chip_memories": "", "cooling": "air", "hw_notes": "", "sw_notes": "",
    "host_network_card_count": "1", "system_type_detail": "workstation",
}


def official_model(rules, model):
    """The ModelRules a tree's model directory stands for (the builders map other names to resnet)."""
    return rules.model(model) or rules.models["resnet"]


def passing_accuracy(model):
    """An accuracy a point above the model's closed-division target (the builders' default)."""
    return round(model.accuracy_target + 1.0, 3)


def accuracy_line(model, value):
    """accuracy.txt's result line as the model's accuracy script prints it."""
    if model.accuracy_metric == "F1":   # SQuAD: json.dumps of exact_match then f1
        return json.dumps({"exact_match": round(value - 7.0, 3), "f1": value})
    if model.accuracy_metric == "mAP":  # OpenImages (cmperf.mlperf.openimages.accuracy)
        return f"mAP={value:.3f}%"
    if model.accuracy_metric == "WER":  # LibriSpeech: accuracy = 100 - WER
        return f"Word Error Rate: {100 - value:.3f}%, accuracy={value:.3f}%"
    if model.accuracy_metric == "DICE":  # KiTS19 mean DICE (a fraction)
        return f"Accuracy: mean = {value:.5f}, kidney = {value:.4f}, tumor = {value:.4f}"
    return f"accuracy={value:.3f}%, good=1, total=1"


def perf_values(rules, scenario, test05=False, model=None, **overrides):
    seeds = rules.test05_seeds if test05 else rules.seeds
    model = model or rules.models["resnet"]
    v = {
        "loadgen_version": "6.0.17 @ test", "sut_name": "PySUT", "qsl_reported_total_count": 1797,
        "effective_scenario": scenario, "effective_test_mode": "PerformanceOnly", "result_validity": "VALID",
        "effective_performance_sample_count": model.performance_sample_count, "effective_min_duration_ms": 600000,
        "effective_min_query_count": 24576 if scenario == "Offline" else 1024,
        "effective_samples_per_query": 24576 if scenario == "Offline" else (8 if scenario == "MultiStream" else 1),
        "effective_target_latency_ns": (model.server_target_latency_ns or 0) if scenario == "Server" else 0,
        "result_99.00_percentile_latency_ns": 900000, "result_mean_latency_ns": 500000,
        "result_99.00_percentile_per_query_latency_ns": 950000, "result_mean_query_latency_ns": 600000,
        "result_samples_per_second": 12345.6, "result_scheduled_samples_per_sec": 100.0,
        "result_completed_samples_per_sec": 100.0,
        "early_stopping_latency_ss": 400000, "early_stopping_latency_ms": 450000,
        "result_qps_without_loadgen_overhead": 2500.0,
        "early_stopping_met": True, "early_stopping_result": " * Run successful.",
    }
    v.update(seeds.as_log_keys())
    if scenario == "Offline":
        for k in ("early_stopping_met", "early_stopping_result"):
            v.pop(k)
    v.update(overrides)
    return v


def write_detail_log(path, values, errors=(), warnings=()):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        def line(key, value, err=False, warn=False):
            entry = {"key": key, "value": value, "time_ms": 0.01, "namespace": "mlperf::logging",
                     "event_type": "POINT_IN_TIME",
                     "metadata": {"is_error": err, "is_warning": warn, "file": "t.cc", "line_no": 1}}
            f.write(":::MLLOG " + json.dumps(entry) + "\n")
        for k, v in values.items():
            line(k, v)
        for e in errors:
            line("error_runtime", e, err=True)
        for w in warnings:
            line("warning_generic_message", w, warn=True)


def write_summary_log(path, scenario, validity="VALID"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write("=" * 48 + "\nMLPerf Results Summary\n" + "=" * 48 + "\n"
                f"SUT name : PySUT\nScenario : {scenario}\nMode     : PerformanceOnly\n"
                f"Samples per second: 12345.6\nResult is : {validity}\n")


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def write_compliance_dirs(parent, rules, scen, model):
    """Passing TEST0x dirs (the round's tests of ``model``) under ``parent``, as a harness leaves them."""
    for test in model.compliance_tests:
        tdir = os.path.join(parent, test)
        write(os.path.join(tdir, "verify_performance.txt"), "TEST PASS\n")
        tperf = os.path.join(tdir, "performance", "run_1")
        write_detail_log(os.path.join(tperf, "mlperf_log_detail.txt"),
                         perf_values(rules, scen, test05=test == "TEST05", model=model))
        write_summary_log(os.path.join(tperf, "mlperf_log_summary.txt"), scen)
        if test == "TEST01":
            write(os.path.join(tdir, "verify_accuracy.txt"), "TEST PASS\n")
            write(os.path.join(tdir, "accuracy", "mlperf_log_accuracy.json"), "[]")
            write(os.path.join(tdir, "accuracy", "accuracy.txt"), accuracy_line(model, passing_accuracy(model)) + "\n")


def write_accuracy_dir(acc_dir, model, accuracy=None, scenario="Offline", total=1797):
    log_text = json.dumps([{"seq_id": 0, "qsl_idx": 0, "data": "01000000"}])
    write(os.path.join(acc_dir, "mlperf_log_accuracy.json"), log_text)
    digest = hashlib.sha256(log_text.encode()).hexdigest()
    line = accuracy_line(model, passing_accuracy(model) if accuracy is None else accuracy)
    write(os.path.join(acc_dir, "accuracy.txt"), f"{line}\nhash={digest}\n")
    write_detail_log(os.path.join(acc_dir, "mlperf_log_detail.txt"),
                     {"effective_scenario": scenario, "qsl_reported_total_count": total,
                      "effective_accuracy_sample_count": total, "effective_test_mode": "AccuracyOnly"})
    write_summary_log(os.path.join(acc_dir, "mlperf_log_summary.txt"), scenario)


def rewrite_perf(t, scenario, **overrides):
    """Replace a built tree's performance detail log by one with ``overrides``; returns its path."""
    path = os.path.join(t.res, scenario, "performance", "run_1", "mlperf_log_detail.txt")
    write_detail_log(path, perf_values(t.rules, scenario, model=t.official, **overrides))
    return path


class TreeBuilder:
    """A rule-abiding submission tree of one system/model; scenario dirs in CamelCase."""

    def __init__(self, base):
        self.base = str(base)

    def build(self, version="v3.1", division="open", submitter="TestOrg", system="testbox",
              model="digits-mlp", scenarios=("Offline",), system_type="edge", accuracy=None, with_compliance=None):
        rules = rounds.get_round(version)
        official = official_model(rules, model)
        root = os.path.join(self.base, f"sub-{version}-{division}")
        sub = os.path.join(root, division, submitter)
        desc = dict(FULL_SYSTEM, division=division, submitter=submitter, system_type=system_type)
        write(os.path.join(sub, "systems", f"{system}.json"), json.dumps(desc, indent=2))
        if division == "open" and rules.model(model) is None:
            write(os.path.join(sub, "model_mapping.json"), json.dumps({model: "resnet"}))
        if rules.layout == "v3":
            write(os.path.join(sub, "code", model, "cmperf", "README.md"), "cmperf\n")
        else:
            write(os.path.join(sub, "src", "README.md"), "cmperf\n")
        total = official.dataset_size if version != "v3.1" else 1797
        compliance = (division != "open") if with_compliance is None else with_compliance
        for scen in scenarios:
            res = os.path.join(sub, "results", system, model, scen)
            perf = os.path.join(res, "performance", "run_1")
            write_detail_log(os.path.join(perf, "mlperf_log_detail.txt"), perf_values(rules, scen, model=official))
            write_summary_log(os.path.join(perf, "mlperf_log_summary.txt"), scen)
            write_accuracy_dir(os.path.join(res, "accuracy"), official, accuracy, scen, total)
            mdir = res if rules.layout == "v6" else os.path.join(sub, "measurements", system, model, scen)
            write(os.path.join(mdir, "README.md"), "# run\n`cm run script ...`\n")
            write(os.path.join(mdir, "user.conf"), f"{official.loadgen_name}.{scen}.target_qps = 1000\n")
            if rules.layout == "v3":
                write(os.path.join(mdir, "mlperf.conf"), rounds.mlperf_conf_text(rules, official))
            mjson = "measurements.json" if rules.layout == "v6" else f"{system}_cmperf_{scen}.json"
            write(os.path.join(mdir, mjson), json.dumps({k: "fp32" for k in rounds.MEASUREMENTS_JSON_KEYS}))
            if compliance:
                cdir = res if rules.layout == "v6" else os.path.join(sub, "compliance", system, model, scen)
                write_compliance_dirs(cdir, rules, scen, official)
        return types.SimpleNamespace(root=root, sub=sub, rules=rules, system=system, model=model,
                                     official=official, res=os.path.join(sub, "results", system, model))


@pytest.fixture
def tree_builder(tmp_path):
    return TreeBuilder(tmp_path)


@pytest.fixture
def logs():
    return types.SimpleNamespace(perf_values=perf_values, write_detail_log=write_detail_log,
                                 write_summary_log=write_summary_log, write=write,
                                 write_accuracy_dir=write_accuracy_dir, rewrite_perf=rewrite_perf)


SUT_INFO = {
    "system_name": "Test box", "hardware_name": "testbox", "implementation": "cmperf", "device": "cpu",
    "framework": "onnxruntime", "framework_version": "1.32", "run_config": "default_config",
    "host_processor_model_name": "Test CPU 9000", "host_processor_core_count": 2, "host_processors_per_node": 1,
    "host_memory_capacity": "24G", "operating_system": "Linux 6.1", "accelerator_model_name": "",
    "accelerators_per_node": 0,
}
# What a user file supplies: the fields no detection can know.
USER_SYSTEM = {k: FULL_SYSTEM[k] for k in (
    "status", "host_storage_capacity", "host_storage_type", "host_memory_configuration",
    "host_networking", "host_networking_topology", "host_network_card_count", "cooling",
    "system_type_detail", "host_processor_frequency", "host_processor_caches",
    "host_processor_interconnect", "other_software_stack")}


class ResultsBuilder:
    """An MLPerf results dir as the harness writes it (synthetic, well-formed logs)."""

    def __init__(self, base):
        self.base = str(base)

    def build(self, version="v3.1", model="digits-mlp", scenarios=("offline",), sut="testbox-cmperf-cpu-onnxruntime-v1.32-default_config",
              info=None, accuracy=None, compliance=False, log_overrides=None, name="results", acc_entries=3):
        rules = rounds.get_round(version)
        official = official_model(rules, model)
        results = os.path.join(self.base, name)
        sut_dir = os.path.join(results, sut)
        write(os.path.join(sut_dir, "cm-sut-info.json"), json.dumps(dict(SUT_INFO, **(info or {}))))
        for scen_lower in scenarios:
            scen = rounds.SCENARIO_BY_LOWER[scen_lower]
            sdir = os.path.join(sut_dir, model, scen_lower)
            write(os.path.join(sdir, "measurements.json"), json.dumps({k: "fp32" for k in rounds.MEASUREMENTS_JSON_KEYS}))
            write(os.path.join(sdir, "README.md"), f"# {model} {scen}\n\n`cm run script --tags=run-mlperf,inference`\n")
            perf = os.path.join(sdir, "performance", "run_1")
            write_detail_log(os.path.join(perf, "mlperf_log_detail.txt"),
                             perf_values(rules, scen, model=official, **(log_overrides or {})))
            write_summary_log(os.path.join(perf, "mlperf_log_summary.txt"), scen)
            write(os.path.join(perf, "user.conf"), f"{official.loadgen_name}.{scen}.target_qps = 1000\n")
            write(os.path.join(perf, "run.json"), json.dumps({"command": "cm run script --tags=run-mlperf,inference",
                                                              "loadgen_version": "6.0.17"}))
            write(os.path.join(perf, "mlperf_log_accuracy.json"), "[]")
            acc = os.path.join(sdir, "accuracy")
            total = official.dataset_size if rules.dataset_size_official else 1097
            entries = [{"seq_id": i, "qsl_idx": i, "data": "01000000"} for i in range(acc_entries)]
            log_text = json.dumps(entries)
            write(os.path.join(acc, "mlperf_log_accuracy.json"), log_text)
            value = passing_accuracy(official) if accuracy is None else accuracy
            write(os.path.join(acc, "accuracy.txt"), accuracy_line(official, value) + "\n")
            write_detail_log(os.path.join(acc, "mlperf_log_detail.txt"),
                             {"effective_scenario": scen, "qsl_reported_total_count": total,
                              "effective_accuracy_sample_count": total})
            write_summary_log(os.path.join(acc, "mlperf_log_summary.txt"), scen)
            if compliance:
                write_compliance_dirs(sdir, rules, scen, official)
        return results

    def user_system_json(self):
        path = os.path.join(self.base, "system-user.json")
        write(path, json.dumps(USER_SYSTEM))
        return path


@pytest.fixture
def results_builder(tmp_path):
    return ResultsBuilder(tmp_path)


@pytest.fixture
def user_system_file(tmp_path):
    """A user systems file with the fields no detection can know."""
    path = str(tmp_path / "system-user.json")
    write(path, json.dumps(USER_SYSTEM))
    return path


@pytest.fixture(scope="session")
def digits_predictions_cache(tmp_path_factory):
    """Where loadgen_run.py keeps its SUT's answers for the session (--predictions-cache): the first
    LoadGen run trains the scikit-learn MLP, the others read what it answered."""
    return str(tmp_path_factory.mktemp("digits-sut") / "predictions.npz")

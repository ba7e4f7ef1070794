"""The checker accepts well-formed trees and names each broken rule (reference section 6)."""
import json
import os
import shutil

import pytest

from cmperf.submission.checker import check_submission


def rules_of(report):
    return report.rules()


@pytest.mark.parametrize("version", ["v3.1", "v5.0", "v5.1", "v6.1"])
def test_valid_open_tree_passes(tree_builder, version):
    t = tree_builder.build(version=version)
    report = check_submission(t.root, version)
    assert report.ok, [str(f) for f in report.errors]
    assert [r.scenario for r in report.results] == ["Offline"]
    assert report.results[0].value == pytest.approx(12345.6)


@pytest.mark.parametrize("version", ["v3.1", "v5.0", "v5.1", "v6.1"])
def test_valid_closed_edge_tree_passes(tree_builder, version):
    t = tree_builder.build(version=version, division="closed", model="resnet50",
                           scenarios=("SingleStream", "MultiStream", "Offline"))
    if version == "v5.1":   # the submitter's quantization and calibration notes (closed v5.1)
        with open(os.path.join(t.sub, "calibration.md"), "w", encoding="utf-8") as f:
            f.write("fp32 weights as published; no calibration\n")
    report = check_submission(t.root, version)
    assert report.ok, [str(f) for f in report.errors]
    assert {r.metric for r in report.results} == {"latency_ms_p90", "latency_ms_p99", "samples_per_second"}


def test_empty_tree_fails(tmp_path):
    report = check_submission(str(tmp_path), "v3.1")
    assert rules_of(report) == ["root.empty"]


def test_closed_edge_without_multistream_names_it(tree_builder):
    t = tree_builder.build(division="closed", model="resnet50", scenarios=("SingleStream", "Offline"))
    report = check_submission(t.root, "v3.1")
    assert rules_of(report) == ["scenarios.missing"]
    assert "MultiStream" in report.errors[0].message


@pytest.mark.parametrize("version", ["v3.1", "v6.1"])
@pytest.mark.parametrize("overrides,rule", [
    ({"result_validity": "INVALID"}, "perf.invalid"),
    ({"effective_min_duration_ms": 10000}, "perf.min-duration"),
    ({"effective_performance_sample_count": 100}, "perf.sample-count"),
    ({"effective_qsl_rng_seed": 1}, "perf.seeds"),
    ({"effective_samples_per_query": 500}, "perf.samples-per-query"),
    ({"effective_scenario": "Server"}, "perf.scenario"),
    ({"sut_name": "Network SUT x"}, "perf.sut-name"),
])
def test_broken_performance_rule(tree_builder, logs, version, overrides, rule):
    if rule == "perf.samples-per-query" and version == "v6.1":
        t = tree_builder.build(version=version, division="closed", model="resnet50",
                               scenarios=("SingleStream", "MultiStream", "Offline"))
    else:
        t = tree_builder.build(version=version)
    path = logs.rewrite_perf(t, "Offline", **overrides)
    report = check_submission(t.root, version)
    assert rules_of(report) == [rule]
    assert report.errors[0].path == os.path.relpath(path, t.root)


def test_invalid_is_marked_stricter_on_master(tree_builder, logs):
    t = tree_builder.build(version="v6.1")
    logs.rewrite_perf(t, "Offline", result_validity="INVALID")
    [err] = check_submission(t.root, "v6.1").errors
    assert not err.official and "stricter" in str(err)


def test_open_v61_offline_spq_not_required(tree_builder, logs):
    t = tree_builder.build(version="v6.1")
    logs.rewrite_perf(t, "Offline", effective_samples_per_query=500)
    assert check_submission(t.root, "v6.1").ok


def test_early_stopping_not_met(tree_builder, logs):
    t = tree_builder.build(scenarios=("SingleStream",))
    logs.rewrite_perf(t, "SingleStream", early_stopping_met=False)
    assert rules_of(check_submission(t.root, "v3.1")) == ["perf.early-stopping"]


def test_loadgen_error_line_fails(tree_builder, logs):
    t = tree_builder.build()
    path = os.path.join(t.res, "Offline", "performance", "run_1", "mlperf_log_detail.txt")
    logs.write_detail_log(path, logs.perf_values(t.rules, "Offline"), errors=["boom"])
    report = check_submission(t.root, "v3.1")
    assert rules_of(report) == ["log.loadgen-error"] and "boom" in report.errors[0].message


def test_bad_json_line_names_line(tree_builder):
    t = tree_builder.build()
    path = os.path.join(t.res, "Offline", "performance", "run_1", "mlperf_log_detail.txt")
    with open(path, "a") as f:
        f.write(":::MLLOG {not json\n")
    report = check_submission(t.root, "v3.1")
    assert rules_of(report) == ["log.format"]


def test_accuracy_below_closed_target(tree_builder):
    t = tree_builder.build(division="closed", model="resnet50", accuracy=70.0,
                           scenarios=("SingleStream", "MultiStream", "Offline"))
    report = check_submission(t.root, "v3.1")
    assert rules_of(report) == ["accuracy.target"]
    assert len(report.errors) == 3


def test_accuracy_not_enforced_in_open(tree_builder):
    t = tree_builder.build(accuracy=10.0)
    assert check_submission(t.root, "v3.1").ok


def test_missing_hash_and_untruncated_log(tree_builder):
    t = tree_builder.build()
    acc = os.path.join(t.res, "Offline", "accuracy")
    with open(os.path.join(acc, "accuracy.txt"), "w") as f:
        f.write("accuracy=80.0%\n")
    with open(os.path.join(acc, "mlperf_log_accuracy.json"), "w") as f:
        f.write("[" + ",".join(['{"seq_id": 1, "qsl_idx": 1, "data": "00"}'] * 500) + "]")
    assert rules_of(check_submission(t.root, "v3.1")) == ["accuracy.hash", "accuracy.not-truncated"]


def test_v61_dataset_size(tree_builder, logs):
    t = tree_builder.build(version="v6.1")
    logs.write_accuracy_dir(os.path.join(t.res, "Offline", "accuracy"), t.official, total=1797)
    assert rules_of(check_submission(t.root, "v6.1")) == ["accuracy.dataset-size"]
    assert check_submission(t.root, "v6.1", skip_dataset_size_check=True).ok


@pytest.mark.parametrize("name,rule", [
    ("stray.txt", "root.stray-file"),
    ("notes.md", None),
])
def test_root_files(tree_builder, name, rule):
    t = tree_builder.build()
    with open(os.path.join(t.root, name), "w") as f:
        f.write("x")
    assert rules_of(check_submission(t.root, "v3.1")) == ([rule] if rule else [])


@pytest.mark.parametrize("version", ["v3.1", "v6.1"])
def test_hygiene(tree_builder, version):
    t = tree_builder.build(version=version)
    os.makedirs(os.path.join(t.sub, "empty"))
    os.makedirs(os.path.join(t.sub, "__pycache__"))
    with open(os.path.join(t.sub, "__pycache__", "x.pyc"), "w") as f:
        f.write("x")
    with open(os.path.join(t.sub, ".DS_Store"), "w") as f:
        f.write("x")
    report = check_submission(t.root, version)
    assert rules_of(report) == ["hygiene.empty-dir", "hygiene.hidden", "hygiene.pycache"]
    assert all(f.official == (version == "v3.1") for f in report.errors)


def test_invalid_division_and_unknown_scenario(tree_builder):
    t = tree_builder.build()
    os.makedirs(os.path.join(t.root, "closedd", "x"))
    os.makedirs(os.path.join(t.res, "Batch"))
    assert rules_of(check_submission(t.root, "v3.1")) == ["hygiene.empty-dir", "layout.scenario",
                                                           "root.division-name"]


@pytest.mark.parametrize("field", ["cooling", "host_storage_type", "status"])
def test_system_json_missing_field(tree_builder, field):
    t = tree_builder.build()
    path = os.path.join(t.sub, "systems", f"{t.system}.json")
    desc = json.load(open(path))
    del desc[field]
    json.dump(desc, open(path, "w"))
    report = check_submission(t.root, "v3.1")
    assert rules_of(report) == ["system.fields-missing"] and field in report.errors[0].message


def test_system_json_empty_and_bad_values(tree_builder):
    t = tree_builder.build()
    path = os.path.join(t.sub, "systems", f"{t.system}.json")
    desc = json.load(open(path))
    desc.update(cooling="", status="soon", submitter="Other", system_type="laptop")
    json.dump(desc, open(path, "w"))
    assert rules_of(check_submission(t.root, "v3.1")) == [
        "system.fields-empty", "system.status", "system.submitter", "system.system-type"]


def test_missing_system_json(tree_builder):
    t = tree_builder.build()
    os.remove(os.path.join(t.sub, "systems", f"{t.system}.json"))
    assert "system.missing" in rules_of(check_submission(t.root, "v3.1"))


@pytest.mark.parametrize("version,name,rule", [
    ("v3.1", "mlperf.conf", "measurements.mlperf-conf"),
    ("v3.1", "user.conf", "measurements.user-conf"),
    ("v6.1", "README.md", "measurements.readme"),
    ("v6.1", "measurements.json", "measurements.json"),
])
def test_measurement_files(tree_builder, version, name, rule):
    t = tree_builder.build(version=version)
    base = os.path.join(t.res, "Offline") if version == "v6.1" else \
        os.path.join(t.sub, "measurements", t.system, t.model, "Offline")
    os.remove(os.path.join(base, name))
    assert rules_of(check_submission(t.root, version)) == [rule]


def test_v61_does_not_need_mlperf_conf(tree_builder):
    t = tree_builder.build(version="v6.1")
    assert not os.path.exists(os.path.join(t.res, "Offline", "mlperf.conf"))
    assert check_submission(t.root, "v6.1").ok


def test_measurements_json_empty_key(tree_builder):
    t = tree_builder.build(version="v6.1")
    path = os.path.join(t.res, "Offline", "measurements.json")
    json.dump({"input_data_types": "fp32"}, open(path, "w"))
    report = check_submission(t.root, "v6.1")
    assert rules_of(report) == ["measurements.json-fields"] and "retraining" in report.errors[0].message


def test_extra_and_missing_perf_files(tree_builder):
    t = tree_builder.build()
    run = os.path.join(t.res, "Offline", "performance", "run_1")
    os.remove(os.path.join(run, "mlperf_log_summary.txt"))
    with open(os.path.join(run, "notes.txt"), "w") as f:
        f.write("x")
    report = check_submission(t.root, "v3.1")
    assert rules_of(report) == ["perf.files"] and len(report.errors) == 2


def test_wrong_layout_for_round(tree_builder):
    t = tree_builder.build(version="v3.1")
    rules = rules_of(check_submission(t.root, "v6.1"))
    assert "layout.src" in rules and "measurements.readme" in rules


def test_code_dir_required(tree_builder):
    t = tree_builder.build()
    shutil.rmtree(os.path.join(t.sub, "code"))
    assert rules_of(check_submission(t.root, "v3.1")) == ["layout.code"]


def test_unmapped_open_model(tree_builder):
    t = tree_builder.build()
    os.remove(os.path.join(t.sub, "model_mapping.json"))
    assert "model.unknown" in rules_of(check_submission(t.root, "v3.1"))


@pytest.mark.parametrize("version", ["v3.1", "v6.1"])
def test_closed_compliance(tree_builder, logs, version):
    t = tree_builder.build(version=version, division="closed", model="resnet50",
                           scenarios=("SingleStream", "MultiStream", "Offline"))
    cdir = (os.path.join(t.res, "Offline") if version == "v6.1"
            else os.path.join(t.sub, "compliance", t.system, t.model, "Offline"))
    with open(os.path.join(cdir, "TEST04", "verify_performance.txt"), "w") as f:
        f.write("TEST FAIL\n")
    shutil.rmtree(os.path.join(cdir, "TEST01", "accuracy"))
    report = check_submission(t.root, version)
    assert rules_of(report) == ["compliance.files", "compliance.perf-fail"]
    skipped = check_submission(t.root, version, skip_compliance=True)
    if version == "v3.1":
        assert skipped.ok
    else:   # master ignores --skip_compliance: so do we, and say so
        assert rules_of(skipped) == ["compliance.files", "compliance.perf-fail"]
        assert "options.skip-compliance" in [f.rule for f in skipped.findings]


def test_test05_needs_its_own_seeds(tree_builder, logs):
    t = tree_builder.build(division="closed", model="resnet50", scenarios=("SingleStream", "MultiStream", "Offline"))
    path = os.path.join(t.sub, "compliance", t.system, t.model, "Offline", "TEST05", "performance", "run_1",
                        "mlperf_log_detail.txt")
    logs.write_detail_log(path, logs.perf_values(t.rules, "Offline"))   # main-run seeds: wrong for TEST05
    report = check_submission(t.root, "v3.1")
    assert rules_of(report) == ["perf.seeds"] and len(report.errors) == 3


def test_multistream_inferred_from_singlestream(tree_builder, logs):
    t = tree_builder.build(division="closed", model="resnet50", scenarios=("SingleStream", "MultiStream", "Offline"),
                           with_compliance=False)
    logs.rewrite_perf(t, "MultiStream", effective_scenario="SingleStream")
    report = check_submission(t.root, "v3.1", skip_compliance=True)
    assert report.ok, [str(e) for e in report.errors]
    ms = [r for r in report.results if r.scenario == "MultiStream"][0]
    assert ms.inferred and ms.value == pytest.approx(450000 * 8 / 1e6)


def test_datacenter_cannot_infer(tree_builder, logs):
    t = tree_builder.build(system_type="datacenter", scenarios=("Offline",))
    logs.rewrite_perf(t, "Offline", effective_scenario="SingleStream")
    assert rules_of(check_submission(t.root, "v3.1")) == ["perf.scenario"]


def test_server_target_latency(tree_builder, logs):
    t = tree_builder.build(system_type="datacenter", scenarios=("Server", "Offline"), division="closed",
                           model="resnet50", with_compliance=False)
    logs.rewrite_perf(t, "Server", effective_target_latency_ns=20_000_000)
    report = check_submission(t.root, "v3.1", skip_compliance=True)
    assert rules_of(report) == ["perf.server-latency"]


def test_datacenter_resnet_not_a_v61_benchmark(tree_builder):
    t = tree_builder.build(version="v6.1", system_type="datacenter", scenarios=("Server", "Offline"),
                           division="closed", model="resnet50")
    report = check_submission(t.root, "v6.1")
    assert rules_of(report) == ["scenarios.system-type"]


def test_code_dir_may_point_at_another_model(tree_builder):
    t = tree_builder.build()
    code = os.path.join(t.sub, "code")
    os.rename(os.path.join(code, t.model), os.path.join(code, "shared"))
    with open(os.path.join(code, t.model), "w") as f:
        f.write("shared\n")
    assert check_submission(t.root, "v3.1").ok
    with open(os.path.join(code, t.model), "w") as f:
        f.write("nothing-here\n")
    assert rules_of(check_submission(t.root, "v3.1")) == ["layout.code"]


def test_v31_card_count_field_spellings(tree_builder):
    """v3.1-era official checkers disagree on the spelling: v3.1 accepts either, v6.1 only one."""
    for version in ("v3.1", "v6.1"):
        t = tree_builder.build(version=version)
        path = os.path.join(t.sub, "systems", f"{t.system}.json")
        desc = json.load(open(path))
        desc["host_networking_card_count"] = desc.pop("host_network_card_count")
        json.dump(desc, open(path, "w"))
        report = check_submission(t.root, version)
        if version == "v3.1":
            assert report.ok and not [f for f in report.findings if f.rule == "system.unknown-fields"]
        else:
            assert rules_of(report) == ["system.fields-missing"]
            assert "host_network_card_count" in report.errors[0].message


def test_offline_inferred_from_multistream_and_empty_estimate(tree_builder, logs):
    t = tree_builder.build(scenarios=("Offline", "MultiStream"))
    path = os.path.join(t.res, "Offline", "performance", "run_1", "mlperf_log_detail.txt")
    logs.write_detail_log(path, logs.perf_values(t.rules, "MultiStream", result_mean_query_latency_ns=4_000_000))
    report = check_submission(t.root, "v3.1")
    assert report.ok, [str(e) for e in report.errors]
    off = [r for r in report.results if r.scenario == "Offline"][0]
    assert off.inferred and off.value == pytest.approx(8 * 1e9 / 4_000_000)
    logs.rewrite_perf(t, "MultiStream", effective_scenario="SingleStream", early_stopping_latency_ms=0)
    assert rules_of(check_submission(t.root, "v3.1")) == ["perf.early-stopping"]


def test_open_model_must_suit_the_system_type(tree_builder):
    t = tree_builder.build(version="v6.1", system_type="datacenter")
    assert rules_of(check_submission(t.root, "v6.1")) == ["scenarios.system-type"]


def test_edge_datacenter_order_does_not_matter(tree_builder):
    t = tree_builder.build(division="closed", model="resnet50", system_type="edge,datacenter",
                           scenarios=("SingleStream", "MultiStream", "Offline", "Server"))
    report = check_submission(t.root, "v3.1")
    assert report.ok, [str(e) for e in report.errors]


def test_malformed_values_are_reported_not_raised(tree_builder, logs):
    t = tree_builder.build()
    logs.rewrite_perf(t, "Offline", effective_performance_sample_count="lots")
    report = check_submission(t.root, "v3.1")
    assert rules_of(report) == ["result.unreadable"] and "TypeError" in report.errors[0].message

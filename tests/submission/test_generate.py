"""The generator: layouts per round, refusals on bad input, safe placement, summaries."""
import json
import os

import pytest

from cmperf.filehash import sha256_file
from cmperf.submission import generate, placement
from cmperf.submission.generator import GenerationError
from cmperf.submission.results_dir import ResultsDirError
from cmperf.submission.system_desc import SystemDescError

SUT = "testbox-cmperf-cpu-onnxruntime-v1.32-default_config"


def args_for(results, target, *extra, version="v3.1", division="open", system_json=None):
    argv = ["--results-dir", results, "--submission-dir", target, "--division", division,
            "--category", "edge", "--submitter", "TestOrg", "--version", version]
    if system_json:
        argv += ["--system-json", system_json]
    return generate.build_parser().parse_args(argv + list(extra))


def run_generate(args):
    lines = []
    report = generate.generate(args, out=lines.append)
    return report, "\n".join(lines)


def all_files(root):
    return sorted(os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs)


def test_open_v31_tree_layout_and_checker_ok(results_builder, tmp_path):
    results = results_builder.build(acc_entries=2000)   # a big accuracy log: must be truncated
    target = str(tmp_path / "submission")
    report, out = run_generate(args_for(results, target, system_json=results_builder.user_system_json()))
    assert report.ok, out
    sub = os.path.join(target, "open", "TestOrg")
    files = all_files(target)
    assert f"open/TestOrg/measurements/{SUT}/digits-mlp/Offline/mlperf.conf" in files
    assert f"open/TestOrg/measurements/{SUT}/digits-mlp/Offline/{SUT}_cmperf_Offline.json" in files
    assert "open/TestOrg/code/digits-mlp/cmperf/README.md" in files
    assert json.load(open(os.path.join(sub, "model_mapping.json"))) == {"digits-mlp": "resnet"}
    assert not any(os.path.basename(f).startswith(".") for f in files)
    assert not any(f.startswith("open/TestOrg/compliance") for f in files)   # open: no compliance
    acc = os.path.join(sub, "results", SUT, "digits-mlp", "Offline", "accuracy")
    assert os.path.getsize(os.path.join(acc, "mlperf_log_accuracy.json")) <= 10 * 1024
    src_log = os.path.join(results, SUT, "digits-mlp", "offline", "accuracy", "mlperf_log_accuracy.json")
    assert os.path.getsize(src_log) > 10 * 1024
    txt = open(os.path.join(acc, "accuracy.txt")).read().splitlines()
    assert txt[-1] == "hash=" + sha256_file(src_log)
    desc = json.load(open(os.path.join(sub, "systems", f"{SUT}.json")))
    assert desc["host_processor_model_name"] == "Test CPU 9000" and desc["accelerator_model_name"] == "N/A"
    assert desc["framework"] == "onnxruntime 1.32"
    readme = open(os.path.join(sub, "measurements", SUT, "digits-mlp", "Offline", "README.md")).read()
    assert "cm run script --tags=run-mlperf,inference" in readme and "loadgen_version" in readme
    assert os.path.isfile(str(tmp_path / "submission-summary.csv"))
    summary = open(str(tmp_path / "submission-summary.md")).read()
    assert "digits-mlp (resnet)" in summary and "acc 76.695" in summary   # the accuracy names its metric


def test_v61_layout(results_builder, tmp_path):
    results = results_builder.build(version="v6.1")
    target = str(tmp_path / "sub61")
    report, out = run_generate(args_for(results, target, version="v6.1",
                                        system_json=results_builder.user_system_json()))
    assert report.ok, out
    files = all_files(target)
    res = f"open/TestOrg/results/{SUT}/digits-mlp/Offline"
    for f in ("measurements.json", "user.conf", "README.md", "performance/run_1/mlperf_log_detail.txt",
              "accuracy/accuracy.txt"):
        assert f"{res}/{f}" in files
    assert "open/TestOrg/src/README.md" in files
    assert not any("/measurements/" in f or f.endswith("mlperf.conf") or "/code/" in f for f in files)


def test_closed_edge_without_multistream_refused_then_inferred(results_builder, tmp_path):
    results = results_builder.build(model="resnet50", scenarios=("singlestream", "offline"), compliance=True)
    target = str(tmp_path / "closed")
    with pytest.raises(GenerationError) as e:
        run_generate(args_for(results, target, division="closed", system_json=results_builder.user_system_json()))
    assert "MultiStream" in str(e.value) and "--infer-scenarios" in str(e.value)
    assert not os.path.exists(target) and os.listdir(tmp_path).count("closed") == 0
    report, out = run_generate(args_for(results, target, "--infer-scenarios", division="closed",
                                        system_json=results_builder.user_system_json()))
    assert report.ok, out
    ms = [r for r in report.results if r.scenario == "MultiStream"][0]
    assert ms.inferred and "MultiStream inferred from SingleStream" in out
    assert "Inferred result" in open(os.path.join(target, "closed", "TestOrg", "measurements", SUT, "resnet50",
                                                  "MultiStream", "README.md")).read()


@pytest.mark.parametrize("overrides,accuracy,rule", [
    ({"result_validity": "INVALID", "result_invalid_reason": "min duration"}, None, "perf.invalid"),
    ({"effective_min_duration_ms": 30000}, None, "perf.min-duration"),
    ({}, 70.0, "accuracy.target"),
])
def test_bad_runs_refused(results_builder, tmp_path, overrides, accuracy, rule):
    results = results_builder.build(model="resnet50", scenarios=("singlestream", "multistream", "offline"),
                                    compliance=True, log_overrides=overrides, accuracy=accuracy)
    target = str(tmp_path / "s")
    with pytest.raises(GenerationError) as e:
        run_generate(args_for(results, target, division="closed", system_json=results_builder.user_system_json()))
    assert f"[{rule}]" in str(e.value)
    assert not os.path.exists(target)
    assert [p for p in os.listdir(tmp_path) if ".build-" in p] == []   # no half-written output


def test_test_run_writes_tree_and_names_violations(results_builder, tmp_path):
    results = results_builder.build(log_overrides={"effective_min_duration_ms": 100, "result_validity": "INVALID"})
    target = str(tmp_path / "t")
    report, out = run_generate(args_for(results, target, "--test-run", system_json=results_builder.user_system_json()))
    assert report.rules() == ["perf.invalid", "perf.min-duration"]
    assert "perf.min-duration" in out and os.path.isdir(target)
    assert generate.main(["--results-dir", results, "--submission-dir", str(tmp_path / "t2"), "--submitter", "TestOrg",
                          "--version", "v3.1", "--test-run",
                          "--system-json", results_builder.user_system_json()]) == 0


def test_two_systems_refused(results_builder, tmp_path):
    results_builder.build()
    results = results_builder.build(sut="otherbox-cmperf-cpu-onnxruntime-v1.32-default_config",
                                    info={"hardware_name": "otherbox", "host_processor_model_name": "Other CPU"})
    with pytest.raises(ResultsDirError) as e:
        run_generate(args_for(results, str(tmp_path / "s"), system_json=results_builder.user_system_json()))
    assert "two different systems" in str(e.value) and "Other CPU" in str(e.value)
    report, _ = run_generate(args_for(results, str(tmp_path / "s"), "--sut", SUT,
                                      system_json=results_builder.user_system_json()))
    assert report.ok


def test_missing_system_fields_named(results_builder, tmp_path):
    results = results_builder.build()
    with pytest.raises(SystemDescError) as e:
        run_generate(args_for(results, str(tmp_path / "s")))
    for field in ("status", "cooling", "host_storage_type"):
        assert field in e.value.missing
    assert "host_processor_model_name" not in e.value.missing      # detected
    assert not os.path.exists(tmp_path / "s")
    user = json.load(open(results_builder.user_system_json()))
    del user["cooling"]
    path = str(tmp_path / "u.json")
    json.dump(user, open(path, "w"))
    with pytest.raises(SystemDescError) as e:
        run_generate(args_for(results, str(tmp_path / "s"), system_json=path))
    assert e.value.missing == ["cooling"]
    report, _ = run_generate(args_for(results, str(tmp_path / "s"), "--system-field", "cooling=air", system_json=path))
    assert report.ok


def test_non_empty_target_and_force(results_builder, tmp_path):
    results = results_builder.build()
    sysjson = results_builder.user_system_json()
    target = tmp_path / "s"
    target.mkdir()
    (target / "mine.txt").write_text("user data")
    with pytest.raises(placement.PlacementError, match="not empty"):
        run_generate(args_for(results, str(target), system_json=sysjson))
    with pytest.raises(placement.PlacementError, match="not generated by cmperf"):
        run_generate(args_for(results, str(target), "--force", system_json=sysjson))
    assert (target / "mine.txt").read_text() == "user data"
    (target / "mine.txt").unlink()
    run_generate(args_for(results, str(target), system_json=sysjson))         # empty dir: fine
    with pytest.raises(placement.PlacementError):
        run_generate(args_for(results, str(target), system_json=sysjson))     # ours, but no --force
    run_generate(args_for(results, str(target), "--force", system_json=sysjson))   # ours: replaced
    (target / "open" / "notes.md").write_text("user notes")
    with pytest.raises(placement.PlacementError, match="notes.md"):
        run_generate(args_for(results, str(target), "--force", system_json=sysjson))
    assert (target / "open" / "notes.md").exists()


def test_closed_needs_official_model(results_builder, tmp_path):
    results = results_builder.build()
    with pytest.raises(GenerationError, match="--division open"):
        run_generate(args_for(results, str(tmp_path / "s"), division="closed",
                              system_json=results_builder.user_system_json()))


def test_tarball(results_builder, tmp_path):
    import tarfile
    results = results_builder.build()
    run_generate(args_for(results, str(tmp_path / "s"), "--tar", system_json=results_builder.user_system_json()))
    names = tarfile.open(str(tmp_path / "s.tar.gz")).getnames()
    assert "s/open/TestOrg/model_mapping.json" in names


def test_cli_error_exit(tmp_path, capsys):
    rc = generate.main(["--results-dir", str(tmp_path / "nope"), "--submission-dir", str(tmp_path / "s"),
                        "--submitter", "X", "--version", "v3.1"])
    assert rc == 2 and "nope" in capsys.readouterr().err


def test_v61_closed_with_our_compliance_verification(results_builder, tmp_path):
    results = results_builder.build(version="v6.1", model="resnet50", compliance=True,
                                    scenarios=("singlestream", "multistream", "offline"))
    for scen in ("singlestream", "multistream", "offline"):
        for test in ("TEST01", "TEST04"):
            for name in ("verify_performance.txt", "verify_accuracy.txt"):
                p = os.path.join(results, SUT, "resnet50", scen, test, name)
                if os.path.exists(p):
                    os.remove(p)
        # the TEST01 run logs sampled responses; the same answers as the accuracy run
        acc = os.path.join(results, SUT, "resnet50", scen, "accuracy", "mlperf_log_accuracy.json")
        run = os.path.join(results, SUT, "resnet50", scen, "TEST01", "performance", "run_1")
        with open(acc) as f, open(os.path.join(run, "mlperf_log_accuracy.json"), "w") as g:
            g.write(f.read())
    target = str(tmp_path / "s")
    report, out = run_generate(args_for(results, target, version="v6.1", division="closed",
                                        system_json=results_builder.user_system_json()))
    assert report.ok, out
    t01 = os.path.join(target, "closed", "TestOrg", "results", SUT, "resnet50", "Offline", "TEST01")
    assert open(os.path.join(t01, "verify_accuracy.txt")).read().endswith("TEST PASS\n")
    assert "cmperf.submission.compliance" in open(os.path.join(t01, "verify_performance.txt")).read()
    assert not os.path.exists(os.path.join(target, "closed", "TestOrg", "compliance"))


def test_system_desc_from_detected_facts():
    from cmperf.submission.system_desc import build_system_desc
    info = {"host_processor_model_name": "X", "accelerators_per_node": 0, "framework": "onnxruntime",
            "framework_version": "1.32.0", "python_version": "3.11.7", "loadgen_version": "6.0.17",
            "host_processor_core_count": 2}
    with pytest.raises(SystemDescError) as e:
        build_system_desc(info, "open", "Org", "edge", system="box")
    missing = e.value.missing
    assert "other_software_stack" not in missing and "accelerator_model_name" not in missing
    assert "host_processor_core_count" not in missing and "cooling" in missing and "status" in missing
    assert "box" in str(e.value) and "--system-json" in str(e.value)
    user = {k: "x" for k in missing}
    desc = build_system_desc(info, "open", "Org", "edge", user=user, system="box")
    assert desc["other_software_stack"] == "Python 3.11.7, MLPerf LoadGen 6.0.17, onnxruntime 1.32.0"
    assert desc["host_processor_core_count"] == "2" and desc["number_of_nodes"] == "1"
    assert all(str(v) != "" for k, v in desc.items() if k not in ("hw_notes", "sw_notes"))


def test_v31_system_json_carries_both_card_count_spellings(results_builder, tmp_path):
    results = results_builder.build()
    run_generate(args_for(results, str(tmp_path / "s"), system_json=results_builder.user_system_json()))
    desc = json.load(open(os.path.join(str(tmp_path / "s"), "open", "TestOrg", "systems", f"{SUT}.json")))
    assert desc["host_network_card_count"] == desc["host_networking_card_count"] == "1"
    results61 = results_builder.build(version="v6.1", name="r61")
    run_generate(args_for(results61, str(tmp_path / "s61"), version="v6.1",
                          system_json=results_builder.user_system_json()))
    desc = json.load(open(os.path.join(str(tmp_path / "s61"), "open", "TestOrg", "systems", f"{SUT}.json")))
    assert "host_networking_card_count" not in desc


@pytest.mark.parametrize("version,tests", [("v3.1", ["TEST01", "TEST05"]), ("v6.1", ["TEST01"])])
def test_closed_bert_from_results_dir(results_builder, tmp_path, version, tests):
    results = results_builder.build(version=version, model="bert-99", scenarios=("singlestream", "offline"),
                                    compliance=True)
    target = str(tmp_path / "bert")
    report, out = run_generate(args_for(results, target, version=version, division="closed",
                                        system_json=results_builder.user_system_json()))
    assert report.ok, out
    sub = os.path.join(target, "closed", "TestOrg")
    assert not os.path.exists(os.path.join(sub, "model_mapping.json"))   # an official model: nothing to map
    v6 = version == "v6.1"
    scen_dir = os.path.join(sub, "results" if v6 else "compliance", SUT, "bert-99", "Offline")
    assert sorted(d for d in os.listdir(scen_dir) if d.startswith("TEST")) == tests
    txt = open(os.path.join(sub, "results", SUT, "bert-99", "Offline", "accuracy", "accuracy.txt")).read()
    assert txt.startswith('{"exact_match": ') and "\nhash=" in txt
    if not v6:
        conf = open(os.path.join(sub, "measurements", SUT, "bert-99", "Offline", "mlperf.conf")).read()
        assert "bert.*.performance_sample_count_override = 10833\n" in conf
        assert "bert.Server.target_latency = 130\n" in conf and "resnet50" not in conf
    summary = open(str(tmp_path / "bert-summary.md")).read()
    assert "| bert-99 " in summary and "F1 90.965" in summary


def test_bert_infers_only_its_own_scenarios(results_builder, tmp_path):
    results = results_builder.build(model="bert-99", scenarios=("singlestream",), compliance=True)
    target = str(tmp_path / "s")
    report, out = run_generate(args_for(results, target, "--infer-scenarios", division="closed",
                                        system_json=results_builder.user_system_json()))
    assert report.ok, out
    assert sorted((r.scenario, r.inferred) for r in report.results) == [("Offline", True), ("SingleStream", False)]
    assert sorted(os.listdir(os.path.join(target, "closed", "TestOrg", "results", SUT, "bert-99"))) == \
        ["Offline", "SingleStream"]   # no MultiStream: not a bert scenario


def test_open_mapping_lists_only_mapped_models(results_builder, tmp_path):
    results_builder.build()                                   # digits-mlp, mapped to resnet
    results = results_builder.build(model="bert-99")          # same SUT, an official model
    target = str(tmp_path / "s")
    report, out = run_generate(args_for(results, target, system_json=results_builder.user_system_json()))
    assert report.ok, out
    assert json.load(open(os.path.join(target, "open", "TestOrg", "model_mapping.json"))) == {"digits-mlp": "resnet"}
    assert {(r.model, r.mlperf_model, r.accuracy_metric) for r in report.results} == {
        ("digits-mlp", "resnet", "acc"), ("bert-99", "bert-99", "F1")}

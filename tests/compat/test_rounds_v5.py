"""Rounds v5.0 and v5.1 (`_r5.0`, `_r5.1`, their `-dev` tags): the rules read from the official
checker's MODEL_CONFIG["v5.0"]/["v5.1"] and the v5.x single-file checker (cmperf/submission/rounds.py
cites both), held by our checker and generator."""
import importlib.util
import os

import pytest

from cmperf.submission import generate, rounds
from cmperf.submission.checker import check_submission

_spec = importlib.util.spec_from_file_location(     # the submission tests' tree and results builders
    "cmperf_submission_test_builders_v5",
    os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "submission", "conftest.py"))
builders = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(builders)

EDGE_RESNET = ("SingleStream", "MultiStream", "Offline")


@pytest.mark.parametrize("version,seeds,resnet_datacenter", [
    ("v5.0", (6023615788873153749, 15036839855038426416, 9933818062894767841), ("Server", "Offline")),
    ("v5.1", (1780908523862526354, 14771362308971278857, 18209322760996052031), None),
])
def test_round_constants(version, seeds, resnet_datacenter):
    r = rounds.get_round(version)
    assert (r.seeds.qsl, r.seeds.sample_index, r.seeds.schedule) == seeds
    assert r.test05_seeds is None                                         # no TEST05 from v5.0 on
    assert set(r.models) == {"resnet", "retinanet", "bert-99", "bert-99.9", "3d-unet-99", "3d-unet-99.9"}
    assert r.layout == "v3" and r.code_dir == "code"                     # v6.0 moved everything under results/
    assert not r.mlperf_conf_required and r.dataset_size_official
    assert r.hygiene_official and r.invalid_result_official and r.skip_compliance_allowed
    assert not r.offline_spq_closed_only and not r.checker_run_confirmed
    assert r.server_result_key == "result_completed_samples_per_sec"
    resnet = r.model("resnet50")
    assert resnet.compliance_tests == ("TEST01", "TEST04") and resnet.required_scenarios["edge"] == EDGE_RESNET
    assert resnet.required_scenarios.get("datacenter") == resnet_datacenter
    assert resnet.server_target_latency_ns == 15_000_000 and r.min_samples_per_query(resnet) == 24576
    for name in ("bert-99", "bert-99.9"):                                 # both edge benchmarks since v5.0
        bert = r.model(name)
        assert bert.required_scenarios == {"edge": ("SingleStream", "Offline"),
                                           "datacenter,edge": ("SingleStream", "Offline")}
        assert bert.compliance_tests == ("TEST01",) and bert.server_target_latency_ns is None
        assert r.min_samples_per_query(bert) == 10833 and bert.dataset_size == 10833
    assert r.model("bert-99.9").accuracy_target == pytest.approx(90.874 * 0.999)
    for word in (version, "r" + version[1:], version[1:], "_r" + version[1:] + "-dev", version + "-dev"):
        assert rounds.get_round(word) is r


@pytest.mark.parametrize("version", ["v5.0", "v5.1"])
def test_closed_edge_resnet_tree_of_the_round_passes_and_another_rounds_seeds_are_named(tmp_path, version):
    t = builders.TreeBuilder(tmp_path).build(version=version, division="closed", model="resnet50",
                                             scenarios=EDGE_RESNET)
    assert not [d for _, ds, _ in os.walk(t.sub) for d in ds if d == "TEST05"]
    if version == "v5.1":   # closed v5.1 documents its quantization and calibration
        assert check_submission(t.root, version).rules() == ["submitter.calibration-doc"]
        _document_calibration(t, "documentation")
    report = check_submission(t.root, version)
    assert report.ok, [str(f) for f in report.errors]
    other = "v5.1" if version == "v5.0" else "v5.0"
    wrong = check_submission(t.root, other)
    seeds = [str(f) for f in wrong.errors if f.rule == "perf.seeds"]
    assert seeds and f"the {other} value is" in seeds[0]


@pytest.mark.parametrize("version", ["v5.0", "v5.1"])
def test_closed_edge_bert_999_passes(tmp_path, version):
    t = builders.TreeBuilder(tmp_path).build(version=version, division="closed", model="bert-99.9",
                                             scenarios=("SingleStream", "Offline"))
    _document_calibration(t)
    report = check_submission(t.root, version)
    assert report.ok, [str(f) for f in report.errors]
    assert "scenarios.system-type" in check_submission(t.root, "v4.1").rules()   # datacenter-only in v4.x


def test_datacenter_resnet_is_a_v50_benchmark_only(tmp_path):
    build = builders.TreeBuilder(tmp_path).build
    t = build(version="v5.0", system_type="datacenter", scenarios=("Server", "Offline"), division="closed",
              model="resnet50")
    assert check_submission(t.root, "v5.0").ok
    t = build(version="v5.1", system_type="datacenter", scenarios=("Server", "Offline"), division="closed",
              model="resnet50")
    _document_calibration(t)
    assert check_submission(t.root, "v5.1").rules() == ["scenarios.system-type"]


def _document_calibration(tree, where=""):
    os.makedirs(os.path.join(tree.sub, where), exist_ok=True)
    with open(os.path.join(tree.sub, where, "calibration.md"), "w", encoding="utf-8") as f:
        f.write("# Quantization and calibration\n\nfp32 weights as published; no calibration.\n")


def test_generator_refuses_a_closed_v51_tree_it_cannot_complete(tmp_path):
    rb = builders.ResultsBuilder(tmp_path)
    args = generate.build_parser().parse_args([
        "--results-dir", rb.build(version="v5.1"), "--submission-dir", str(tmp_path / "submission"),
        "--division", "closed", "--category", "edge", "--submitter", "TestOrg", "--version", "v5.1",
        "--system-json", rb.user_system_json()])
    with pytest.raises(generate.GenerationError, match="v5.1 closed submission needs calibration.md"):
        generate.generate(args, out=lambda line: None)
    assert not os.path.exists(tmp_path / "submission")


@pytest.mark.parametrize("version", ["v5.0", "r5.1-dev"])
def test_generator_writes_a_v5_tree_the_checker_accepts(tmp_path, version):
    rb = builders.ResultsBuilder(tmp_path)
    results = rb.build(version=rounds.get_round(version).version)
    target = str(tmp_path / "submission")
    args = generate.build_parser().parse_args([
        "--results-dir", results, "--submission-dir", target, "--division", "open", "--category", "edge",
        "--submitter", "TestOrg", "--version", version, "--system-json", rb.user_system_json()])
    report = generate.generate(args, out=lambda line: None)
    assert report.ok, [str(f) for f in report.errors]
    sub = os.path.join(target, "open", "TestOrg")
    assert os.path.isdir(os.path.join(sub, "measurements")) and os.path.isdir(os.path.join(sub, "code"))

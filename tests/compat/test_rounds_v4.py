"""Rounds v4.0 and v4.1 (`_r4.0`, `_r4.1`, their `-dev` tags): the rules read from the official
v4.0/v4.1 checker (cmperf/submission/rounds.py cites it), held by our checker and generator."""
import importlib.util
import json
import os

import pytest

from cmperf.submission import generate, rounds
from cmperf.submission.checker import check_submission

_spec = importlib.util.spec_from_file_location(     # the submission tests' tree and results builders
    "cmperf_submission_test_builders",
    os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "submission", "conftest.py"))
builders = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(builders)


@pytest.mark.parametrize("version,seeds,test05,server_key,models", [
    ("v4.0", (13281865557512327830, 198141574272810017, 7575108116881280410),
     (2376919268182438552, 11176391829184272374, 3911940905271271337), "result_scheduled_samples_per_sec",
     {"resnet", "retinanet", "rnnt", "bert-99", "bert-99.9", "3d-unet-99", "3d-unet-99.9"}),
    ("v4.1", (3066443479025735752, 10688027786191513374, 14962580496156340209),
     (16799458546791641818, 5453809927556429288, 5435552105434836064), "result_completed_samples_per_sec",
     {"resnet", "retinanet", "bert-99", "bert-99.9", "3d-unet-99", "3d-unet-99.9"}),
])
def test_round_constants(version, seeds, test05, server_key, models):
    r = rounds.get_round(version)
    assert (r.seeds.qsl, r.seeds.sample_index, r.seeds.schedule) == seeds
    assert (r.test05_seeds.qsl, r.test05_seeds.sample_index, r.test05_seeds.schedule) == test05
    assert r.server_result_key == server_key and set(r.models) == models
    assert r.layout == "v3" and r.mlperf_conf_required and not r.dataset_size_official
    assert not r.offline_spq_closed_only and not r.checker_run_confirmed
    assert r.model("resnet50").compliance_tests == ("TEST01", "TEST04", "TEST05")
    assert r.model("bert-99").compliance_tests == ("TEST01", "TEST05")
    assert r.min_samples_per_query(r.model("bert-99")) == 10833           # OFFLINE_MIN_SPQ_SINCE_V4
    assert r.min_samples_per_query(r.model("3d-unet-99")) == 43
    assert "edge" not in r.model("bert-99.9").required_scenarios          # a datacenter benchmark
    assert r.model("3d-unet-99").equal_issue_closed == (version == "v4.1")
    for word in (version, "r" + version[1:], "_r" + version[1:] + "-dev"):
        assert rounds.get_round(word) is r


@pytest.mark.parametrize("version", ["v4.0", "v4.1"])
def test_closed_tree_of_the_round_passes_and_another_rounds_seeds_are_named(tmp_path, version):
    t = builders.TreeBuilder(tmp_path).build(version=version, division="closed", model="resnet50",
                                             scenarios=("SingleStream", "MultiStream", "Offline"))
    report = check_submission(t.root, version)
    assert report.ok, [str(f) for f in report.errors]
    other = "v4.1" if version == "v4.0" else "v4.0"
    wrong = check_submission(t.root, other)
    assert "perf.seeds" in wrong.rules() and f"the {other} value is" in str(wrong.errors[0])


@pytest.mark.parametrize("version,metric", [("v4.0", 111.0), ("v4.1", 222.0)])
def test_server_metric_is_the_rounds_key(tmp_path, version, metric):
    t = builders.TreeBuilder(tmp_path).build(version=version, scenarios=("Server",), system_type="datacenter")
    builders.rewrite_perf(t, "Server", result_scheduled_samples_per_sec=111.0,
                          result_completed_samples_per_sec=222.0)
    report = check_submission(t.root, version)
    assert report.ok and report.results[0].value == pytest.approx(metric), [str(f) for f in report.errors]


def test_v41_closed_3d_unet_needs_equal_issue_mode(tmp_path):
    build = builders.TreeBuilder(tmp_path).build
    t = build(version="v4.1", division="closed", model="3d-unet-99", scenarios=("SingleStream", "Offline"))
    report = check_submission(t.root, "v4.1")
    assert set(report.rules()) == {"perf.equal-issue"}, [str(f) for f in report.errors]
    for scen in ("SingleStream", "Offline"):
        builders.rewrite_perf(t, scen, effective_sample_concatenate_permutation=True)
    assert check_submission(t.root, "v4.1").ok
    assert check_submission(build(version="v4.0", division="closed", model="3d-unet-99",
                                  scenarios=("SingleStream", "Offline")).root, "v4.0").ok


def test_generator_writes_a_v41_tree_the_checker_accepts(tmp_path):
    rb = builders.ResultsBuilder(tmp_path)
    results = rb.build(version="v4.1")
    target = str(tmp_path / "submission")
    args = generate.build_parser().parse_args([
        "--results-dir", results, "--submission-dir", target, "--division", "open", "--category", "edge",
        "--submitter", "TestOrg", "--version", "r4.1-dev", "--system-json", rb.user_system_json()])
    report = generate.generate(args, out=lambda line: None)
    assert report.ok, [str(f) for f in report.errors]
    conf = [os.path.join(d, f) for d, _, fs in os.walk(target) for f in fs if f == "mlperf.conf"]
    assert conf and "*.*.qsl_rng_seed = 3066443479025735752" in open(conf[0]).read()


def test_r41_dev_plans_with_the_v41_rules_and_r60_is_refused(cm):
    rc, data, out = cm("--tags=run-mlperf,inference,_r4.1-dev", "--plan", "-j")
    assert rc == 0, out
    assert data["plan"]["root"]["env"]["CM_MLPERF_SUBMISSION_ROUND"] == "v4.1"
    rc, _, out = cm.plan("--tags=run-mlperf,inference,_r6.0")
    assert rc != 0 and "v4.1 (_r4.1" in out and "refused instead of being run" in out

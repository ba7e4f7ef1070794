"""bert-99 / bert-99.9 (SQuAD v1.1, scored by F1): our checker holds a bert tree to its round's
official rules (rounds.py names the checker file and commit of each constant)."""
import json
import os

import pytest

from cmperf.submission.checker import check_submission

EDGE = ("SingleStream", "Offline")


def errors(report):
    return [str(f) for f in report.errors]


@pytest.mark.parametrize("version,model,system_type,scenarios", [
    ("v3.1", "bert-99", "edge", EDGE),
    ("v3.1", "bert-99", "datacenter", ("Server", "Offline")),
    ("v3.1", "bert-99.9", "datacenter,edge", ("Offline", "Server")),
    ("v6.1", "bert-99", "edge", EDGE),
    ("v6.1", "bert-99.9", "datacenter,edge", EDGE),
])
def test_valid_closed_bert_tree_passes(tree_builder, version, model, system_type, scenarios):
    t = tree_builder.build(version=version, division="closed", model=model, system_type=system_type,
                           scenarios=scenarios, accuracy=90.874)
    report = check_submission(t.root, version)
    assert report.ok, errors(report)
    assert {(r.scenario, r.mlperf_model, r.accuracy_metric) for r in report.results} == \
        {(s, model, "F1") for s in scenarios}
    assert all(r.accuracy == "90.874" for r in report.results)


@pytest.mark.parametrize("version", ["v3.1", "v6.1"])
@pytest.mark.parametrize("model,f1,below", [
    ("bert-99", 89.9, True),      # target 90.874 * 0.99 = 89.965
    ("bert-99", 90.0, False),
    ("bert-99.9", 90.7, True),    # target 90.874 * 0.999 = 90.783: the stricter variant
    ("bert-99.9", 90.8, False),
])
def test_f1_target_closed_not_open(tree_builder, version, model, f1, below):
    # v3.1 has no edge bert-99.9
    system_type, scenarios = ({("v3.1", "bert-99.9"): ("datacenter", ("Server", "Offline"))}
                              .get((version, model), ("edge", EDGE)))
    closed = tree_builder.build(version=version, division="closed", model=model, accuracy=f1,
                                system_type=system_type, scenarios=scenarios)
    report = check_submission(closed.root, version)
    if below:
        assert report.rules() == ["accuracy.target"] and len(report.errors) == len(scenarios)
        assert f"accuracy {f1} is below the closed-division target" in report.errors[0].message
        assert report.errors[0].path.endswith(os.path.join("accuracy", "accuracy.txt"))
    else:
        assert report.ok, errors(report)
    opened = tree_builder.build(version=version, division="open", model=model, accuracy=f1,
                                system_type=system_type, scenarios=scenarios)
    assert check_submission(opened.root, version).ok


@pytest.mark.parametrize("line", [
    "accuracy=92.000%, good=1, total=1",                     # the resnet script's line
    json.dumps({"f1": 90.2, "exact_match": 83.1}),           # the official pattern wants exact_match first
    "exact_match=83.1, f1=90.2",
])
def test_accuracy_txt_without_f1_line(tree_builder, line):
    t = tree_builder.build(division="closed", model="bert-99", scenarios=EDGE)
    path = os.path.join(t.res, "Offline", "accuracy", "accuracy.txt")
    with open(path) as f:
        hash_line = f.read().splitlines()[-1]
    with open(path, "w") as f:
        f.write(f"{line}\n{hash_line}\n")
    report = check_submission(t.root, "v3.1")
    assert report.rules() == ["accuracy.value-missing"]
    assert report.errors[0].path == os.path.relpath(path, t.root)
    assert report.errors[0].message.startswith("no F1 line for bert-99")


@pytest.mark.parametrize("version", ["v3.1", "v6.1"])
def test_edge_bert_names_missing_scenarios(tree_builder, version):
    t = tree_builder.build(version=version, division="closed", model="bert-99", scenarios=("Offline",))
    [err] = check_submission(t.root, version).errors
    assert err.rule == "scenarios.missing" and err.path == os.path.relpath(t.res, t.root)
    assert "needs scenario(s) SingleStream (required: SingleStream, Offline)" in err.message
    # bert has no MultiStream scenario: resnet's edge set is not bert's
    t = tree_builder.build(version=version, division="closed", model="bert-99",
                           scenarios=("SingleStream", "MultiStream", "Offline"))
    assert check_submission(t.root, version).rules() == ["scenarios.extra"]


@pytest.mark.parametrize("version,model,system_type", [
    ("v3.1", "bert-99.9", "edge"),        # v3.1: bert-99.9 is a datacenter benchmark only
    ("v6.1", "bert-99", "datacenter"),    # v6.1: bert is an edge benchmark only
])
def test_bert_not_a_benchmark_of_the_system_type(tree_builder, version, model, system_type):
    t = tree_builder.build(version=version, division="closed", model=model, system_type=system_type,
                           scenarios=("Offline",))
    assert check_submission(t.root, version).rules() == ["scenarios.system-type"]


@pytest.mark.parametrize("version,spq,ok", [
    ("v3.1", 10833, False),    # v3.1: every Offline run needs 24576 samples per query
    ("v6.1", 10833, True),     # v6.1: the bert floor is its dataset, 10833
    ("v6.1", 10832, False),
])
def test_offline_samples_per_query_floor(tree_builder, logs, version, spq, ok):
    t = tree_builder.build(version=version, division="closed", model="bert-99", scenarios=EDGE,
                           with_compliance=False)
    logs.rewrite_perf(t, "Offline", effective_samples_per_query=spq)
    report = check_submission(t.root, version, skip_compliance=True)
    rules = [r for r in report.rules() if not r.startswith("compliance.")]   # v6.1 checks them anyway
    assert rules == ([] if ok else ["perf.samples-per-query"])


def test_performance_sample_count_and_server_bound(tree_builder, logs):
    t = tree_builder.build(division="closed", model="bert-99", system_type="datacenter",
                           scenarios=("Server", "Offline"), with_compliance=False)
    logs.rewrite_perf(t, "Offline", effective_performance_sample_count=1024)   # resnet's count
    logs.rewrite_perf(t, "Server", effective_target_latency_ns=130_000_001)
    report = check_submission(t.root, "v3.1", skip_compliance=True)
    assert report.rules() == ["perf.sample-count", "perf.server-latency"]
    assert "10833 required for bert-99" in report.errors[0].message


@pytest.mark.parametrize("version,tests", [("v3.1", ("TEST01", "TEST05")), ("v6.1", ("TEST01",))])
def test_compliance_tests_of_bert(tree_builder, version, tests):
    t = tree_builder.build(version=version, division="closed", model="bert-99", scenarios=EDGE)
    cdir = (os.path.join(t.res, "Offline") if version == "v6.1"
            else os.path.join(t.sub, "compliance", t.system, t.model, "Offline"))
    assert sorted(d for d in os.listdir(cdir) if d.startswith("TEST")) == list(tests)   # no TEST04
    for test in tests:
        os.rename(os.path.join(cdir, test), os.path.join(cdir, "gone"))
        report = check_submission(t.root, version)
        assert report.rules() == ["compliance.test-missing"] and test in report.errors[0].message
        os.rename(os.path.join(cdir, "gone"), os.path.join(cdir, test))


@pytest.mark.parametrize("model,compliance_f1,ok", [
    ("bert-99", 90.0, True),       # 0.8 % off the baseline: within bert-99's 1 %
    ("bert-99.9", 90.0, False),    # bert-99.9 allows 0.1 %
    ("bert-99.9", 90.66, True),
])
def test_test01_accuracy_tolerance(tree_builder, model, compliance_f1, ok):
    t = tree_builder.build(division="closed", model=model, system_type="datacenter",
                           scenarios=("Server", "Offline"), accuracy=90.874)
    for scen in ("Server", "Offline"):
        acc = os.path.join(t.sub, "compliance", t.system, t.model, scen, "TEST01", "accuracy")
        with open(os.path.join(acc, "..", "verify_accuracy.txt"), "w") as f:
            f.write("TEST FAIL\n")   # responses differ: the accuracies must agree instead
        for name, f1 in (("baseline_accuracy.txt", 90.72), ("compliance_accuracy.txt", compliance_f1)):
            with open(os.path.join(acc, name), "w") as f:
                f.write(json.dumps({"exact_match": 83.0, "f1": f1}) + "\n")
    report = check_submission(t.root, "v3.1")
    if ok:
        assert report.ok, errors(report)
    else:
        assert report.rules() == ["compliance.accuracy"]
        assert "by more than 0.1 % (the bert-99.9 tolerance)" in report.errors[0].message

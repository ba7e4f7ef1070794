"""Our checker holds retinanet, rnnt and 3d-unet trees to their rounds' official rules (rounds.py)."""
import pytest

from cmperf.submission.checker import check_submission


def errors(report):
    return [str(f) for f in report.errors]


@pytest.mark.parametrize("version,model,scenarios,accuracy,metric", [
    ("v3.1", "retinanet", ("SingleStream", "MultiStream", "Offline"), 37.5, "mAP"),
    ("v3.1", "rnnt", ("SingleStream", "Offline"), 92.5, "WER"),
    ("v3.1", "3d-unet-99", ("SingleStream", "Offline"), 0.86, "DICE"),
    ("v6.1", "3d-unet-99.9", ("SingleStream", "Offline"), 0.861, "DICE"),
])
def test_closed_edge_trees_pass(tree_builder, version, model, scenarios, accuracy, metric):
    t = tree_builder.build(version=version, division="closed", model=model, system_type="edge",
                           scenarios=scenarios, accuracy=accuracy)
    report = check_submission(t.root, version)
    assert report.ok, errors(report)
    assert {(r.scenario, r.accuracy_metric) for r in report.results} == {(s, metric) for s in scenarios}


@pytest.mark.parametrize("version,model,accuracy", [
    ("v3.1", "retinanet", 37.1),       # target 37.55 * 0.99 = 37.1745
    ("v3.1", "3d-unet-99.9", 0.8605),  # target 0.8617 * 0.999 = 0.86084
    ("v3.1", "rnnt", 91.6),            # target (100 - 7.452) * 0.99 = 91.6225
])
def test_below_the_accuracy_target_in_closed(tree_builder, version, model, accuracy):
    scenarios = ("SingleStream", "MultiStream", "Offline") if model == "retinanet" else ("SingleStream", "Offline")
    t = tree_builder.build(version=version, division="closed", model=model, system_type="edge",
                           scenarios=scenarios, accuracy=accuracy)
    report = check_submission(t.root, version)
    assert report.rules() == ["accuracy.target"] and len(report.errors) == len(scenarios)


def test_retinanet_edge_needs_multistream_and_is_gone_in_v6_1(tree_builder):
    t = tree_builder.build(version="v3.1", division="closed", model="retinanet", system_type="edge",
                           scenarios=("SingleStream", "Offline"), accuracy=37.5)
    report = check_submission(t.root, "v3.1")
    assert not report.ok and any("MultiStream" in e for e in errors(report))
    t = tree_builder.build(version="v6.1", division="closed", model="retinanet", system_type="edge",
                           scenarios=("SingleStream", "MultiStream", "Offline"), accuracy=37.5)
    report = check_submission(t.root, "v6.1")
    assert not report.ok and any("retinanet" in e for e in errors(report))

"""The new benchmarks' rules, as read from the official checkers (see rounds.py for sources)."""
import re

import pytest

from cmperf.submission import rounds


@pytest.mark.parametrize("version,model,target,psc,tests,edge", [
    ("v3.1", "retinanet", 37.1745, 64, ("TEST01", "TEST05"), ("SingleStream", "MultiStream", "Offline")),
    ("v3.1", "rnnt", 91.62252, 2513, ("TEST01", "TEST05"), ("SingleStream", "Offline")),
    ("v3.1", "3d-unet-99", 0.853083, 43, ("TEST01", "TEST05"), ("SingleStream", "Offline")),
    ("v3.1", "3d-unet-99.9", 0.86083830, 43, ("TEST01", "TEST05"), ("SingleStream", "Offline")),
    ("v6.1", "3d-unet-99", 0.853083, 43, ("TEST01",), ("SingleStream", "Offline")),
    ("v5.0", "retinanet", 37.1745, 64, ("TEST01",), ("SingleStream", "MultiStream", "Offline")),
    ("v5.1", "retinanet", 37.1745, 64, ("TEST01",), ("SingleStream", "MultiStream", "Offline")),
    ("v5.0", "3d-unet-99", 0.853083, 43, ("TEST01",), ("SingleStream", "Offline")),
    ("v5.1", "3d-unet-99.9", 0.86083830, 43, ("TEST01",), ("SingleStream", "Offline")),
    ("v6.1", "3d-unet-99.9", 0.86083830, 43, ("TEST01",), ("SingleStream", "Offline")),
])
def test_rules(version, model, target, psc, tests, edge):
    m = rounds.get_round(version).model(model)
    assert m.accuracy_target == pytest.approx(target, abs=1e-6)
    assert m.performance_sample_count == psc
    assert m.compliance_tests == tests
    assert m.required_scenarios["edge"] == edge
    assert m.test01_accuracy_delta_pct == (0.1 if "99.9" in model else 1)


def test_rounds_without_the_benchmark():
    assert rounds.V6_1.model("retinanet") is None and rounds.V6_1.model("rnnt") is None
    assert rounds.V6_1.min_samples_per_query(rounds.V6_1.model("3d-unet-99")) == 43
    assert rounds.V3_1.min_samples_per_query(rounds.V3_1.model("3d-unet-99")) == 24576
    assert rounds.V3_1.model("retinanet").server_target_latency_ns == 100_000_000
    assert rounds.V3_1.model("3d-unet-99").server_target_latency_ns is None


@pytest.mark.parametrize("version", ["v5.0", "v5.1"])
def test_v5_rounds_have_retinanet_but_not_rnnt(version):
    """rnnt left after v4.0; retinanet stays through v5.1 (a Server bound, TEST01 only, SINCE_V4 floor)."""
    r = rounds.get_round(version)
    assert r.model("rnnt") is None
    m = r.model("retinanet")
    assert m.server_target_latency_ns == 100_000_000 and r.min_samples_per_query(m) == 24576
    assert m.required_scenarios["datacenter"] == ("Server", "Offline") and m.dataset_size == 24781
    assert r.min_samples_per_query(r.model("3d-unet-99")) == 43 and r.model("3d-unet-99").equal_issue_closed


@pytest.mark.parametrize("model,line,value", [
    ("retinanet", "mAP=37.412%", 37.412),
    ("rnnt", "Word Error Rate: 7.452%, accuracy=92.548%", 92.548),
    ("3d-unet-99", "Accuracy: mean = 0.86170, kidney = 0.9347, tumor = 0.7887", 0.86170),
])
def test_accuracy_patterns_parse_our_accuracy_lines(model, line, value):
    m = rounds.V3_1.model(model)
    assert float(re.match(m.accuracy_pattern, line).group(1)) == value

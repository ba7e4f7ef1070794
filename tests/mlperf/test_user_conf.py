import pytest

from cmperf.mlperf import user_conf
from cmperf.mlperf.errors import ConfigError, UnknownChoiceError


def test_test_style_sets_query_counts_and_zero_duration():
    text = user_conf.generate("resnet50", "Offline", "test", test_query_count=100, target_qps=50)
    assert text.splitlines() == [
        "resnet50.Offline.target_qps = 50", "resnet50.Offline.min_query_count = 100",
        "resnet50.Offline.max_query_count = 100", "resnet50.Offline.min_duration = 0"]


def test_per_scenario_targets():
    s = user_conf.settings("SingleStream", "valid", target_latency_ms=2.5)
    assert s == {"target_latency": 2.5, "max_duration": 660000}
    m = user_conf.settings("MultiStream", "valid", samples_per_query=8)
    assert m == {"target_latency": 80.0, "samples_per_query": 8, "max_duration": 660000, "min_query_count": 662}
    v = user_conf.settings("Server", "valid", target_qps=12, target_latency_ms=15)
    assert v == {"target_qps": 12.0, "target_latency": 15.0}


def test_test_style_caps_duration_outside_offline():
    assert user_conf.settings("Server", "test", test_query_count=5)["max_duration"] == 30000
    assert "max_duration" not in user_conf.settings("Offline", "test")


def test_fast_shortens_min_duration_and_overrides_win():
    assert user_conf.settings("Offline", "fast", target_qps=100, fast_factor=10) == \
        {"target_qps": 100.0, "min_duration": 66000}
    assert user_conf.settings("SingleStream", "fast", fast_factor=5)["min_duration"] == 132000
    s = user_conf.settings("Offline", "fast", performance_sample_count=1024, max_duration_ms=5000)
    assert s["performance_sample_count_override"] == 1024 and s["max_duration"] == 5000


def test_valid_style_keeps_mlperf_minimums():
    s = user_conf.settings("Offline", "valid", target_qps=100)
    assert s == {"target_qps": 100.0}


def test_bad_inputs():
    with pytest.raises(ConfigError, match="run style 'quick'"):
        user_conf.settings("Offline", "quick")
    with pytest.raises(UnknownChoiceError, match="scenario 'Batch'.*Offline"):
        user_conf.settings("Batch", "test")
    with pytest.raises(ConfigError, match="target_qps"):
        user_conf.settings("Server", "test", target_qps=0)
    with pytest.raises(ConfigError, match="fast_factor"):
        user_conf.settings("Offline", "fast", fast_factor=0)

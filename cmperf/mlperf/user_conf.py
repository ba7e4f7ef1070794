"""user.conf generation for LoadGen, by run style.

Styles (as upstream CM's generate-mlperf-inference-user-conf):
  test   min/max_query_count = test_query_count, min_duration 0, and max_duration 30 s for the
         scenarios other than Offline, so a low target can never make a "test" run hours long
  fast   the user's targets with min_duration = 660 s / fast_factor: a shortened run that
         LoadGen can call VALID but that is not submittable (effective_min_duration < 600 s).
         (Upstream CM instead divides the targets by fast_factor and lets the run end INVALID.)
  valid  MLPerf's own minimums from mlperf.conf; SingleStream/MultiStream capped at 660 s,
         MultiStream min_query_count 662 (what early stopping needs)

The text produced here is passed to LoadGen verbatim and copied next to the results.
"""

from .errors import ConfigError
from .registry import check_scenario

RUN_STYLES = ("test", "fast", "valid")

# Defaults when the user gives no target (upstream's SUT-config defaults).
DEFAULT_TARGET_QPS = {"Offline": 1.0, "Server": 1.0}
DEFAULT_TARGET_LATENCY_MS = {"SingleStream": 10.0, "MultiStream": 80.0}
DEFAULT_TEST_QUERY_COUNT = 10
TEST_MAX_DURATION_MS = 30000


def _fmt(v):
    if isinstance(v, float):
        return repr(round(v, 6)).rstrip("0").rstrip(".") if v != int(v) else str(int(v))
    return str(v)


def settings(scenario, style, *, target_qps=None, target_latency_ms=None, test_query_count=None,
             samples_per_query=None, performance_sample_count=None, min_duration_ms=None,
             max_duration_ms=None, min_query_count=None, max_query_count=None, fast_factor=5):
    """The LoadGen key -> value settings for one scenario and run style (an ordered dict)."""
    scenario = check_scenario(scenario)
    if style not in RUN_STYLES:
        raise ConfigError(f"unknown run style {style!r}; choices: {', '.join(RUN_STYLES)}")
    out = {}
    if scenario in ("Offline", "Server"):
        qps = float(target_qps if target_qps is not None else DEFAULT_TARGET_QPS[scenario])
        if not qps > 0:
            raise ConfigError(f"target_qps must be > 0, got {target_qps!r}")
        out["target_qps"] = qps
    if scenario in ("SingleStream", "MultiStream") or (scenario == "Server" and target_latency_ms):
        lat = float(target_latency_ms if target_latency_ms is not None
                    else DEFAULT_TARGET_LATENCY_MS[scenario])
        if not lat > 0:
            raise ConfigError(f"target_latency must be > 0 ms, got {target_latency_ms!r}")
        out["target_latency"] = lat
    if scenario == "MultiStream" and samples_per_query:
        out["samples_per_query"] = int(samples_per_query)

    if style == "test":
        n = int(test_query_count or DEFAULT_TEST_QUERY_COUNT)
        if n < 1:
            raise ConfigError(f"test_query_count must be >= 1, got {test_query_count!r}")
        out.update(min_query_count=n, max_query_count=n, min_duration=0)
        if scenario != "Offline":
            out["max_duration"] = TEST_MAX_DURATION_MS
    elif style == "fast":
        if not fast_factor or fast_factor <= 0:
            raise ConfigError(f"fast_factor must be > 0, got {fast_factor!r}")
        out["min_duration"] = int(-(-660000 // fast_factor))  # ceil(660 s / fast_factor) in ms
    elif scenario in ("SingleStream", "MultiStream"):  # valid
        out["max_duration"] = 660000
        if scenario == "MultiStream":
            out["min_query_count"] = 662
    # explicit overrides win over the style
    for key, val in (("min_duration", min_duration_ms), ("max_duration", max_duration_ms),
                     ("min_query_count", min_query_count), ("max_query_count", max_query_count)):
        if val is not None:
            out[key] = int(val)
    if performance_sample_count:
        out["performance_sample_count_override"] = int(performance_sample_count)
    return out


def render(loadgen_model, scenario, values):
    """user.conf text: one ``<model>.<Scenario>.<key> = <value>`` line per setting."""
    scenario = check_scenario(scenario)
    lines = [f"{loadgen_model}.{scenario}.{k} = {_fmt(v)}" for k, v in values.items()]
    return "\n".join(lines) + "\n"


def generate(loadgen_model, scenario, style, **kw):
    """settings() rendered as user.conf text."""
    return render(loadgen_model, scenario, settings(scenario, style, **kw))

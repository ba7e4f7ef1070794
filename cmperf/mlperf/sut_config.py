"""SUT configs: the LoadGen targets measured on this system, per system/model/backend/scenario
(what upstream CM keeps in its SUT configs), and the measured batch/thread defaults.

`_find-performance` (or the announced calibration before a valid run that has none) measures a
scenario and stores here what a valid run must ask LoadGen for:

- Offline/Server: target_qps = measured samples/s x QPS_MARGIN. LoadGen issues
  target_qps x 600 s x 1.1 samples; a machine faster than that finishes early and the run is
  INVALID, so the target errs high (the run then lasts a little longer than 600 s).
- SingleStream/MultiStream: target_latency = measured percentile x LATENCY_MARGIN. LoadGen
  pre-generates 600 s / target_latency queries and a run that exhausts them early is INVALID,
  so the target errs low (more queries than needed; LoadGen stops at the minimum duration).

Stored under ``$CM_REPOS/mlperf-sut-configs/<hw>-<impl>-<device>-<backend>/<model>/<scenario>.json``.
"""
import datetime
import json
import os

from cmperf.core.atomic import write_json
from cmperf.core.home import cm_home

from . import spec as specs

QPS_MARGIN = 1.3
LATENCY_MARGIN = 0.1
CALIBRATION_S = 15.0        # the announced calibration before a valid run without a SUT config
FIND_PERFORMANCE_S = 30.0   # `_find-performance` without --test_query_count
PROBE_QUERIES = 32

# Offline batch size / intra-op threads per model and backend, measured on the 2-core developer VM
# (bench/flow_efficiency.py --sweep): the fastest setting, not a guess. Others: batch 1, backend default.
# resnet50: measured on ResNet-50 v1.5's own layers (models.resnet50_random, the same work per image
# as resnet50_v1.onnx), onnxruntime 2 threads: batch 1/8/32 = 51.8/56.0/56.7 img/s on a quiet VM
# (shared/reference/loadgen-and-backends.md);
# 0.60/0.81/1/0.96 x batch 32's rate at batch 1/8/32/64 with other jobs on the cores (5 paired rounds),
# 0.87/0.84/1/0.995 with the machine nearly idle (4 rounds).
# A few-layer graph is fastest at batch 1 and must not decide this.
MEASURED_DEFAULTS = {
    ("digits-mlp", "onnxruntime", "Offline"): {"batch_size": 128, "threads": None},
    ("resnet50", "onnxruntime", "Offline"): {"batch_size": 32, "threads": None},
    ("resnet50-random", "onnxruntime", "Offline"): {"batch_size": 32, "threads": None},
}


def defaults(model, backend, scenario):
    """{"batch_size", "threads"} to use when the user gives none."""
    d = MEASURED_DEFAULTS.get((model, backend, specs.scenario(scenario).name))
    return dict(d) if d else {"batch_size": 1, "threads": None}


def root():
    return os.path.join(cm_home(), "mlperf-sut-configs")


def path(spec, scen):
    system = f"{spec.hw_name}-{spec.implementation}-{spec.device}-{spec.backend}"
    return os.path.join(root(), system, spec.model.name, f"{specs.scenario(scen).dirname}.json")


def load(spec, scen):
    """The stored Target of this system/model/backend/scenario, or None."""
    p = path(spec, scen)
    if not os.path.isfile(p):
        return None
    with open(p, encoding="utf-8") as f:
        d = json.load(f)
    return specs.Target(float(d["target"]), f"{d['how']} measured {d['measured_at']} ({p})")


def target_from(scen, value):
    scen = specs.scenario(scen)
    return value * (QPS_MARGIN if scen.target == "qps" else LATENCY_MARGIN)


def store(spec, scen, rec, how):
    """Store the target a measured record suggests; return the file."""
    scen = specs.scenario(scen)
    res = rec["result"]
    if not res.get("value"):
        raise specs.ConfigError(f"{how} of {spec.model.name} {scen.name} measured no {scen.metric}")
    p = path(spec, scen)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    write_json(p, {
        "model": spec.model.name, "backend": spec.backend, "device": spec.device, "scenario": scen.name,
        "how": how, "measured_at": datetime.datetime.now().isoformat(timespec="seconds"),
        "measured": {"metric": res["metric"], "value": res["value"], "unit": res["unit"],
                     "samples": rec.get("samples")},
        "target_key": f"target_{scen.target}", "target": round(target_from(scen, res["value"]), 6),
        "target_unit": scen.target_unit,
        "batch_size": rec["info"].get("batch_size"), "threads": rec["info"].get("threads"),
    })
    return p

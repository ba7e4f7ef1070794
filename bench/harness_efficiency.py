"""Harness efficiency: our LoadGen harness vs raw onnxruntime on the same model, batch and threads.

  python bench/harness_efficiency.py [--model digits-mlp|resnet50-random] [--batch-size N]
      [--threads 2] [--offline-samples N] [--ss-queries N] [--pairs 7]

Each pair is one harness run (one LoadGen test in a fresh process, started while this process
sits idle) and one raw tight loop in this process over the same samples, back to back, the order
alternating pair by pair (bench/pairs.py). Printed: the median of the per-pair ratios and their
spread,
  Offline:      harness LoadGen samples/s / raw samples/s            (target >= 0.98)
  SingleStream: raw p90 latency / harness LoadGen p90 latency          (target >= 0.98)
Both p90s are LoadGen's estimator (the sorted latency at index 0.9 x count).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pairs import describe, paired  # noqa: E402

from cmperf.mlperf import logparse, spec as specs, sut_config, user_conf  # noqa: E402
from cmperf.mlperf.assets import resolve  # noqa: E402
from cmperf.mlperf.backends import get_backend  # noqa: E402
from cmperf.mlperf.harness import make_qsl, make_responses  # noqa: E402


def raw_offline(backend, qsl, post, n, bs):
    idx = np.arange(n) % qsl.total_count
    t0 = time.perf_counter()
    for i in range(0, n, bs):
        post(backend.predict(qsl.batch(idx[i:i + bs])))
    return n / (time.perf_counter() - t0)


def raw_single_stream_p90(backend, qsl, post, n):
    lat = []
    for i in range(n):
        t0 = time.perf_counter_ns()
        post(backend.predict(qsl.batch([i % qsl.total_count])))
        lat.append(time.perf_counter_ns() - t0)
    return loadgen_percentile(lat, 0.90) / 1e6


def loadgen_percentile(latencies, q):
    """The percentile as LoadGen computes it (the sorted latency at index count x q, no
    interpolation), so both sides of the ratio are the same statistic."""
    return float(sorted(latencies)[int(len(latencies) * q)])


def harness_run(a, work, scenario, n, bs):
    """One LoadGen test through the harness process, as cmperf.mlperf.run starts it (a HarnessJob)."""
    conf = os.path.join(work, f"{scenario}.conf")
    with open(conf, "w") as f:
        f.write(user_conf.generate("resnet50", scenario, "test", test_query_count=n,
                                   target_qps=1e6, target_latency_ms=0.001))
    out = tempfile.mkdtemp(prefix=f"{scenario}-", dir=work)
    job = specs.HarnessJob(model=a.model, backend="onnxruntime", device="cpu", scenario=scenario,
                           mode="performance", user_conf=conf, output_dir=os.path.join(out, "logs"),
                           dataset_dir=a.dataset_dir, batch_size=bs, threads=a.threads, warmup_s=1.0)
    path = os.path.join(out, "job.json")
    with open(path, "w") as f:
        f.write(job.to_json())
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    p = subprocess.run([sys.executable, "-m", "cmperf.mlperf.harness", path], cwd=work, env=env,
                       capture_output=True, text=True)
    if p.returncode:
        sys.exit(f"harness failed: {p.stderr[-2000:]}")
    r = logparse.parse_dir(os.path.join(out, "logs"))
    if scenario == "Offline":
        return r.value
    return float(r.summary["90.00 percentile latency (ns)"]) / 1e6


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="digits-mlp", choices=("digits-mlp", "resnet50-random"))
    ap.add_argument("--dataset-dir")
    ap.add_argument("--batch-size", type=int, help="Offline batch (default: the measured default)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--offline-samples", type=int, default=2048)
    ap.add_argument("--ss-queries", type=int, default=300)
    ap.add_argument("--pairs", type=int, default=7)
    a = ap.parse_args(argv)
    if a.pairs < 7:
        ap.error("--pairs must be >= 7: fewer pairs cannot separate a 2 % effect from this machine's noise")
    bs = a.batch_size or sut_config.defaults(a.model, "onnxruntime", "Offline")["batch_size"]

    model = specs.harness_model(a.model)
    model_path, a.dataset_dir = resolve(model, "onnxruntime", a.dataset_dir)
    backend = get_backend("onnxruntime", "cpu", a.threads).load(model_path, model.input_name, model.output_name)
    qsl = make_qsl(model, a.dataset_dir, 1024)
    post = make_responses(model, qsl)
    for _ in range(3):
        post(backend.predict(qsl.batch(list(range(bs)))))

    with tempfile.TemporaryDirectory(prefix="harness-eff-") as work:
        off = paired(lambda: harness_run(a, work, "Offline", a.offline_samples, bs),
                     lambda: raw_offline(backend, qsl, post, a.offline_samples, bs), a.pairs)
        ss = paired(lambda: harness_run(a, work, "SingleStream", a.ss_queries, 1),
                    lambda: raw_single_stream_p90(backend, qsl, post, a.ss_queries), a.pairs,
                    ratio=lambda harness, raw: raw / harness)
    print(json.dumps({"model": a.model, "batch_size": bs, "threads": a.threads, "offline": off,
                      "single_stream_p90": ss}, indent=1))
    print(describe("Offline throughput harness/raw", off, "samples/s", ">= 0.98"))
    print(describe("SingleStream p90 raw/harness  ", ss, "ms", ">= 0.98"))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Harness efficiency: our LoadGen harness vs raw onnxruntime on the same model and batch size.

  python bench/harness_efficiency.py [--model resnet50-random|digits-mlp] [--batch-size 8]
      [--threads 2] [--offline-samples 256] [--ss-queries 200] [--rounds 3]

Prints two ratios, each from A/B runs alternated in time (a co-running process halves a 2-thread
backend, so A and B must see the same machine state):
  Offline:      harness LoadGen samples/s  /  raw tight-loop samples/s        (target >= 0.98)
  SingleStream: harness LoadGen p90 latency /  raw single-sample p90 latency   (target <= 1.03)
Raw runs happen in this process; each harness run is one LoadGen test in its own process
(LoadGen allows one test per process), started while this process sits idle.
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

from cmperf.mlperf import logparse, registry, user_conf  # noqa: E402
from cmperf.mlperf.assets import resolve  # noqa: E402
from cmperf.mlperf.backends import get_backend  # noqa: E402
from cmperf.mlperf.harness import make_qsl  # noqa: E402
from cmperf.mlperf.responses import for_spec  # noqa: E402


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
    return float(np.percentile(lat, 90)) / 1e6


def harness_run(a, work, scenario, n, bs):
    conf = os.path.join(work, f"{scenario}.conf")
    with open(conf, "w") as f:
        f.write(user_conf.generate("resnet50", scenario, "test", test_query_count=n,
                                   target_qps=1e6, target_latency_ms=0.001))
    out = tempfile.mkdtemp(prefix=f"{scenario}-", dir=work)
    cmd = [sys.executable, "-m", "cmperf.mlperf.harness", "--model", a.model, "--scenario", scenario,
           "--mode", "performance", "--user-conf", conf, "--output-dir", out, "--batch-size", str(bs),
           "--threads", str(a.threads)]
    if a.dataset_dir:
        cmd += ["--dataset-dir", a.dataset_dir]
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    p = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True)
    if p.returncode:
        sys.exit(f"harness failed: {p.stderr[-2000:]}")
    r = logparse.parse_dir(out)
    if scenario == "Offline":
        return r.value
    return float(r.summary["90.00 percentile latency (ns)"]) / 1e6


def _busy_seconds():
    """CPU seconds all processes have been busy (Linux /proc/stat), or None elsewhere."""
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:9]]
    except OSError:
        return None
    user, nice, system, idle, iowait, irq, softirq, steal = v
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _own_seconds():
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def measured(fn):
    """Run fn(); return (its value, cores busy meanwhile outside this benchmark).

    /proc/stat counts the whole host (in a container: more CPUs than ours), so this is a
    contention indicator, not an exact share of our 2 cores.
    """
    b0, o0, w0 = _busy_seconds(), _own_seconds(), time.perf_counter()
    value = fn()
    b1, o1, w1 = _busy_seconds(), _own_seconds(), time.perf_counter()
    others = None if b0 is None else max(0.0, ((b1 - b0) - (o1 - o0)) / (w1 - w0))
    return value, others


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="resnet50-random", choices=("resnet50-random", "digits-mlp"))
    ap.add_argument("--dataset-dir")
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--offline-samples", type=int, default=256)
    ap.add_argument("--ss-queries", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args(argv)

    spec = registry.harness_spec(a.model)
    model_path, a.dataset_dir = resolve(spec, "onnxruntime", a.dataset_dir)
    backend = get_backend("onnxruntime", "cpu", a.threads).load(model_path, spec["input_name"], spec["output_name"])
    qsl = make_qsl(spec, a.dataset_dir, 1024)
    post = for_spec(spec, getattr(qsl, "max_seq_length", None))
    for _ in range(3):
        backend.predict(qsl.batch(list(range(a.batch_size))))

    rows = {"raw_offline": [], "harness_offline": [], "raw_ss_p90_ms": [], "harness_ss_p90_ms": []}
    others = {k: [] for k in rows}
    with tempfile.TemporaryDirectory(prefix="harness-eff-") as work:
        for r in range(a.rounds):
            # alternate the order each round so drift in machine load hits A and B alike
            pairs = [("raw_offline", lambda: raw_offline(backend, qsl, post, a.offline_samples, a.batch_size)),
                     ("harness_offline", lambda: harness_run(a, work, "Offline", a.offline_samples, a.batch_size))]
            pairs_ss = [("raw_ss_p90_ms", lambda: raw_single_stream_p90(backend, qsl, post, a.ss_queries)),
                        ("harness_ss_p90_ms", lambda: harness_run(a, work, "SingleStream", a.ss_queries, 1))]
            for group in (pairs, pairs_ss):
                for key, fn in (group if r % 2 == 0 else group[::-1]):
                    value, busy = measured(fn)
                    rows[key].append(value)
                    others[key].append(busy)
    med = {k: float(np.median(v)) for k, v in rows.items()}
    offline_ratio = med["harness_offline"] / med["raw_offline"]
    ss_ratio = med["harness_ss_p90_ms"] / med["raw_ss_p90_ms"]

    def clean_ratios(a_key, b_key, limit=0.1):
        """Per-round ratios of the rounds in which other processes stayed under ``limit`` cores."""
        out = []
        for va, vb, oa, ob in zip(rows[a_key], rows[b_key], others[a_key], others[b_key]):
            if oa is not None and ob is not None and oa < limit and ob < limit:
                out.append(va / vb)
        return out

    clean_off = clean_ratios("harness_offline", "raw_offline")
    clean_ss = clean_ratios("harness_ss_p90_ms", "raw_ss_p90_ms")
    print(json.dumps({"model": a.model, "batch_size": a.batch_size, "threads": a.threads,
                      "rounds": rows, "medians": med, "cores_used_by_other_processes": others,
                      "clean_round_ratios": {"offline": clean_off, "single_stream_p90": clean_ss}}, indent=1))
    print(f"Offline throughput ratio harness/raw      = {offline_ratio:.3f}  (target >= 0.98; "
          f"{med['harness_offline']:.1f} vs {med['raw_offline']:.1f} samples/s, batch {a.batch_size}, "
          f"medians of {a.rounds} rounds)")
    print(f"SingleStream p90 latency ratio harness/raw = {ss_ratio:.3f}  (target <= 1.03; "
          f"{med['harness_ss_p90_ms']:.3f} vs {med['raw_ss_p90_ms']:.3f} ms)")
    if clean_off:
        print(f"  rounds with other processes under 0.1 core: Offline ratio {np.median(clean_off):.3f} "
              f"({len(clean_off)} rounds), SingleStream p90 ratio "
              f"{np.median(clean_ss):.3f} ({len(clean_ss)} rounds)" if clean_ss else "")
    worst = max((x for v in others.values() for x in v if x is not None), default=None)
    if worst is not None and worst > 0.1:
        print(f"WARNING: other processes used up to {worst:.2f} cores during the measurements; "
              "a 2-thread backend is very sensitive to that, so these ratios are noisy")
    return 0


if __name__ == "__main__":
    sys.exit(main())

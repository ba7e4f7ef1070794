"""Ray executor vs the local one: per-step overhead for trivial steps, speed-up for CPU-bound ones.

A two-node Ray cluster on 127.0.0.1 (1 logical CPU per node, tests/experiment/ray_cluster.py) runs
the same sweeps as the local executor, local and Ray alternating pair by pair (the order flips each
pair) so a co-running process slows both sides alike. Reported: medians of the paired figures and
their min..max spread.

- overhead: a sweep of N trivial steps (`true`), on one node slot at a time (`sut:head`) so
  it is the cost of scheduling, shipping the step's files back and storing them, not parallelism:
  (Ray wall - local wall) / N per step. Target: <= 50 ms per step.
  The same sweep with 1 CPU a step over both nodes is reported beside it.
- speed-up: a sweep of CPU-bound steps (a pure Python loop of ~0.4 s each) with 1 CPU per step:
  local wall / Ray wall on 2 nodes (at most 2x; less when the machine's cores are busy).

Run: python bench/ray_scheduling.py [--pairs 5] [--steps 20] [--cpu-steps 6]
"""
import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests", "experiment"))

import ray_cluster  # noqa: E402

from cmperf.experiment import api  # noqa: E402
from cmperf.experiment.ray_executor import RayExecutor  # noqa: E402

quiet = lambda *a, **k: None  # noqa: E731
BURN = "import sys, time\nt = time.process_time()\nwhile time.process_time() - t < 0.4:\n    sum(range(1000))\n"


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    assert all(s["status"] == "ok" for s in out["steps"]), [s["error"] for s in out["steps"]]
    return time.perf_counter() - t0


def spread(values, fmt="{:.3g}"):
    return f"{fmt.format(statistics.median(values))} (min {fmt.format(min(values))}, max {fmt.format(max(values))})"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--pairs", type=int, default=5)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--cpu-steps", type=int, default=6)
    args = p.parse_args()
    t0 = time.perf_counter()
    cluster, _ = ray_cluster.start(("head", "w1"), cpus=1)
    started = time.perf_counter() - t0
    try:
        t0 = time.perf_counter()
        RayExecutor(address=cluster.address).connect()
        connected = time.perf_counter() - t0
        base = tempfile.mkdtemp(prefix="cmperf-bench-ray-")
        trivial = {"I": f"range({args.steps})"}
        cpu = {"I": f"range({args.cpu_steps})"}

        def local(explore, cmd, tag):
            return lambda: api.run(os.path.join(base, tag), cmd, explore, log=quiet)

        def on_ray(explore, cmd, tag, resources):
            return lambda: api.run(os.path.join(base, tag), cmd, explore, executor="ray", address=cluster.address,
                                   resources=resources, log=quiet)

        # warm-up: Ray starts its worker processes once per node
        timed(on_ray(trivial, ["true", "{{I}}"], "warm", {"cpus": "1"}))
        overhead, ratios, speedups, spread_overhead = [], [], [], []
        for pair in range(args.pairs):
            runs = [("local", local(trivial, ["true", "{{I}}"], "tl")),
                    ("ray", on_ray(trivial, ["true", "{{I}}"], "tr", {"sut:head": "1"}))]
            if pair % 2:
                runs.reverse()
            w = {name: timed(fn) for name, fn in runs}
            overhead.append((w["ray"] - w["local"]) / args.steps * 1000)
            ratios.append(w["ray"] / w["local"])
            # the same trivial sweep as a sweep is run: 1 CPU a step, both nodes
            t_ray = timed(on_ray(trivial, ["true", "{{I}}"], "tp", {"cpus": "1"}))
            spread_overhead.append((t_ray - w["local"]) / args.steps * 1000)
            runs = [("local", local(cpu, [sys.executable, "-c", BURN, "{{I}}"], "cl")),
                    ("ray", on_ray(cpu, [sys.executable, "-c", BURN, "{{I}}"], "cr", {"cpus": "1"}))]
            if pair % 2:
                runs.reverse()
            w = {name: timed(fn) for name, fn in runs}
            speedups.append(w["local"] / w["ray"])
        print(f"cluster start (2 nodes): {started:.1f} s; driver connect: {connected:.1f} s; "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print(f"trivial steps, one at a time ({args.steps} steps x {args.pairs} pairs):")
        print(f"  Ray overhead per step: {spread(overhead)} ms   (target <= 50 ms)")
        print(f"  Ray/local wall ratio:  {spread(ratios)}")
        print(f"  the same steps spread over both nodes (1 CPU a step), per step vs local: "
              f"{spread(spread_overhead)} ms")
        print(f"CPU-bound steps ({args.cpu_steps} x 0.4 s CPU), 2 nodes x 1 CPU:")
        print(f"  speed-up local/Ray:    {spread(speedups)}x   (ideal 2x)")
        verdict = statistics.median(overhead) <= 50
        print("overhead target met" if verdict else "overhead target NOT met")
        return 0 if verdict else 1
    finally:
        ray_cluster.stop(cluster)
        if "base" in locals():
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

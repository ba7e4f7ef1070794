"""Engine overhead, measured against the floor: cmind's own start-up.

1. Warm cached single script: `cm run script --tags=detect,cpu -s` against bare `cm` (cmind
   starting and printing its help: no repository, no automation, no engine) and against
   `cm find repo` (cmind also loading the registered repositories, which every
   `cm <action> script` pays before our code runs). Runs are paired and alternated (A,B then
   B,A) so a co-running process slows both sides alike; the median of the per-pair differences
   and ratios is printed with their spread (interquartile range), for the wall time and for the
   CPU time of the process (steadier on a loaded machine).
2. A 200-node DAG (40 uncached stages in a chain, each with 4 cached leaves), warm, planned and
   run in-process through `cmperf.engine.api.run`: the engine's own cost without start-up.

Targets (issue 11): (1) at most +15 ms over bare `cm`; (2) <= 0.15 s.
Run: python bench/engine_overhead.py [--pairs 15] [--repeat 7]
"""
import argparse
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STAGES, LEAVES = 40, 4


def build_dag(base):
    repo = os.path.join(base, "bench-repo")
    os.makedirs(os.path.join(repo, "script"))
    with open(os.path.join(repo, "cmr.yaml"), "w") as f:
        f.write('alias: bench-repo\nuid: "b0b0b0b0b0b0b0b0"\n')
    n = 0

    def script(alias, tags, cache, deps):
        nonlocal n
        n += 1
        d = os.path.join(repo, "script", alias)
        os.makedirs(d)
        meta = {"alias": alias, "uid": f"{n:016x}", "automation_alias": "script",
                "automation_uid": "5b4e0237da074764", "tags": tags, "cache": cache,
                "new_env_keys": ["BENCH_*"], "env": {f"BENCH_{alias.upper().replace('-', '_')}": "done"},
                "deps": [{"tags": t} for t in deps]}
        with open(os.path.join(d, "_cm.json"), "w") as f:
            json.dump(meta, f)
    for s in range(STAGES):
        leaves = [f"bench,leaf{s * LEAVES + k}" for k in range(LEAVES)]
        for k in range(LEAVES):
            script(f"bench-leaf{s * LEAVES + k}", ["bench", f"leaf{s * LEAVES + k}"], True, [])
        script(f"bench-stage{s}", ["bench", f"stage{s}"], False,
               leaves + ([f"bench,stage{s + 1}"] if s + 1 < STAGES else []))
    return repo


def timed(cmd, env, cpu=False):
    """Wall seconds of one run, or with cpu=True the CPU seconds (user + sys) the process used:
    on a machine shared with other work the CPU time hardly moves while the wall time does."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return used if cpu else wall


def paired(a, b, env, pairs, cpu=False):
    """Median and IQR of per-pair differences (a - b, ms) and ratios (a / b), alternating order."""
    diffs, ratios = [], []
    for k in range(pairs):
        if k % 2:
            tb, ta = timed(b, env, cpu), timed(a, env, cpu)
        else:
            ta, tb = timed(a, env, cpu), timed(b, env, cpu)
        diffs.append((ta - tb) * 1000)
        ratios.append(ta / tb)
    return _stats(diffs), _stats(ratios)


_OWN = """
import importlib.util, io, sys, time
import cmind.cli, cmind.core, cmind.automation, json, pkgutil, yaml   # cmind's share, loaded first
t = time.process_time()
spec = importlib.util.spec_from_file_location("script_module", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
from cmperf.engine import api
api.run({"action": "run", "automation": "script", "tags": "detect,cpu", "s": True}, out=io.StringIO())
print((time.process_time() - t) * 1000)
"""


def _own_cpu(env):
    """CPU ms spent in cmperf for the warm single script, in a fresh process."""
    out = subprocess.run([sys.executable, "-c", _OWN, os.path.join(ROOT, "automation", "script", "module.py")],
                         env=dict(env, PYTHONPATH=ROOT), check=True, capture_output=True, text=True).stdout
    return float(out.split()[-1])


def _stats(xs):
    q = statistics.quantiles(xs, n=4) if len(xs) >= 4 else [min(xs), 0, max(xs)]
    return statistics.median(xs), q[0], q[2]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=15)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    cm = os.path.join(os.path.dirname(sys.executable), "cm")
    with tempfile.TemporaryDirectory() as base:
        home = os.path.join(base, "CM")
        os.makedirs(home)
        env = dict(os.environ, CM_REPOS=home)
        # As an installed package runs: with bytecode caches (a CI shell may disable them, and
        # then every run compiles the engine's sources, which measures the compiler).
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        dag = build_dag(base)
        with open(os.path.join(home, "repos.json"), "w") as f:
            json.dump([ROOT, os.path.join(ROOT, "cm-repo"), dag], f)
        run = [cm, "run", "script", "--tags=detect,cpu", "-s"]
        subprocess.run([cm, "find", "script", "--tags=detect,cpu"], env=env, check=True,
                       stdout=subprocess.DEVNULL)          # cmind's first-use index
        timed(run, env)                                     # the cache entry
        print(f"warm cached single script ({' '.join(run[1:])}), {args.pairs} alternated pairs:")
        for label, floor in (("bare `cm`", [cm]), ("`cm find repo`", [cm, "find", "repo", "cmperf"])):
            for what, cpu in (("wall", False), ("CPU ", True)):
                (d, d1, d3), (r, r1, r3) = paired(run, floor, env, args.pairs, cpu)
                print(f"  {what} over {label:16}: {d:+7.1f} ms (IQR {d1:+.1f}..{d3:+.1f})   ratio {r:5.2f} "
                      f"(IQR {r1:.2f}..{r3:.2f})")
        print("  target: +15 ms over bare `cm`")
        own = sorted(_own_cpu(env) for _ in range(args.repeat))
        print(f"  cmperf's own CPU in that command (adapter import + plan + run, cmind already loaded): "
              f"median {own[len(own) // 2]:.1f} ms (min {own[0]:.1f})")

        sys.path.insert(0, ROOT)
        os.environ["CM_REPOS"] = home
        from cmperf.engine import api
        request = {"action": "run", "automation": "script", "tags": "bench,stage0", "quiet": True, "s": True}
        api.run(dict(request), out=io.StringIO())                          # cold: builds the leaves
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            api.run(dict(request), out=io.StringIO())
            times.append(time.perf_counter() - t)
        nodes = STAGES * (LEAVES + 1)
        print(f"{nodes}-node DAG ({STAGES} uncached stages, {STAGES * LEAVES} cached leaves), warm, "
              f"plan + run in-process: median {statistics.median(times):.3f} s "
              f"(min {min(times):.3f}, max {max(times):.3f})   target: <= 0.15 s")


if __name__ == "__main__":
    main()

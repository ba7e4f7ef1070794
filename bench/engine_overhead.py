"""Engine overhead, measured against the floors: bare `cm` and cmind's repository floor.

1. Warm cached single script: `cm run script --tags=detect,cpu -s`, with the repositories
   `cmperf-setup` registers (the checkout and cm-repo/), against two floors:
   - bare `cm`: cmind starting and printing its help (no repository, no automation, no engine);
   - cmind's repository floor, `cm find automation script`: what every `cm <action> script`
     pays before any cmperf code runs (loading repos.json and each repository's cmr.yaml, which
     imports yaml; scanning every sys.path entry for pip-installed CM repositories unless
     CM_CORE_SKIP_INTERNAL_REPOS=1; cmind's index; finding the `script` automation). Not
     `cm find repo`: cmind's repo automation imports cmind.net (urllib, http, ssl, email), which
     no script command loads.
   So: run - floor is cmperf's own cost, floor - bare is cmind's. Rounds run the three commands
   back to back, in reversed order every other round, so a co-running process slows all alike;
   the median of the per-round differences and ratios is printed with their interquartile
   range, for the wall time and for the CPU time of the process (steadier on a loaded machine).
   The floor with CM_CORE_SKIP_INTERNAL_REPOS=1 is printed too (a cmind setting a user may set).
2. A 200-node DAG (40 uncached stages in a chain, each with 4 cached leaves), warm, planned and
   run in-process through `cmperf.engine.api.run` (in its own CM home): the engine's own cost
   without start-up.

Targets (issue 11): (1) at most +15 ms over bare `cm`, which is below cmind's own floor (the
bench says so when it is); (2) <= 0.15 s.
Run: python bench/engine_overhead.py [--rounds 15] [--repeat 7]
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


def timed(cmd, env):
    """(wall, CPU) seconds of one run; CPU is user + sys of the process, which on a machine
    shared with other work hardly moves while the wall time does."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def rounds(commands, rounds_n):
    """{label: [(wall, cpu), ...]}: every command once per round, the order reversed every other round."""
    times = {label: [] for label, _, _ in commands}
    for k in range(rounds_n):
        for label, cmd, env in (commands if k % 2 == 0 else commands[::-1]):
            times[label].append(timed(cmd, env))
    return times


def compare(a, b, which):
    """Median and IQR of per-round differences (a - b, ms) and ratios (a / b); which: 0 wall, 1 CPU."""
    diffs = [(x[which] - y[which]) * 1000 for x, y in zip(a, b)]
    ratios = [x[which] / y[which] for x, y in zip(a, b)]
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
                         env=env, check=True, capture_output=True, text=True).stdout
    return float(out.split()[-1])


def _stats(xs):
    q = statistics.quantiles(xs, n=4) if len(xs) >= 4 else [min(xs), 0, max(xs)]
    return statistics.median(xs), q[0], q[2]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", "--pairs", type=int, default=15)
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
        env.pop("CM_CORE_SKIP_INTERNAL_REPOS", None)
        # This checkout's cmperf, whatever else is installed (every command gets the same path).
        env["PYTHONPATH"] = os.pathsep.join([ROOT] + [p for p in [os.environ.get("PYTHONPATH")] if p])
        with open(os.path.join(home, "repos.json"), "w") as f:
            json.dump([ROOT, os.path.join(ROOT, "cm-repo")], f)     # what cmperf-setup registers
        run = [cm, "run", "script", "--tags=detect,cpu", "-s"]
        floor = [cm, "find", "automation", "script"]
        subprocess.run([cm, "find", "script", "--tags=detect,cpu"], env=env, check=True,
                       stdout=subprocess.DEVNULL)          # cmind's first-use index
        timed(run, env)                                     # the cache entry
        skip = dict(env, CM_CORE_SKIP_INTERNAL_REPOS="1")
        times = rounds([("run", run, env), ("floor", floor, env), ("bare", [cm], env),
                        ("floor_skip", floor, skip)], args.rounds)
        print(f"warm cached single script ({' '.join(run[1:])}), {args.rounds} rounds; median of "
              f"per-round differences (IQR):")
        rows = (("run over bare `cm`", "run", "bare"),
                ("  cmperf's own: run over cmind's floor", "run", "floor"),
                ("  cmind's floor over bare `cm`", "floor", "bare"),
                ("  (floor with CM_CORE_SKIP_INTERNAL_REPOS=1 over bare)", "floor_skip", "bare"))
        figures = {}
        for label, a, b in rows:
            for what, which in (("wall", 0), ("CPU ", 1)):
                (d, d1, d3), (r, r1, r3) = compare(times[a], times[b], which)
                figures[(a, b, which)] = d
                print(f"  {what} {label:54}: {d:+7.1f} ms (IQR {d1:+.1f}..{d3:+.1f})   ratio {r:5.2f} "
                      f"(IQR {r1:.2f}..{r3:.2f})")
        print("  floor: `cm find automation script` (repos, cmind's index, the script automation found; "
              "no cmperf code)")
        cmind_floor = figures[("floor", "bare", 1)]
        print(f"  target: +15 ms over bare `cm`" + (
            f"; unreachable here: cmind's own floor is already {cmind_floor:+.1f} ms of CPU over bare `cm` "
            f"before any cmperf code runs" if cmind_floor > 15 else ""))
        own = sorted(_own_cpu(env) for _ in range(args.repeat))
        print(f"  cmperf's own CPU in that command (adapter import + plan + run, cmind already loaded): "
              f"median {own[len(own) // 2]:.1f} ms (min {own[0]:.1f})")

        dag_home = os.path.join(base, "CM-dag")
        os.makedirs(dag_home)
        dag = build_dag(base)
        with open(os.path.join(dag_home, "repos.json"), "w") as f:
            json.dump([ROOT, dag], f)
        sys.path.insert(0, ROOT)
        os.environ["CM_REPOS"] = dag_home
        from cmperf.engine import api
        request = {"action": "run", "automation": "script", "tags": "bench,stage0", "quiet": True, "s": True}
        api.run(dict(request), out=io.StringIO())                          # cold: builds the leaves
        times, cpu = [], []
        for _ in range(args.repeat):
            t, c = time.perf_counter(), time.process_time()
            api.run(dict(request), out=io.StringIO())
            times.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
        nodes = STAGES * (LEAVES + 1)
        print(f"{nodes}-node DAG ({STAGES} uncached stages, {STAGES * LEAVES} cached leaves), warm, "
              f"plan + run in-process: wall median {statistics.median(times):.3f} s "
              f"(min {min(times):.3f}, max {max(times):.3f}), CPU median {statistics.median(cpu):.3f} s "
              f"(min {min(cpu):.3f})   target: <= 0.15 s")


if __name__ == "__main__":
    main()

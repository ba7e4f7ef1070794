"""Engine overhead: a 25-node DAG through the real `cm`, warm, against `cm find script`.

The DAG is shaped like an MLPerf flow: 5 uncached stages in a chain, each with 4 cached
dependencies (20 cached nodes; several stages share some of them). The warm run therefore
resolves 25 nodes, runs 5 and answers the rest from the cache. Runs alternate A/B so a
co-running process slows both sides alike; medians are printed.

Targets (issue 2): warm run within 2x of `cm find script`, under 10 ms per cached node.
Run: python bench/engine_overhead.py [--repeat 7]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STAGES, CACHED_PER_STAGE = 5, 4


def build_repo(base):
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
        dep_lines = "".join(f"  - tags: {t}\n" for t in deps)
        with open(os.path.join(d, "_cm.yaml"), "w") as f:
            f.write(f"alias: {alias}\nuid: \"{n:016x}\"\nautomation_alias: script\n"
                    f"automation_uid: 5b4e0237da074764\ntags: [{', '.join(tags)}]\n"
                    f"cache: {'true' if cache else 'false'}\nnew_env_keys: [BENCH_*]\n"
                    f"env:\n  BENCH_{alias.upper().replace('-', '_')}: done\n"
                    + (f"deps:\n{dep_lines}" if deps else ""))
    for s in range(STAGES):
        cached = [f"bench,leaf{s * CACHED_PER_STAGE + k}" for k in range(CACHED_PER_STAGE)]
        for k in range(CACHED_PER_STAGE):
            script(f"bench-leaf{s * CACHED_PER_STAGE + k}", ["bench", f"leaf{s * CACHED_PER_STAGE + k}"], True, [])
        deps = cached + ([f"bench,stage{s + 1}"] if s + 1 < STAGES else [])
        script(f"bench-stage{s}", ["bench", f"stage{s}"], False, deps)
    return repo


def timed(cmd, env):
    t = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    cm = os.path.join(os.path.dirname(sys.executable), "cm")
    with tempfile.TemporaryDirectory() as base:
        env = dict(os.environ, CM_REPOS=os.path.join(base, "CM"))
        os.makedirs(env["CM_REPOS"])
        repo = build_repo(base)
        with open(os.path.join(env["CM_REPOS"], "repos.json"), "w") as f:
            json.dump([ROOT, repo], f)
        run = [cm, "run", "script", "--tags=bench,stage0", "-s", "--quiet"]
        find = [cm, "find", "script", "--tags=bench,stage0"]
        subprocess.run(find, env=env, check=True, stdout=subprocess.DEVNULL)   # cmind's first-use index
        cold = timed(run, env)
        warm, found = [], []
        for _ in range(args.repeat):
            warm.append(timed(run, env))
            found.append(timed(find, env))
        w, f = statistics.median(warm), statistics.median(found)
        nodes = STAGES * (CACHED_PER_STAGE + 1)
        print(f"DAG: {nodes} nodes ({STAGES} uncached stages, {STAGES * CACHED_PER_STAGE} cached)")
        print(f"cold run              : {cold * 1000:8.1f} ms")
        print(f"warm run (median)     : {w * 1000:8.1f} ms")
        print(f"cm find script        : {f * 1000:8.1f} ms")
        print(f"per-node warm overhead: {(w - f) / nodes * 1000:8.2f} ms   (target < 10 ms)")
        print(f"ratio warm / find     : {w / f:8.2f}      (target <= 2.0)")


if __name__ == "__main__":
    main()

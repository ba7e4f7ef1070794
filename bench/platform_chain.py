"""Platform chain through the real `cm`, warm, against `cm find script` in the same run.

The chain is what every MLPerf workflow starts with: detect-os -> detect-cpu ->
get-python3 -> get-generic-python-lib _package.numpy (numpy is already installed, so the
last step is a detection). A one-script bench repository depends on the four, so one
`cm run script` runs the whole chain. Runs alternate A/B so a co-running process slows
both sides alike; medians are printed. Also shown: the same chain with --skip_cache
(engine cache off; platform facts still come from cmperf.platform.facts_cache), which is
roughly what upstream pays on every run because its detect-os/detect-cpu are not cached.

Run: python bench/platform_chain.py [--repeat 7]
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
CHAIN = ["detect,os", "detect,cpu", "get,python3", "get,generic-python-lib,_package.numpy"]


def build_repo(base):
    repo = os.path.join(base, "bench-repo")
    script = os.path.join(repo, "script", "bench-platform-chain")
    os.makedirs(script)
    with open(os.path.join(repo, "cmr.yaml"), "w") as f:
        f.write('alias: bench-platform-repo\nuid: "b1b1b1b1b1b1b1b1"\n')
    with open(os.path.join(script, "_cm.yaml"), "w") as f:
        f.write("alias: bench-platform-chain\nuid: \"b1b1b1b1b1b1b1b2\"\nautomation_alias: script\n"
                "automation_uid: 5b4e0237da074764\ntags: [bench, platform-chain]\ndeps:\n"
                + "".join(f"  - tags: {t}\n" for t in CHAIN))
    return repo


def timed(cmd, env, cwd):
    t = time.perf_counter()
    subprocess.run(cmd, env=env, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    cm = os.path.join(os.path.dirname(sys.executable), "cm")
    with tempfile.TemporaryDirectory() as base:
        env = dict(os.environ, CM_REPOS=os.path.join(base, "CM"),
                   CMPERF_PLATFORM_CACHE_DIR=os.path.join(base, "facts"),
                   PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
        os.makedirs(env["CM_REPOS"])
        work = os.path.join(base, "work")
        os.makedirs(work)
        with open(os.path.join(env["CM_REPOS"], "repos.json"), "w") as f:
            json.dump([ROOT, build_repo(base)], f)
        run = [cm, "run", "script", "--tags=bench,platform-chain", "-s", "--quiet"]
        find = [cm, "find", "script", "--tags=detect,os"]
        subprocess.run(find, env=env, check=True, stdout=subprocess.DEVNULL)  # cmind's first-use index
        cold = timed(run, env, work)
        warm, found, nocache = [], [], []
        for _ in range(args.repeat):
            warm.append(timed(run, env, work))
            found.append(timed(find, env, work))
            nocache.append(timed(run + ["--skip_cache"], env, work))
        w, f, n = (statistics.median(x) for x in (warm, found, nocache))
        print(f"chain: {' -> '.join(CHAIN)}")
        print(f"cold run (nothing cached)       : {cold * 1000:8.1f} ms")
        print(f"warm run (median)               : {w * 1000:8.1f} ms")
        print(f"warm run, --skip_cache (median) : {n * 1000:8.1f} ms")
        print(f"cm find script (median)         : {f * 1000:8.1f} ms")
        print(f"ratio warm / find               : {w / f:8.2f}")
        print(f"ratio skip_cache / warm         : {n / w:8.2f}")


if __name__ == "__main__":
    main()

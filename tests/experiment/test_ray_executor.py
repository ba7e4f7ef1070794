"""The Ray executor on a real two-node cluster bound to 127.0.0.1 (tests/experiment/ray_cluster.py):
resources honoured, steps stored as a local run stores them, a worker node killed mid-sweep, the
driver killed and resumed, a fleet run gathered into one results tree, live progress per node."""
import collections
import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

ray = pytest.importorskip("ray", reason="Ray is not installed (the optional extra: pip install -e '.[distributed]')")

from cmperf.core import progress  # noqa: E402
from cmperf.experiment import api  # noqa: E402
from cmperf.experiment.ray_executor import RayExecutor  # noqa: E402
from cmperf.experiment.steps import load_steps  # noqa: E402

import ray_cluster  # noqa: E402  (tests/experiment is on sys.path)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TINY = os.path.join(HERE, "tiny_loadgen.py")
LOADGEN = [sys.executable, TINY, "--out", "{{CM_EXPERIMENT_PATH}}/logs", "--batch", "{{BATCH}}"]
quiet = lambda *a, **k: None  # noqa: E731


@pytest.fixture(scope="module")
def cluster():
    c, nodes = ray_cluster.start(("head", "w1"))
    c.nodes_by_sut = nodes
    try:
        # one driver connection for the module (the executor connects once, as a sweep does);
        # the resume test's own driver process connects through the command line
        RayExecutor(address=c.address).connect()
        yield c
    finally:
        ray_cluster.stop(c)     # also when a test failed


@pytest.fixture
def events():
    seen = []
    previous = progress.set_sink(seen.append)
    yield seen
    progress.set_sink(previous)


def _files(step_dir):
    out = {}
    for root, _, files in os.walk(step_dir):
        for f in files:
            path = os.path.join(root, f)
            out[os.path.relpath(path, step_dir)] = open(path, "rb").read()
    return out


def _comparable(record):
    return {k: v for k, v in record.items() if k not in ("provenance", "path")}


def test_deterministic_sweep_is_stored_alike_locally_and_on_the_cluster(cluster, tmp_path, events):
    cmd = [sys.executable, "-c", "import json, sys; print('step', sys.argv[1], sys.argv[2]); "
           "json.dump([{'model': 'calc'}, {'scenario': 'Offline', 'value': int(sys.argv[1]) * len(sys.argv[2])}], "
           "open('cm-result.json', 'w')); open('extra.txt', 'w').write(sys.argv[2])", "{{N}}", "{{WORD}}"]
    explore = {"N": "[1,2,3]", "WORD": "['ab','cde']"}
    local = api.run(str(tmp_path / "local"), cmd, explore, log=quiet)
    remote = api.run(str(tmp_path / "ray"), cmd, explore, executor="ray", address=cluster.address, log=quiet)
    assert len(local["steps"]) == len(remote["steps"]) == 6
    for a, b in zip(local["steps"], remote["steps"]):
        assert _comparable(a) == _comparable(b) and a["status"] == "ok"
        fa, fb = _files(a["path"]), _files(b["path"])
        assert sorted(fa) == sorted(fb) == ["cm-input.json", "cm-output.txt", "cm-result.json", "cm-step.json",
                                            "extra.txt"]
        for name in ("cm-output.txt", "cm-result.json", "extra.txt"):
            assert fa[name] == fb[name]
        ia, ib = (json.loads(f["cm-input.json"]) for f in (fa, fb))
        assert ia["command"] == [t.replace(local["path"], remote["path"]) for t in ib["command"]]
        assert b["provenance"]["executor"] == "ray" and b["provenance"]["node_id"]
    # load_steps (what show, reports and charts read) sees the same steps
    assert [_comparable(s) for s in load_steps(local["path"])] == [_comparable(s) for s in load_steps(remote["path"])]
    # live progress: each step pending, running on a node, done
    states = [(e["step"], e["state"]) for e in events if e["event"] == "experiment_step" and e["sweep"] == remote["path"]]
    for n in range(1, 7):
        assert [s for k, s in states if k == n] == ["pending", "running", "done"]
    nodes = {e["node"] for e in events if e["event"] == "experiment_step" and e["state"] == "running"
             and e["sweep"] == remote["path"]}
    assert all("/" in n for n in nodes)   # host/node-id


# A step that says it is running (a marker file in a directory all test nodes share), waits up to
# 30 s until WANT steps run at once, and records when it ran and the most it saw running together.
RENDEZVOUS = """import glob, json, os, sys, time
d, me, want = sys.argv[1], sys.argv[2], int(sys.argv[3])
t0 = time.time(); open(os.path.join(d, me), 'w').close(); most = 0
while time.time() - t0 < 30:
    most = max(most, len(glob.glob(os.path.join(d, '*'))))
    if most >= want:
        break
    time.sleep(0.05)
time.sleep(0.3); most = max(most, len(glob.glob(os.path.join(d, '*'))))
os.remove(os.path.join(d, me))
json.dump({'t0': t0, 't1': time.time(), 'most': most}, open('cm-result.json', 'w'))
"""


def _rendezvous(tmp_path, name, want, resources, cluster):
    d = tmp_path / f"{name}-markers"
    d.mkdir()
    out = api.run(str(tmp_path / name), [sys.executable, "-c", RENDEZVOUS, str(d), "{{I}}", str(want)],
                  {"I": "range(4)"}, executor="ray", address=cluster.address, resources=resources, log=quiet)
    rows = []
    for s in out["steps"]:
        r = json.load(open(os.path.join(s["path"], "cm-result.json")))
        rows.append((s["provenance"]["node_id"], r["t0"], r["t1"], r["most"]))
    return rows


def _overlap(a, b):
    return a[1] < b[2] and b[1] < a[2]


def test_scheduling_honours_whole_node_and_runs_what_fits_in_parallel(cluster, tmp_path):
    # whole-node steps: one per node at a time, both nodes busy at once, never more than 2 running
    rows = _rendezvous(tmp_path, "whole", 2, {"whole_node": "yes"}, cluster)
    assert len({r[0] for r in rows}) == 2 and max(r[3] for r in rows) == 2
    for i, a in enumerate(rows):
        for b in rows[i + 1:]:
            if a[0] == b[0]:
                assert not _overlap(a, b), "two whole-node steps shared a node"
    # 1 CPU each on nodes of 2 CPUs: all 4 run at once, two on each node
    rows = _rendezvous(tmp_path, "fits", 4, {"cpus": "1"}, cluster)
    assert all(r[3] == 4 for r in rows)
    assert sorted(collections.Counter(r[0] for r in rows).values()) == [2, 2]


def test_a_step_no_node_can_take_is_refused_before_anything_runs(cluster, tmp_path):
    with pytest.raises(api.ExperimentError, match=r"sut:nowhere=1, which no node of the Ray cluster has"):
        api.run(str(tmp_path / "e"), ["true", "{{X}}"], {"X": "1"}, executor="ray", address=cluster.address,
                resources={"sut:nowhere": 1}, log=quiet)
    assert not (tmp_path / "e").exists()


def test_a_crashing_step_is_tried_again_then_failed_naming_the_node_and_the_sweep_goes_on(cluster, tmp_path):
    # the command kills the Ray worker running it: the node's worker is lost, as when a node dies
    cmd = [sys.executable, "-c", "import os, sys; n = int(sys.argv[1]); "
           "n == 2 and os.kill(os.getppid(), 9); print('fine', n)", "{{N}}"]
    out = api.run(str(tmp_path / "e"), cmd, {"N": "[1,2,3]"}, executor="ray", address=cluster.address,
                  max_tries=2, log=quiet)
    ok1, lost, ok3 = out["steps"]
    assert ok1["status"] == ok3["status"] == "ok"
    assert lost["status"] == "failed" and lost["error"].startswith("lost 2 times (node ")
    assert "/" in lost["error"] and len(lost["provenance"]["lost_attempts"]) == 2
    assert "attempt 1: lost on" in open(os.path.join(lost["path"], "cm-output.txt")).read()


def test_fleet_run_measures_each_sut_on_its_node_into_one_results_tree(cluster, tmp_path):
    # stands in for `cm run script --tags=run-mlperf,inference --results_dir=... --hw_name={{SUT}}`:
    # a results directory in the MLPerf layout with a real LoadGen run, from the node's own facts
    script = ("import json, os, subprocess, sys; sut = sys.argv[1]; d = f'results/{sut}-reference-cpu-tiny'; "
              "run = d + '/tiny/offline/performance/run_1'; os.makedirs(run); "
              "json.dump({'framework': 'tiny', 'device': 'cpu'}, "
              "open(d + '/cm-sut-info.json', 'w')); "
              f"subprocess.run([sys.executable, {TINY!r}, '--out', run, '--batch', '8'], check=True)")
    out = api.run(str(tmp_path / "fleet"), [sys.executable, "-c", script, "{{SUT}}"], {}, executor="ray",
                  address=cluster.address, fleet="head,w1", log=quiet)
    assert [s["status"] for s in out["steps"]] == ["ok", "ok"]
    by_sut = {s["variables"]["SUT"]: s["provenance"]["node_id"] for s in out["steps"]}
    assert by_sut["head"] == cluster.head_node.node_id and by_sut["w1"] == cluster.nodes_by_sut["w1"].node_id
    merged = out["fleet"]["results_dir"]
    assert sorted(os.listdir(merged)) == ["head-reference-cpu-tiny", "w1-reference-cpu-tiny"]
    assert os.path.isfile(os.path.join(merged, "w1-reference-cpu-tiny/tiny/offline/performance/run_1/"
                                               "mlperf_log_summary.txt"))
    with pytest.raises(api.ExperimentError, match="add --executor=ray"):
        api.run(str(tmp_path / "f2"), ["true"], {}, fleet="head", log=quiet)


def _wait_for(predicate, timeout=60):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_steps_on_one_node_share_its_cm_cache(cluster, tmp_path):
    """Four steps that need the same cached artifact (`detect,cpu`) on two nodes, each node with
    its own CM home: it is built once per node, not once per step (concurrent steps of a node
    wait on the cache's lock and reuse the entry)."""
    env = {**os.environ, "PYTHONPATH": ROOT}
    for name in ("head", "w1"):
        subprocess.run([sys.executable, "-m", "cmind", "init", "repo", "cmperf", f"--path={ROOT}"], check=True,
                       env={**env, "CM_REPOS": os.path.join(cluster.tmp, "cm", name)}, capture_output=True,
                       timeout=120)
    cmd = [f": {{{{I}}}}; {sys.executable} -m cmind run script --tags=detect,cpu --quiet"]
    out = api.run(str(tmp_path / "e"), cmd, {"I": "range(4)"}, executor="ray", address=cluster.address,
                  resources={"cpus": "1"}, log=quiet)
    assert [s["status"] for s in out["steps"]] == ["ok"] * 4, [s["output_tail"] for s in out["steps"]]
    used = collections.Counter(s["provenance"]["node_id"] for s in out["steps"])
    assert max(used.values()) >= 2
    for name, node in cluster.nodes_by_sut.items():
        cache = os.path.join(cluster.tmp, "cm", name, "repos", "local", "cache")
        entries = [json.load(open(os.path.join(cache, d, "_cm.json")))["tags"] for d in os.listdir(cache)
                   if os.path.isfile(os.path.join(cache, d, "_cm.json"))] if os.path.isdir(cache) else []
        built = sum("detect-cpu" in tags for tags in entries)
        assert built == (1 if used[node.node_id] else 0), (name, entries)


def test_driver_killed_then_resume_runs_only_what_is_missing(cluster, tmp_path):
    exp = tmp_path / "exp"
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    cmd = [sys.executable, "-c", "import sys, time; time.sleep(0.2 * int(sys.argv[1])); print('n', sys.argv[1])",
           "{{N}}"]
    driver = subprocess.Popen([sys.executable, "-m", "cmperf.experiment", "run", "--dir", str(exp), "--explore",
                               "N=range(1, 7)", "--executor", "ray", "--address", cluster.address,
                               "--resource", "cpus=2", "--", *cmd], env=env, cwd=tmp_path,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        assert _wait_for(lambda: len(list(exp.glob("*/step-*/cm-step.json"))) >= 2)
    finally:
        os.killpg(driver.pid, signal.SIGKILL)     # a hard stop: no chance to tidy up
        driver.wait()
    done_before = {p.parent.name: p.read_bytes() for p in exp.glob("*/step-*/cm-step.json")}
    assert 2 <= len(done_before) < 6
    out = api.resume(str(exp), log=quiet)       # executor and address come from the sweep
    assert [s["status"] for s in out["steps"]] == ["ok"] * 6
    after = {p.parent.name: p.read_bytes() for p in exp.glob("*/step-*/cm-step.json")}
    assert len(after) == 6 and all(after[k] == v for k, v in done_before.items())   # never run twice
    meta = json.load(open(os.path.join(out["path"], "cm-sweep.json")))
    assert (meta["status"], meta["ok"], meta["resumed"]) == ("done", 6, 1)
    with pytest.raises(api.ExperimentError, match="every sweep .* is done"):
        api.resume(str(exp), log=quiet)


def test_cm_run_experiment_on_the_cluster(cluster, tmp_path, cm_repos):
    """The CM front end: `cm run experiment --executor=ray --address=... --resources.sut:w1=1`."""
    env = {**os.environ, "CM_REPOS": str(cm_repos), "PYTHONPATH": ROOT}

    def cm(*args):
        p = subprocess.run([sys.executable, "-m", "cmind", *args], env=env, cwd=tmp_path, capture_output=True,
                           text=True, timeout=120)
        assert p.returncode == 0, f"cm {' '.join(args)} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}"
        return p

    cm("init", "repo", "cmperf", f"--path={ROOT}")
    p = cm("run", "experiment", "--tags=ray,dse", "--executor=ray", f"--address={cluster.address}",
           "--resources.sut:w1=1", "--explore.BATCH=[1,8]", "--", *LOADGEN)
    assert "2 steps ok, 0 failed" in p.stdout
    steps = sorted((cm_repos / "repos" / "local" / "experiment").glob("*/*/step-*/cm-step.json"))
    records = [json.loads(s.read_text()) for s in steps]
    assert [r["variables"]["BATCH"] for r in records] == [1, 8]
    assert {r["provenance"]["node_id"] for r in records} == {cluster.nodes_by_sut["w1"].node_id}
    assert all(r["results"][0]["scenario"] == "Offline" for r in records)


def test_worker_node_killed_mid_sweep_every_step_stored_exactly_once(cluster, tmp_path, events):
    """Real LoadGen steps; the worker node dies while it runs one: that step is run again on the
    head (whole-node steps: pinned to a node, then to another), nothing is lost or stored twice.
    (Runs last: it removes the worker node.)"""
    worker = cluster.nodes_by_sut["w1"]
    result = {}

    def sweep():
        try:
            # each step waits a second before its LoadGen run, so the kill lands while one runs
            result["out"] = api.run(str(tmp_path / "exp"), ["sleep 1 && " + " ".join(LOADGEN)],
                                    {"BATCH": "[1,4,16,64]"}, executor="ray",
                                    address=cluster.address, resources={"whole_node": "yes"}, log=quiet)
        except BaseException as e:   # noqa: BLE001 - reported by the assertion below
            result["error"] = e

    # (an earlier test's crashed step may have left its scratch directory there)
    scratch = os.path.join(cluster.tmp, "scratch", "w1")
    before = set(os.listdir(scratch))
    t = threading.Thread(target=sweep)
    t.start()
    try:
        # a step has started on the worker when its scratch directory appears there
        assert _wait_for(lambda: set(os.listdir(scratch)) - before)
        cluster.remove_node(worker, allow_graceful=False)
    finally:
        t.join(120)
    assert "error" not in result, result.get("error")
    steps = result["out"]["steps"]
    assert [s["status"] for s in steps] == ["ok"] * 4 and all(s["results"] for s in steps)
    stored = load_steps(str(tmp_path / "exp"))
    assert sorted(s["step"] for s in stored) == [1, 2, 3, 4]       # each exactly once
    assert sorted(os.listdir(result["out"]["path"])) == ["cm-sweep.json"] + [f"step-{n:04d}" for n in range(1, 5)]
    lost = [s for s in steps if s["provenance"].get("lost_attempts")]
    assert len(lost) >= 1
    assert all(a["node_id"] == worker.node_id for s in lost for a in s["provenance"]["lost_attempts"]), \
        [s["provenance"]["lost_attempts"] for s in lost]
    assert all(s["provenance"]["node_id"] == cluster.head_node.node_id for s in lost)
    retried = [e for e in events if e["event"] == "experiment_step" and e.get("lost_on")]
    assert retried and all(worker.node_id[:8] in e["lost_on"] for e in retried)

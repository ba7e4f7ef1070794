"""Steps of a sweep as Ray tasks on a cluster's nodes, their files gathered on the driver.

Each step is one Ray task with the step's resource request (resources.py). It runs the command
in a scratch directory of its node (the nodes share no file system), then returns the step's
record and its files as one archive; the driver unpacks them into the step directory and writes
``cm-step.json`` last, so the stored layout is the local executor's. The scratch directory is
removed on the node.

Faults: a task whose node or worker dies is tried again (on any node that fits) up to
``max_tries`` times, then stored as failed naming the nodes it was lost on. Ray's own retries
are off (``max_retries=0``) so a step is started only by this loop and stored once: a finished
step's result is fetched to the driver (``ray.wait(fetch_local=True)``) before it is stored. A step
asking for the whole node is pinned to a node the driver picks among those running no other
whole-node step of this sweep, and takes all of that node's CPUs, so Ray keeps any other CPU work
off it too.
"""
import collections
import io
import os
import platform
import re
import shutil
import tarfile
import tempfile
import time
import traceback
import urllib.parse

import ray
from ray.exceptions import NodeDiedError, RayError, RayTaskError
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

from . import runner
from .resources import ray_options
from .runner import OUTPUT_FILE, ExperimentError

LOOPBACK = ("127.0.0.1", "localhost", "::1")
POLL_S = float(os.environ.get("CMPERF_RAY_POLL_S", "0.2"))


def _node_info():
    ctx = ray.get_runtime_context()
    return {"id": ctx.get_node_id(), "host": platform.node()}


def label(node):
    """How a node is named in progress and errors: its host and the start of its Ray id (two
    nodes of a test cluster share one host)."""
    if not node:
        return "unknown node"
    return f"{node.get('host') or '?'}/{str(node.get('id', ''))[:8]}"


@ray.remote(num_cpus=0, max_restarts=0)
class Board:
    """Where tasks say which node they started on: the driver's live per-node progress and the
    node named when a step is lost. It lives on the driver's node."""

    def __init__(self):
        self.events = []

    def started(self, number, attempt, node):
        self.events.append((number, attempt, node))

    def take(self):
        events, self.events = self.events, []
        return events


def _step_task(number, variables, template, cwd, timeout, rel, board, attempt):
    """On a node: run one step in scratch space, return its record and its files (tar.gz)."""
    node = _node_info()
    board.started.remote(number, attempt, node)
    scratch = tempfile.mkdtemp(prefix="cmperf-step-", dir=os.environ.get("CMPERF_STEP_SCRATCH"))
    try:
        work = os.path.join(scratch, rel)
        os.makedirs(work)
        record = runner.execute(work, number, variables, template, cwd, timeout, die_with_parent=True)
        record["provenance"].update(executor="ray", node_id=node["id"], ran_in=work)
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w:gz", compresslevel=1) as tar:
            tar.add(work, arcname=".")
        return {"record": record, "files": buf.getvalue(), "node": node}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


_remote_step = ray.remote(max_retries=0)(_step_task)


def unpack(data, step_dir):
    """The step's files into its directory, through cmperf's one extraction policy (no member
    lands outside, no write through a link, bounded size); the driver's own step files win."""
    from cmperf.platform import PlatformError, archive
    with tempfile.TemporaryDirectory(prefix=".cmperf-unpack-", dir=step_dir) as tmp:
        packed = os.path.join(tmp, "step.tar.gz")
        with open(packed, "wb") as f:
            f.write(data)
        files = os.path.join(tmp, "files")
        try:
            archive.extract(packed, files, record=False)
        except PlatformError as e:
            raise ExperimentError(f"step archive for {step_dir} refused: {e}") from None
        for name in sorted(os.listdir(files)):
            if name in (runner.INPUT_FILE, runner.STEP_FILE):
                continue
            dest = os.path.join(step_dir, name)
            if os.path.isdir(dest) and not os.path.islink(dest):
                shutil.rmtree(dest)         # an earlier attempt's copy, inside the step dir
            os.replace(os.path.join(files, name), dest)


_NODE_ID = re.compile(r"node id:\s*([0-9a-f]{56})", re.IGNORECASE)


def _node_from_error(error):
    """The node a lost task ran on, from Ray's error text, for when the task died before its
    'started' message reached the board: {'id', 'host'} or None."""
    m = _NODE_ID.search(str(error))
    if not m:
        return None
    host = next((n.get("NodeManagerHostname", "") for n in ray.nodes() if n["NodeID"] == m.group(1)), "")
    return {"id": m.group(1), "host": host}


def _short(error):
    text = str(error).strip().splitlines()
    return text[0][:300] if text else type(error).__name__


class RayExecutor:
    name = "ray"

    def __init__(self, address=None, max_tries=None, poll=POLL_S):
        self.address = address or os.environ.get("RAY_ADDRESS") or None
        self.max_tries = int(max_tries) if max_tries not in (None, "") else 3
        if self.max_tries < 1:
            raise ExperimentError(f"--max_tries={max_tries!r}: at least 1")
        self.poll = poll
        self._connected_here = False
        self._nodes_at = 0.0
        self._nodes = []
        self._lost_nodes = set()   # nodes a step was lost on: no whole-node step is pinned there again

    # -- the cluster -----------------------------------------------------------------------------
    def connect(self):
        if ray.is_initialized():
            return
        kwargs = {"logging_level": "ERROR", "log_to_driver": False, "namespace": "cmperf",
                  "configure_logging": True}
        if self.address:
            host = urllib.parse.urlsplit("//" + self.address.split("://")[-1]).hostname or ""
            if host in LOOPBACK:
                # a cluster bound to loopback (a test cluster on one machine): Ray would otherwise
                # replace 127.0.0.1 by this machine's routable address, where nothing listens
                os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
                from ray._private import ray_constants
                ray_constants.ENABLE_RAY_CLUSTER = False
            kwargs["address"] = self.address
        else:
            kwargs["include_dashboard"] = False   # no address: a one-node Ray on this machine
        try:
            ray.init(**kwargs)
        except (ConnectionError, RuntimeError, ValueError) as e:
            raise ExperimentError(f"cannot connect to the Ray cluster at {self.address or 'this machine'}: "
                                  f"{_short(e)}", hint="start it with `ray start --head` (docs/"
                                  "experiments-distributed.md) or give its --address=HOST:PORT") from None
        self._connected_here = True

    def close(self):
        if self._connected_here and ray.is_initialized():
            ray.shutdown()
        self._connected_here = False

    def nodes(self, fresh=False):
        """Alive nodes: [{'id', 'host', 'resources'}], refreshed at most every second."""
        if fresh or time.monotonic() - self._nodes_at > 1.0:
            self._nodes = [{"id": n["NodeID"], "host": n.get("NodeManagerHostname", ""),
                            "resources": n.get("Resources", {})} for n in ray.nodes() if n.get("Alive")]
            self._nodes_at = time.monotonic()
        return self._nodes

    def check(self, requests):
        """Refuse before anything runs a step that no alive node of the cluster could ever take."""
        self.connect()
        nodes = self.nodes(fresh=True)
        for number, req in enumerate(requests, start=1):
            want = {"CPU": 0 if req["whole_node"] else req["num_cpus"], "GPU": req["num_gpus"],
                    "memory": req["memory"] or 0, **req["resources"]}
            if not any(all(n["resources"].get(k, 0) >= v for k, v in want.items() if v) for n in nodes):
                have = "; ".join(f"{label(n)}: " + ", ".join(f"{k}={v:g}" for k, v in sorted(n["resources"].items())
                                                            if not k.startswith("node:"))
                                 for n in nodes)
                missing = ", ".join(f"{k}={v:g}" for k, v in want.items() if v)
                raise ExperimentError(
                    f"a step asks for {missing}, which no node of the Ray cluster has ({have})",
                    hint="start a node with it, e.g. ray start --address=HEAD:PORT --resources='{\"sut:NAME\": 1}'"
                         " --num-cpus=N, or ask for less with --resources.NAME=VALUE")

    # -- the run ---------------------------------------------------------------------------------
    def _pick_whole_node(self, req, busy):
        for n in self.nodes():
            if n["id"] in busy or n["id"] in self._lost_nodes:
                continue
            if all(n["resources"].get(k, 0) >= v for k, v in req["resources"].items()) and \
                    n["resources"].get("GPU", 0) >= req["num_gpus"]:
                return n
        return None

    def run(self, jobs, sweep, timeout=None, echo=False, log=print):
        self.connect()
        driver_node = ray.get_runtime_context().get_node_id()
        board = Board.options(scheduling_strategy=NodeAffinitySchedulingStrategy(driver_node, soft=False)).remote()
        template, cwd = sweep.summary["template"], sweep.summary["cwd"]
        sweep_name = os.path.basename(sweep.path)
        queue = collections.deque(jobs)
        inflight = {}          # ref -> (job, attempt, pinned node id or None)
        attempts = collections.defaultdict(list)   # step -> [{'node', 'error'}] of lost tries
        started_on = {}        # (step, attempt) -> node info
        busy_whole = set()
        total = sweep.summary["steps"]

        def submit():
            for job in list(queue):
                if sweep.stop:
                    return
                req = job.resources
                attempt = len(attempts[job.number]) + 1
                pinned = None
                if req["whole_node"]:
                    node = self._pick_whole_node(req, busy_whole)
                    if node is None:
                        continue            # every fitting node runs a whole-node step: wait
                    pinned = node["id"]
                    opts = ray_options(req, node_cpus=node["resources"].get("CPU", 1))
                    opts["scheduling_strategy"] = NodeAffinitySchedulingStrategy(pinned, soft=False)
                    busy_whole.add(pinned)
                else:
                    opts = ray_options(req)
                sweep.dispatch(job)
                if attempt == 1:
                    log(f"experiment step {job.number}/{total} (ray): "
                        + " ".join(f"{k}={v}" for k, v in job.variables.items()))
                ref = _remote_step.options(**opts).remote(
                    job.number, job.variables, template, cwd, timeout,
                    os.path.join(sweep_name, os.path.basename(job.step_dir)), board, attempt)
                inflight[ref] = (job, attempt, pinned)
                queue.remove(job)

        take = {"ref": None, "at": 0.0}

        def board_events(force=False):
            """Who started where, from the board without waiting for it: one `take` in flight at
            a time, asked again at most every POLL_S (a busy machine answers actor calls late)."""
            ref = take["ref"]
            if ref is not None and (force or ray.wait([ref], timeout=0)[0]):
                take["ref"] = None
                events = ray.get(ref)
            else:
                events = []
            if take["ref"] is None and (force or time.monotonic() - take["at"] >= self.poll):
                take["ref"], take["at"] = board.take.remote(), time.monotonic()
                if force:
                    events += ray.get(take["ref"])
                    take["ref"] = None
            for number, attempt, node in events:
                started_on[(number, attempt)] = node
                job = next((j for j, a, _ in inflight.values() if j.number == number and a == attempt), None)
                if job is not None:
                    sweep.running(job, label(node))

        def store(ref):
            job, attempt, pinned = inflight.pop(ref)
            busy_whole.discard(pinned)
            try:
                out = ray.get(ref)
            except RayTaskError as e:     # the task's own code raised: a failed step, not a lost node
                node = started_on.get((job.number, attempt))
                sweep.finished(job, self._failed(job, f"the step's task failed on {label(node)}: {_short(e)}",
                                                 str(e), attempts[job.number]), node=label(node))
                return
            except RayError as e:         # node or worker died, object lost: try again elsewhere
                board_events(force=True)
                node = started_on.get((job.number, attempt)) or _node_from_error(e)
                attempts[job.number].append({"node": label(node), "node_id": (node or {}).get("id"),
                                             "error": _short(e)})
                if node and node.get("id") and (isinstance(e, NodeDiedError) or not any(
                        n["id"] == node["id"] for n in self.nodes(fresh=True))):
                    self._lost_nodes.add(node["id"])   # dead (Ray may list it as alive a moment longer)
                if len(attempts[job.number]) < self.max_tries:
                    log(f"  step {job.number} lost on {label(node)} ({_short(e)}): trying again")
                    sweep.retrying(job, label(node), _short(e))
                    queue.appendleft(job)
                else:
                    nodes = ", ".join(dict.fromkeys(a["node"] for a in attempts[job.number]))
                    error = f"lost {self.max_tries} times (node {nodes}): {_short(e)}"
                    log(f"  step {job.number} failed: {error}")
                    sweep.finished(job, self._failed(job, error, traceback.format_exc(), attempts[job.number]),
                                   node=label(node))
                return
            record = out["record"]
            if (job.number, attempt) not in started_on:    # finished before the board was polled
                started_on[(job.number, attempt)] = out["node"]
                sweep.running(job, label(out["node"]))
            if attempts[job.number]:
                record["provenance"]["lost_attempts"] = attempts[job.number]
            unpack(out["files"], job.step_dir)
            record = sweep.finished(job, record, node=label(out["node"]))
            if record["status"] == "failed":
                log(f"  step {job.number} failed on {label(out['node'])}: {record['error']}")

        try:
            submit()
            while inflight:
                watch = list(inflight) + ([take["ref"]] if take["ref"] is not None else [])
                ready, _ = ray.wait(watch, num_returns=1, timeout=self.poll, fetch_local=True)
                if any(r in inflight for r in ready):
                    ready, _ = ray.wait(list(inflight), num_returns=len(inflight), timeout=0, fetch_local=True)
                else:
                    ready = []
                board_events()
                for ref in ready:
                    store(ref)
                submit()
                if not inflight and queue and not sweep.stop:
                    # whole-node steps wait for a node and none is left alive
                    if not self.nodes(fresh=True):
                        raise ExperimentError("no alive node left in the Ray cluster")
                    time.sleep(self.poll)
                    submit()
        except BaseException:
            # interrupted (Ctrl-C) or failed: keep every step that already finished, stop the rest;
            # `cm run experiment --resume` runs them later
            if inflight:
                ready, _ = ray.wait(list(inflight), num_returns=len(inflight), timeout=0, fetch_local=True)
                for ref in ready:
                    try:
                        store(ref)
                    except Exception:   # noqa: BLE001 - the original error is the one to report
                        pass
                for ref in list(inflight):
                    ray.cancel(ref, force=True)
            raise
        finally:
            ray.kill(board)

    def _failed(self, job, error, detail, lost):
        """The record of a step that left no result (its task died or raised), stored like any
        failed step; cm-output.txt says what happened on which node."""
        path = os.path.join(job.step_dir, OUTPUT_FILE)
        lines = [f"attempt {i}: lost on {a['node']}: {a['error']}" for i, a in enumerate(lost, start=1)]
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(lines + [detail]) + "\n")
        return {"step": job.number, "status": "failed", "rc": None, "error": error,
                "variables": job.variables, "results": [], "warnings": [],
                "output_tail": runner._tail(path),
                "provenance": {**runner.provenance(), "executor": "ray", "lost_attempts": lost,
                               "finished": runner._now().isoformat()}}

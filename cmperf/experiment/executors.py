"""Who runs the steps of a sweep: this machine, one step after another (the default), or a Ray
cluster (ray_executor.py, the optional ``[distributed]`` extra).

An executor has a ``name``, ``check(requests)`` (refuse, before anything runs, a step no machine
can take) and ``run(jobs, sweep, timeout, echo, log)``, which hands every job to the sweep's
``dispatch`` / ``running`` / ``finished`` as it goes and starts no new job once ``sweep.stop``.
"""
import platform

from . import runner
from .runner import ExperimentError

EXECUTORS = ("local", "ray")


class LocalExecutor:
    """Steps one after another in their own step directories on this machine (upstream CM's way);
    resource requests need no scheduling here."""

    name = "local"

    def check(self, requests):
        return None

    def run(self, jobs, sweep, timeout=None, echo=False, log=print):
        node = platform.node() or "local"
        total = sweep.summary["steps"]
        for job in jobs:
            if sweep.stop:
                break
            log(f"experiment step {job.number}/{total}: "
                + " ".join(f"{k}={v}" for k, v in job.variables.items()))
            sweep.dispatch(job)
            sweep.running(job, node)
            record = runner.execute(job.step_dir, job.number, job.variables, sweep.summary["template"],
                                    sweep.summary["cwd"], timeout, echo)
            record = sweep.finished(job, record, node=node)
            if record["status"] == "failed":
                log(f"  failed: {record['error']}")

    def close(self):
        return None


def get_executor(name=None, address=None, max_tries=None):
    """The executor named by ``--executor`` (default local); ray without Ray installed is an
    error that says how to install it."""
    name = (name or "local").strip().lower()
    if name not in EXECUTORS:
        raise ExperimentError(f"--executor={name!r}: expected one of {', '.join(EXECUTORS)}")
    if name == "local":
        if address:
            raise ExperimentError("--address is the Ray cluster to run on: add --executor=ray")
        return LocalExecutor()
    try:
        import ray  # noqa: F401  (only to tell a missing extra from a broken install)
    except ImportError:
        raise ExperimentError("--executor=ray needs Ray, which is not installed here",
                              hint="pip install -e '.[distributed]' (in the cmperf checkout), "
                                   "or pip install ray") from None
    from .ray_executor import RayExecutor
    return RayExecutor(address=address, max_tries=max_tries)

"""The one entry point of the command line and the CM adapter: a sweep (or a fleet run, or the
rest of an interrupted sweep) with the executor asked for, closed afterwards."""
import os

from . import fleet as fleet_mod
from . import runner
from .executors import get_executor
from .runner import ExperimentError
from .sweep import latest_unfinished


def _settings(executor, address, max_tries, fleet):
    out = {"executor": executor or "local"}
    if address:
        out["address"] = address
    if max_tries:
        out["max_tries"] = int(max_tries)
    if fleet:
        out["fleet"] = fleet
    return out


def validate(template, explore, executor=None, address=None, resources=None, fleet=None):
    """Every check of a request that needs no cluster: before an experiment artifact is created."""
    from .executors import EXECUTORS
    from .resources import validate as validate_resources
    name = (executor or "local").strip().lower()
    if name not in EXECUTORS:
        raise ExperimentError(f"--executor={executor!r}: expected one of {', '.join(EXECUTORS)}")
    if address and name != "ray":
        raise ExperimentError("--address is the Ray cluster to run on: add --executor=ray")
    if fleet:
        if name != "ray":
            raise ExperimentError("--fleet measures each SUT on its own node: add --executor=ray")
        template, explore, resources = fleet_mod.request(fleet, template, explore, resources)
    validate_resources(resources)
    return runner.plan(template, explore)


def run(artifact_dir, template, explore, executor=None, address=None, resources=None, max_tries=None,
        fleet=None, fail_fast=False, timeout=None, echo=False, log=print, submission=None):
    """Run a sweep; with ``fleet`` (SUT names) a fleet run, its results gathered (and turned
    into one submission when ``submission`` = {'submitter', 'version', ...} is given).
    Returns run_sweep's dict plus 'fleet' for a fleet run."""
    if fleet:
        if (executor or "local") != "ray":
            raise ExperimentError("--fleet measures each SUT on its own node: add --executor=ray")
        names = fleet_mod.parse(fleet)
        template, explore, resources = fleet_mod.request(names, template, explore, resources)
        fleet = names
    if submission and not fleet:
        raise ExperimentError("--submitter makes one submission of a fleet run: add --fleet=SUT1,SUT2")
    runner.plan(template, explore)      # a bad request fails before connecting anywhere
    ex = get_executor(executor, address, max_tries)
    try:
        out = runner.run_sweep(artifact_dir, template, explore, fail_fast=fail_fast, timeout=timeout,
                               echo=echo, log=log, executor=ex, resources=resources,
                               settings=_settings(executor, address, max_tries, fleet))
    finally:
        ex.close()
    if fleet:
        out["fleet"] = finish_fleet(out, submission, log)
    return out


def finish_fleet(out, submission, log=print):
    gathered = fleet_mod.gather(out["path"], out["steps"])
    if gathered["results_dir"]:
        log(f"fleet results: {gathered['results_dir']} ({', '.join(sorted(gathered['suts']))})")
    if submission and gathered["results_dir"]:
        target = os.path.join(out["path"], "submission")
        try:
            report = fleet_mod.submission(gathered["results_dir"], target, log=log, **submission)
        except (ValueError, RuntimeError, OSError) as e:   # the generator's refusals
            raise ExperimentError(f"fleet submission from {gathered['results_dir']}: {e}") from None
        gathered.update(submission_dir=target, submission_ok=bool(report.ok))
    return gathered


def resume(path, executor=None, address=None, max_tries=None, timeout=None, echo=False, log=print,
           submission=None):
    """Continue the sweep at ``path`` (a sweep directory, or an experiment directory: its newest
    unfinished sweep) with the executor it was started with unless another is given."""
    from .sweep import Sweep
    path = os.path.abspath(path)
    if not os.path.isfile(os.path.join(path, runner.SWEEP_FILE)):
        if not os.path.isdir(path):
            raise ExperimentError(f"nothing to resume: {path} does not exist")
        found = latest_unfinished(path)
        if not found:
            raise ExperimentError(f"nothing to resume: every sweep of {path} is done")
        path = found
    sweep = Sweep.open(path)
    settings = sweep.summary.get("settings", {})
    executor = executor or settings.get("executor", "local")
    address = address or (settings.get("address") if executor == settings.get("executor") else None)
    max_tries = max_tries or settings.get("max_tries")
    steps = runner.plan(sweep.summary["template"], sweep.summary["explore"])
    ex = get_executor(executor, address, max_tries)
    try:
        settings.update(_settings(executor, address, max_tries, settings.get("fleet")))
        out = sweep.run(steps, ex, timeout=timeout, echo=echo, log=log, resuming=True)
    finally:
        ex.close()
    if settings.get("fleet"):
        out["fleet"] = finish_fleet(out, submission, log)
    return out

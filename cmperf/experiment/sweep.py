"""One sweep on disk and its bookkeeping while an executor runs its steps.

The sweep directory is the only state: ``cm-sweep.json`` says what to run (template, explore,
resources, executor settings) and each ``step-NNNN/cm-step.json`` that a step finished. So a sweep
whose driver was interrupted resumes by running the steps without ``cm-step.json`` again, and a
finished step is never run twice. Every state change of a step (pending, running on a node, done,
failed) goes to ``cmperf.core.progress``.
"""
import collections
import json
import os
import shutil

from cmperf.core import progress

from .resources import step_resources

from . import runner
from .runner import STEP_FILE, SWEEP_FILE, ExperimentError, StepFailed


class Job:
    """One step to run: its number, variables, driver-side directory and resource request."""

    def __init__(self, number, variables, step_dir, resources):
        self.number, self.variables, self.step_dir, self.resources = number, variables, step_dir, resources

    def __repr__(self):
        return f"Job({self.number}, {self.variables})"


class Sweep:
    def __init__(self, path, summary):
        self.path, self.summary = path, summary
        self.records = {}
        self.node_of = {}
        self.counts = collections.defaultdict(collections.Counter)   # node -> state -> steps
        self._task = None
        self.stop = False

    # -- on disk ---------------------------------------------------------------------------------
    @classmethod
    def create(cls, artifact_dir, template, explore, n_steps, cwd, resources=None, settings=None):
        path = os.path.join(artifact_dir, runner._now().strftime("%Y-%m-%d.%H-%M-%S.%f"))
        os.makedirs(path)
        summary = {"template": template, "explore": explore, "cwd": cwd, "steps": n_steps,
                   "started": runner._now().isoformat(), "status": "running"}
        if resources:
            summary["resources"] = resources
        if settings:
            summary["settings"] = settings
        sweep = cls(path, summary)
        sweep._save()
        return sweep

    @classmethod
    def open(cls, path):
        path = os.path.abspath(path.rstrip("/"))
        file = os.path.join(path, SWEEP_FILE)
        if not os.path.isfile(file):
            raise ExperimentError(f"not a sweep (no {SWEEP_FILE}): {path}")
        with open(file, encoding="utf-8") as f:
            return cls(path, json.load(f))

    def _save(self):
        runner._json(os.path.join(self.path, SWEEP_FILE), self.summary)

    def step_dir(self, number):
        return os.path.join(self.path, f"step-{number:04d}")

    # -- what the executors call -----------------------------------------------------------------
    def _event(self, job, state, node=None, **fields):
        previous = self.node_of.get(job.number)
        if previous is not None:
            self.counts[previous[0]][previous[1]] -= 1
        where = node or (previous[0] if previous else "")
        self.node_of[job.number] = (where, state)
        self.counts[where][state] += 1
        progress.emit("experiment_step", sweep=self.path, step=job.number, state=state, node=where,
                      variables=job.variables, **fields)
        if self._task is not None:
            done = sum(c["done"] + c["failed"] for c in self.counts.values())
            self._task.update(done, detail=self.per_node())

    def per_node(self):
        """'node: 1 running, 2 done; ...' for the progress line (pending steps have no node yet)."""
        parts = []
        for node, c in sorted(self.counts.items()):
            bits = ", ".join(f"{c[s]} {s}" for s in ("pending", "running", "done", "failed") if c[s] > 0)
            if bits:
                parts.append(f"{node or 'unassigned'}: {bits}")
        return "; ".join(parts)

    def pending(self, job):
        self._event(job, "pending")

    def dispatch(self, job):
        """Create the step directory with its cm-input.json as the executor hands the step out:
        steps a fail-fast sweep never started leave nothing behind."""
        if not os.path.isdir(job.step_dir):
            runner.write_input(job.step_dir, job.number, job.variables, self.summary["template"],
                               self.summary["cwd"])

    def running(self, job, node):
        self._event(job, "running", node=node)

    def retrying(self, job, node, error):
        self._event(job, "pending", node="", attempt_error=error, lost_on=node)

    def finished(self, job, record, node=None):
        """Store a finished step (the executor has put its files in place): cm-step.json last."""
        if os.path.isfile(os.path.join(job.step_dir, STEP_FILE)):
            # exactly once: a second result for a stored step is a bug elsewhere, never an overwrite
            raise ExperimentError(f"step {job.number} is already stored in {job.step_dir}")
        record = runner.write_record(job.step_dir, record)
        self.records[job.number] = record
        self._event(job, "done" if record["status"] == "ok" else "failed", node=node,
                    error=record.get("error", ""))
        if record["status"] == "failed" and self.summary.get("settings", {}).get("fail_fast"):
            self.stop = record    # executors start no further step
        return record

    # -- the run ---------------------------------------------------------------------------------
    def jobs(self, steps, log=print):
        """The steps still to run (finished ones are loaded into self.records, never run again)."""
        jobs = []
        for number, variables in enumerate(steps, start=1):
            step_dir = self.step_dir(number)
            record = runner.load_record(step_dir)
            if record is not None:
                record["path"] = step_dir
                self.records[number] = record
                continue
            if os.path.isdir(step_dir):
                # an interrupted step: only this sweep's own unfinished files are there
                log(f"step {number} was interrupted: running it again")
                shutil.rmtree(step_dir)
            values = {**{k: str(v) for k, v in variables.items()}, "CM_EXPERIMENT_STEP": str(number)}
            jobs.append(Job(number, variables, step_dir, step_resources(self.summary.get("resources"), values)))
        return jobs

    def run(self, steps, executor=None, fail_fast=False, timeout=None, echo=False, log=print, resuming=False):
        from .executors import LocalExecutor
        executor = executor or LocalExecutor()
        settings = self.summary.setdefault("settings", {})
        settings.update(fail_fast=bool(fail_fast or settings.get("fail_fast")), executor=executor.name)
        jobs = self.jobs(steps, log)
        if resuming:
            log(f"resuming {self.path}: {len(self.records)} steps already stored, {len(jobs)} to run")
        self.summary.update(status="running", resumed=self.summary.get("resumed", 0) + int(resuming))
        self._save()
        executor.check([job.resources for job in jobs])
        for job in jobs:
            self.pending(job)
        try:
            with progress.Task(f"experiment {os.path.basename(self.path)}", total=len(steps),
                               unit="steps") as task:
                self._task = task
                task.update(len(self.records))
                executor.run(jobs, self, timeout=timeout, echo=echo, log=log)
        finally:
            self._task = None
            records = [self.records[n] for n in sorted(self.records)]
            self.summary.update(finished=runner._now().isoformat(),
                                status="stopped" if len(records) < len(steps) else "done",
                                ok=sum(r["status"] == "ok" for r in records),
                                failed=sum(r["status"] == "failed" for r in records))
            self._save()
        if self.stop:
            raise StepFailed(self.stop)
        return {"path": self.path, "steps": records}


def latest_unfinished(artifact_dir):
    """The newest sweep of an artifact that did not finish (status not 'done'), or None."""
    sweeps = sorted(d for d in os.listdir(artifact_dir) if os.path.isfile(os.path.join(artifact_dir, d, SWEEP_FILE)))
    for name in reversed(sweeps):
        with open(os.path.join(artifact_dir, name, SWEEP_FILE), encoding="utf-8") as f:
            if json.load(f).get("status") != "done":
                return os.path.join(artifact_dir, name)
    return None

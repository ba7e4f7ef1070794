"""CM adapter for `cm run|replay|show experiment` over cmperf.experiment (find/search: cmind's own).

    cm run experiment --tags=T --explore.BATCH="[1,2,4]" [--fail_fast] [--timeout=S] -- COMMAND {{BATCH}}
        [--executor=ray [--address=HOST:PORT] [--resources.cpus=2 --resources.whole_node=yes
         --resources.sut:NAME=1 ...] [--max_tries=3] [--fleet=SUT1,SUT2 [--submitter=ORG --round=v3.1]]]
    cm run experiment --tags=T --resume [--sweep=NAME] [--executor=...]
    cm replay experiment --tags=T [--step=N] [--dir=SWEEP/STEP]
    cm show experiment --tags=T

The experiment artifact with tags T is found in the registered repositories or created in the
local repository; its sweeps and steps are plain files (see cmperf/experiment/runner.py).
"""
import json
import os
import sys

from cmind.automation import Automation

try:
    from cmperf.experiment import api, runner, steps as steps_mod
except ImportError:
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    from cmperf.experiment import api, runner, steps as steps_mod

from cmperf.core.errors import CmperfError
from cmperf.experiment.explore import ExploreError
from cmperf.report.errors import ReportError

PUBLISHED_TAG = "published-results"
ERRORS = (runner.ExperimentError, ExploreError, ReportError, OSError, CmperfError)


def _tags(i):
    tags = i.get("tags", "")
    words = tags if isinstance(tags, list) else str(tags).replace(" ", ",").split(",")
    return [w.strip() for w in words if w.strip()]


def _flag(i, key):
    return str(i.get(key, "")).lower() in ("true", "yes", "1", "on")


class CAutomation(Automation):
    """Experiments: explorations of a wrapped command, one stored step per combination."""

    def __init__(self, cmind, automation_file):
        super().__init__(cmind, __file__)

    def _find(self, i):
        """(paths of experiment artifacts matching --tags/artifact, error dict or None)."""
        tags = _tags(i)
        query = {"action": "search", "automation": "experiment", "tags": ",".join(tags)}
        if i.get("artifact"):
            query["artifact"] = i["artifact"]
        r = self.cmind.access(query)
        if r["return"] > 0:
            return [], r
        # the published-results data artifacts share the automation; they are not experiments to run
        return [a.path for a in r["list"] if PUBLISHED_TAG not in a.meta.get("tags", [])], None

    def _one(self, i, create=False):
        paths, err = self._find(i)
        if err:
            return None, err
        if len(paths) > 1:
            return None, {"return": 1, "error": "more than one experiment matches tags {}: {}; add a tag "
                          "or name one with --artifact".format(",".join(_tags(i)), ", ".join(paths))}
        if paths:
            return paths[0], None
        if not create:
            return None, {"return": 16, "error": "no experiment with tags {}".format(",".join(_tags(i)))}
        if not _tags(i):
            return None, {"return": 1, "error": "give the experiment --tags (e.g. --tags=dse,batch-size)"}
        r = self.cmind.access({"action": "add", "automation": "experiment",
                               "artifact": i.get("artifact", ""), "tags": ",".join(_tags(i))})
        if r["return"] > 0:
            return None, r
        return r["path"], None

    def run(self, i):
        """Run the command after `--` once per combination of the --explore.VAR values (on a Ray
        cluster with --executor=ray), or the rest of an interrupted sweep with --resume."""
        console = i.get("out") == "con"
        log = print if console else (lambda *a: None)
        timeout = i.get("timeout")
        submission = None
        if i.get("submitter"):
            submission = {"submitter": str(i["submitter"]), "version": str(i.get("round") or i.get("version") or "v3.1"),
                          "system_json": i.get("system_json"), "test_run": _flag(i, "test_run")}
        common = dict(executor=i.get("executor"), address=i.get("address"), max_tries=i.get("max_tries"),
                      timeout=float(timeout) if timeout else None, echo=console, log=log, submission=submission)
        if _flag(i, "resume"):
            path, err = self._one(i)
            if err:
                return err
            try:
                out = api.resume(os.path.join(path, i["sweep"]) if i.get("sweep") else path, **common)
            except ERRORS as e:
                return {"return": 1, "error": str(e)}
            return self._report(path, out, console)
        try:
            api.validate(i.get("unparsed_cmd", []), i.get("explore", {}), executor=i.get("executor"),
                         address=i.get("address"), resources=i.get("resources"), fleet=i.get("fleet"))
        except ERRORS as e:
            return {"return": 1, "error": str(e)}   # nothing created for a bad request
        path, err = self._one(i, create=True)
        if err:
            return err
        try:
            out = api.run(path, i.get("unparsed_cmd", []), i.get("explore", {}), resources=i.get("resources"),
                          fleet=i.get("fleet"), fail_fast=_flag(i, "fail_fast"), **common)
        except runner.StepFailed as e:
            return {"return": 2, "error": str(e), "step": e.record}
        except ERRORS as e:
            return {"return": 1, "error": str(e)}
        return self._report(path, out, console)

    @staticmethod
    def _report(path, out, console):
        failed = [s for s in out["steps"] if s["status"] == "failed"]
        if console:
            print(f"experiment {path}: {len(out['steps']) - len(failed)} steps ok, {len(failed)} failed")
            print(f"sweep: {out['path']}")
        result = {"return": 0, "path": path, "sweep": out["path"], "steps": out["steps"],
                  "failed": len(failed), **({"fleet": out["fleet"]} if "fleet" in out else {})}
        if out["steps"] and len(failed) == len(out["steps"]):
            # nothing was measured: a script or CI must not take this for success
            result.update({"return": 2, "error": f"every step of {out['path']} failed; the first: "
                           f"step {failed[0]['step']}: {failed[0]['error']}"})
        return result

    def replay(self, i):
        """Run one recorded step again: --dir=SWEEP/STEP (relative to the experiment) or --step=N of
        the newest sweep."""
        path, err = self._one(i)
        if err:
            return err
        try:
            if i.get("dir"):
                step_dir = i["dir"] if os.path.isabs(i["dir"]) else os.path.join(path, i["dir"])
            else:
                sweeps = sorted(d for d in os.listdir(path) if os.path.isfile(
                    os.path.join(path, d, runner.SWEEP_FILE)))
                if not sweeps:
                    return {"return": 16, "error": f"experiment {path} has no sweeps"}
                step_dir = os.path.join(path, sweeps[-1], "step-{:04d}".format(int(i.get("step", 1))))
            console = i.get("out") == "con"
            record = runner.replay(step_dir, echo=console, log=print if console else (lambda *a: None))
        except ValueError:
            return {"return": 1, "error": f"--step must be a number, not {i.get('step')!r}"}
        except ERRORS as e:
            return {"return": 1, "error": str(e)}
        if i.get("out") == "con":
            for c in record.get("compared", []):
                print(f"{c['scenario']}: original {c['original']:.6g}, replay {c['replay']:.6g}"
                      + (f" ({c['ratio']:.3f}x)" if c.get("ratio") else ""))
        return {"return": 0 if record["status"] == "ok" else 2, "step": record,
                **({"error": f"replay failed: {record['error']}"} if record["status"] != "ok" else {})}

    def show(self, i):
        """A table of the steps of every experiment matching --tags."""
        paths, err = self._find(i)
        if err:
            return err
        if not paths:
            return {"return": 16, "error": "no experiment with tags {}".format(",".join(_tags(i)))}
        from tabulate import tabulate
        out = []
        try:
            for path in paths:
                steps = steps_mod.load_steps(path)
                out.append({"path": path, "steps": steps})
                if i.get("out") == "con" and not i.get("json"):
                    print(f"experiment {path}")
                    print(tabulate(steps_mod.step_rows(steps), headers=steps_mod.STEP_HEADERS,
                                   tablefmt="github"))
        except ERRORS as e:
            return {"return": 1, "error": str(e)}
        if i.get("json"):
            print(json.dumps(out, indent=2, default=str))
        return {"return": 0, "list": out}

"""Executor choice, resource requests, fleet requests and resume, without a Ray cluster."""
import json
import os
import sys

import pytest

from cmperf.experiment import api, fleet
from cmperf.experiment.executors import get_executor
from cmperf.experiment.resources import ray_options, step_resources
from cmperf.experiment.runner import ExperimentError

quiet = lambda *a, **k: None  # noqa: E731


def test_ray_asked_for_without_ray_installed_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)      # `import ray` now fails as when not installed
    with pytest.raises(ExperimentError, match=r"pip install -e '\.\[distributed\]'"):
        get_executor("ray")
    assert get_executor(None).name == "local"            # without --executor nothing needs Ray


def test_executor_flags_are_checked(tmp_path):
    with pytest.raises(ExperimentError, match="expected one of local, ray"):
        get_executor("slurm")
    with pytest.raises(ExperimentError, match="add --executor=ray"):
        get_executor("local", address="127.0.0.1:6379")
    with pytest.raises(ExperimentError, match="add --executor=ray"):
        api.run(str(tmp_path / "e"), ["true"], {}, fleet="a,b", log=quiet)
    assert not (tmp_path / "e").exists()


def test_resource_requests_per_step():
    spec = {"cpus": "{{THREADS}}", "memory": "1.5G", "gpus": "1", "sut:{{SUT}}": 1, "whole_node": "yes"}
    req = step_resources(spec, {"THREADS": "4", "SUT": "box1"})
    assert req == {"num_cpus": 4, "num_gpus": 1, "memory": int(1.5 * (1 << 30)), "whole_node": True,
                   "resources": {"sut:box1": 1}}
    assert ray_options(req, node_cpus=16)["num_cpus"] == 16        # the whole node's CPUs
    assert step_resources(None, {}) == {"num_cpus": 1, "num_gpus": 0, "memory": None, "whole_node": False,
                                        "resources": {}}
    for spec, message in (({"cpus": "two"}, "cpus='two': expected a number"),
                          ({"memory": "lots"}, "expected bytes or a size"),
                          ({"gpus": "-1"}, "must not be negative"),
                          ({"cpus": "{{NOPE}}"}, r"\{\{NOPE\}\} in the command has no value"),
                          ({"bad name!": 1}, "a resource name is")):
        with pytest.raises(ExperimentError, match=message):
            step_resources(spec, {})


def test_bad_resources_are_refused_before_the_sweep_exists(tmp_path):
    with pytest.raises(ExperimentError, match="expected a number"):
        api.run(str(tmp_path / "e"), ["true", "{{X}}"], {"X": "1"}, resources={"cpus": "x"}, log=quiet)
    assert not (tmp_path / "e").exists()


def test_fleet_request_for_the_mlperf_app():
    template = ["cm", "run", "script", "--tags=run-mlperf,inference", "--quiet"]
    t, explore, res = fleet.request("box1,box2", template, {"BATCH": "[1]"}, None)
    assert t[-2:] == ["--hw_name={{SUT}}", "--results_dir={{CM_EXPERIMENT_PATH}}/results"]
    assert explore == {"BATCH": "[1]", "SUT": ["box1", "box2"]}
    assert res == {"sut:{{SUT}}": 1, "whole_node": "yes"}
    t, _, _ = fleet.request("a", template + ["--hw_name=x", "--results_dir=/r"], {}, None)
    assert t == template + ["--hw_name=x", "--results_dir=/r"]     # the user's own choice is kept
    for value, message in (("", "name at least one SUT"), ("a,a", "named twice"), ("a b", "must be letters")):
        with pytest.raises(ExperimentError, match=message):
            fleet.parse(value)
    with pytest.raises(ExperimentError, match="drop --explore.SUT"):
        fleet.request("a", template, {"SUT": "x"}, None)


def test_fleet_gather_refuses_two_nodes_with_one_sut_folder(tmp_path):
    records = []
    for n in (1, 2):
        d = tmp_path / f"step-{n:04d}" / "results" / "same-sut"
        d.mkdir(parents=True)
        (d / "cm-sut-info.json").write_text("{}")
        records.append({"step": n, "status": "ok", "path": str(tmp_path / f"step-{n:04d}")})
    with pytest.raises(ExperimentError, match="steps 1 and 2 both measured SUT folder 'same-sut'"):
        fleet.gather(str(tmp_path), records)
    assert not (tmp_path / "results").exists()


def test_resume_runs_only_the_unfinished_steps(tmp_path, loadgen_template):
    out = api.run(str(tmp_path / "exp"), loadgen_template, {"BATCH": "[1,2,4]"}, log=quiet)
    first = os.path.join(out["steps"][0]["path"], "cm-step.json")
    kept = open(first, "rb").read()
    # as a driver killed during steps 2 and 3 leaves them: no cm-step.json, partial files
    for s in out["steps"][1:]:
        os.remove(os.path.join(s["path"], "cm-step.json"))
        open(os.path.join(s["path"], "partial.txt"), "w").write("half")
    meta_path = os.path.join(out["path"], "cm-sweep.json")
    meta = json.load(open(meta_path))
    json.dump({**meta, "status": "stopped"}, open(meta_path, "w"))
    lines = []
    again = api.resume(str(tmp_path / "exp"), log=lines.append)
    assert [s["status"] for s in again["steps"]] == ["ok"] * 3
    assert open(first, "rb").read() == kept
    assert not any(os.path.exists(os.path.join(s["path"], "partial.txt")) for s in again["steps"])
    assert "2 to run" in lines[-1] or any("1 steps already stored, 2 to run" in x for x in lines)
    assert json.load(open(meta_path))["status"] == "done"
    with pytest.raises(ExperimentError, match="every sweep .* is done"):
        api.resume(str(tmp_path / "exp"), log=quiet)
    with pytest.raises(ExperimentError, match="does not exist"):
        api.resume(str(tmp_path / "nope"), log=quiet)


def test_progress_per_node_for_the_local_executor(tmp_path, loadgen_template):
    from cmperf.core import progress
    seen = []
    previous = progress.set_sink(seen.append)
    try:
        api.run(str(tmp_path / "exp"), loadgen_template + ["{{FAIL}}"], {"BATCH": "4", "FAIL": "['--fail', '--batch=4']"},
                log=quiet)
    finally:
        progress.set_sink(previous)
    states = [(e["step"], e["state"]) for e in seen if e["event"] == "experiment_step"]
    assert states == [(1, "pending"), (2, "pending"), (1, "running"), (1, "failed"), (2, "running"), (2, "done")]
    done = [e for e in seen if e["event"] == "task_done"]
    assert done and "1 done, 1 failed" in done[-1]["detail"]


def test_interrupted_local_sweep_stops_its_command_and_resumes(tmp_path):
    import signal
    import threading
    pid_file = tmp_path / "pid"
    cmd = [f"if [ {{{{N}}}} = 2 ] && [ ! -e {pid_file} ]; then echo $$ > {pid_file}; exec sleep 60; fi; echo n {{{{N}}}}"]
    timer = threading.Thread(target=lambda: (_wait_file(pid_file), os.kill(os.getpid(), signal.SIGINT)))
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        api.run(str(tmp_path / "exp"), cmd, {"N": "[1,2,3]"}, log=quiet)
    timer.join()
    child = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(child, 0)                      # the step's command did not outlive the sweep
    out = api.resume(str(tmp_path / "exp"), log=quiet)
    assert [s["status"] for s in out["steps"]] == ["ok"] * 3


def _wait_file(path):
    import time
    for _ in range(200):
        if path.exists() and path.read_text().strip():
            return
        time.sleep(0.05)

"""Sweeps, failed steps, replay and stored steps, with real LoadGen runs of a trivial SUT."""
import json
import os
import sys

import pytest

from cmperf.experiment.results import steps_as_results
from cmperf.experiment.runner import ExperimentError, StepFailed, replay, run_sweep
from cmperf.experiment.steps import load_steps
from cmperf.report.errors import DataError, NoDataError
from cmperf.report.loadgen_logs import read_run
from cmperf.report.sweep import sweep

TINY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tiny_loadgen.py")


def test_batch_sweep_records_inputs_results_provenance(tmp_path, loadgen_template, quiet):
    out = run_sweep(str(tmp_path / "exp"), loadgen_template, {"BATCH": "[1, 16]"}, log=quiet)
    steps = out["steps"]
    assert [s["status"] for s in steps] == ["ok", "ok"]
    for s, batch in zip(steps, (1, 16)):
        inputs = json.load(open(os.path.join(s["path"], "cm-input.json")))
        assert inputs["variables"] == {"BATCH": batch} and inputs["command"][-1] == str(batch)
        (res,) = s["results"]
        assert res["value"] == read_run(os.path.join(s["path"], "logs"))["value"]  # parsed from the log
        assert res["scenario"] == "Offline" and res["log_dir"] == "logs"
        prov = s["provenance"]
        assert prov["host"] and prov["python"] and prov["duration_s"] > 0
    # a 1 ms cost per batch: batch 16 must beat batch 1 by far
    assert steps[1]["results"][0]["value"] > 3 * steps[0]["results"][0]["value"]
    sweep_meta = json.load(open(os.path.join(out["path"], "cm-sweep.json")))
    assert (sweep_meta["status"], sweep_meta["ok"], sweep_meta["failed"]) == ("done", 2, 0)


def test_failed_step_is_recorded_and_the_sweep_goes_on(tmp_path, loadgen_template, quiet):
    template = loadgen_template + ["{{FAIL}}"]
    out = run_sweep(str(tmp_path / "exp"), template, {"BATCH": "2", "FAIL": "['--fail', '--batch=2']"}, log=quiet)
    failed, ok = out["steps"]
    assert failed["status"] == "failed" and failed["rc"] == 3 and failed["error"] == "exit status 3"
    assert "asked to fail" in failed["output_tail"]
    assert ok["status"] == "ok" and ok["results"]
    stored = load_steps(out["path"])
    assert [s["status"] for s in stored] == ["failed", "ok"]


def test_fail_fast_stops_after_recording(tmp_path, loadgen_template, quiet):
    template = loadgen_template + ["{{FAIL}}"]
    with pytest.raises(StepFailed, match="step 1 failed: exit status 3"):
        run_sweep(str(tmp_path / "exp"), template, {"BATCH": "2", "FAIL": "['--fail', '--batch=2']"}, fail_fast=True,
                  log=quiet)
    (sweep_dir,) = os.listdir(tmp_path / "exp")
    meta = json.load(open(tmp_path / "exp" / sweep_dir / "cm-sweep.json"))
    assert (meta["status"], meta["failed"]) == ("stopped", 1)
    assert [s["status"] for s in load_steps(str(tmp_path / "exp"))] == ["failed"]


def test_missing_program_and_timeout_are_failed_steps(tmp_path, quiet):
    out = run_sweep(str(tmp_path / "a"), ["/nonexistent/prog", "{{X}}"], {"X": "1"}, log=quiet)
    assert out["steps"][0]["status"] == "failed" and "cannot start" in out["steps"][0]["error"]
    out = run_sweep(str(tmp_path / "b"), ["sleep {{X}}"], {"X": "5"}, timeout=0.5, log=quiet)
    assert out["steps"][0]["error"] == "timed out after 0.5 s"


def test_malformed_result_file_fails_the_step(tmp_path, quiet):
    cmd = [sys.executable, "-c", "open('cm-result.json','w').write('{{X}}')"]
    out = run_sweep(str(tmp_path / "exp"), cmd, {"X": "['{not json', '[1, 2]']"}, log=quiet)
    bad_json, bad_shape = out["steps"]
    assert bad_json["status"] == "failed" and "cm-result.json: not valid JSON" in bad_json["error"]
    assert "expected a JSON object" in bad_shape["error"]


def test_cm_result_json_and_facts(tmp_path, loadgen_template, quiet):
    facts = [sys.executable, "-c", "import json; json.dump({'model': 'tiny-{{M}}', 'backend': 'none'},"
             " open('cm-result.json', 'w'))"]
    cmd = ["{} && {}".format(" ".join(facts[:2]) + ' "' + facts[2] + '"',
                             " ".join(loadgen_template))]
    out = run_sweep(str(tmp_path / "exp"), cmd, {"M": "a,b", "BATCH": "[4]"}, log=quiet)
    (r,) = out["steps"][0]["results"]
    assert r["model"] == "tiny-a" and r["backend"] == "none"


def test_invalid_explorations_run_nothing(tmp_path, loadgen_template, quiet):
    for explore, message in (({"BATCH": "[]"}, "has no values"), ({"BATCH": "range("}, "not a valid"),
                             ({"B": "[1]"}, r"\{\{BATCH\}\} in the command has no value"), ({}, "nothing")):
        with pytest.raises(ExperimentError, match=message):
            run_sweep(str(tmp_path / "exp"), loadgen_template, explore, log=quiet)
    assert not (tmp_path / "exp").exists()
    with pytest.raises(ExperimentError, match="no command"):
        run_sweep(str(tmp_path / "exp"), [], {"X": "1"}, log=quiet)


def test_replay_one_step(tmp_path, loadgen_template, quiet):
    out = run_sweep(str(tmp_path / "exp"), loadgen_template, {"BATCH": "[8]"}, log=quiet)
    step = out["steps"][0]["path"]
    again = replay(step, log=quiet)
    assert again["path"] == step + ".replay-1" and again["replay_of"] == step
    assert again["variables"] == {"BATCH": 8} and again["status"] == "ok"
    (cmp,) = again["compared"]
    assert cmp["original"] == out["steps"][0]["results"][0]["value"]
    assert cmp["replay"] == read_run(os.path.join(again["path"], "logs"))["value"]
    with pytest.raises(ExperimentError, match="not an experiment step"):
        replay(str(tmp_path))


def test_steps_as_results_feed_the_sweep_chart(tmp_path, loadgen_template, quiet):
    run_sweep(str(tmp_path / "exp"), loadgen_template, {"BATCH": "[1,4,16]"}, log=quiet)
    results = steps_as_results(str(tmp_path / "exp"), model="tiny")
    assert [r.get("BATCH") for r in results] == [1, 4, 16]
    section = sweep(results, "BATCH", "model", str(tmp_path / "chart"), "tiny sweep")
    (png,) = section.charts
    assert os.path.getsize(png) > 10000
    assert section.tables[0].rows[0][1:4] == [f"{r.value:.6g}" for r in results]
    with pytest.raises(DataError, match="experiment path not found"):
        steps_as_results(str(tmp_path / "missing"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(NoDataError, match="no successful experiment step"):
        steps_as_results(str(tmp_path / "empty"))


def test_results_layout_gives_model_and_backend(tmp_path, quiet):
    """A wrapped command that leaves an MLPerf results directory (what `cm run script
    --tags=run-mlperf,inference --results_dir={{CM_EXPERIMENT_PATH}}/results` will do)."""
    run_dir = "results/box-reference-cpu-onnxruntime/digits-mlp/offline/performance/run_1"
    compliance = "results/box-reference-cpu-onnxruntime/digits-mlp/offline/TEST04/performance/run_1"
    script = (f"import json, os, subprocess, sys; os.makedirs('{run_dir}'); "
              "json.dump({'framework': 'onnxruntime', 'device': 'cpu'}, "
              "open('results/box-reference-cpu-onnxruntime/cm-sut-info.json', 'w')); "
              f"subprocess.run([sys.executable, {TINY!r}, '--out', '{run_dir}', '--batch', '{{{{BATCH}}}}'], check=True); "
              f"subprocess.run([sys.executable, {TINY!r}, '--out', '{compliance}'], check=True)")
    out = run_sweep(str(tmp_path / "exp"), [sys.executable, "-c", script], {"BATCH": "[2, 32]"}, log=quiet)
    assert [s["status"] for s in out["steps"]] == ["ok", "ok"]
    assert sorted(r["kind"] for r in out["steps"][0]["results"]) == ["compliance", "performance"]
    results = steps_as_results(str(tmp_path / "exp"))   # the compliance run is not a sweep point
    assert {(r.model, r.get("backend"), r.get("sut")) for r in results} == \
        {("digits-mlp", "onnxruntime", "box-reference-cpu-onnxruntime")}
    assert [r.get("BATCH") for r in results] == [2, 32]

"""Issue 10 (the user's results and submissions): --force never throws away a hand-edited file,
a scenario is one run (the generator refuses mixed run ids), killed runs leave no staging or
aside copies behind, result files honour the umask."""
import json
import os
import shutil
import stat
import subprocess
import sys

import pytest

from cmperf.mlperf import fsutil, layout, results_writer
from cmperf.submission import placement
from cmperf.submission.generator import GenerationError
from test_generate import SUT, args_for, run_generate  # noqa: F401  (the generator's test helpers)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODEL = "digits-mlp"


def _hidden(root):
    return sorted(n for n in os.listdir(root) if n.startswith((".staging", ".old-", ".tmp-")) or ".old-" in n
                  or ".build-" in n)


def test_force_refuses_to_replace_a_hand_edited_file_through_the_cli(results_builder, tmp_path):
    results = results_builder.build()
    target = tmp_path / "submission"
    argv = ["--results-dir", results, "--submission-dir", str(target), "--division", "open", "--category", "edge",
            "--submitter", "TestOrg", "--version", "v3.1", "--system-json", results_builder.user_system_json()]
    cli = [sys.executable, "-m", "cmperf.submission.generate", *argv]
    env = dict(os.environ, PYTHONPATH=ROOT)
    assert subprocess.run(cli, capture_output=True, text=True, env=env).returncode == 0
    edited = target / "open" / "TestOrg" / "systems" / f"{SUT}.json"
    desc = json.loads(edited.read_text())
    desc["host_networking"] = "my hand-written value"
    edited.write_text(json.dumps(desc))
    p = subprocess.run(cli + ["--force"], capture_output=True, text=True, env=env)
    assert p.returncode != 0
    assert f"open/TestOrg/systems/{SUT}.json" in p.stderr and "changed since" in p.stderr
    assert json.loads(edited.read_text())["host_networking"] == "my hand-written value"
    edited.write_text(json.dumps(dict(desc, host_networking=json.loads(
        open(results_builder.user_system_json()).read())["host_networking"]), indent=2))
    # an unedited tree (same bytes as generated) is still replaced by --force
    subprocess.run(cli, capture_output=True, text=True, env=env)   # refused: not --force
    edited.unlink()        # a file the user deleted is not a reason to refuse
    assert subprocess.run(cli + ["--force"], capture_output=True, text=True, env=env).returncode == 0
    assert edited.exists()


def test_force_refuses_a_tree_whose_marker_has_no_hashes(results_builder, tmp_path):
    results = results_builder.build()
    sysjson = results_builder.user_system_json()
    target = str(tmp_path / "s")
    run_generate(args_for(results, target, system_json=sysjson))
    marker = placement.marker_path(target)
    record = json.load(open(marker))
    del record["sha256"]            # what earlier versions wrote
    json.dump(record, open(marker, "w"))
    with pytest.raises(placement.PlacementError, match="no file hashes"):
        run_generate(args_for(results, target, "--force", system_json=sysjson))


def test_a_killed_generator_swap_is_restored_and_its_build_dir_removed(results_builder, tmp_path):
    results = results_builder.build()
    sysjson = results_builder.user_system_json()
    target = tmp_path / "s"
    run_generate(args_for(results, str(target), system_json=sysjson))
    dead = 4194304 + 7      # above Linux's pid_max: never a live process
    os.rename(target, tmp_path / f".s.old-{dead}-abcdefgh")        # killed between the two renames
    (tmp_path / f".s.build-{dead}-abcdefgh").mkdir()
    run_generate(args_for(results, str(target), "--force", system_json=sysjson))
    assert target.is_dir() and _hidden(tmp_path) == []


def _scenario(results, scenario="Offline"):
    return layout.scenario_dir(results, SUT, MODEL, scenario)


def _commit(results, mode, text, scenario="Offline"):
    staging = results_writer.new_staging_dir(results, f"{MODEL}-{scenario}-{mode}")
    logs = os.path.join(staging, "logs")
    final = layout.mode_dir(results, SUT, MODEL, scenario, mode)
    if os.path.isdir(final):    # the same (synthetic, valid) LoadGen logs, as a new run would write them
        shutil.copytree(final, logs)
    else:
        os.makedirs(logs)
    with open(os.path.join(logs, "marker.txt"), "w") as f:
        f.write(text)
    try:
        return results_writer.commit_mode_dir(logs, results, SUT, MODEL, scenario, mode)
    finally:
        results_writer.discard_staging(staging, results)


def _readme(results, scenario="Offline"):
    results_writer.write_measurements(results, SUT, MODEL, scenario, {"input_data_types": "fp32"})
    results_writer.write_readme(results, SUT, MODEL, scenario, "cm run script ...", {}, {"python": "3"})


def test_a_scenario_from_two_runs_is_refused_naming_it(results_builder, tmp_path, monkeypatch):
    results = results_builder.build()          # a consistent scenario without run ids: accepted
    sysjson = results_builder.user_system_json()
    monkeypatch.setattr(results_writer, "_run_id", None)
    results_writer.set_run_id("run-A")
    _commit(results, "performance", "A")
    _commit(results, "accuracy", "A")
    _readme(results)
    ids = results_writer.scenario_run_ids(_scenario(results))
    assert set(ids.values()) == {"run-A"} and len(ids) == 3
    assert "Run id: run-A" in open(os.path.join(_scenario(results), "README.md")).read()
    results_writer.set_run_id("run-B")         # a re-run interrupted after its performance phase
    _commit(results, "performance", "B")
    with pytest.raises(GenerationError) as e:
        run_generate(args_for(results, str(tmp_path / "s"), "--test-run", system_json=sysjson))
    msg = str(e.value)
    assert f"{SUT}/{MODEL}/Offline" in msg and "performance: run-B" in msg and "accuracy: run-A" in msg
    assert not (tmp_path / "s").exists()


def test_a_kill_between_the_renames_of_a_commit_is_repaired_by_the_next_run(tmp_path):
    results = str(tmp_path / "results")
    _commit(results, "performance", "old")
    final = layout.mode_dir(results, SUT, MODEL, "Offline", "performance")
    child = f"""
import os, signal, sys
sys.path.insert(0, {ROOT!r})
from cmperf.mlperf import results_writer
real = os.rename
def rename(a, b):
    real(a, b)
    if ".old-" in os.path.basename(b):
        os.kill(os.getpid(), signal.SIGKILL)
os.rename = rename
staging = results_writer.new_staging_dir({results!r}, "x")
logs = os.path.join(staging, "logs"); os.makedirs(logs)
open(os.path.join(logs, "marker.txt"), "w").write("new")
results_writer.commit_mode_dir(logs, {results!r}, {SUT!r}, {MODEL!r}, "Offline", "performance")
"""
    p = subprocess.run([sys.executable, "-c", child])
    assert p.returncode == -9
    assert not os.path.exists(final)            # the state a kill -9 leaves ...
    assert os.listdir(os.path.join(results, ".staging"))
    done = results_writer.clean_leftovers(results)       # ... what the next run does first
    assert open(os.path.join(final, "marker.txt")).read() == "old"
    assert not os.path.exists(os.path.join(results, ".staging"))
    leftovers = [os.path.join(d, n) for d, ns, fs in os.walk(results) for n in ns + fs if ".old-" in n]
    assert leftovers == [] and len(done) == 2


def test_scenario_unit_commits_all_parts_at_once_or_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(results_writer, "_run_id", None)
    results = str(tmp_path / "results")
    scen = _scenario(results)
    with results_writer.ScenarioUnit(results, SUT, MODEL, "Offline", run_id="run-1") as u:
        open(os.path.join(u.mode_dir("performance"), "marker.txt"), "w").write("1")
        open(os.path.join(u.mode_dir("accuracy"), "marker.txt"), "w").write("1")
        u.write_measurements({"a": 1})
        u.write_readme("cmd", {}, {})
    os.makedirs(os.path.join(scen, "TEST01"))
    assert set(results_writer.scenario_run_ids(scen).values()) == {"run-1"}
    with pytest.raises(KeyboardInterrupt):
        with results_writer.ScenarioUnit(results, SUT, MODEL, "Offline", run_id="run-2") as u:
            open(os.path.join(u.mode_dir("performance"), "marker.txt"), "w").write("2")
            raise KeyboardInterrupt      # interrupted during the accuracy phase
    assert set(results_writer.scenario_run_ids(scen).values()) == {"run-1"}
    assert not os.path.exists(os.path.join(results, ".staging"))
    with results_writer.ScenarioUnit(results, SUT, MODEL, "Offline", run_id="run-3") as u:
        open(os.path.join(u.mode_dir("performance"), "marker.txt"), "w").write("3")
        open(os.path.join(u.mode_dir("accuracy"), "marker.txt"), "w").write("3")
        u.write_measurements({"a": 3})
        u.write_readme("cmd", {}, {})
    assert set(results_writer.scenario_run_ids(scen).values()) == {"run-3"}
    assert os.path.isdir(os.path.join(scen, "TEST01"))     # a part this run did not make is kept
    assert [n for n in os.listdir(os.path.dirname(scen)) if n.startswith(".")] == []


@pytest.mark.parametrize("umask,mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_result_files_honour_the_umask(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        results = str(tmp_path / "results")
        final = _commit(results, "performance", "x")
        _readme(results)
        fsutil.write_text_atomic(os.path.join(final, "accuracy.txt"), "acc")
        fsutil.write_json_atomic(os.path.join(final, "run.json"), {})
    finally:
        os.umask(old)
    scen = _scenario(results)
    for path in (os.path.join(scen, "README.md"), os.path.join(scen, "measurements.json"),
                 os.path.join(final, "accuracy.txt"), os.path.join(final, "run.json"),
                 os.path.join(final, results_writer.RUN_ID_FILE)):
        assert stat.S_IMODE(os.stat(path).st_mode) == mode, path
    assert stat.S_IMODE(os.stat(final).st_mode) == 0o777 & ~umask

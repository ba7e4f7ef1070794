"""Detection and helper scripts through `cm`: get-gcc/get-llvm/get-cmake, dump-pip-freeze,
get-platform-details, benchmark-program(-mlperf)."""
import os
import shutil
import stat

import pytest

from .harness import Planner


@pytest.mark.skipif(not (shutil.which("gcc") and shutil.which("cmake")), reason="needs gcc and cmake")
def test_gcc_and_cmake_are_detected_with_version_constraints(cm):
    rc, data, out = cm("get gcc", "-j")
    assert rc == 0, out
    env = data["new_env"]
    assert os.path.samefile(env["CM_GCC_BIN_WITH_PATH"], shutil.which("gcc")) and env["CM_COMPILER_FAMILY"] == "GCC"
    assert data["version"] == env["CM_GCC_VERSION"] and env["CM_GCC_VERSION"][0].isdigit()
    rc, data, out = cm("--tags=get,cmake", "-j")
    assert rc == 0 and data["new_env"]["CM_CMAKE_VERSION"] == data["version"], out
    rc, _, out = cm("get gcc", "--version_min=999")
    assert rc != 0 and ">=999" in out and env["CM_GCC_VERSION"] in out


def test_llvm_found_in_path_or_a_clear_install_hint(cm, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    rc, _, out = cm("get llvm", f"--path={empty}")
    assert rc != 0 and "LLVM clang not found" in out and "apt install clang" in out
    fake = tmp_path / "llvm" / "bin"       # a stand-in that answers like clang 17 does
    fake.mkdir(parents=True)
    (fake / "clang").write_text("#!/bin/sh\necho 'Ubuntu clang version 17.0.6 (++20231209)'\n")
    (fake / "clang").chmod(stat.S_IRWXU)
    rc, data, out = cm("--tags=get,llvm", f"--path={tmp_path / 'llvm'}", "-j")
    assert rc == 0, out
    assert data["new_env"]["CM_LLVM_CLANG_VERSION"] == "17.0.6" and data["new_env"]["CM_COMPILER_FAMILY"] == "LLVM"


def test_pip_freeze_and_platform_details_never_replace_a_users_file(cm):
    rc, data, out = cm("dump pip freeze", "-j")
    assert rc == 0, out
    assert "pytest" in {k.lower() for k in data["new_state"]["pip_freeze"]}
    raw = (cm.work / "pip_freeze.raw").read_text()
    assert raw.startswith("# written by cmperf") and "pytest==" in raw.lower()
    assert cm("dump pip freeze")[0] == 0                      # its own file is refreshed
    (cm.work / "system-info.txt").write_text("my notes\n")
    rc, _, out = cm("get platform-details")
    assert rc != 0 and "system-info.txt exists and was not written by cmperf" in out
    assert (cm.work / "system-info.txt").read_text() == "my notes\n"
    rc, data, out = cm("get platform-details", "--out_file_name=details.txt", "-j")
    assert rc == 0, out
    text = (cm.work / "details.txt").read_text()
    assert "## uname -a" in text and "## python platform" in text and "dmidecode" not in text


def test_benchmark_program_runs_times_and_reports_failures(cm):
    rc, data, out = cm("benchmark-program", "--run_cmd=echo hello-bench > made.txt", "--pre_run_cmds=echo pre",
                       "-j")
    assert rc == 0, out
    assert (cm.work / "made.txt").read_text() == "hello-bench\n"
    assert float(data["new_env"]["CM_BENCHMARK_PROGRAM_SECONDS"]) >= 0
    assert "pre" in (cm.work / "benchmark-program.log").read_text()
    rc, _, out = cm("benchmark-program", "--run_cmd=exit 3")
    assert rc != 0 and "exit status 3" in out and "benchmark-program.log" in out


def test_benchmark_program_mlperf_refuses_power_at_plan_time(tmp_path, monkeypatch):
    monkeypatch.setenv("CM_REPOS", str(tmp_path / "CM"))     # the planner's home; restored afterwards
    planner = Planner(tmp_path / "CM")
    assert planner.plan_input({"tags": "benchmark-mlperf", "run_cmd": "true"}).planned
    refused = planner.plan_input({"tags": "benchmark-mlperf,_power", "run_cmd": "true"})
    assert not refused.planned and "power analyzer" in refused.error

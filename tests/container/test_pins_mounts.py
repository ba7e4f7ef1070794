"""pip pins from the plan and the host, and the host paths a run mounts."""
import os

import pytest

from cmperf.container import mounts, pins
from cmperf.container.engine import Engine
from cmperf.container.errors import ContainerError

HOST = {"a": ("1.0", ["b>=2", "c; extra == 'x'", "d; sys_platform == 'nonexistent'"]), "b": ("2.5", ["e"]),
        "e": ("0.1", [])}


def test_closure_is_pinned_markers_honoured_and_absent_packages_keep_their_spec():
    s = pins.resolve([{"kind": "pip", "package": "Z_pkg", "spec": ">=3"}], ["a>=0.5"], HOST.get)
    assert s.pins == {"a": "1.0", "b": "2.5", "e": "0.1"}
    assert s.unpinned == {"z-pkg": ">=3"}
    assert s.requirement_lines() == ["a==1.0", "z-pkg>=3"]


def test_plan_version_wins_and_a_host_version_outside_the_spec_is_not_used():
    s = pins.resolve([{"kind": "pip", "package": "a", "spec": "", "version": "0.9"},
                      {"kind": "pip", "package": "b", "spec": "<2"}], [], HOST.get)
    assert s.pins["a"] == "0.9" and "b" not in s.pins and s.unpinned["b"] == "<2"


def test_bad_requirement_names_its_origin():
    with pytest.raises(ContainerError, match="the plan's pip action"):
        pins.resolve([{"kind": "pip", "package": "x", "spec": "=>1"}], [], HOST.get)


def test_results_default_to_the_native_place_and_are_mounted_at_the_same_path(tmp_path):
    ms, i, created = mounts.plan({"tags": "run-mlperf,inference"}, {"results_dir": "X"}, [], cwd=str(tmp_path))
    assert i["results_dir"] == str(tmp_path / "results") and created == [str(tmp_path / "results")]
    assert [m.arg() for m in ms] == [f"{tmp_path}/results:{tmp_path}/results"]


def test_inputs_are_read_only_and_must_exist(tmp_path):
    (tmp_path / "m.onnx").write_bytes(b"x")
    ms, i, _ = mounts.plan({"model_path": "m.onnx", "submission_dir": "sub"}, {}, [], cwd=str(tmp_path))
    assert f"{tmp_path}/m.onnx:{tmp_path}/m.onnx:ro" in [m.arg() for m in ms]
    assert os.path.isdir(tmp_path / "sub") and i["submission_dir"] == str(tmp_path / "sub")
    with pytest.raises(ContainerError, match="does not exist"):
        mounts.plan({"dataset_path": "nope"}, {}, [], cwd=str(tmp_path))


def test_the_run_is_the_invoking_user_where_the_engine_allows():
    podman, docker = Engine("podman", "/x"), Engine("docker", "/y")
    assert mounts.user_args(podman, euid=0, egid=0) == []
    assert "--userns=keep-id" in mounts.user_args(podman, euid=1000, egid=1000)
    assert mounts.user_args(docker, euid=1000, egid=100)[:2] == ["--user", "1000:100"]


def _opts(**kw):
    from cmperf.container import options
    return options.from_input({f"docker_{k}": v for k, v in kw.items()})


def test_run_line_secrets_by_name_only_and_interactive_or_detached():
    from cmperf.container.runline import run_line
    m = [mounts.Mount("/h/results", "/h/results")]
    eng = Engine("podman", "/usr/bin/podman")
    run, env = run_line(eng, _opts(), m, "img:1", ["run", "script"], {"gh_token": "ghp_X"}, "/h/results/sub",
                        euid=0, egid=0)
    assert run[:3] == ["run", "--network=host", "--rm"] and run[-3:] == ["img:1", "run", "script"]
    assert "ghp_X" not in " ".join(run) and env == {"CMPERF_SECRET_GH_TOKEN": "ghp_X"}
    assert ["-e", "CMPERF_SECRET_INPUTS=gh_token"] == run[run.index("CMPERF_SECRET_INPUTS=gh_token") - 1:][:2]
    assert run[run.index("-w") + 1] == "/h/results/sub"
    it, _ = run_line(eng, _opts(it=True), m, "img:1", ["run"], {}, "/elsewhere", euid=0, egid=0)
    assert "-it" in it and it[-3:] == ["--entrypoint", "bash", "img:1"] and "-w" not in it
    dt, _ = run_line(Engine("docker", "/d"), _opts(dt=True, all_gpus=True), [], "img:1", [], {}, "/", 1000, 1000)
    assert "-d" in dt and "--rm" not in dt and ["--gpus", "all"] == dt[dt.index("--gpus"):][:2]
    assert ["--user", "1000:1000"] == dt[dt.index("--user"):][:2]


def test_version_check_names_every_difference():
    from cmperf.container import verify
    s = pins.resolve([{"kind": "pip", "package": "z", "spec": ">=1"}], ["a>=0.5"], HOST.get)
    inv = {"python": "3.11.2", "distributions": {"a": "1.0", "b": "2.4", "z": "1.2"}}
    assert verify.compare(s, inv) == ["b: plan 2.5, image 2.4", "e: plan 0.1, image missing"]
    inv["distributions"].update(b="2.5", e="0.1")
    assert verify.compare(s, inv) == []
    del inv["distributions"]["z"]
    assert verify.compare(s, inv) == ["z: required by the plan, missing from the image"]

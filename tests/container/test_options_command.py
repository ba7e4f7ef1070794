"""--docker_* flags, the inner request's argument list, and secrets kept out of it."""
import cmind.cli
import pytest

from cmperf.container import command, entry, options
from cmperf.container.errors import ContainerError


def test_unknown_docker_flag_names_the_closest_known_one():
    with pytest.raises(ContainerError) as e:
        options.from_input({"docker_base_imag": "x"})
    assert "--docker_base_imag" in str(e.value) and "did you mean --docker_base_image?" in str(e.value)


def test_os_and_version_choose_the_local_base_image_and_dict_form_is_accepted():
    assert options.from_input({}).base == "localhost/debian-min:bookworm"
    assert options.from_input({"docker": {"os": "ubuntu", "os_version": "22.04"}}).base == "localhost/ubuntu-min:jammy"
    assert options.from_input({"docker_os": "ubuntu", "docker_base_image": "my/img:1"}).base == "my/img:1"
    with pytest.raises(ContainerError, match="--docker_base_image"):
        options.from_input({"docker_os": "rhel", "docker_os_version": "9"}).base


def test_docker_cache_no_disables_the_layer_cache_and_a_folder_is_the_model_cache(tmp_path):
    assert options.from_input({"docker_cache": "no"}).build_cache is False
    o = options.from_input({"docker_cache": str(tmp_path / "c")})
    assert o.build_cache is True and o.cache_dir == str(tmp_path / "c")
    assert options.from_input({"docker_cache": True}).cache_dir == ""


def test_it_and_dt_exclude_each_other_and_push_is_refused():
    with pytest.raises(ContainerError, match="exclude"):
        options.from_input({"docker_it": True, "docker_dt": True})
    with pytest.raises(ContainerError, match="never pushes"):
        options.from_input({"docker_push_image": "yes"})


def test_run_args_round_trip_through_cmind_parser_without_docker_flags():
    i = {"action": "docker", "automation": "script", "tags": "run-mlperf,inference,_find-performance",
         "scenario": "Offline", "env": {"K": "v=1"}, "adr": {"python": {"version_min": "3.9"}},
         "rerun": True, "clean": False, "docker_it": True, "docker": True, "out": "con"}
    args, secrets = command.run_args(i)
    assert secrets == {}
    assert not any("docker" in a for a in args)
    parsed = cmind.cli.parse(args)["cm_input"]
    assert parsed["tags"] == "run-mlperf,inference,_find-performance"
    assert parsed["env"] == {"K": "v=1"} and parsed["adr"] == {"python": {"version_min": "3.9"}}
    assert parsed["rerun"] is True and parsed["clean"] is False and parsed["quiet"] is True


def test_secrets_never_reach_the_arguments_and_come_back_inside():
    i = {"tags": "get,git,repo", "gh_token": "ghp_SECRET1", "env": {"HF_TOKEN": "hf_SECRET2", "X": "1"}}
    args, secrets = command.run_args(i)
    assert "SECRET" not in " ".join(args)
    assert secrets == {"gh_token": "ghp_SECRET1", "env.HF_TOKEN": "hf_SECRET2"}
    environ = {command.SECRETS_VAR: ",".join(secrets)}
    environ.update({command.secret_env_name(k): v for k, v in secrets.items()})
    restored = entry.with_secrets(cmind.cli.parse(args)["cm_input"], environ)
    assert restored["gh_token"] == "ghp_SECRET1" and restored["env"] == {"HF_TOKEN": "hf_SECRET2", "X": "1"}

"""The three ways a container step fails before any result exists: no engine, no base image, a failed build.

Each error must name what failed and what to do. The fake-engine tests run everywhere; the last
uses the real podman/docker of this machine and skips without one.
"""
import os
import stat
import subprocess
import sys

import pytest

from cmperf.container import engine
from cmperf.container.errors import BaseImageMissing, BuildFailed, NoEngine


def _real_engine():
    try:
        return engine.detect()
    except NoEngine as e:
        pytest.skip(f"no usable container engine on this machine: {e}")


def test_no_engine_lists_each_candidate_and_how_to_get_one():
    with pytest.raises(NoEngine) as e:
        engine.detect(which=lambda tool: None)
    text = str(e.value)
    assert "docker: not found on PATH" in text and "podman: not found on PATH" in text
    assert ".ci/setup-containers.sh" in text and "--docker_container_tool" in text


def test_an_engine_that_does_not_answer_is_not_usable():
    def run(cmd, **kw):
        return subprocess.CompletedProcess(cmd, 1, "", "Cannot connect to the Docker daemon at unix:///x.sock\n")
    with pytest.raises(NoEngine, match="docker: `docker info` failed: Cannot connect to the Docker daemon"):
        engine.detect("docker", which=lambda tool: "/usr/bin/" + tool, run=run)


def test_cm_docker_script_without_engine_is_a_cm_error(tmp_path, registered_home):
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, PATH=str(tmp_path), CM_REPOS=str(registered_home), PYTHONPATH=root)
    r = subprocess.run([sys.executable, "-m", "cmind", "docker", "script", "--tags=run-mlperf,inference", "--quiet"],
                       env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and "no usable container engine" in r.stderr
    dry = subprocess.run([sys.executable, "-m", "cmind", "docker", "script", "--tags=run-mlperf,inference", "--plan"],
                         env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert dry.returncode == 0 and "FROM localhost/debian-min:bookworm" in dry.stdout     # no engine needed
    assert f"would mount {tmp_path}/results:{tmp_path}/results (to be created)" in dry.stdout
    flag = subprocess.run([sys.executable, "-m", "cmind", "run", "script", "--tags=detect,cpu", "--docker"],
                          env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert flag.returncode == 1 and "no usable container engine" in flag.stderr     # --docker: the same path
    assert not os.listdir(tmp_path)                    # validated before anything was written


class _NoImages(engine.Engine):
    def image_exists(self, image):
        return False


def test_missing_base_image_names_it_and_how_to_make_one():
    with pytest.raises(BaseImageMissing) as e:
        engine.check_base_image(_NoImages("podman", "/usr/bin/podman"), "localhost/debian-min:trixie")
    text = str(e.value)
    assert "localhost/debian-min:trixie" in text and "nothing is pulled unless asked" in text
    assert ".ci/setup-containers.sh" in text and "--docker_base_image" in text and "--docker_pull" in text
    engine.check_base_image(_NoImages("podman", "/x"), "localhost/x:1", pull=True)   # asked: allowed


def _fake_engine(tmp_path, body):
    path = tmp_path / "fake-podman"
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return engine.Engine("podman", str(path))


def test_build_failure_shows_command_log_and_tail(tmp_path):
    fake = _fake_engine(tmp_path, 'echo "STEP 1/2: FROM localhost/base"\necho "STEP 2/2: RUN pip install x==9"\n'
                                  'echo "ERROR: No matching distribution found for x==9"\nexit 125\n')
    (tmp_path / "ctx").mkdir()
    with pytest.raises(BuildFailed) as e:
        engine.build(fake, str(tmp_path / "ctx"), "localhost/t:1")
    text = str(e.value)
    assert "exit code 125" in text and "No matching distribution found for x==9" in text
    assert "command: podman build --network=host --force-rm" in text and str(tmp_path / "ctx" / "build.log") in text
    assert "No matching distribution" in (tmp_path / "ctx" / "build.log").read_text()


def test_real_engine_missing_base_image_and_build_failure(tmp_path):
    eng = _real_engine()
    with pytest.raises(BaseImageMissing, match="localhost/cmperf-no-such-base:0"):
        engine.check_base_image(eng, "localhost/cmperf-no-such-base:0")
    base = "localhost/debian-min:bookworm"
    if not eng.image_exists(base):
        pytest.skip(f"{base} is not made yet (.ci/setup-containers.sh)")
    (tmp_path / "Containerfile").write_text(f"FROM {base}\nRUN echo cmperf-marker-before-failure && false\n")
    with pytest.raises(BuildFailed) as e:
        engine.build(eng, str(tmp_path), "localhost/cmperf-test-build-failure:0")
    assert "cmperf-marker-before-failure" in str(e.value) and os.path.isfile(tmp_path / "build.log")


def test_build_dockerfile_is_reproducible_and_checks_the_wrapped_request(tmp_path, registered_home):
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, CM_REPOS=str(registered_home), PYTHONPATH=root)

    def cm(*args):
        return subprocess.run([sys.executable, "-m", "cmind", "run", "script", "--tags=build,dockerfile",
                               "--script_tags=run-mlperf,inference", "--quiet", *args], env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=300)
    r = cm("--model=digits-mlp", "--docker_os=debian", f"--out_dir={tmp_path / 'a'}")
    assert r.returncode == 0, r.stderr
    again = cm("--docker_os=debian", "--model=digits-mlp", f"--out_dir={tmp_path / 'b'}")
    text = (tmp_path / "a" / "Containerfile").read_text()
    assert again.returncode == 0 and (tmp_path / "b" / "Containerfile").read_text() == text
    assert '"--model=digits-mlp"' in text and "docker_os" not in text and "out_dir" not in text
    typo = cm("--modle=digits-mlp", f"--out_dir={tmp_path / 'c'}")
    assert typo.returncode != 0 and "unknown flag --modle" in typo.stderr and not (tmp_path / "c").exists()

"""The platform scripts through the real `cm` command, in an isolated CM home."""
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPTS = ["detect-os", "detect-cpu", "detect-gpu", "get-cuda-devices", "get-sys-utils-cm",
           "get-generic-sys-util", "get-python3", "install-python-venv", "get-generic-python-lib",
           "download-file", "extract-file", "download-and-extract", "get-git-repo"]


@pytest.fixture
def cm(indexed_cm_repos, tmp_path, monkeypatch):
    """run(*args) -> (rc, parsed -j output or None, combined text); the checkout is the only repo."""
    monkeypatch.setenv("PYTHONPATH", ROOT)
    monkeypatch.setenv("CM_PYTHON_VENV_ROOT", str(tmp_path / "venvs"))
    work = tmp_path / "work"
    work.mkdir()
    cm_bin = os.path.join(os.path.dirname(sys.executable), "cm")

    def run(*args):
        proc = subprocess.run([cm_bin, "run", "script", *args], capture_output=True, text=True,
                              timeout=300, cwd=work, stdin=subprocess.DEVNULL)
        out = proc.stdout
        data = None
        if "-j" in args and "{" in out:
            try:
                data = json.loads(out[out.index("\n{") + 1:] if not out.startswith("{") else out)
            except ValueError:
                data = None
        return proc.returncode, data, out + proc.stderr
    run.work = work
    return run


def test_every_script_has_help_with_variations_and_inputs(cm, cm_help):
    rc, _, text = cm(SCRIPTS[0], "--help", "--quiet")          # what a user types ...
    assert rc == 0 and text.startswith(f"{SCRIPTS[0]}: cm run script --tags="), text
    assert text.strip() == cm_help(SCRIPTS[0], "--quiet").strip()
    for alias in SCRIPTS[1:]:                                  # ... and the same call in process
        text = cm_help(alias, "--quiet")
        assert text.startswith(f"{alias}: cm run script --tags="), text
    text = cm_help("get-git-repo", "--quiet")
    assert "_repo.#" in text and "--branch" in text and "git-history: _short-history (default)" in text
    text = cm_help("download-file", "--quiet")
    assert "--md5sum" in text and "--mirror" in text and "_url.#" in text


def test_detect_os_and_cpu_export_upstream_keys(cm):
    from cmperf.platform import cpu_info, os_info
    rc, data, text = cm("--tags=detect,os", "-j", "--quiet")
    assert rc == 0, text
    assert data["new_env"]["CM_HOST_OS_TYPE"] == os_info.detect().type
    rc, data, text = cm("--tags=detect,cpu", "-j", "--quiet")
    assert rc == 0, text
    assert data["new_env"]["CM_HOST_CPU_TOTAL_CORES"] == str(cpu_info.detect().logical_cores)


def test_second_detect_cpu_does_not_rerun_lscpu(cm, fake_bin, tmp_path):
    counter = tmp_path / "lscpu-runs"
    real = subprocess.run(["lscpu"], capture_output=True, text=True).stdout if os.path.exists("/usr/bin/lscpu") else ""
    if not real:
        pytest.skip("needs lscpu")
    fake_bin("lscpu", f'echo run >> "{counter}"\n/usr/bin/lscpu "$@"\n')
    for args in (["--tags=detect,cpu"], ["--tags=detect,cpu"], ["--tags=detect,cpu", "--skip_cache"]):
        rc, _, text = cm(*args, "--quiet")
        assert rc == 0, text
    assert counter.read_text().count("run") == 1


def test_no_accelerator_is_an_answer_not_an_error(cm, fake_bin):
    fake_bin("nvidia-smi", "exit 9\n")
    fake_bin("rocm-smi", "exit 9\n")
    rc, data, text = cm("--tags=detect,gpu", "-j", "--quiet")
    assert rc == 0 and data["new_env"]["CM_HOST_ACCELERATOR_VENDOR"] == "none", text
    rc, data, text = cm("--tags=get,cuda-devices", "-j", "--quiet")
    assert rc == 0 and data["new_env"]["CM_CUDA_NUM_DEVICES"] == "0", text
    rc, _, text = cm("--tags=get,cuda-devices", "--require_cuda", "--quiet")
    assert rc != 0 and "no NVIDIA CUDA device" in text


def test_nvidia_devices_through_cm(cm, fake_bin):
    fake_bin("nvidia-smi", 'echo "0, NVIDIA H200, 143771, 560.35.03, GPU-1, 9.0, 00000000:19:00.0"\n')
    rc, data, text = cm("--tags=get,cuda-devices", "-j", "--quiet")
    assert rc == 0, text
    assert data["new_env"]["CM_CUDA_DEVICE_PROP_GPU_NAME"] == "NVIDIA H200"
    assert data["new_env"]["CM_CUDA_NUM_DEVICES"] == "1"


@pytest.fixture
def fake_apt(fake_bin, tmp_path):
    db = tmp_path / "installed"
    db.write_text("git\n")
    fake_bin("dpkg-query", f'grep -qx "$3" "{db}" && printf "install ok installed" && exit 0; exit 1\n')
    fake_bin("apt-get", f'[ "$1" = install ] && shift 2 && for p in "$@"; do echo "$p" >> "{db}"; done; exit 0\n')
    fake_bin("sudo", '[ "$1" = -n ] && shift; env "$@"\n')  # passwordless when not root
    return db


@pytest.mark.skipif(not os.path.exists("/etc/debian_version"), reason="fake apt world needs a Debian-like host")
def test_sys_utils_install_missing_and_skip(cm, fake_apt):
    rc, data, text = cm("--tags=get,sys-utils-cm", "--packages=git,numactl", "-j", "--quiet")
    assert rc == 0, text
    assert data["new_env"]["CM_SYS_UTILS_INSTALLED"] == "numactl" and "numactl" in fake_apt.read_text()
    rc, data, text = cm("--tags=get,generic-sys-util,_xz", "-j", "--quiet")
    assert rc == 0 and data["new_env"]["CM_SYS_UTIL_PACKAGE"] == "xz-utils", text
    rc, data, text = cm("--tags=get,sys-utils-cm", "--packages=dmidecode", "--skip_sys_utils", "-j", "--quiet")
    assert rc == 0 and data["new_env"]["CM_SYS_UTILS_SKIPPED"] == "yes" and "dmidecode" not in fake_apt.read_text()


def test_python_version_constraint_error(cm):
    rc, _, text = cm("--tags=get,python3", "--version_min=99.0", "--quiet")
    assert rc != 0 and "no Python >=99.0" in text
    rc, _, text = cm("--tags=get,python3", "--name=old", "--version_max=3.0", "--quiet")
    assert rc != 0 and "<=3.0" in text


def test_named_venv_selected_by_adr_gets_the_package(cm, http_server, monkeypatch):
    from test_python_env import _wheel
    fname, data = _wheel("cmperf-probe", "1.0")
    http_server.files[f"/files/{fname}"] = data
    http_server.files["/simple/cmperf-probe/"] = f'<a href="/files/{fname}">{fname}</a>'.encode()
    http_server.types["/simple/cmperf-probe/"] = "text/html"
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    rc, data, text = cm("install python-venv", "--name=bench", "-j", "--quiet")
    assert rc == 0, text
    venv_python = data["new_env"]["CM_PYTHON_BIN_WITH_PATH"]
    args = ["--tags=get,generic-python-lib,_package.cmperf-probe", "--adr.python.name=bench",
            f"--index_url={http_server.url}/simple", "-j", "--quiet"]
    rc, data, text = cm(*args)
    assert rc == 0 and data["new_env"]["CM_PYTHONLIB_CMPERF_PROBE_VERSION"] == "1.0", text
    assert data["new_env"]["CM_PYTHONLIB_CMPERF_PROBE_PYTHON"] == venv_python
    rc, data, text = cm(*args)
    assert rc == 0 and "already installed" in text
    rc, data, text = cm("--tags=get,python3", "--name=made-on-first-use", "-j", "--quiet")
    assert rc == 0 and "created virtual environment 'made-on-first-use'" in text, text
    made = data["new_env"]["CM_PYTHON_BIN_WITH_PATH"]
    assert made.startswith(os.environ["CM_PYTHON_VENV_ROOT"]) and made != venv_python
    assert subprocess.run([made, "-c", "import cmperf.platform"], cwd="/").returncode == 0
    rc, _, text = cm("--tags=get,generic-python-lib,_package.cmperf-probe", "--adr.python.name=bench",
                     f"--index_url={http_server.url}/simple", "--version_min=3.0", "--quiet")
    assert rc != 0 and "cmperf-probe" in text and ">=3.0" in text


def test_torch_install_is_pinned_and_an_explicit_version_wins(cm):
    """--backend=pytorch plans `pip install torch==<cmperf.pins.TORCH>` (setup.py's [pytorch] pin),
    not an unpinned torch; --version / --version_min / --version_max replace the pin."""
    from cmperf import pins
    from tests.conftest import cm_plan_in_process
    rc, _, text = cm("--tags=run-mlperf,inference", "--model=retinanet", "--backend=pytorch", "--plan", "--quiet")
    assert rc == 0 and f"pip install torch=={pins.TORCH}\n" in text, text
    # --force_install: the plan names the pip requirement even where a torch is installed already
    for flags, spec in (((), f"=={pins.TORCH}"), (("--version=2.5.0",), "==2.5.0"),
                        (("--version_min=2.0",), ">=2.0"), (("--version_max=2.5",), "<=2.5")):
        rc, _, text = cm_plan_in_process("--tags=get,generic-python-lib,_torch", "--force_install", *flags)
        assert rc == 0 and f"pip: torch{spec}\n" in text, (flags, text)
    rc, _, text = cm_plan_in_process("--tags=run-mlperf,inference", "--model=retinanet", "--backend=pytorch",
                                     "--adr.ml-engine-pytorch.version_min=2.0")
    assert rc == 0 and "pip install torch>=2.0\n" in text, text
    rc, _, text = cm_plan_in_process("--tags=get,generic-python-lib,_torchvision", "--force_install")
    assert rc == 0 and "pip: torchvision\n" in text, text       # only torch carries a pin


def test_download_file_checksum_and_offline(cm, http_server, tmp_path):
    data = b"model weights" * 1000
    md5 = hashlib.md5(data).hexdigest()
    http_server.files["/model.onnx"] = data
    rc, out, text = cm(f"--tags=download,file,_url.{http_server.url}/model.onnx", f"--md5sum={md5}", "-j", "--quiet")
    assert rc == 0, text
    path = out["new_env"]["CM_DOWNLOAD_DOWNLOADED_PATH"]
    assert open(path, "rb").read() == data
    rc, _, text = cm(f"--tags=download,file,_url.{http_server.url}/model.onnx", "--md5sum=" + "0" * 32,
                     "--output_file=bad.onnx", "--quiet")
    assert rc != 0 and "md5 mismatch" in text and not (cm.work / "bad.onnx").exists()
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    rc, _, text = cm("--tags=download,file,_url.https://zenodo.org/record/1/files/other.onnx",
                     f"--md5sum={md5}", f"--mirror={mirror}", "--offline", "--quiet")
    assert rc != 0 and "other.onnx" in text and md5 in text and str(mirror) in text
    (mirror / "other.onnx").write_bytes(data)
    rc, out, text = cm("--tags=download,file,_url.https://zenodo.org/record/1/files/other.onnx",
                       f"--md5sum={md5}", f"--mirror={mirror}", "--offline", "-j", "--quiet")
    assert rc == 0 and out["new_env"]["CM_DOWNLOAD_DOWNLOADED_PATH"].endswith("other.onnx"), text


def _targz(entries):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, content in entries:
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return buf.getvalue()


def test_download_and_extract_and_unsafe_archive(cm, http_server, tmp_path):
    http_server.files["/aux.tar.gz"] = _targz([("aux/val.txt", b"img 1\n")])
    rc, out, text = cm(f"--tags=download-and-extract,_extract,_url.{http_server.url}/aux.tar.gz", "-j", "--quiet")
    assert rc == 0, text
    extracted = out["new_env"]["CM_EXTRACT_EXTRACTED_PATH"]
    assert open(os.path.join(extracted, "aux", "val.txt")).read() == "img 1\n"
    evil = tmp_path / "evil.tar.gz"
    evil.write_bytes(_targz([("ok.txt", b"x"), ("../evil.txt", b"x")]))
    rc, _, text = cm("--tags=extract,file", f"--input={evil}", f"--extract_path={tmp_path / 'out'}", "--quiet")
    assert rc != 0 and "../evil.txt" in text
    assert not (tmp_path / "out").exists() and not (tmp_path / "evil.txt").exists()


def test_get_git_repo_from_a_local_path_is_cached(cm, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t", GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@t")
    for cmd in (["init", "-q", "-b", "main"], ["commit", "-q", "--allow-empty", "-m", "one"],
                ["commit", "-q", "--allow-empty", "-m", "two"]):
        subprocess.run(["git", *cmd], cwd=src, check=True, env=env)
    rc, out, text = cm(f"--tags=get,git,repo,_repo.{src}", "--env_key=inference", "-j", "--quiet")
    assert rc == 0, text
    path = out["new_env"]["CM_GIT_REPO_CHECKOUT_PATH"]
    assert out["new_env"]["CM_GIT_REPO_INFERENCE_CHECKOUT_PATH"] == path
    assert subprocess.run(["git", "rev-list", "--count", "HEAD"], cwd=path, capture_output=True,
                          text=True).stdout.strip() == "1"
    rc, out2, _ = cm(f"--tags=get,git,repo,_repo.{src}", "--env_key=inference", "-j", "--quiet")
    assert rc == 0 and out2["cached"] and out2["new_env"]["CM_GIT_REPO_CHECKOUT_PATH"] == path

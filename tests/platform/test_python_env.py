"""Interpreters, named venvs and pip installs into the selected Python, against a local index."""
import base64
import hashlib
import io
import os
import platform
import sys
import zipfile

import pytest

from cmperf.core import versions
from cmperf.platform import pip_install, python_env, python_packages


def test_version_constraints():
    assert versions.satisfies("3.10.13", vmin="3.9", vmax="3.11")
    assert not versions.satisfies("3.12.1", vmax="3.11.99")
    assert versions.satisfies("1.26.4", exact="1.26") and not versions.satisfies("1.25.0", exact="1.26")
    assert versions.compare("2.1.0rc1", "2.1") == 0 and versions.compare("10.0", "9.9") == 1
    assert versions.pip_specifier(vmin="1.0", vmax="2.0") == ">=1.0,<=2.0"
    assert versions.pip_specifier(exact="1.26") == "==1.26.*"


def test_find_python_with_constraints():
    here = "%d.%d.%d" % sys.version_info[:3]
    info = python_env.find_python(version_min="3.8", path=sys.executable)
    assert info.version == here and info.to_env()["CM_PYTHON_BIN_WITH_PATH"] == sys.executable
    assert info.to_env()["CM_PYTHON_MINOR_VERSION"] == str(sys.version_info[1])
    with pytest.raises(python_env.PythonNotFoundError, match=r">=99.0.*found: .*" + here):
        python_env.find_python(version_min="99.0")


def test_shortcuts_respect_the_platform():
    assert python_packages.resolve("onnxruntime_gpu", "Linux", "x86_64") == "onnxruntime-gpu"
    assert python_packages.conflicts("onnxruntime_gpu") == ("onnxruntime",)
    assert python_packages.resolve("tensorflow-metal", "Darwin", "arm64") == "tensorflow-metal"
    assert python_packages.resolve("deepsparse", "Linux", "aarch64") == "deepsparse-nightly"
    with pytest.raises(python_packages.UnsupportedPackageError, match="tensorflow-metal.*Linux x86_64"):
        python_packages.resolve("tensorflow-metal", "Linux", "x86_64")
    with pytest.raises(python_packages.UnsupportedPackageError, match="onnxruntime-gpu.*Darwin"):
        python_packages.resolve("onnxruntime_gpu", "Darwin", "arm64")
    with pytest.raises(python_packages.UnsupportedPackageError, match="_package.NAME"):
        python_packages.resolve("nonsense")


def test_torch_is_pinned_unless_the_user_constrains_it():
    """_torch asks for cmperf.pins.TORCH (an unpinned torch is a multi-GB CUDA build on Linux);
    any of --version/--version_min/--version_max replaces the pin; other shortcuts stay unpinned."""
    from cmperf import pins
    assert python_packages.constraint("torch") == (pins.TORCH, "", "")
    assert python_packages.constraint("torch", version="2.5.0") == ("2.5.0", "", "")
    assert python_packages.constraint("torch", version_min="2.0") == ("", "2.0", "")
    assert python_packages.constraint("torch", version_max="2.5") == ("", "", "2.5")
    assert python_packages.constraint("numpy") == ("", "", "")
    assert python_packages.constraint("") == ("", "", "")         # _package.NAME: no shortcut


def test_setup_py_pytorch_extra_reads_the_same_pin():
    """setup.py's [pytorch] extra is the pin of cmperf/pins.py, read without importing cmperf (a fresh
    clone has none of cmperf's dependencies when pip runs setup.py)."""
    import json
    import subprocess

    from cmperf import pins
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    code = ("import json, runpy, sys, setuptools\n"
            "setuptools.setup = lambda **kw: print(json.dumps({'extras': kw['extras_require'],\n"
            "    'imported': sorted(m for m in sys.modules if m.split('.')[0] == 'cmperf')}))\n"
            "runpy.run_path('setup.py')\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["extras"]["pytorch"] == [f"torch=={pins.TORCH}"] and out["imported"] == []


def _wheel(name, version):
    """A minimal pure-Python wheel built in memory (the format pip installs offline)."""
    dist = f"{name.replace('-', '_')}-{version}"
    files = {f"{name.replace('-', '_')}/__init__.py": f"VERSION = '{version}'\n",
             f"{dist}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
             f"{dist}.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(text.encode())}")
    files[f"{dist}.dist-info/RECORD"] = "\n".join(record + [f"{dist}.dist-info/RECORD,,"]) + "\n"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for path, text in files.items():
            z.writestr(path, text)
    return f"{dist}-py3-none-any.whl", buf.getvalue()


@pytest.fixture
def index(http_server, monkeypatch):
    """A PEP 503 simple index on 127.0.0.1 with cmperf-probe 1.0 and 2.0; pip sees no other config."""
    links = []
    for pkg, v in (("cmperf-probe", "1.0"), ("cmperf-probe", "2.0"), ("cmperf-probe-gpu", "1.0")):
        fname, data = _wheel(pkg, v)
        http_server.files[f"/files/{fname}"] = data
        links.append((pkg, f'<a href="/files/{fname}">{fname}</a>'))
    for pkg in ("cmperf-probe", "cmperf-probe-gpu"):
        page = f"/simple/{pkg}/"
        http_server.files[page] = ("<html><body>" + "".join(a for p, a in links if p == pkg) + "</body></html>").encode()
        http_server.types[page] = "text/html"
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    return http_server.url + "/simple"


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    """One named venv for the pip tests (creating one costs seconds)."""
    root = tmp_path_factory.mktemp("venvs")
    return python_env.create_venv("bench", root=str(root)), str(root)


def test_named_venv_is_found_by_name(venv):
    info, root = venv
    assert info.is_venv and info.path == os.path.join(root, "bench", "bin", "python3")
    assert python_env.find_venv("bench", root).path == info.path
    assert python_env.find_venv("other", root) is None
    with pytest.raises(python_env.VenvError, match="invalid venv name"):
        python_env.find_venv("../x", root)


def test_unfinished_venv_is_not_used(tmp_path):
    (tmp_path / "half" / "bin").mkdir(parents=True)
    (tmp_path / ".half.incomplete").write_text("")
    assert python_env.find_venv("half", str(tmp_path)) is None


def test_pip_installs_into_the_selected_python_and_keeps_what_satisfies(venv, index, http_server):
    info, _ = venv
    r = pip_install.ensure(info.path, "cmperf-probe", version="1.0", index_url=index)
    assert (r.version, r.installed_now) == ("1.0", True)
    assert pip_install.installed_version(sys.executable, "cmperf-probe") is None  # not the cm Python
    requests_before = len(http_server.requests)
    r = pip_install.ensure(info.path, "cmperf-probe", version_min="0.5", version_max="1.5", index_url=index)
    assert (r.version, r.installed_now) == ("1.0", False) and len(http_server.requests) == requests_before
    r = pip_install.ensure(info.path, "cmperf-probe", version_min="2.0", index_url=index)
    assert (r.version, r.installed_now) == ("2.0", True)
    # like onnxruntime-gpu replacing onnxruntime: the conflicting distribution goes first
    r = pip_install.ensure(info.path, "cmperf-probe-gpu", index_url=index, conflicts=["cmperf-probe"])
    assert r.installed_now and pip_install.installed_version(info.path, "cmperf-probe") is None
    # a pin (_torch's) picks the version of a fresh install, not the newest (2.0) ...
    r = pip_install.ensure(info.path, "cmperf-probe", index_url=index, pin="1.0")
    assert (r.version, r.installed_now) == ("1.0", True)
    # ... and never replaces what the user has installed
    r = pip_install.ensure(info.path, "cmperf-probe", index_url=index, pin="2.0")
    assert (r.version, r.installed_now) == ("1.0", False)


def test_missing_pip_package_names_package_constraint_and_platform(venv, index):
    info, _ = venv
    with pytest.raises(pip_install.PackageNotFoundError) as e:
        pip_install.ensure(info.path, "cmperf-no-such-package", version_min="1.0", index_url=index)
    msg = str(e.value)
    assert "cmperf-no-such-package" in msg and ">=1.0" in msg and platform.system() in msg
    with pytest.raises(pip_install.PackageNotFoundError, match="cmperf-probe.*==9.9"):
        pip_install.ensure(info.path, "cmperf-probe", version="9.9", index_url=index)


def test_pip_command_honours_indexes_and_constraints():
    cmd = pip_install.install_command("/py", "numpy" + versions.pip_specifier(vmin="1.20", vmax="1.26.4"),
                                      index_url="http://127.0.0.1:1/simple",
                                      extra_index_urls=["http://127.0.0.1:2/a", "http://127.0.0.1:3/b"],
                                      no_deps=True, break_system=True)
    assert cmd[:4] == ["/py", "-m", "pip", "install"] and "numpy>=1.20,<=1.26.4" in cmd
    assert cmd[cmd.index("--index-url") + 1] == "http://127.0.0.1:1/simple"
    assert [cmd[i + 1] for i, a in enumerate(cmd) if a == "--extra-index-url"] == ["http://127.0.0.1:2/a",
                                                                                 "http://127.0.0.1:3/b"]
    assert "--no-deps" in cmd and "--break-system-packages" in cmd

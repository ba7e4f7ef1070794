"""Python interpreters: find them (with version constraints) and create named virtualenvs.

A named venv lives in ``<venv_root>/<name>``; later workflow steps select it by name
(``--adr.python.name=NAME``), so :func:`find_venv` must answer the same path for a name.
"""
import dataclasses
import glob
import os
import shutil
import subprocess
import sys

from cmperf.core import versions

from . import PlatformError


class PythonNotFoundError(PlatformError):
    """No interpreter satisfies the request."""


class VenvError(PlatformError):
    """A virtual environment could not be created or used."""


@dataclasses.dataclass
class PythonInfo:
    path: str
    version: str
    is_venv: bool

    @property
    def bin_dir(self):
        return os.path.dirname(self.path)

    def to_env(self):
        """Upstream get-python3's env keys."""
        parts = versions.version_key(self.version) + (0, 0)
        return {
            "CM_PYTHON_BIN": os.path.basename(self.path),
            "CM_PYTHON_BIN_PATH": self.bin_dir,
            "CM_PYTHON_BIN_WITH_PATH": self.path,
            "CM_PYTHON_VERSION": self.version,
            "CM_PYTHON_MAJOR_VERSION": str(parts[0]),
            "CM_PYTHON_MINOR_VERSION": str(parts[1]),
            "CM_PYTHON_PATCH_VERSION": str(parts[2]),
            "CM_PYTHON_INSTALL_PATH": os.path.dirname(self.bin_dir),
        }


_PROBE = "import sys; print('%d.%d.%d' % sys.version_info[:3]); print(int(sys.prefix != sys.base_prefix))"


def probe(path):
    """PythonInfo for the interpreter at ``path``, or None if it does not run."""
    try:
        proc = subprocess.run([path, "-c", _PROBE], capture_output=True, text=True, timeout=60,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None
    lines = proc.stdout.split()
    if proc.returncode != 0 or len(lines) < 2:
        return None
    return PythonInfo(path=path, version=lines[0], is_venv=lines[1] == "1")


def candidates(search_path=None):
    """python3 / python3.X executables on the search path, in PATH order, no duplicates."""
    dirs = (search_path or os.environ.get("PATH", "")).split(os.pathsep)
    seen, out = set(), []
    for d in dirs:
        if not d:
            continue
        names = ["python3"] + sorted(
            (os.path.basename(p) for p in glob.glob(os.path.join(d, "python3.[0-9]*"))
             if os.path.basename(p)[8:].isdigit()),
            key=lambda n: -int(n[8:]))
        for name in names:
            path = os.path.join(d, name)
            if not (os.path.isfile(path) and os.access(path, os.X_OK)):
                continue
            real = os.path.realpath(path)
            if real in seen:
                continue
            seen.add(real)
            out.append(path)
    return out


def find_python(version=None, version_min=None, version_max=None, path=None, search_path=None):
    """The first interpreter (explicit ``path``, else PATH) that meets the constraint."""
    paths = [path] if path else candidates(search_path)
    found = []
    for p in paths:
        info = probe(p)
        if info is None:
            continue
        found.append(info)
        if versions.satisfies(info.version, version, version_min, version_max):
            return info
    want = versions.describe(version, version_min, version_max) or "any version"
    seen = ", ".join(f"{i.path} ({i.version})" for i in found) or "none"
    where = path or "PATH"
    raise PythonNotFoundError(f"no Python {want} found in {where}; found: {seen}. "
                              "Install one or pass --path=/path/to/python3.")


def venv_root():
    """$CM_PYTHON_VENV_ROOT, else <CM home>/venv ($CM_REPOS or ~/CM)."""
    if os.environ.get("CM_PYTHON_VENV_ROOT"):
        return os.environ["CM_PYTHON_VENV_ROOT"]
    home = os.environ.get("CM_REPOS") or os.path.join(os.path.expanduser("~"), "CM")
    return os.path.join(home, "venv")


def _venv_python(path):
    return os.path.join(path, "Scripts", "python.exe") if os.name == "nt" else os.path.join(path, "bin", "python3")


def _check_name(name):
    if not name or name in (".", "..") or any(c in name for c in "/\\ \t\n"):
        raise VenvError(f"invalid venv name {name!r}: use letters, digits, '-', '_' and '.'")


def _marker(root, name):
    return os.path.join(root, f".{name}.incomplete")


def find_venv(name, root=None):
    """PythonInfo of the named venv, or None when it does not exist, is broken or unfinished."""
    _check_name(name)
    root = root or venv_root()
    python = _venv_python(os.path.join(root, name))
    if os.path.exists(_marker(root, name)) or not os.path.exists(python):
        return None
    return probe(python)


def create_venv(name, base_python=None, root=None, system_site_packages=False):
    """Create ``<root>/<name>`` with pip; return its PythonInfo. Existing venvs are reused.

    venv writes absolute paths (activate, pip shebangs), so it is built in place; a marker
    file says "unfinished" until the interpreter answers, and a venv left unfinished by a
    crash is rebuilt instead of being used.
    """
    existing = find_venv(name, root)
    if existing:
        return existing
    root = root or venv_root()
    target, marker = os.path.join(root, name), _marker(root, name)
    if os.path.exists(target) and not os.path.exists(marker):
        raise VenvError(f"{target} exists but is not a working venv; remove it and run again")
    shutil.rmtree(target, ignore_errors=True)
    base = base_python or sys.executable
    os.makedirs(root, exist_ok=True)
    open(marker, "w").close()
    cmd = [base, "-m", "venv"] + (["--system-site-packages"] if system_site_packages else []) + [target]
    proc = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    info = probe(_venv_python(target)) if proc.returncode == 0 else None
    if info is None:
        shutil.rmtree(target, ignore_errors=True)
        os.unlink(marker)
        tail = (proc.stderr or proc.stdout).strip()[-800:]
        raise VenvError(f"could not create venv {name!r} with {base}: {tail}\n"
                        "On Debian/Ubuntu install the python3-venv package.")
    os.unlink(marker)
    return info


def venv_fingerprint(name, root=None):
    """Changes when the named venv is created, deleted or rebuilt (for cache keys)."""
    _check_name(name)
    cfg = os.path.join(root or venv_root(), name, "pyvenv.cfg")
    try:
        return f"{name}:{os.stat(cfg).st_mtime_ns}"
    except OSError:
        return f"{name}:absent"


def link_checkout(info, checkout_root):
    """Make ``import cmperf`` work in a venv with a .pth file naming the checkout."""
    proc = subprocess.run([info.path, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        raise VenvError(f"cannot find site-packages of {info.path}: {proc.stderr.strip()[-300:]}")
    pth = os.path.join(proc.stdout.strip(), "cmperf-checkout.pth")
    with open(pth, "w", encoding="utf-8") as f:
        f.write(os.path.abspath(checkout_root) + "\n")
    return pth

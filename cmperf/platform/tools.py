"""Detect a command-line tool (compiler, cmake, ...): its path and version, checked against
--version/--version_min/--version_max. Detection only: nothing is installed and nothing asks
for sudo; a missing tool is an error that says how to install it."""
import os
import re
import shutil
import subprocess
from dataclasses import dataclass

from ..core import versions
from . import PlatformError


class ToolNotFound(PlatformError):
    pass


@dataclass(frozen=True)
class ToolSpec:
    label: str                      # what the user reads: "GCC", "LLVM clang", "CMake"
    names: tuple                    # executable names tried, in order
    version_args: tuple             # argument lists tried in order, e.g. (("-dumpfullversion",), ("-dumpversion",))
    version_regex: str              # first group is the version
    install_hint: str


GCC = ToolSpec("GCC", ("gcc",), (("-dumpfullversion",), ("-dumpversion",)), r"(\d+(?:\.\d+)*)",
               "install it with your package manager (apt install gcc g++ / dnf install gcc gcc-c++ / "
               "xcode-select --install), or pass --path=DIR")
CLANG = ToolSpec("LLVM clang", ("clang",), (("--version",),), r"clang version (\d+(?:\.\d+)*)",
                 "install it with your package manager (apt install clang / dnf install clang / "
                 "brew install llvm), or pass --path=DIR holding bin/clang")
CMAKE = ToolSpec("CMake", ("cmake",), (("--version",),), r"cmake version (\d+(?:\.\d+)*)",
                 "install it (apt install cmake / pip install cmake / brew install cmake), or pass --path=DIR")


@dataclass
class Tool:
    path: str
    version: str


def _candidates(spec, search):
    """Executables to try: in --path (a file, DIR or DIR/bin), else on PATH."""
    if search:
        if os.path.isfile(search) and os.access(search, os.X_OK):
            return [os.path.abspath(search)]
        found = []
        for d in (search, os.path.join(search, "bin")):
            for name in spec.names:
                p = os.path.join(d, name)
                if os.path.isfile(p) and os.access(p, os.X_OK):
                    found.append(os.path.abspath(p))
        return found
    return [p for p in (shutil.which(n) for n in spec.names) if p]


def version_of(spec, path):
    """The tool's version as it reports it; raise ToolNotFound if it does not answer."""
    for args in spec.version_args:
        try:
            out = subprocess.run([path, *args], capture_output=True, text=True, timeout=30)
        except OSError as e:
            raise ToolNotFound(f"{spec.label} at {path} cannot run: {e}") from None
        m = re.search(spec.version_regex, out.stdout + out.stderr)
        if out.returncode == 0 and m:
            return m.group(1)
    raise ToolNotFound(f"{path} does not report a {spec.label} version")


def detect(spec, search="", exact="", vmin="", vmax=""):
    """The first candidate whose version satisfies the constraints."""
    candidates = _candidates(spec, search)
    where = f"in {search}" if search else "on PATH"
    if not candidates:
        raise ToolNotFound(f"{spec.label} not found {where} ({', '.join(spec.names)}): {spec.install_hint}")
    rejected = []
    for path in candidates:
        v = version_of(spec, path)
        if versions.satisfies(v, exact, vmin, vmax):
            return Tool(path, v)
        rejected.append(f"{path} {v}")
    raise ToolNotFound(f"no {spec.label} {versions.describe(exact, vmin, vmax)} {where}: found "
                       f"{'; '.join(rejected)}; {spec.install_hint}")


def _sibling(path, name):
    p = os.path.join(os.path.dirname(path), name)
    return p if os.path.isfile(p) else ""


def env_for(kind, tool):
    """The env keys upstream CM's get-gcc / get-llvm / get-cmake export for a detected tool."""
    d = os.path.dirname(tool.path)
    if kind == "gcc":
        cxx = _sibling(tool.path, os.path.basename(tool.path).replace("gcc", "g++"))
        return {"CM_GCC_BIN": os.path.basename(tool.path), "CM_GCC_BIN_WITH_PATH": tool.path,
                "CM_GCC_INSTALLED_PATH": d, "CM_GCC_VERSION": tool.version, "CM_COMPILER_FAMILY": "GCC",
                "CM_COMPILER_VERSION": tool.version, "CM_C_COMPILER_BIN": os.path.basename(tool.path),
                "CM_C_COMPILER_WITH_PATH": tool.path, "CM_CXX_COMPILER_BIN": os.path.basename(cxx) if cxx else "",
                "CM_CXX_COMPILER_WITH_PATH": cxx, "CM_COMPILER_CACHE_TAGS": f"version-{tool.version},family-gcc"}
    if kind == "llvm":
        cxx = _sibling(tool.path, "clang++")
        return {"CM_LLVM_CLANG_BIN": "clang", "CM_LLVM_CLANG_BIN_WITH_PATH": tool.path,
                "CM_LLVM_INSTALLED_PATH": d, "CM_LLVM_CLANG_VERSION": tool.version, "CM_COMPILER_FAMILY": "LLVM",
                "CM_COMPILER_VERSION": tool.version, "CM_C_COMPILER_BIN": "clang",
                "CM_C_COMPILER_WITH_PATH": tool.path, "CM_CXX_COMPILER_BIN": "clang++" if cxx else "",
                "CM_CXX_COMPILER_WITH_PATH": cxx}
    if kind == "cmake":
        return {"CM_CMAKE_BIN_WITH_PATH": tool.path, "CM_CMAKE_INSTALLED_PATH": d, "CM_CMAKE_VERSION": tool.version}
    raise ValueError(f"unknown tool kind {kind!r}")


SPECS = {"gcc": GCC, "llvm": CLANG, "cmake": CMAKE}


def detect_into_env(kind, env):
    """Detect the tool from the CM env (--path, --version*) and add its keys to env; return the version."""
    tool = detect(SPECS[kind], env.get("CM_TMP_PATH", ""), env.get("CM_VERSION", ""),
                  env.get("CM_VERSION_MIN", ""), env.get("CM_VERSION_MAX", ""))
    env.update(env_for(kind, tool))
    env.setdefault("+PATH", []).append(os.path.dirname(tool.path))
    return tool.version

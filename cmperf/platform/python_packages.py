"""Named pip packages of get-generic-python-lib (`_numpy`, `_onnxruntime_gpu`, ...) and where they exist.

Each shortcut maps to a pip distribution name, optionally a different one per platform,
and to the platforms that have wheels for it; asking for one elsewhere is an error that
names the package and the platform instead of a pip resolver dump. A shortcut may carry a
pin (cmperf.pins): the exact version asked for when the user gives no version constraint.
"""
import dataclasses
import platform as _platform

from .. import pins
from . import PlatformError


class UnsupportedPackageError(PlatformError):
    """The package has no build for this OS/architecture."""


@dataclasses.dataclass(frozen=True)
class Shortcut:
    pip_name: str
    systems: tuple = ()          # platform.system() values; () = everywhere
    machines: tuple = ()         # normalised machine names; () = every architecture
    per_machine: tuple = ()      # ((machine or "System/machine", other pip name), ...)
    note: str = ""
    conflicts: tuple = ()        # distributions to uninstall first (same import name)
    satisfied_by: tuple = ()     # other distributions of the same modules that already do
    pin: str = ""                # exact version to install when no --version/_min/_max is given


def _m(machine):
    machine = machine.lower()
    return {"amd64": "x86_64", "aarch64": "arm64"}.get(machine, machine)


SHORTCUTS = {
    "numpy": Shortcut("numpy"),
    "onnx": Shortcut("onnx"),
    "onnxruntime": Shortcut("onnxruntime"),
    "onnxruntime_gpu": Shortcut("onnxruntime-gpu", systems=("Linux", "Windows"),
                                note="CUDA builds exist for Linux and Windows only", conflicts=("onnxruntime",)),
    # the CPU-only build on Linux, as setup.py's [tensorflow] extra (the full one adds GBs of CUDA)
    "tensorflow": Shortcut("tensorflow", per_machine=(("Linux/x86_64", "tensorflow-cpu"), ("Linux/arm64", "tensorflow-cpu")),
                           satisfied_by=("tensorflow", "tensorflow-cpu", "tensorflow-intel", "tensorflow-macos")),
    "tensorflow-metal": Shortcut("tensorflow-metal", systems=("Darwin",), machines=("arm64",),
                                 note="Apple's Metal plugin exists for macOS on Apple silicon only"),
    "deepsparse": Shortcut("deepsparse", systems=("Linux",), per_machine=(("arm64", "deepsparse-nightly"),),
                           note="Neural Magic DeepSparse ships Linux wheels only"),
    # the version cmperf's pytorch backend is tested with, as setup.py's [pytorch] extra: an
    # unpinned torch resolves to the newest wheel, on Linux a multi-GB CUDA build
    "torch": Shortcut("torch", pin=pins.TORCH),
    "torchvision": Shortcut("torchvision"),
    "transformers": Shortcut("transformers"),
    "scipy": Shortcut("scipy"),
    "scikit-learn": Shortcut("scikit-learn"),
    "pandas": Shortcut("pandas"),
    "opencv-python": Shortcut("opencv-python"),
    "opencv-python-headless": Shortcut("opencv-python-headless"),
    "pillow": Shortcut("Pillow"),
    "pycocotools": Shortcut("pycocotools"),
    "psutil": Shortcut("psutil"),
    "tqdm": Shortcut("tqdm"),
    "requests": Shortcut("requests"),
    "tabulate": Shortcut("tabulate"),
    "matplotlib": Shortcut("matplotlib"),
    "mlperf_loadgen": Shortcut("mlcommons-loadgen"),
    "pybind11": Shortcut("pybind11"),
    "wheel": Shortcut("wheel"),
    "setuptools": Shortcut("setuptools"),
    "pip": Shortcut("pip"),
    "xlsxwriter": Shortcut("xlsxwriter"),
    "pyarrow": Shortcut("pyarrow"),
    "dmiparser": Shortcut("dmiparser"),
}


def satisfied_by(shortcut):
    """Distributions that, when installed, already provide this shortcut's package."""
    return SHORTCUTS[shortcut].satisfied_by if shortcut in SHORTCUTS else ()


def conflicts(shortcut):
    """Distributions that must be uninstalled before installing this shortcut's package."""
    return SHORTCUTS[shortcut].conflicts if shortcut in SHORTCUTS else ()


def pin(shortcut):
    """The shortcut's pinned version ("" when it has none, or for a plain _package.NAME)."""
    return SHORTCUTS[shortcut].pin if shortcut in SHORTCUTS else ""


def constraint(shortcut, version="", version_min="", version_max=""):
    """(version, version_min, version_max) to ask pip for when installing: the user's, or the
    shortcut's pin when the user gave none of the three (any bound replaces the pin entirely).
    An installed package that meets the user's constraints is kept, pin or not."""
    if not (version or version_min or version_max) and pin(shortcut):
        return pin(shortcut), "", ""
    return version or "", version_min or "", version_max or ""


def resolve(shortcut, system=None, machine=None):
    """pip distribution name for a shortcut on this (or the given) platform."""
    system = system or _platform.system()
    machine = _m(machine or _platform.machine())
    if shortcut not in SHORTCUTS:
        known = ", ".join(f"_{k}" for k in sorted(SHORTCUTS))
        raise UnsupportedPackageError(f"unknown package shortcut _{shortcut}; use _package.NAME or one of {known}")
    s = SHORTCUTS[shortcut]
    if (s.systems and system not in s.systems) or (s.machines and machine not in s.machines):
        raise UnsupportedPackageError(
            f"package {s.pip_name} (_{shortcut}) is not available on {system} {machine}: {s.note}")
    names = dict(s.per_machine)
    return names.get(f"{system}/{machine}", names.get(machine, s.pip_name))

"""Detect and install one pip package into a *selected* interpreter, honouring constraints.

Runs pip as ``<python> -m pip`` so the package lands in the workflow's Python (a named
venv, say), not in the interpreter that runs cm. An installed version that satisfies the
constraint is kept: no reinstall, no network.
"""
import argparse
import dataclasses
import json
import re
import subprocess
import sys

from cmperf.core import versions

from . import PlatformError


class PipInstallError(PlatformError):
    """pip failed for another reason (build error, conflict, network)."""


class PackageNotFoundError(PipInstallError):
    """No distribution of the package matches the constraint on this platform."""


@dataclasses.dataclass
class PipResult:
    name: str
    version: str
    python: str
    installed_now: bool

    def to_env(self, env_prefix):
        return {f"{env_prefix}_VERSION": self.version, f"{env_prefix}_PYTHON": self.python}


_VERSION_OF = ("import sys, importlib.metadata as m\n"
               "try: print(m.version(sys.argv[1]))\n"
               "except m.PackageNotFoundError: sys.exit(3)\n")


def installed_version(python, name):
    """Installed version of distribution ``name`` in ``python``, or None."""
    proc = subprocess.run([python, "-c", _VERSION_OF, name], capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL)
    if proc.returncode == 3:
        return None
    if proc.returncode != 0:
        raise PipInstallError(f"cannot query packages of {python}: {proc.stderr.strip()[-400:]}")
    return proc.stdout.strip() or None


def _python_facts(python):
    code = ("import sys, platform; print('%d.%d.%d' % sys.version_info[:3]); "
            "print(int(sys.prefix != sys.base_prefix)); print(platform.system(), platform.machine())")
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=60).stdout.split("\n")
    return (out + ["", "", ""])[:3]


def _pip_version(python):
    proc = subprocess.run([python, "-m", "pip", "--version"], capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise PipInstallError(f"{python} has no pip ({proc.stderr.strip()[-300:]}); "
                              f"run `{python} -m ensurepip` or install python3-pip")
    m = re.match(r"pip (\S+)", proc.stdout)
    return m.group(1) if m else "0"


def install_command(python, requirement, index_url=None, extra_index_urls=(), no_deps=False,
                    force=False, break_system=False, extra_args=()):
    cmd = [python, "-m", "pip", "install", "--disable-pip-version-check", "--no-input", requirement]
    if index_url:
        cmd += ["--index-url", index_url]
    for url in extra_index_urls or ():
        cmd += ["--extra-index-url", url]
    if no_deps:
        cmd.append("--no-deps")
    if force:
        cmd += ["--force-reinstall"]
    if break_system:
        cmd.append("--break-system-packages")
    return cmd + list(extra_args)


def ensure(python, name, version=None, version_min=None, version_max=None, index_url=None,
           extra_index_urls=(), no_deps=False, force=False, extra_args=(), conflicts=(), satisfied_by=(),
           pin=None):
    """Make ``name`` (constraint) importable from ``python``; return a PipResult.

    ``conflicts``: distributions that provide the same modules (onnxruntime for
    onnxruntime-gpu); they are uninstalled first, or the import would pick either one.
    ``satisfied_by``: other distributions of the same modules that count as installed.
    ``pin``: the exact version to install when there is no constraint and nothing installed;
    an installed version is kept (never replaced by a pin the user did not ask for).
    """
    if not force:
        for dist in (name, *satisfied_by):   # tensorflow-cpu already is tensorflow, say
            have = installed_version(python, dist)
            if have and versions.satisfies(have, version, version_min, version_max):
                return PipResult(dist, have, python, installed_now=False)
    if pin and not (version or version_min or version_max):
        version = pin
    constraint = versions.describe(version, version_min, version_max)

    py_version, in_venv, plat = _python_facts(python)
    # pip >= 23 refuses system (PEP 668) interpreters without this flag; a venv never needs it.
    break_system = in_venv != "1" and versions.compare(_pip_version(python), "23") >= 0
    present = [c for c in conflicts if installed_version(python, c)]
    if present:
        proc = subprocess.run([python, "-m", "pip", "uninstall", "-y", *present]
                              + (["--break-system-packages"] if break_system else []),
                              capture_output=True, text=True, stdin=subprocess.DEVNULL)
        if proc.returncode != 0:
            raise PipInstallError(f"cannot uninstall {', '.join(present)} (conflicts with {name}) from {python}:\n"
                                  f"{(proc.stdout + proc.stderr).strip()[-800:]}")
    requirement = name + versions.pip_specifier(version, version_min, version_max)
    cmd = install_command(python, requirement, index_url, extra_index_urls, no_deps, force,
                          break_system, extra_args)
    proc = _run_with_progress(cmd, f"pip install {requirement} into {python}")
    where = f"{plat} with Python {py_version} ({python})"
    if proc.returncode != 0:
        out = (proc.stdout + proc.stderr)
        tail = "\n".join(out.strip().splitlines()[-12:])
        if "No matching distribution found" in out or "Could not find a version that satisfies" in out:
            raise PackageNotFoundError(
                f"pip package {name!r} {constraint or '(any version)'} is not available for {where}"
                f"{' from ' + index_url if index_url else ''}.\nCheck the name and the version constraint.\n{tail}")
        raise PipInstallError(f"pip could not install {requirement!r} on {where}:\n{tail}")
    have = installed_version(python, name)
    if not have or not versions.satisfies(have, version, version_min, version_max):
        raise PipInstallError(f"pip installed {requirement!r} but {python} reports version {have} "
                              f"(wanted {constraint or 'any'}); the distribution name may differ")
    return PipResult(name, have, python, installed_now=True)


def _run_with_progress(cmd, label):
    """subprocess.run(cmd) with its output captured, reporting elapsed time through
    cmperf.core.progress meanwhile (a big wheel can take minutes; silence looks like a hang)."""
    import tempfile
    import time

    from cmperf.core import progress
    with tempfile.TemporaryFile("w+") as out, progress.Task(label, unit="s") as task:
        p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, text=True, stdin=subprocess.DEVNULL)
        while p.poll() is None:
            time.sleep(0.5)
            task.update(int(task.elapsed), detail="pip running")
        out.seek(0)
        text = out.read()
        task.detail = f"pip exited {p.returncode}"
    return subprocess.CompletedProcess(cmd, p.returncode, text, "")


def main(argv=None):
    parser = argparse.ArgumentParser(description="Install one pip package into a given Python if needed.")
    parser.add_argument("name")
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--version")
    parser.add_argument("--version-min")
    parser.add_argument("--version-max")
    parser.add_argument("--index-url")
    parser.add_argument("--extra-index-url", action="append", default=[])
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args(argv)
    try:
        r = ensure(args.python, args.name, args.version, args.version_min, args.version_max,
                   args.index_url, args.extra_index_url, force=args.force)
    except PlatformError as e:
        print(f"get-generic-python-lib: {e}", file=sys.stderr)
        return 1
    print(json.dumps(dataclasses.asdict(r)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

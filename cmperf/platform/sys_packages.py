"""OS packages: verify, then install the missing ones with the detected package manager.

Never blocks on a password prompt: root installs directly, passwordless sudo is used when
available, an interactive terminal may prompt for sudo unless ``quiet``; every other case
raises :class:`SudoRequiredError` listing the missing packages and the exact command to run.
"""
import dataclasses
import os
import shlex
import shutil
import subprocess
import sys

from . import PlatformError

# Logical name -> package name per manager; None = not packaged there (skipped, reported).
PACKAGE_NAMES = {
    "git": {}, "wget": {}, "curl": {}, "unzip": {}, "zip": {}, "bzip2": {}, "tar": {}, "rsync": {},
    "psmisc": {"brew": "pstree"}, "numactl": {"brew": None}, "dmidecode": {"brew": None},
    "ca-certificates": {}, "cmake": {}, "gcc": {"apt": "build-essential"}, "make": {},
    "xz": {"apt": "xz-utils"}, "md5sha1sum": {"apt": "coreutils", "dnf": "coreutils", "yum": "coreutils", "brew": "md5sha1sum"},
    "libssl-dev": {"dnf": "openssl-devel", "yum": "openssl-devel", "zypper": "libopenssl-devel",
                   "pacman": "openssl", "apk": "openssl-dev", "brew": "openssl"},
    "linux-tools": {"apt": "linux-tools-common", "dnf": "perf", "yum": "perf", "zypper": "perf",
                    "pacman": "perf", "apk": "perf", "brew": None},
    "python3-venv": {"dnf": None, "yum": None, "zypper": None, "pacman": None, "apk": None, "brew": None},
    "systemd": {"brew": None, "apk": None},
}

# Verification command per manager; exit status 0 means installed.
_CHECK = {
    "apt": lambda p: ["dpkg-query", "-W", "-f=${Status}", p],
    "dnf": lambda p: ["rpm", "-q", p], "yum": lambda p: ["rpm", "-q", p], "zypper": lambda p: ["rpm", "-q", p],
    "pacman": lambda p: ["pacman", "-Q", p], "apk": lambda p: ["apk", "info", "-e", p],
    "brew": lambda p: ["brew", "list", "--versions", p],
}


class SysPackageError(PlatformError):
    """Installing OS packages failed or is impossible here."""


class SudoRequiredError(SysPackageError):
    """Packages are missing and installing them needs a password nobody can type."""

    def __init__(self, missing, command):
        self.missing, self.command = list(missing), command
        super().__init__(
            f"missing OS packages: {' '.join(self.missing)}. Installing them needs root and "
            f"passwordless sudo is not available (or --quiet forbids a prompt). Run:\n    {command}\n"
            "then run this command again, or pass --skip_sys_utils to skip the check.")


@dataclasses.dataclass
class PackageReport:
    present: list
    installed: list
    unavailable: list        # logical names with no package for this manager
    command: str = ""        # the install command that ran (or "")


def os_package_name(name, manager):
    """The package providing ``name`` for ``manager`` (None when not packaged there)."""
    names = PACKAGE_NAMES.get(name, {})
    return names.get(manager, name) if manager in names else name


def _quiet_run(cmd, run):
    try:
        return run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                   stdin=subprocess.DEVNULL, timeout=120)
    except (OSError, subprocess.SubprocessError):
        return None


def is_installed(package, manager, run=subprocess.run):
    if manager not in _CHECK:
        raise SysPackageError(f"no known way to query packages with {manager or 'no package manager'}")
    proc = _quiet_run(_CHECK[manager](package), run)
    if proc is None or proc.returncode != 0:
        return False
    if manager == "apt":  # dpkg keeps removed-but-configured packages listed
        return "install ok installed" in proc.stdout
    return manager != "brew" or bool(proc.stdout.strip())


def passwordless_sudo(run=subprocess.run):
    """True when `sudo -n true` succeeds, i.e. sudo works without a prompt."""
    if not shutil.which("sudo"):
        return False
    proc = _quiet_run(["sudo", "-n", "true"], run)
    return proc is not None and proc.returncode == 0


def install_command(packages, os_info, sudo=False):
    """One shell line: refresh the index, then install (`sudo VAR=x cmd` works for apt's env)."""
    brew = os_info.package_manager == "brew"
    prefix = "sudo " if sudo and not brew else ""  # brew refuses to run as root
    update = f"{prefix}{os_info.update_cmd} && " if os_info.update_cmd and not brew else ""
    pkgs = " ".join(shlex.quote(p) for p in packages)
    return f"{update}{prefix}{os_info.install_cmd} {pkgs}"


def ensure_packages(names, os_info, quiet=False, run=subprocess.run, euid=None, interactive=None,
                    allow_sudo=True):
    """Verify ``names`` (logical names) and install what is missing; return a PackageReport.

    ``allow_sudo=False`` (--skip_sudo): without root, report the command instead of using sudo.
    """
    os_info.require_supported("installing OS packages")
    manager = os_info.package_manager
    if not manager:
        raise SysPackageError(f"no supported package manager found on {os_info.flavor} {os_info.version}; "
                              f"install these yourself: {' '.join(names)}")
    present, missing, unavailable = [], [], []
    for name in names:
        pkg = os_package_name(name, manager)
        if pkg is None:
            unavailable.append(name)
        elif is_installed(pkg, manager, run):
            present.append(pkg)
        else:
            missing.append(pkg)
    if not missing:
        return PackageReport(present, [], unavailable)

    euid = os.geteuid() if euid is None and hasattr(os, "geteuid") else (euid or 0)
    root = euid == 0 or manager == "brew"
    interactive = sys.stdin.isatty() if interactive is None else interactive
    if root:
        sudo = False
    elif allow_sudo and (passwordless_sudo(run) or (interactive and not quiet and shutil.which("sudo"))):
        sudo = True
    else:
        raise SudoRequiredError(missing, install_command(missing, os_info, sudo=True))
    command = install_command(missing, os_info, sudo=sudo)
    proc = run(["bash", "-c", command], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
               stdin=None if sudo and interactive and not quiet else subprocess.DEVNULL)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout or "").strip().splitlines()[-15:])
        raise SysPackageError(f"installing {' '.join(missing)} failed (exit {proc.returncode}).\n"
                              f"command: {command}\n{tail}")
    still = [p for p in missing if not is_installed(p, manager, run)]
    if still:
        raise SysPackageError(f"{command} succeeded but {' '.join(still)} still not installed")
    return PackageReport(present, missing, unavailable, command)

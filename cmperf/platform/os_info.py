"""Operating system facts: type, flavor, version, kernel, glibc, bits, package manager, container.

Linux reads /etc/os-release; macOS asks ``sw_vers``; Windows is recognised and reported as
unsupported (``supported=False``) instead of failing half-way in some later step.
"""
import dataclasses
import os
import platform
import shutil
import subprocess
import sys

from . import PlatformError, facts_cache


class UnsupportedOSError(PlatformError):
    """The operation needs Linux or macOS."""


# Package manager per distribution family: (binary, install command, update command).
# Non-interactive flags so that nothing ever waits on a prompt.
PACKAGE_MANAGERS = {
    "apt": ("apt-get", "DEBIAN_FRONTEND=noninteractive apt-get install -y", "apt-get update -y"),
    "dnf": ("dnf", "dnf install -y", "dnf makecache"),
    "yum": ("yum", "yum install -y", "yum makecache"),
    "zypper": ("zypper", "zypper --non-interactive install", "zypper --non-interactive refresh"),
    "pacman": ("pacman", "pacman -S --noconfirm --needed", "pacman -Sy --noconfirm"),
    "apk": ("apk", "apk add --no-cache", "apk update"),
    "brew": ("brew", "brew install", "brew update"),
}
_FLAVOR_MANAGER = {
    "ubuntu": "apt", "debian": "apt", "raspbian": "apt", "linuxmint": "apt", "pop": "apt",
    "fedora": "dnf", "rhel": "dnf", "centos": "dnf", "rocky": "dnf", "almalinux": "dnf", "amzn": "yum",
    "ol": "dnf", "opensuse": "zypper", "opensuse-leap": "zypper", "sles": "zypper", "suse": "zypper",
    "arch": "pacman", "manjaro": "pacman", "alpine": "apk", "macos": "brew",
}


@dataclasses.dataclass
class OsInfo:
    type: str                 # linux | darwin | windows (CM_HOST_OS_TYPE)
    flavor: str               # ubuntu, debian, rhel, macos, windows ...
    flavor_like: str          # ID_LIKE on Linux ("debian"), else the flavor
    version: str              # 22.04, 12, 14.4 ...
    kernel: str
    glibc: str                # "" where there is no glibc (macOS, musl)
    bits: str                 # 64 | 32
    machine: str              # x86_64, aarch64, arm64 (CM_HOST_PLATFORM_FLAVOR)
    package_manager: str      # apt, dnf, brew ... or "" when none was found
    install_cmd: str
    update_cmd: str
    in_container: bool
    supported: bool

    def to_dict(self):
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d):
        return cls(**{f.name: d[f.name] for f in dataclasses.fields(cls)})

    def to_env(self):
        """The upstream CM env keys of detect-os."""
        return {
            "CM_HOST_OS_TYPE": self.type,
            "CM_HOST_OS_FLAVOR": self.flavor,
            "CM_HOST_OS_FLAVOR_LIKE": self.flavor_like,
            "CM_HOST_OS_VERSION": self.version,
            "CM_HOST_OS_KERNEL_VERSION": self.kernel,
            "CM_HOST_OS_GLIBC_VERSION": self.glibc,
            "CM_HOST_OS_BITS": self.bits,
            "CM_HOST_PLATFORM_FLAVOR": self.machine,
            "CM_HOST_OS_MACHINE": self.machine,
            "CM_HOST_OS_PACKAGE_MANAGER": self.package_manager,
            "CM_HOST_OS_PACKAGE_MANAGER_INSTALL_CMD": self.install_cmd,
            "CM_HOST_OS_PACKAGE_MANAGER_UPDATE_CMD": self.update_cmd,
            # Not CM_RUN_STATE_DOCKER: upstream's engine reads that as "launched by cm docker"
            # and skips docker.run: false scripts; any container is not that.
            "CM_RUN_INSIDE_DOCKER": "yes" if self.in_container else "no",
            "CM_HOST_OS_IN_CONTAINER": "yes" if self.in_container else "no",
            "CM_HOST_OS_SUPPORTED": "yes" if self.supported else "no",
        }

    def require_supported(self, what):
        if not self.supported:
            raise UnsupportedOSError(
                f"{what} is not supported on {self.flavor} {self.version} ({self.type}); "
                "cmperf supports Linux and macOS")


def parse_os_release(text):
    """KEY=VALUE pairs of an os-release file, quotes removed."""
    out = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        out[key.strip()] = value
    return out


def in_container(root="/", environ=None):
    """Docker/Podman/LXC/Kubernetes: marker files, the `container` env var, or PID 1's cgroup."""
    environ = os.environ if environ is None else environ
    if environ.get("container"):
        return True
    for marker in (".dockerenv", "run/.containerenv"):
        if os.path.exists(os.path.join(root, marker)):
            return True
    try:
        with open(os.path.join(root, "proc/1/cgroup"), encoding="utf-8") as f:
            cgroup = f.read()
    except OSError:
        return False
    return any(word in cgroup for word in ("docker", "kubepods", "containerd", "lxc", "libpod"))


def _glibc():
    try:
        value = os.confstr("CS_GNU_LIBC_VERSION") or ""
    except (ValueError, OSError, AttributeError):
        return ""
    return value.split()[-1] if value.startswith("glibc") else ""


def _manager_for(flavor, flavor_like, which=shutil.which):
    """The distribution's own manager if installed, else the first known one on PATH."""
    candidates = [_FLAVOR_MANAGER.get(flavor)] + [_FLAVOR_MANAGER.get(x) for x in flavor_like.split()]
    if flavor_like and "rhel" in flavor_like.split():
        candidates.append("yum")
    candidates += list(PACKAGE_MANAGERS)
    for name in candidates:
        if name and which(PACKAGE_MANAGERS[name][0]):
            return name
    return ""


def _bits(machine):
    return "64" if sys.maxsize > 2**32 or machine.endswith("64") else "32"


def detect_linux(os_release_text, uname=None, which=shutil.which, root="/", environ=None):
    uname = uname or platform.uname()
    rel = parse_os_release(os_release_text)
    flavor = rel.get("ID", "linux").lower()
    like = rel.get("ID_LIKE", "").lower()
    manager = _manager_for(flavor, like, which)
    _, install, update = PACKAGE_MANAGERS.get(manager, ("", "", ""))
    return OsInfo(
        type="linux", flavor=flavor, flavor_like=like or flavor,
        version=rel.get("VERSION_ID", ""), kernel=uname.release, glibc=_glibc(),
        bits=_bits(uname.machine), machine=uname.machine, package_manager=manager,
        install_cmd=install, update_cmd=update, in_container=in_container(root, environ),
        supported=True)


def detect_macos(uname=None, which=shutil.which):
    uname = uname or platform.uname()
    version = platform.mac_ver()[0]
    if not version:
        try:
            version = subprocess.run(["sw_vers", "-productVersion"], capture_output=True,
                                     text=True, timeout=30).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            version = ""
    manager = "brew" if which("brew") else ""
    _, install, update = PACKAGE_MANAGERS.get(manager, ("", "", ""))
    return OsInfo(
        type="darwin", flavor="macos", flavor_like="macos", version=version, kernel=uname.release,
        glibc="", bits=_bits(uname.machine), machine=uname.machine, package_manager=manager,
        install_cmd=install, update_cmd=update, in_container=False, supported=True)


def detect_windows(uname=None):
    uname = uname or platform.uname()
    return OsInfo(
        type="windows", flavor="windows", flavor_like="windows", version=uname.version,
        kernel=uname.release, glibc="", bits=_bits(uname.machine.lower()), machine=uname.machine.lower(),
        package_manager="", install_cmd="", update_cmd="", in_container=False, supported=False)


def detect():
    """Detect this machine's OS (no cache)."""
    system = platform.system()
    if system == "Linux":
        text = ""
        for path in ("/etc/os-release", "/usr/lib/os-release"):
            try:
                with open(path, encoding="utf-8") as f:
                    text = f.read()
                break
            except OSError:
                continue
        return detect_linux(text)
    if system == "Darwin":
        return detect_macos()
    if system == "Windows":
        return detect_windows()
    uname = platform.uname()
    return OsInfo(type=system.lower(), flavor=system.lower(), flavor_like=system.lower(),
                  version=uname.release, kernel=uname.release, glibc="", bits=_bits(uname.machine),
                  machine=uname.machine, package_manager="", install_cmd="", update_cmd="",
                  in_container=False, supported=False)


def detect_cached(refresh=False):
    """(OsInfo, from_cache) using :mod:`facts_cache` keyed on kernel/boot/os-release."""
    facts, hit = facts_cache.cached("os", lambda: detect().to_dict(), refresh=refresh)
    return OsInfo.from_dict(facts), hit


def main(argv=None):
    return facts_cache.cli("os", detect_cached, (), argv)


if __name__ == "__main__":
    sys.exit(main())

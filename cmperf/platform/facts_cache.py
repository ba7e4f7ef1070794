"""Cache of static platform facts, keyed on what would change them.

Detecting the CPU or OS forks lscpu/sysctl/nvidia-smi; upstream CM re-runs that many times
per workflow. Facts are stored as JSON next to a *fingerprint* of the machine state they
depend on (boot id, kernel release, host name, architecture, CPU count, /etc/os-release
mtime). A reboot, kernel upgrade, OS upgrade or a move to another machine changes the
fingerprint, and the next lookup detects again.
"""
import json
import os

from cmperf.core.digest import sha256_hex

CACHE_DIR_ENV = "CMPERF_PLATFORM_CACHE_DIR"


def cache_dir():
    """$CMPERF_PLATFORM_CACHE_DIR, else $XDG_CACHE_HOME/cmperf/platform (~/.cache/...)."""
    if os.environ.get(CACHE_DIR_ENV):
        return os.environ[CACHE_DIR_ENV]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "cmperf", "platform")


def _read(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read().strip()
    except OSError:
        return ""


def _mtime(path):
    try:
        return str(os.stat(path).st_mtime_ns)
    except OSError:
        return ""


def _uname():
    """platform.uname()'s system, node, release, version and machine. On POSIX they are
    os.uname()'s: the fingerprint is computed on every cache lookup of a detect-* script, and
    importing `platform` would cost that lookup more than everything else it does."""
    if hasattr(os, "uname"):
        u = os.uname()
        return u.sysname, u.nodename, u.release, u.version, u.machine
    import platform
    u = platform.uname()
    return u.system, u.node, u.release, u.version, u.machine


def machine_state():
    """The facts whose change must invalidate cached detection (cheap: no subprocess)."""
    system, node, release, version, machine = _uname()
    return {
        # Linux: changes on every boot (new hardware, new CPU limits, new driver).
        "boot_id": _read("/proc/sys/kernel/random/boot_id"),
        "system": system,
        "kernel": release,
        "kernel_build": version,
        "node": node,
        "machine": machine,
        "cpu_count": os.cpu_count(),
        "os_release": _mtime("/etc/os-release") or _mtime("/System/Library/CoreServices/SystemVersion.plist"),
        # A GPU driver upgrade without reboot replaces this file.
        "nvidia_driver": _read("/proc/driver/nvidia/version")[:200],
    }


def fingerprint(state=None):
    """Short stable hash of :func:`machine_state` (used as the cache key and CM version tag)."""
    state = machine_state() if state is None else state
    blob = json.dumps(state, sort_keys=True).encode()
    return sha256_hex(blob)[:16]


def load(name, key=None, directory=None):
    """Cached facts for ``name`` if stored under the current fingerprint, else None."""
    key = key or fingerprint()
    path = os.path.join(directory or cache_dir(), f"{name}.json")
    try:
        with open(path, encoding="utf-8") as f:
            entry = json.load(f)
    except (OSError, ValueError):
        return None
    if not isinstance(entry, dict) or entry.get("fingerprint") != key:
        return None
    return entry.get("facts")


def store(name, facts, key=None, directory=None):
    """Write facts atomically (temp file + rename): a crash never leaves a torn entry."""
    key = key or fingerprint()
    directory = directory or cache_dir()
    os.makedirs(directory, exist_ok=True)
    import tempfile   # writing only: the warm path (fingerprint, load) does not need it
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"fingerprint": key, "facts": facts}, f, indent=1, sort_keys=True)
        os.replace(tmp, os.path.join(directory, f"{name}.json"))
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def cached(name, detect, refresh=False, directory=None):
    """Return (facts, from_cache): stored facts when still valid, else ``detect()`` stored.

    An unwritable cache directory is not an error: detection still answers.
    """
    key = fingerprint()
    if not refresh:
        facts = load(name, key, directory)
        if facts is not None:
            return facts, True
    facts = detect()
    try:
        store(name, facts, key, directory)
    except OSError:
        pass
    return facts, False


def cli(what, detect_cached, errors=(), argv=None):
    """`python -m cmperf.platform.<what>_info [--env] [--refresh]`: a detector's facts as JSON or CM env."""
    import argparse
    import json
    import sys

    parser = argparse.ArgumentParser(description=f"Print this machine's {what} facts as JSON or CM env.")
    parser.add_argument("--env", action="store_true", help="print the CM_HOST_* KEY=VALUE lines")
    parser.add_argument("--refresh", action="store_true", help="ignore the facts cache")
    args = parser.parse_args(argv)
    try:
        info, _ = detect_cached(refresh=args.refresh)
    except errors as e:
        print(f"detect-{what}: {e}", file=sys.stderr)
        return 1
    if args.env:
        print("\n".join(f"{k}={v}" for k, v in info.to_env().items()))
    else:
        print(json.dumps(info.to_dict(), indent=2))
    return 0

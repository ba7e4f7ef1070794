"""CPU and memory facts: lscpu + /proc on Linux, sysctl on macOS.

Parsers take the tool's text so they can be tested on captured outputs of other machines;
:func:`detect` runs the tools, :func:`detect_cached` avoids running them again on the same
boot (see :mod:`facts_cache`).
"""
import dataclasses
import os
import platform
import re
import shutil
import subprocess
import sys

from . import PlatformError, facts_cache


class CpuDetectionError(PlatformError):
    """Neither the tools nor /proc gave the CPU facts."""


@dataclasses.dataclass
class CpuInfo:
    architecture: str
    model_name: str
    vendor_id: str
    sockets: int
    physical_cores: int       # all sockets
    logical_cores: int        # hardware threads, all sockets
    threads_per_core: int
    numa_nodes: int
    max_mhz: float            # 0 when the platform does not say
    l1d_cache: str            # as the tool prints it, e.g. "96 KiB (2 instances)"
    l1i_cache: str
    l2_cache: str
    l3_cache: str
    memory_bytes: int
    source: str               # lscpu | proc | sysctl

    def to_dict(self):
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d):
        return cls(**{f.name: d[f.name] for f in dataclasses.fields(cls)})

    @property
    def memory_gb(self):
        return round(self.memory_bytes / 2**30, 1)

    def to_env(self):
        """The upstream CM env keys of detect-cpu."""
        return {
            "CM_HOST_CPU_ARCHITECTURE": self.architecture,
            "CM_HOST_CPU_MODEL_NAME": self.model_name,
            "CM_HOST_CPU_VENDOR_ID": self.vendor_id,
            "CM_HOST_CPU_SOCKETS": str(self.sockets),
            "CM_HOST_CPU_TOTAL_CORES": str(self.logical_cores),
            "CM_HOST_CPU_TOTAL_LOGICAL_CORES": str(self.logical_cores),
            "CM_HOST_CPU_TOTAL_PHYSICAL_CORES": str(self.physical_cores),
            "CM_HOST_CPU_PHYSICAL_CORES_PER_SOCKET": str(self.physical_cores // max(self.sockets, 1)),
            "CM_HOST_CPU_THREADS_PER_CORE": str(self.threads_per_core),
            "CM_HOST_CPU_NUMA_NODES": str(self.numa_nodes),
            "CM_HOST_CPU_MAX_MHZ": f"{self.max_mhz:g}" if self.max_mhz else "",
            "CM_HOST_CPU_L1D_CACHE_SIZE": self.l1d_cache,
            "CM_HOST_CPU_L1I_CACHE_SIZE": self.l1i_cache,
            "CM_HOST_CPU_L2_CACHE_SIZE": self.l2_cache,
            "CM_HOST_CPU_L3_CACHE_SIZE": self.l3_cache,
            "CM_HOST_MEMORY_CAPACITY": f"{self.memory_gb:g}G",
            "CM_HOST_MEMORY_CAPACITY_BYTES": str(self.memory_bytes),
        }


def _kv(text, sep=":"):
    out = {}
    for line in text.splitlines():
        if sep in line:
            key, value = line.split(sep, 1)
            out.setdefault(key.strip(), value.strip())
    return out


def _int(value, default=0):
    m = re.search(r"\d+", str(value or ""))
    return int(m.group()) if m else default


def _float(value):
    try:
        return float(str(value).replace(",", "."))
    except (TypeError, ValueError):
        return 0.0


def memory_from_meminfo(text):
    """MemTotal of /proc/meminfo in bytes."""
    m = re.search(r"^MemTotal:\s+(\d+)\s*kB", text, re.M)
    return int(m.group(1)) * 1024 if m else 0


def parse_lscpu(text, meminfo_text=""):
    """CpuInfo from `LC_ALL=C lscpu` output (+ /proc/meminfo for the memory size)."""
    kv = _kv(text)
    if "Architecture" not in kv:
        raise CpuDetectionError("lscpu output has no 'Architecture:' line")
    logical = _int(kv.get("CPU(s)"), os.cpu_count() or 1)
    sockets = _int(kv.get("Socket(s)"), 1) or 1
    threads = _int(kv.get("Thread(s) per core"), 1) or 1
    per_socket = _int(kv.get("Core(s) per socket") or kv.get("Core(s) per cluster"), 0)
    physical = per_socket * sockets if per_socket else max(logical // threads, 1)
    return CpuInfo(
        architecture=kv["Architecture"],
        model_name=kv.get("Model name", ""),
        vendor_id=kv.get("Vendor ID", ""),
        sockets=sockets, physical_cores=physical, logical_cores=logical, threads_per_core=threads,
        numa_nodes=_int(kv.get("NUMA node(s)"), 1) or 1,
        max_mhz=_float(kv.get("CPU max MHz")),
        l1d_cache=kv.get("L1d cache", ""), l1i_cache=kv.get("L1i cache", ""),
        l2_cache=kv.get("L2 cache", ""), l3_cache=kv.get("L3 cache", ""),
        memory_bytes=memory_from_meminfo(meminfo_text), source="lscpu")


def parse_proc_cpuinfo(text, meminfo_text="", machine=None):
    """Fallback when lscpu is missing (minimal containers): /proc/cpuinfo blocks."""
    blocks = [_kv(b) for b in text.split("\n\n") if b.strip()]
    if not blocks:
        raise CpuDetectionError("/proc/cpuinfo is empty")
    first = blocks[0]
    sockets = len({b.get("physical id", "0") for b in blocks}) or 1
    cores = {(b.get("physical id", "0"), b.get("core id", str(i))) for i, b in enumerate(blocks)}
    logical = len(blocks)
    physical = len(cores) or logical
    return CpuInfo(
        architecture=machine or platform.machine(),
        model_name=first.get("model name") or first.get("Model") or first.get("cpu model", ""),
        vendor_id=first.get("vendor_id") or first.get("CPU implementer", ""),
        sockets=sockets, physical_cores=physical, logical_cores=logical,
        threads_per_core=max(logical // physical, 1), numa_nodes=1,
        max_mhz=_float(first.get("cpu MHz")), l1d_cache="", l1i_cache="", l2_cache="",
        l3_cache=first.get("cache size", ""), memory_bytes=memory_from_meminfo(meminfo_text),
        source="proc")


def _size(n):
    n = int(n or 0)
    for unit, div in (("MiB", 2**20), ("KiB", 2**10)):
        if n >= div and n % div == 0:
            return f"{n // div} {unit}"
    return f"{n} B" if n else ""


def parse_sysctl(text):
    """CpuInfo from `sysctl -a` (or the hw./machdep. subset) on macOS."""
    kv = _kv(text)
    arm = kv.get("hw.optional.arm64") == "1"
    logical = _int(kv.get("hw.logicalcpu") or kv.get("hw.ncpu"), 1)
    physical = _int(kv.get("hw.physicalcpu"), logical)
    hz = _int(kv.get("hw.cpufrequency_max"), 0)
    return CpuInfo(
        architecture="arm64" if arm else kv.get("hw.machine", platform.machine()),
        model_name=kv.get("machdep.cpu.brand_string", ""),
        vendor_id=kv.get("machdep.cpu.vendor", "Apple" if arm else ""),
        sockets=_int(kv.get("hw.packages"), 1) or 1, physical_cores=physical, logical_cores=logical,
        threads_per_core=max(logical // max(physical, 1), 1), numa_nodes=1,
        max_mhz=hz / 1e6 if hz else 0.0,
        l1d_cache=_size(kv.get("hw.l1dcachesize")), l1i_cache=_size(kv.get("hw.l1icachesize")),
        l2_cache=_size(kv.get("hw.l2cachesize")), l3_cache=_size(kv.get("hw.l3cachesize")),
        memory_bytes=_int(kv.get("hw.memsize"), 0), source="sysctl")


def _run(cmd):
    env = dict(os.environ, LC_ALL="C", LANG="C")
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env, check=True).stdout


def _read(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError:
        return ""


def detect():
    """Detect this machine's CPU (no cache)."""
    system = platform.system()
    if system == "Darwin":
        try:
            return parse_sysctl(_run(["sysctl", "hw", "machdep.cpu"]))
        except (OSError, subprocess.SubprocessError) as e:
            raise CpuDetectionError(f"sysctl failed: {e}") from e
    if system == "Linux":
        meminfo = _read("/proc/meminfo")
        if shutil.which("lscpu"):
            try:
                return parse_lscpu(_run(["lscpu"]), meminfo)
            except (OSError, subprocess.SubprocessError, CpuDetectionError):
                pass  # fall back to /proc, which every Linux has
        cpuinfo = _read("/proc/cpuinfo")
        if cpuinfo:
            return parse_proc_cpuinfo(cpuinfo, meminfo)
        raise CpuDetectionError("neither lscpu nor /proc/cpuinfo is available")
    raise CpuDetectionError(f"CPU detection is not supported on {system or 'this OS'}; "
                            "cmperf supports Linux and macOS")


def detect_cached(refresh=False):
    """(CpuInfo, from_cache): lscpu/sysctl run once per boot and kernel (see facts_cache)."""
    facts, hit = facts_cache.cached("cpu", lambda: detect().to_dict(), refresh=refresh)
    return CpuInfo.from_dict(facts), hit


def main(argv=None):
    return facts_cache.cli("cpu", detect_cached, (CpuDetectionError,), argv)


if __name__ == "__main__":
    sys.exit(main())

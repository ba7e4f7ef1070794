"""Hardware and OS facts for the results (cm-sut-info.json, run.json); stdlib only."""
import os
import platform
import socket


def _cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gb():
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    try:
        return round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        return None


def host_facts():
    mem = _memory_gb()
    return {
        "hostname": socket.gethostname(),
        "host_processor_model_name": _cpu_model(),
        "host_processor_core_count": os.cpu_count(),
        "host_processors_per_node": 1,
        "host_memory_capacity": f"{mem} GB" if mem is not None else "unknown",
        "operating_system": f"{platform.system()} {platform.release()}",
        "machine": platform.machine(),
        "python_version": platform.python_version(),
        "cpu_affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
    }

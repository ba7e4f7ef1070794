"""Accelerators: NVIDIA (nvidia-smi), AMD (rocm-smi), Apple silicon (Metal via system_profiler).

"No accelerator" is a valid answer (``GpuInfo.vendor == "none"``), never an exception: a
CPU-only machine is a normal benchmark target. A tool that exists but fails (driver not
loaded, no permission) is reported in ``notes`` so the user sees why nothing was found.
"""
import csv
import dataclasses
import io
import json
import platform
import shutil
import subprocess
import sys

from . import facts_cache

NVIDIA_QUERY = "index,name,memory.total,driver_version,uuid,compute_cap,pci.bus_id"


@dataclasses.dataclass
class GpuDevice:
    index: int
    name: str
    memory_mb: int = 0
    driver_version: str = ""
    uuid: str = ""
    compute_capability: str = ""
    bus_id: str = ""


@dataclasses.dataclass
class GpuInfo:
    vendor: str                       # nvidia | amd | apple | none
    devices: list = dataclasses.field(default_factory=list)
    notes: list = dataclasses.field(default_factory=list)

    @property
    def count(self):
        return len(self.devices)

    def to_dict(self):
        return {"vendor": self.vendor, "devices": [dataclasses.asdict(d) for d in self.devices],
                "notes": list(self.notes)}

    @classmethod
    def from_dict(cls, d):
        return cls(d["vendor"], [GpuDevice(**x) for x in d["devices"]], list(d.get("notes", [])))

    def to_env(self):
        first = self.devices[0] if self.devices else None
        env = {
            "CM_HOST_ACCELERATOR_VENDOR": self.vendor,
            "CM_HOST_ACCELERATOR_COUNT": str(self.count),
            "CM_HOST_ACCELERATOR_MODEL_NAME": first.name if first else "",
            "CM_HOST_ACCELERATOR_MEMORY_MB": str(first.memory_mb) if first else "",
            "CM_HOST_ACCELERATOR_DRIVER_VERSION": first.driver_version if first else "",
        }
        if self.vendor == "nvidia":
            # The keys upstream get-cuda-devices exposes (first device).
            env.update({
                "CM_CUDA_NUM_DEVICES": str(self.count),
                "CM_CUDA_DEVICE_PROP_GPU_NAME": first.name,
                "CM_CUDA_DEVICE_PROP_GLOBAL_MEMORY": str(first.memory_mb * 2**20),
                "CM_CUDA_DEVICE_PROP_GPU_COMPUTE_CAPABILITY": first.compute_capability,
                "CM_CUDA_DEVICE_PROP_DRIVER_VERSION": first.driver_version,
                "CM_CUDA_VISIBLE_DEVICES": ",".join(str(d.index) for d in self.devices),
            })
        return env


def _num(value):
    try:
        return int(float(str(value).strip().split()[0]))
    except (ValueError, IndexError):
        return 0


def parse_nvidia_smi(text):
    """Devices from `nvidia-smi --query-gpu=NVIDIA_QUERY --format=csv,noheader,nounits`."""
    devices = []
    for row in csv.reader(io.StringIO(text)):
        row = [c.strip() for c in row]
        if len(row) < 2 or not row[0].isdigit():
            continue
        row += [""] * (7 - len(row))
        devices.append(GpuDevice(index=int(row[0]), name=row[1], memory_mb=_num(row[2]),
                                 driver_version=row[3], uuid=row[4],
                                 compute_capability="" if row[5] == "[N/A]" else row[5], bus_id=row[6]))
    return devices


def parse_rocm_smi(text):
    """Devices from `rocm-smi --showproductname --showmeminfo vram --showdriverversion --json`."""
    data = json.loads(text or "{}")
    driver = str(data.get("system", {}).get("Driver version", ""))
    devices = []
    for key in sorted(k for k in data if k.startswith("card")):
        card = data[key]
        name = card.get("Card series") or card.get("Card SKU") or card.get("Card model") or key
        mem = _num(card.get("VRAM Total Memory (B)", 0)) // 2**20
        devices.append(GpuDevice(index=int(key[4:] or 0), name=name, memory_mb=mem,
                                 driver_version=driver, uuid=str(card.get("Unique ID", ""))))
    return devices


def parse_system_profiler(text):
    """Apple GPUs with Metal support from `system_profiler SPDisplaysDataType -json`."""
    data = json.loads(text or "{}")
    devices = []
    for i, gpu in enumerate(data.get("SPDisplaysDataType", [])):
        metal = gpu.get("spdisplays_mtlgpufamilysupport") or gpu.get("spdisplays_metal", "")
        if not metal:
            continue
        cores = gpu.get("sppci_cores", "")
        name = gpu.get("sppci_model", "Apple GPU") + (f" ({cores} cores)" if cores else "")
        devices.append(GpuDevice(index=i, name=name, driver_version=str(metal)))
    return devices


def _run(cmd):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60)


def _probe(tool, cmd, parse, notes):
    if not shutil.which(tool):
        return []
    try:
        proc = _run(cmd)
    except (OSError, subprocess.SubprocessError) as e:
        notes.append(f"{tool} could not run: {e}")
        return []
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or [""]
        notes.append(f"{tool} failed (exit {proc.returncode}): {tail[0]}")
        return []
    try:
        return parse(proc.stdout)
    except (ValueError, KeyError) as e:
        notes.append(f"{tool} output not understood: {e}")
        return []


def detect():
    """Probe NVIDIA, then AMD, then Apple; the first vendor with devices wins."""
    notes = []
    devices = _probe("nvidia-smi", ["nvidia-smi", f"--query-gpu={NVIDIA_QUERY}",
                                    "--format=csv,noheader,nounits"], parse_nvidia_smi, notes)
    if devices:
        return GpuInfo("nvidia", devices, notes)
    devices = _probe("rocm-smi", ["rocm-smi", "--showproductname", "--showmeminfo", "vram",
                                  "--showdriverversion", "--json"], parse_rocm_smi, notes)
    if devices:
        return GpuInfo("amd", devices, notes)
    if platform.system() == "Darwin" and platform.machine() == "arm64":
        devices = _probe("system_profiler", ["system_profiler", "SPDisplaysDataType", "-json"],
                         parse_system_profiler, notes)
        if devices:
            return GpuInfo("apple", devices, notes)
    return GpuInfo("none", [], notes)


def detect_cached(refresh=False):
    facts, hit = facts_cache.cached("gpu", lambda: detect().to_dict(), refresh=refresh)
    return GpuInfo.from_dict(facts), hit


def main(argv=None):
    return facts_cache.cli("gpu", detect_cached, (), argv)


if __name__ == "__main__":
    sys.exit(main())

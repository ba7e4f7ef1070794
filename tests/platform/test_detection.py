"""OS, CPU and GPU detection: parsers on captured outputs, real tools via fakes on PATH, the facts cache."""
import json
import platform

import pytest

from cmperf.platform import cpu_info, facts_cache, gpu_info, os_info

UBUNTU = 'NAME="Ubuntu"\nVERSION_ID="22.04"\nID=ubuntu\nID_LIKE=debian\n'
ROCKY = 'NAME="Rocky Linux"\nVERSION_ID="9.3"\nID="rocky"\nID_LIKE="rhel centos fedora"\n'

LSCPU_2S = """Architecture:            x86_64
CPU(s):                  128
Vendor ID:               AuthenticAMD
Model name:              AMD EPYC 7742 64-Core Processor
Thread(s) per core:      2
Core(s) per socket:      32
Socket(s):               2
CPU max MHz:             2250.0000
L1d cache:               2 MiB (64 instances)
L1i cache:               2 MiB (64 instances)
L2 cache:                32 MiB (64 instances)
L3 cache:                256 MiB (16 instances)
NUMA node(s):            8
"""
MEMINFO = "MemTotal:       263856772 kB\nMemFree: 1 kB\n"
SYSCTL_M1 = """hw.ncpu: 8
hw.physicalcpu: 8
hw.logicalcpu: 8
hw.packages: 1
hw.memsize: 17179869184
hw.l1dcachesize: 65536
hw.l2cachesize: 4194304
hw.optional.arm64: 1
machdep.cpu.brand_string: Apple M1
"""


def uname(machine="x86_64", release="6.1.0"):
    return platform.uname_result("Linux", "host", release, "#1 SMP", machine)


def test_linux_flavors_and_package_managers():
    ub = os_info.detect_linux(UBUNTU, uname(), which=lambda b: b == "apt-get", environ={})
    env = ub.to_env()
    assert (env["CM_HOST_OS_TYPE"], env["CM_HOST_OS_FLAVOR"], env["CM_HOST_OS_VERSION"]) == ("linux", "ubuntu", "22.04")
    assert env["CM_HOST_OS_PACKAGE_MANAGER"] == "apt" and "apt-get install -y" in env["CM_HOST_OS_PACKAGE_MANAGER_INSTALL_CMD"]
    assert env["CM_HOST_OS_BITS"] == "64" and env["CM_HOST_OS_KERNEL_VERSION"] == "6.1.0"
    rocky = os_info.detect_linux(ROCKY, uname("aarch64"), which=lambda b: b == "yum", environ={})
    assert rocky.flavor == "rocky" and rocky.flavor_like == "rhel centos fedora"
    assert rocky.package_manager == "yum" and rocky.machine == "aarch64"  # dnf absent: yum is found


def test_container_detection(tmp_path):
    assert os_info.in_container(str(tmp_path), environ={}) is False
    assert os_info.in_container(str(tmp_path), environ={"container": "podman"}) is True
    (tmp_path / "proc/1").mkdir(parents=True)
    (tmp_path / "proc/1/cgroup").write_text("0::/kubepods/besteffort/pod1\n")
    assert os_info.in_container(str(tmp_path), environ={}) is True


def test_windows_is_reported_as_unsupported():
    win = os_info.detect_windows(platform.uname_result("Windows", "pc", "10", "10.0.19045", "AMD64"))
    assert win.to_env()["CM_HOST_OS_TYPE"] == "windows" and win.to_env()["CM_HOST_OS_SUPPORTED"] == "no"
    with pytest.raises(os_info.UnsupportedOSError, match="not supported on windows"):
        win.require_supported("installing OS packages")


def test_this_machine_os_round_trips_through_json():
    info = os_info.detect()
    assert os_info.OsInfo.from_dict(json.loads(json.dumps(info.to_dict()))) == info
    assert info.type in ("linux", "darwin") and info.kernel == platform.release()


def test_lscpu_two_sockets():
    c = cpu_info.parse_lscpu(LSCPU_2S, MEMINFO)
    env = c.to_env()
    assert env["CM_HOST_CPU_TOTAL_CORES"] == "128" and env["CM_HOST_CPU_TOTAL_PHYSICAL_CORES"] == "64"
    assert env["CM_HOST_CPU_SOCKETS"] == "2" and env["CM_HOST_CPU_THREADS_PER_CORE"] == "2"
    assert env["CM_HOST_CPU_NUMA_NODES"] == "8" and env["CM_HOST_CPU_MAX_MHZ"] == "2250"
    assert env["CM_HOST_CPU_L3_CACHE_SIZE"] == "256 MiB (16 instances)"
    assert env["CM_HOST_MEMORY_CAPACITY"] == "251.6G" and c.vendor_id == "AuthenticAMD"


def test_proc_cpuinfo_fallback():
    blocks = "\n\n".join(f"processor\t: {i}\nvendor_id\t: GenuineIntel\nmodel name\t: Xeon\n"
                         f"physical id\t: 0\ncore id\t\t: {i // 2}\ncpu MHz\t\t: 2000.0\n" for i in range(4))
    c = cpu_info.parse_proc_cpuinfo(blocks, MEMINFO, machine="x86_64")
    assert (c.logical_cores, c.physical_cores, c.threads_per_core, c.sockets) == (4, 2, 2, 1)


def test_sysctl_apple_silicon():
    c = cpu_info.parse_sysctl(SYSCTL_M1)
    assert c.architecture == "arm64" and c.model_name == "Apple M1" and c.vendor_id == "Apple"
    assert c.l2_cache == "4 MiB" and c.memory_gb == 16 and c.max_mhz == 0


def test_lscpu_garbage_is_an_error():
    with pytest.raises(cpu_info.CpuDetectionError):
        cpu_info.parse_lscpu("lscpu: failed to determine number of CPUs")


@pytest.mark.skipif(platform.system() != "Linux", reason="counts lscpu runs")
def test_second_detection_does_not_rerun_lscpu(fake_bin, tmp_path):
    counter = tmp_path / "lscpu-runs"
    fake_bin("lscpu", f'echo run >> "{counter}"\ncat <<"EOF"\n{LSCPU_2S}EOF\n')
    first, hit1 = cpu_info.detect_cached()
    second, hit2 = cpu_info.detect_cached()
    assert (hit1, hit2) == (False, True) and first == second and first.logical_cores == 128
    assert counter.read_text().count("run") == 1


def test_changed_machine_state_redetects(tmp_path, monkeypatch):
    calls = []
    state = dict(facts_cache.machine_state(), kernel="6.1.0")
    monkeypatch.setattr(facts_cache, "machine_state", lambda: state)
    detect = lambda: calls.append(1) or {"n": len(calls)}
    assert facts_cache.cached("x", detect) == ({"n": 1}, False)
    assert facts_cache.cached("x", detect) == ({"n": 1}, True)
    state["kernel"] = "6.8.0"  # kernel upgrade / reboot
    assert facts_cache.cached("x", detect) == ({"n": 2}, False)
    assert facts_cache.cached("x", detect, refresh=True) == ({"n": 3}, False)


def test_corrupt_cache_file_is_ignored(tmp_path):
    facts_cache.store("y", {"a": 1})
    path = tmp_path / "facts" / "y.json"
    path.write_text("{not json")
    assert facts_cache.load("y") is None


NVIDIA_CSV = ("0, NVIDIA H100 80GB HBM3, 81559, 550.54.15, GPU-1234, 9.0, 00000000:19:00.0\n"
              "1, NVIDIA H100 80GB HBM3, 81559, 550.54.15, GPU-5678, 9.0, 00000000:3B:00.0\n")


def test_nvidia_smi_devices(fake_bin):
    fake_bin("nvidia-smi", f'cat <<"EOF"\n{NVIDIA_CSV}EOF\n')
    info = gpu_info.detect()
    env = info.to_env()
    assert info.vendor == "nvidia" and info.count == 2
    assert env["CM_CUDA_NUM_DEVICES"] == "2" and env["CM_CUDA_DEVICE_PROP_GPU_COMPUTE_CAPABILITY"] == "9.0"
    assert env["CM_HOST_ACCELERATOR_MODEL_NAME"] == "NVIDIA H100 80GB HBM3" and env["CM_CUDA_VISIBLE_DEVICES"] == "0,1"


def test_broken_driver_is_no_accelerator_with_a_note(fake_bin):
    fake_bin("nvidia-smi", 'echo "NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver" >&2\nexit 9\n')
    fake_bin("rocm-smi", "exit 2\n")
    info = gpu_info.detect()
    assert info.vendor == "none" and info.count == 0 and info.to_env()["CM_HOST_ACCELERATOR_COUNT"] == "0"
    assert any("could not communicate" in n for n in info.notes)


def test_rocm_and_apple_parsers():
    rocm = json.dumps({"card0": {"Card series": "Instinct MI250X", "VRAM Total Memory (B)": "68702699520"},
                       "system": {"Driver version": "6.3.6"}})
    (d,) = gpu_info.parse_rocm_smi(rocm)
    assert d.name == "Instinct MI250X" and d.memory_mb == 65520 and d.driver_version == "6.3.6"
    apple = json.dumps({"SPDisplaysDataType": [{"sppci_model": "Apple M2 Max", "sppci_cores": "38",
                                                "spdisplays_mtlgpufamilysupport": "spdisplays_metal3"}]})
    (a,) = gpu_info.parse_system_profiler(apple)
    assert a.name == "Apple M2 Max (38 cores)" and "metal3" in a.driver_version


@pytest.mark.parametrize("module,key", [("os_info", "CM_HOST_OS_TYPE="), ("cpu_info", "CM_HOST_CPU_TOTAL_CORES="),
                                        ("gpu_info", "CM_HOST_ACCELERATOR_VENDOR=")])
def test_modules_run_as_commands(module, key):
    import os
    import subprocess
    import sys
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    proc = subprocess.run([sys.executable, "-m", f"cmperf.platform.{module}", "--env"], capture_output=True,
                          text=True, env=dict(os.environ, PYTHONPATH=root), timeout=60)
    assert proc.returncode == 0 and key in proc.stdout, proc.stderr

"""Platform details for a submission's system description and a run's README: the output of
standard read-only commands. Never prompts: privileged commands run only through `sudo -n`
(non-interactive) when asked for, and are reported as skipped if sudo would need a password."""
import os
import platform
import shutil
import subprocess

from ..core import progress

# (title, argv); a command missing on this OS is reported as such, not an error
COMMANDS = [
    ("uname -a", ["uname", "-a"]),
    ("lscpu", ["lscpu"]),
    ("nproc", ["nproc"]),
    ("free -h", ["free", "-h"]),
    ("numactl --hardware", ["numactl", "--hardware"]),
    ("lsblk", ["lsblk"]),
    ("df -h", ["df", "-h"]),
    ("cat /proc/meminfo", ["cat", "/proc/meminfo"]),
    ("cat /proc/cmdline", ["cat", "/proc/cmdline"]),
    ("cpupower frequency-info", ["cpupower", "frequency-info"]),
    ("sysctl -a hw machdep.cpu (macOS)", ["sysctl", "hw", "machdep.cpu"]),
    ("sw_vers (macOS)", ["sw_vers"]),
    ("nvidia-smi", ["nvidia-smi"]),
]
PRIVILEGED = [("dmidecode (sudo -n)", ["sudo", "-n", "dmidecode"])]


def _run(argv, timeout=30):
    if shutil.which(argv[0]) is None:
        return None, f"({argv[0]} not installed)"
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, f"(failed: {e})"
    if p.returncode:
        return p.returncode, (p.stdout + p.stderr).strip() or f"(exit status {p.returncode})"
    return 0, p.stdout.rstrip()


def collect(use_sudo=False):
    """[(title, rc or None, text)] for every command; sudo commands only with use_sudo (never prompting)."""
    commands = COMMANDS + (PRIVILEGED if use_sudo else [])
    out = [("python platform", 0, f"{platform.platform()} | python {platform.python_version()} | "
                                  f"machine {platform.machine()} | cpus {os.cpu_count()}")]
    with progress.Task("platform details", total=len(commands), unit="commands") as task:
        for title, argv in commands:
            rc, text = _run(argv)
            out.append((title, rc, text))
            task.advance(1)
    return out


def as_text(details):
    parts = []
    for title, rc, text in details:
        parts.append(f"## {title}\n{text}\n")
    return "\n".join(parts)

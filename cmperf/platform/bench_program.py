"""Run a benchmark command the way upstream's benchmark-program does: in a directory, with an
optional prefix (numactl, taskset, perf ...) and pre/post commands, timed, its output teed to a
log file. A non-zero exit is an error naming the command and the log."""
import os
import shlex
import subprocess
import time

from ..core import progress
from ..core.errors import CmperfError


class BenchmarkFailed(CmperfError):
    pass


def command_line(run_cmd, prefix="", pre=(), post=()):
    """The shell command: pre-commands, then PREFIX RUN_CMD, then post-commands, stopping at the first failure."""
    if not run_cmd:
        raise BenchmarkFailed("no command to benchmark: set CM_RUN_CMD (or --run_cmd)")
    main = f"{prefix.strip()} {run_cmd}".strip()
    return " && ".join([*[c for c in pre if c], main, *[c for c in post if c]])


def run(cmd, cwd, log_path, env=None, label="benchmark"):
    """Run cmd (a shell line) in cwd, output to the terminal and log_path; return seconds taken."""
    if not os.path.isdir(cwd):
        raise BenchmarkFailed(f"run directory not found: {cwd}")
    started = time.monotonic()
    progress.emit("benchmark-start", label=label, command=cmd, cwd=cwd)
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(["bash", "-c", cmd], cwd=cwd, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        for line in proc.stdout:
            print(line, end="")
            log.write(line)
        rc = proc.wait()
    seconds = time.monotonic() - started
    progress.emit("benchmark-end", label=label, rc=rc, seconds=round(seconds, 3))
    if rc:
        raise BenchmarkFailed(f"{label} failed with exit status {rc}: {cmd} (output in {log_path})")
    return seconds


def split_commands(value):
    """CM_PRE_RUN_CMDS / CM_POST_RUN_CMDS: a list, or one string of commands separated by ';;'."""
    if isinstance(value, list):
        return [str(v) for v in value]
    return [c.strip() for c in str(value or "").split(";;") if c.strip()]


def quote(path):
    return shlex.quote(path)

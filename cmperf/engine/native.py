"""Run a script's run.sh with the env exported, and read back what it exports.

The wrapper `tmp-run.sh` exports every env value single-quoted (so `=`, quotes, spaces
and `$()` reach the script verbatim and are never executed) and sources the script, as
upstream CM does. The script may write `KEY=VALUE` lines to `tmp-run-env.out` (split on
the first `=` only) and JSON to `tmp-run-state.json` in its working directory.

What the engine itself writes (the wrapper, the state it hands over, the log of a run outside
the cache) lives in a private temp dir (0700, files 0600), never in the user's directory;
values whose names say they are secrets (GH_TOKEN, *PASSWORD*, ...) are passed in the
process environment and never written to disk. The script runs in a process group of its own
whose leader dies with cm (Linux: PR_SET_PDEATHSIG), taking every process of the group with
it, so nothing keeps running after `kill -9` of cm; on an exception or Ctrl-C in the engine
the group is terminated.
"""
import collections
import json
import os
import platform
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from .envs import list_key_export

ENV_OUT = "tmp-run-env.out"
STATE_OUT = "tmp-run-state.json"
WRAPPER = "tmp-run.sh"
LOG = "tmp-run.log"
TMP_FILES = (ENV_OUT, STATE_OUT, WRAPPER, "tmp-state.json", "tmp-ver.out")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
TAIL_LINES = 20
BUILDING_FILE = ".cmperf-building"     # the cache's marker of a build dir (see cache.py)
# whole name parts only: GH_TOKEN, HF_TOKEN, *_PASSWORD, AWS_SECRET_ACCESS_KEY, but not *_TOKENIZED_*
SECRET = re.compile(r"(^|_)(TOKEN|PASSWORD|PASSWD|SECRET|CREDENTIALS?|API_?KEY|ACCESS_KEY)(_|$)", re.I)
_last_command = ""


def is_secret(name):
    return bool(SECRET.search(str(name)))


def last_command():
    """How to re-run the last script by hand (the wrapper and the directory it ran in)."""
    return _last_command


def host_os_info():
    system = platform.system().lower()
    return {
        "platform": "darwin" if system == "darwin" else ("windows" if system == "windows" else "linux"),
        "bat_ext": ".sh", "env_separator": ":", "env_var": "${env_var}",
        "set_env": "export ${key}=\"${value}\"", "start_script": ["#!/bin/bash", ""],
        "run_local_bat": ". ./${bat_file}", "run_local_bat_from_python": "bash -c \". ./${bat_file}\"",
        "run_bat": ". ./${bat_file}", "python_bin": "python3", "env_pythonpath": "PYTHONPATH",
        "rm": "rm -f ${file}",
    }


def choose_script(script_dir, name, env):
    """Most specific existing `<name>-<flavor>-<version>-<platform>.sh`, down to `<name>.sh`."""
    flavor = env.get("CM_HOST_OS_FLAVOR") or ("macos" if sys.platform == "darwin" else "")
    version = env.get("CM_HOST_OS_VERSION", "")
    arch = env.get("CM_HOST_PLATFORM_FLAVOR") or platform.machine()
    candidates = []
    if flavor:
        if version:
            candidates += [f"{name}-{flavor}-{version}-{arch}", f"{name}-{flavor}-{version}"]
        candidates += [f"{name}-{flavor}-{arch}", f"{name}-{flavor}"]
    if sys.platform == "darwin":
        candidates.append(f"{name}-macos")
    candidates.append(name)
    for candidate in candidates:
        path = os.path.join(script_dir, candidate + ".sh")
        if os.path.isfile(path):
            return path
    return None


def export_lines(env, secrets=None):
    """`export` lines for the wrapper; secret values go to `secrets` (the process env) instead."""
    lines = []
    for key, value in env.items():
        if key.startswith("+"):
            name, sep = list_key_export(key, value)
            if not _NAME.match(name):
                continue
            items = [str(v) for v in (value if isinstance(value, list) else [value])]
            joined = sep.join(shlex.quote(v) for v in items)
            lines.append(f'export {name}={joined}{shlex.quote(sep)}"${{{name}}}"' if items else "")
            continue
        if not _NAME.match(key):
            continue
        if isinstance(value, (dict, list)):
            value = json.dumps(value)
        if secrets is not None and is_secret(key):
            secrets[key] = str(value)
            lines.append(f"# {key}: passed in the process environment, not written to disk")
            continue
        lines.append(f"export {key}={shlex.quote(str(value))}")
    return [line for line in lines if line]


# The directory holding the `cmperf` package: scripts run `python -m cmperf...` with whatever
# interpreter they selected (a venv of their own, say), so it must be importable there too.
PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def write_wrapper(script_path, directory, env, prefix=(), secrets=None):
    """The wrapper, private (0600): it holds env values. The script runs in a subshell the
    wrapper waits for, so a parent-death signal (HUP) can kill the whole group at once."""
    path = os.path.join(directory, WRAPPER)
    pythonpath = f'export PYTHONPATH={shlex.quote(PACKAGE_ROOT)}"${{PYTHONPATH:+:$PYTHONPATH}}"'
    body = ["#!/bin/bash", *prefix, *export_lines(env, secrets), pythonpath,
            "trap 'kill -KILL -- -$$' HUP", f"( . {shlex.quote(script_path)} ) &", "wait $!", ""]
    _write_private(path, "\n".join(body))
    return path


def _write_private(path, text):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(fd, "w", encoding="utf-8") as f:
        f.write(text)


def _die_with_parent_fn():
    """preexec_fn for Linux: HUP the wrapper when cm dies (even by SIGKILL)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def preexec():
        prctl(1, signal.SIGHUP, 0, 0, 0)    # PR_SET_PDEATHSIG
        if os.getppid() != parent:          # cm died before prctl took effect
            os.kill(os.getpid(), signal.SIGKILL)
    return preexec


def _stop_group(proc, grace=2.0):
    """Terminate the script's whole process group (TERM, then KILL after `grace` seconds)."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        pass
    deadline = time.monotonic() + grace
    while proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def run(script_path, workdir, env, state, *, prefix=(), silent=False, log_path=None, stream=None):
    """Run the script; return (rc, tail_lines, exported_env, exported_state, log_path)."""
    global _last_command
    for name in (ENV_OUT, STATE_OUT):
        try:
            os.remove(os.path.join(workdir, name))
        except (FileNotFoundError, PermissionError):
            pass
    private = tempfile.mkdtemp(prefix="cmperf-run-")      # 0700
    _write_private(os.path.join(private, "tmp-state.json"), json.dumps(state))
    secrets = {}
    wrapper = write_wrapper(script_path, private, env, prefix, secrets)
    in_build = os.path.exists(os.path.join(workdir, BUILDING_FILE))
    log_path = log_path or os.path.join(workdir if in_build else private, LOG)
    _last_command = f"bash {wrapper} (in {workdir})"
    tail = collections.deque(maxlen=TAIL_LINES)
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    ok = False
    with open(fd, "w", encoding="utf-8", errors="replace") as log:
        proc = subprocess.Popen(["bash", wrapper], cwd=workdir, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env={**os.environ, **secrets}, start_new_session=True,
                                preexec_fn=_die_with_parent_fn())
        try:
            for raw in iter(proc.stdout.readline, b""):
                line = raw.decode("utf-8", errors="replace")
                log.write(line)
                tail.append(line.rstrip("\n"))
                if not silent:
                    (stream or sys.stdout).write(line)
                    (stream or sys.stdout).flush()
            rc = proc.wait()
            ok = rc == 0
        except BaseException:       # Ctrl-C or an error in the engine: nothing keeps running
            _stop_group(proc)
            raise
        finally:
            proc.stdout.close()
        try:    # the script's own background children never outlive it either
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    if ok or in_build:
        shutil.rmtree(private, ignore_errors=True)   # kept after a failure outside the cache: the log
    return rc, list(tail), read_env_out(workdir), read_state_out(workdir), log_path


def read_env_out(workdir):
    env = {}
    try:
        with open(os.path.join(workdir, ENV_OUT), encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\n")
                if "=" not in line or line.lstrip().startswith("#"):
                    continue
                key, value = line.split("=", 1)
                key = key.strip()
                if key.startswith("export "):
                    key = key[len("export "):].strip()
                if key:
                    env[key] = value
    except FileNotFoundError:
        pass
    return env


def read_state_out(workdir):
    try:
        with open(os.path.join(workdir, STATE_OUT), encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return {}


def clean_tmp_files(workdir, keep_log=False):
    for name in TMP_FILES + (() if keep_log else (LOG,)):
        try:
            os.remove(os.path.join(workdir, name))
        except (FileNotFoundError, PermissionError):
            pass

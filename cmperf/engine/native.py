"""Run a script's run.sh with the env exported, and read back what it exports.

The wrapper `tmp-run.sh` exports every env value single-quoted (so `=`, quotes, spaces
and `$()` reach the script verbatim and are never executed) and sources the script, as
upstream CM does. The script may write `KEY=VALUE` lines to `tmp-run-env.out` (split on
the first `=` only) and JSON to `tmp-run-state.json`.
"""
import collections
import json
import os
import platform
import re
import shlex
import subprocess
import sys

from .envs import list_key_export

ENV_OUT = "tmp-run-env.out"
STATE_OUT = "tmp-run-state.json"
WRAPPER = "tmp-run.sh"
LOG = "tmp-run.log"
TMP_FILES = (ENV_OUT, STATE_OUT, WRAPPER, "tmp-state.json", "tmp-ver.out")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
TAIL_LINES = 20


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


def export_lines(env):
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
        lines.append(f"export {key}={shlex.quote(str(value))}")
    return [line for line in lines if line]


# The directory holding the `cmperf` package: scripts run `python -m cmperf...` with whatever
# interpreter they selected (a venv of their own, say), so it must be importable there too.
PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def write_wrapper(script_path, workdir, env, prefix=()):
    path = os.path.join(workdir, WRAPPER)
    pythonpath = f'export PYTHONPATH={shlex.quote(PACKAGE_ROOT)}"${{PYTHONPATH:+:$PYTHONPATH}}"'
    body = ["#!/bin/bash", *prefix, *export_lines(env), pythonpath, f". {shlex.quote(script_path)}", ""]
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(body))
    return path


def run(script_path, workdir, env, state, *, prefix=(), silent=False, log_path=None, stream=None):
    """Run the script; return (rc, tail_lines, exported_env, exported_state, log_path)."""
    for name in (ENV_OUT, STATE_OUT):
        try:
            os.remove(os.path.join(workdir, name))
        except FileNotFoundError:
            pass
    with open(os.path.join(workdir, "tmp-state.json"), "w", encoding="utf-8") as f:
        json.dump(state, f)
    write_wrapper(script_path, workdir, env, prefix)
    log_path = log_path or os.path.join(workdir, LOG)
    tail = collections.deque(maxlen=TAIL_LINES)
    with open(log_path, "w", encoding="utf-8", errors="replace") as log:
        proc = subprocess.Popen(["bash", "-c", f". ./{WRAPPER}"], cwd=workdir, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        for raw in iter(proc.stdout.readline, b""):
            line = raw.decode("utf-8", errors="replace")
            log.write(line)
            tail.append(line.rstrip("\n"))
            if not silent:
                (stream or sys.stdout).write(line)
                (stream or sys.stdout).flush()
        rc = proc.wait()
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
        except FileNotFoundError:
            pass

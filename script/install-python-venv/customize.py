import os

from cmperf.platform import PlatformError, python_env
from cmperf.platform.cm_hooks import hook


def cache_fingerprint(i):
    name = i["env"].get("CM_NAME", "")
    return {"return": 0, "fingerprint": python_env.venv_fingerprint(name) if name else ""}


@hook
def plan(i):
    """Refuse a missing name before anything runs; say whether the venv is made or reused."""
    name = i["env"].get("CM_NAME", "")
    if not name:
        raise PlatformError("install-python-venv needs --name=NAME (select it later with --adr.python.name=NAME)")
    path = os.path.join(python_env.venv_root(), name)
    if os.path.isdir(path):
        return {"actions": [{"kind": "note", "text": f"reuses the virtual environment {path}"}]}
    return {"actions": [{"kind": "note", "text": f"creates the virtual environment {path} (with pip)"}]}


@hook
def preprocess(i):
    env = i["env"]
    name = env.get("CM_NAME", "")
    if not name:
        raise PlatformError("install-python-venv needs --name=NAME (select it later with --adr.python.name=NAME)")
    info = python_env.create_venv(name, base_python=env.get("CM_PYTHON_BIN_WITH_PATH") or None)
    python_env.link_checkout(info, os.path.dirname(os.path.dirname(os.path.dirname(python_env.__file__))))
    env.update(info.to_env())
    env["CM_VIRTUAL_ENV_PATH"] = os.path.dirname(info.bin_dir)
    env["CM_VIRTUAL_ENV_NAME"] = name
    env["+PATH"] = [info.bin_dir]
    return {"version": info.version}

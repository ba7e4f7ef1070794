import os
import sys

from cmperf.platform import python_env, versions
from cmperf.platform.cm_hooks import hook


def cache_fingerprint(i):
    # A deleted or rebuilt named venv must not be served from the cache.
    name = i["env"].get("CM_NAME", "")
    return {"return": 0, "fingerprint": python_env.venv_fingerprint(name) if name else ""}


@hook
def preprocess(i):
    env = i["env"]
    want = (env.get("CM_VERSION"), env.get("CM_VERSION_MIN"), env.get("CM_VERSION_MAX"))
    name, path = env.get("CM_NAME", ""), env.get("CM_TMP_PATH", "")
    if name:
        info = python_env.find_venv(name)
        if info is None:
            raise python_env.PythonNotFoundError(
                f"no Python virtual environment named {name!r} in {python_env.venv_root()}; create it with "
                f"`cm run script \"install python-venv\" --name={name}`")
        if not versions.satisfies(info.version, *want):
            raise python_env.PythonNotFoundError(
                f"venv {name!r} has Python {info.version}, which does not satisfy {versions.describe(*want)}")
    elif path and os.path.isfile(path):
        info = python_env.find_python(*want, path=path)
    else:
        search = path or os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])
        info = python_env.find_python(*want, search_path=search) if path else _default(want, search)
    env.update(info.to_env())
    env.setdefault("+PATH", []).append(info.bin_dir)
    return {"version": info.version}


def _default(want, search):
    """The Python that runs cm (it has cmperf's dependencies) if it fits, else PATH."""
    here = python_env.probe(sys.executable)
    if here and versions.satisfies(here.version, *want):
        return here
    return python_env.find_python(*want, search_path=search)

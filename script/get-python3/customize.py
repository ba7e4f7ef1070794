import os
import sys

from cmperf.core import versions
from cmperf.platform import python_env
from cmperf.platform.cm_hooks import hook

CHECKOUT = os.path.dirname(os.path.dirname(os.path.dirname(python_env.__file__)))


def cache_fingerprint(i):
    # A deleted or rebuilt named venv must not be served from the cache.
    name = i["env"].get("CM_NAME", "")
    return {"return": 0, "fingerprint": python_env.venv_fingerprint(name) if name else ""}


@hook
def plan(i):
    """Which interpreter a run would use; an impossible version constraint fails here."""
    env = i["env"]
    want = (env.get("CM_VERSION"), env.get("CM_VERSION_MIN"), env.get("CM_VERSION_MAX"))
    name, path = env.get("CM_NAME", ""), env.get("CM_TMP_PATH", "")
    if name:
        where = os.path.join(python_env.venv_root(), name)
        verb = "uses" if os.path.isdir(where) else "creates"
        return {"actions": [{"kind": "note", "text": f"{verb} the virtual environment {where}"}]}
    if not i.get("plan_only"):
        return {"actions": []}        # preprocess probes the interpreters right after
    search = path or os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])
    if path and os.path.isfile(path):
        info = python_env.find_python(*want, path=path)
    else:
        info = python_env.find_python(*want, search_path=search) if path else _default(want, search)
    return {"actions": [{"kind": "note", "text": f"uses {info.path} (Python {info.version})"}]}


@hook
def preprocess(i):
    env = i["env"]
    want = (env.get("CM_VERSION"), env.get("CM_VERSION_MIN"), env.get("CM_VERSION_MAX"))
    name, path = env.get("CM_NAME", ""), env.get("CM_TMP_PATH", "")
    search = path or os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])
    if name:
        info = python_env.find_venv(name)
        if info is None:  # first use of --adr.python.name=NAME: make it, as install-python-venv would
            base = _default(want, search)
            info = python_env.create_venv(name, base_python=base.path)
            python_env.link_checkout(info, CHECKOUT)
            print(f"get-python3: created virtual environment {name!r} at {os.path.dirname(info.bin_dir)} "
                  f"from {base.path} ({base.version})")
        if not versions.satisfies(info.version, *want):
            raise python_env.PythonNotFoundError(
                f"venv {name!r} has Python {info.version}, which does not satisfy {versions.describe(*want)}")
    elif path and os.path.isfile(path):
        info = python_env.find_python(*want, path=path)
    else:
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

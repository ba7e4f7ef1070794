import os
import re

from cmperf.core import progress, versions
from cmperf.platform import PlatformError, pip_install, python_packages
from cmperf.platform.cm_hooks import hook, is_yes


@hook
def plan(i):
    """What preprocess would install, without installing: a pip action, or a note when present."""
    env = i["env"]
    name, shortcut = _package(env)
    asked = _asked(env)
    spec = versions.pip_specifier(*python_packages.constraint(shortcut, *asked))
    python = env.get("CM_PYTHON_BIN_WITH_PATH", "")
    # Asking the interpreter costs a subprocess: only when the user asked to see the plan.
    if i.get("plan_only") and python and os.path.exists(python) \
            and not is_yes(env.get("CM_GENERIC_PYTHON_FORCE_INSTALL")):
        for dist in (name, *python_packages.satisfied_by(shortcut)):
            have = pip_install.installed_version(python, dist)
            if have and versions.satisfies(have, *asked):   # a pin never replaces what is installed
                return {"actions": [{"kind": "note", "text": f"{dist} {have} is already installed in {python}",
                                     "package": dist, "version": have}]}
    return {"actions": [{"kind": "pip", "package": name, "spec": spec, "python": python or None}]}


def _asked(env):
    """The user's (exact, min, max): --version/--version_min/--version_max."""
    return env.get("CM_VERSION", ""), env.get("CM_VERSION_MIN", ""), env.get("CM_VERSION_MAX", "")


def _package(env):
    name = env.get("CM_GENERIC_PYTHON_PACKAGE_NAME", "")
    shortcut = env.get("CM_GENERIC_PYTHON_PACKAGE_VARIANT", "")
    if shortcut:
        name = python_packages.resolve(shortcut)
    if not name:
        raise PlatformError("no package selected: add _package.NAME or a shortcut such as _numpy")
    return name, shortcut


@hook
def preprocess(i):
    env = i["env"]
    name, shortcut = _package(env)
    python = env.get("CM_PYTHON_BIN_WITH_PATH", "")
    if not python:
        raise PlatformError("CM_PYTHON_BIN_WITH_PATH is not set: the get,python3 dependency did not run")
    extra = [u for u in env.get("CM_GENERIC_PYTHON_PIP_EXTRA_INDEX_URL", "").split(",") if u]
    # a pip install is long work: the engine's reporter shows it (cmperf.core.progress)
    with progress.Task(f"pip {name}", action="pip", package=name) as task:
        version, version_min, version_max = _asked(env)
        r = pip_install.ensure(python, name, version or None, version_min or None, version_max or None,
                               pin=python_packages.pin(shortcut) or None,
                               index_url=env.get("CM_GENERIC_PYTHON_PIP_INDEX_URL") or None,
                               extra_index_urls=extra,
                               no_deps=is_yes(env.get("CM_GENERIC_PYTHON_PIP_NO_DEPS")),
                               force=is_yes(env.get("CM_GENERIC_PYTHON_FORCE_INSTALL")),
                               conflicts=python_packages.conflicts(shortcut),
                               satisfied_by=python_packages.satisfied_by(shortcut))
        task.detail = "installed" if r.installed_now else "already installed"
    key = re.sub(r"[^A-Z0-9]", "_", name.upper())
    env[f"CM_PYTHONLIB_{key}_VERSION"] = r.version
    env[f"CM_PYTHONLIB_{key}_PYTHON"] = r.python
    print(f"{name} {r.version} {'installed' if r.installed_now else 'already installed'} in {python}")
    return {"version": r.version}

import re

from cmperf.platform import PlatformError, pip_install, python_packages
from cmperf.platform.cm_hooks import hook, is_yes


@hook
def preprocess(i):
    env = i["env"]
    name = env.get("CM_GENERIC_PYTHON_PACKAGE_NAME", "")
    shortcut = env.get("CM_GENERIC_PYTHON_PACKAGE_VARIANT", "")
    if shortcut:
        name = python_packages.resolve(shortcut)
    if not name:
        raise PlatformError("no package selected: add _package.NAME or a shortcut such as _numpy")
    python = env.get("CM_PYTHON_BIN_WITH_PATH", "")
    if not python:
        raise PlatformError("CM_PYTHON_BIN_WITH_PATH is not set: the get,python3 dependency did not run")
    extra = [u for u in env.get("CM_GENERIC_PYTHON_PIP_EXTRA_INDEX_URL", "").split(",") if u]
    r = pip_install.ensure(python, name, env.get("CM_VERSION") or None, env.get("CM_VERSION_MIN") or None,
                           env.get("CM_VERSION_MAX") or None,
                           index_url=env.get("CM_GENERIC_PYTHON_PIP_INDEX_URL") or None, extra_index_urls=extra,
                           no_deps=is_yes(env.get("CM_GENERIC_PYTHON_PIP_NO_DEPS")),
                           force=is_yes(env.get("CM_GENERIC_PYTHON_FORCE_INSTALL")),
                           conflicts=python_packages.conflicts(shortcut))
    key = re.sub(r"[^A-Z0-9]", "_", name.upper())
    env[f"CM_PYTHONLIB_{key}_VERSION"] = r.version
    env[f"CM_PYTHONLIB_{key}_PYTHON"] = r.python
    print(f"{name} {r.version} {'installed' if r.installed_now else 'already installed'} in {python}")
    return {"version": r.version}

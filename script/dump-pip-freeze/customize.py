"""pip freeze of the workflow's Python (logic in cmperf.platform.pip_freeze)."""
import os

from cmperf.core.cm_hook import cm_hook
from cmperf.core.truth import is_true
from cmperf.platform import owned_file, pip_freeze


@cm_hook
def preprocess(i):
    env, state = i["env"], i["state"]
    packages = pip_freeze.freeze(env["CM_PYTHON_BIN_WITH_PATH"])
    state["pip_freeze"] = packages
    if not is_true(env.get("CM_DUMP_PIP_FREEZE_NO_FILE")):
        path = os.path.join(env.get("CM_DUMP_PIP_FREEZE_DIR") or os.getcwd(), "pip_freeze.raw")
        env["CM_DUMP_PIP_FREEZE_FILE_PATH"] = owned_file.write(
            path, f"dump-pip-freeze of {env['CM_PYTHON_BIN_WITH_PATH']}", pip_freeze.as_text(packages))
    print(f"{len(packages)} packages in {env['CM_PYTHON_BIN_WITH_PATH']}")

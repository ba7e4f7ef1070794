"""Detect the tool (logic in cmperf.platform.tools)."""
from cmperf.core.cm_hook import cm_hook
from cmperf.platform import tools


@cm_hook
def preprocess(i):
    return {"version": tools.detect_into_env("gcc", i["env"])}


@cm_hook
def plan(i):
    """Detection is read-only: a missing tool or a version outside --version* is refused before anything runs."""
    version = tools.detect_into_env("gcc", dict(i["env"]))
    return {"actions": [{"kind": "note", "text": f"gcc {version} found"}]}

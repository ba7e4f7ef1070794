"""Detect the tool (logic in cmperf.platform.tools)."""
from cmperf.core.cm_hook import cm_hook
from cmperf.platform import tools


@cm_hook
def preprocess(i):
    return {"version": tools.detect_into_env("cmake", i["env"])}

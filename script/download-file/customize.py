from cmperf.platform import script_env
from cmperf.platform.cm_hooks import hook


@hook
def plan(i):
    """URL, size (CM_DOWNLOAD_SIZE when known), checksum and path; no network, no writes."""
    return {"actions": script_env.plan_fetch(dict(i["env"]))}


@hook
def preprocess(i):
    script_env.fetch(i["env"])

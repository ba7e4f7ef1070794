from cmperf.platform import script_env
from cmperf.platform.cm_hooks import hook


@hook
def plan(i):
    """What would be extracted where, under which limits; refuses bad input before anything runs."""
    return {"actions": script_env.plan_unpack(dict(i["env"]))}


@hook
def preprocess(i):
    script_env.unpack(i["env"])

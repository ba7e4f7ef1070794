from cmperf.platform import script_env
from cmperf.platform.cm_hooks import hook


@hook
def preprocess(i):
    script_env.fetch(i["env"])

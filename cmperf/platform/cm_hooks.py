"""Glue shared by the platform scripts' customize.py hooks (kept tiny on purpose).

Hooks speak CM's return-dict protocol; the library raises exceptions. ``hook`` converts one
into the other so each customize.py is a few lines that call the library.
"""
from cmperf.core.cm_hook import cm_hook
from cmperf.core.truth import is_true

# One truthiness rule and one hook decorator for every area (cmperf.core).
is_yes = is_true
hook = cm_hook


def urls_from_env(env, key="CM_DOWNLOAD_URL"):
    """The official URL then mirrors KEY1..KEY9, as upstream's download-file reads them."""
    urls = [env.get(key, "")] + [env.get(f"{key}{n}", "") for n in range(1, 10)]
    return [u for u in urls if u]


def set_final_env(env, name_key, value):
    """Upstream's CM_*_FINAL_ENV_NAME: also publish ``value`` under the env name it holds."""
    name = env.get(name_key, "")
    if name:
        env[name] = value

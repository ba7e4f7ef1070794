"""Glue shared by the platform scripts' customize.py hooks (kept tiny on purpose).

Hooks speak CM's return-dict protocol; the library raises exceptions. ``hook`` converts one
into the other so each customize.py is a few lines that call the library.
"""
import functools

from . import PlatformError

_YES = ("yes", "on", "true", "1")


def is_yes(value):
    return str(value or "").strip().lower() in _YES


def hook(fn):
    """Wrap a customize.py hook: PlatformError/ValueError/OSError -> {'return': 1, 'error': msg}.

    OSError covers a full disk or an unwritable directory; its message names the path.
    """
    @functools.wraps(fn)
    def wrapper(i):
        try:
            r = fn(i)
        except (PlatformError, ValueError) as e:
            return {"return": 1, "error": str(e)}
        except OSError as e:
            return {"return": 1, "error": f"{type(e).__name__}: {e}"}
        return {"return": 0} if r is None else {"return": 0, **r}
    return wrapper


def urls_from_env(env, key="CM_DOWNLOAD_URL"):
    """The official URL then mirrors KEY1..KEY9, as upstream's download-file reads them."""
    urls = [env.get(key, "")] + [env.get(f"{key}{n}", "") for n in range(1, 10)]
    return [u for u in urls if u]


def set_final_env(env, name_key, value):
    """Upstream's CM_*_FINAL_ENV_NAME: also publish ``value`` under the env name it holds."""
    name = env.get(name_key, "")
    if name:
        env[name] = value

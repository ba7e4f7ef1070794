"""customize.py hooks speak CM's return-dict protocol; the libraries raise exceptions.

``cm_hook`` converts one into the other, so each hook is a few lines that call a library.
"""
import functools

from .errors import CmperfError


def cm_hook(fn):
    """Wrap a hook: CmperfError/ValueError/OSError -> {'return': 1, 'error': msg}; None -> {'return': 0}.

    OSError covers a full disk or an unwritable directory; its message names the path.
    """
    @functools.wraps(fn)
    def wrapper(i):
        try:
            r = fn(i)
        except (CmperfError, ValueError) as e:
            return {"return": 1, "error": str(e)}
        except OSError as e:
            return {"return": 1, "error": f"{type(e).__name__}: {e}"}
        return {"return": 0} if r is None else {"return": 0, **r}
    return wrapper

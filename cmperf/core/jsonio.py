"""Read a JSON object from a file; every failure names the file."""
import json

from .errors import CmperfError


class JsonFileError(CmperfError):
    """A JSON file is missing, unreadable, malformed or not an object."""


_RAISE = object()


def load_json_object(path, what="JSON file", error=JsonFileError, missing=_RAISE):
    """The object in ``path``. Failures raise ``error`` (a caller's domain error, a CmperfError)
    naming the file; a missing file returns ``missing`` when one is given (an optional file)."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except FileNotFoundError:
        if missing is not _RAISE:
            return missing
        raise error(f"{what} not found: {path}") from None
    except json.JSONDecodeError as e:
        raise error(f"{what} {path} is not valid JSON: line {e.lineno}: {e.msg}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise error(f"{what} {path} cannot be read: {e}") from None
    if not isinstance(data, dict):
        raise error(f"{what} {path} must hold a JSON object, not {type(data).__name__}")
    return data

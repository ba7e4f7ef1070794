"""Read a JSON object from a file; every failure names the file."""
import json

from .errors import CmperfError


class JsonFileError(CmperfError):
    """A JSON file is missing, unreadable, malformed or not an object."""


def load_json_object(path, what="JSON file"):
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except FileNotFoundError:
        raise JsonFileError(f"{what} not found: {path}") from None
    except json.JSONDecodeError as e:
        raise JsonFileError(f"{what} {path} is not valid JSON: line {e.lineno}: {e.msg}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise JsonFileError(f"{what} {path} cannot be read: {e}") from None
    if not isinstance(data, dict):
        raise JsonFileError(f"{what} {path} must hold a JSON object, not {type(data).__name__}")
    return data

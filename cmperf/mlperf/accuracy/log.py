"""Read LoadGen's mlperf_log_accuracy.json; every accuracy script starts here."""
import json
import os

from ..errors import LoadGenError


def read_accuracy_log(path):
    """The log's entries (dicts with qsl_idx and data); a missing or broken log names the file."""
    if not os.path.isfile(path):
        raise LoadGenError(f"accuracy log {path!r} does not exist (was this an accuracy-mode run?)")
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except json.JSONDecodeError as e:
        raise LoadGenError(f"accuracy log {path!r} is not valid JSON: {e}") from e

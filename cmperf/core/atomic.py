"""Write files atomically: a reader (or a crash) never sees half a file.

Outputs get the modes an ordinary ``open()`` would give them (0666 less the umask), not
mkstemp's 0600; ``private=True`` keeps 0600 for files that hold env values or secrets.
"""
import contextlib
import json
import os
import tempfile


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(path, private=False):
    """Yield a temporary path next to ``path``; rename it to ``path`` only if the block succeeds."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=os.path.splitext(path)[1], dir=directory)
    os.close(fd)
    os.chmod(tmp, 0o600 if private else 0o666 & ~_umask())
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_text(path, text, private=False):
    with atomic_path(path, private=private) as tmp:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
    return path


def write_json(path, data, private=False, **dump_kw):
    dump_kw.setdefault("indent", 2)
    return write_text(path, json.dumps(data, **dump_kw) + "\n", private=private)

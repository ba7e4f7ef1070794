"""Atomic file/directory writes: an interrupted step never leaves half-written output."""
import contextlib
import json
import os
import shutil
import tempfile


def write_text_atomic(path, text):
    """Write text to ``path`` through a temp file in the same directory and rename it into place."""
    path = os.fspath(path)
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=d)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_json_atomic(path, obj):
    write_text_atomic(path, json.dumps(obj, indent=2, sort_keys=True) + "\n")


def replace_dir(new_dir, final_dir):
    """Move the finished ``new_dir`` to ``final_dir``, replacing any old one.

    The old directory is first renamed aside, so at no moment does ``final_dir`` hold a mix of
    old and new files; the aside copy is deleted last.
    """
    final_dir = os.fspath(final_dir)
    parent = os.path.dirname(os.path.abspath(final_dir))
    os.makedirs(parent, exist_ok=True)
    aside = None
    if os.path.exists(final_dir):
        aside = tempfile.mkdtemp(prefix=".old-", dir=parent)
        os.rmdir(aside)
        os.rename(final_dir, aside)
    os.rename(new_dir, final_dir)
    if aside:
        shutil.rmtree(aside, ignore_errors=True)


@contextlib.contextmanager
def staging_dir(final_dir):
    """Yield a fresh temp dir next to ``final_dir``; on success it replaces ``final_dir``.

    On any exception the temp dir is removed and ``final_dir`` is left as it was.
    """
    final_dir = os.fspath(final_dir)
    parent = os.path.dirname(os.path.abspath(final_dir))
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".tmp-" + os.path.basename(final_dir) + "-", dir=parent)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes 0700; the final dir should look like mkdir's
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    replace_dir(tmp, final_dir)

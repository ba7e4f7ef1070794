"""Atomic file/directory writes: an interrupted step never leaves half-written output.

Files get the modes an ordinary ``open()`` would give them (the umask decides, as for
LoadGen's own logs; cmperf.core.atomic). A directory replaced by ``replace_dir`` is first
renamed aside as ``.old-<pid>-<name>-XXXXXXXX``; if the process dies before the swap
finished, ``clean_aside`` (called by the next run) restores or removes it.
"""
import contextlib
import json
import os
import re
import shutil
import tempfile

from ..core.atomic import write_text as _write_text
from ..core.processes import pid_alive as _pid_alive

_ASIDE = re.compile(r"^\.old-(\d+)-(.+)-[A-Za-z0-9_]{8}$")


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text_atomic(path, text):
    """Write text to ``path`` through a temp file in the same directory and rename it into place."""
    return _write_text(os.fspath(path), text)


def write_json_atomic(path, obj):
    write_text_atomic(path, json.dumps(obj, indent=2, sort_keys=True) + "\n")


def chmod_like_mkdir(path):
    """mkdtemp makes 0700; a result directory should look like one mkdir made (umask)."""
    os.chmod(path, 0o777 & ~_umask())


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
        aside = tempfile.mkdtemp(prefix=f".old-{os.getpid()}-{os.path.basename(final_dir)}-", dir=parent)
        os.rmdir(aside)
        os.rename(final_dir, aside)
    try:
        os.rename(new_dir, final_dir)
    except OSError:
        if aside:
            os.rename(aside, final_dir)
        raise
    if aside:
        shutil.rmtree(aside, ignore_errors=True)


def clean_aside(root, max_depth=6):
    """Finish what a killed replace_dir left under ``root``: an aside copy whose process is gone
    is removed when its directory was replaced, else renamed back. Returns what it did."""
    done = []
    root = os.fspath(root)
    base_depth = root.rstrip(os.sep).count(os.sep)
    for dirpath, dirnames, _ in os.walk(root):
        if dirpath.count(os.sep) - base_depth >= max_depth:
            dirnames[:] = []
        for name in list(dirnames):
            m = _ASIDE.match(name)
            if not m:
                continue
            dirnames.remove(name)
            if _pid_alive(int(m.group(1))):
                continue
            aside, final = os.path.join(dirpath, name), os.path.join(dirpath, m.group(2))
            if os.path.exists(final):
                shutil.rmtree(aside, ignore_errors=True)
                done.append(f"removed {aside}")
            else:
                os.rename(aside, final)
                done.append(f"restored {final}")
    return done


@contextlib.contextmanager
def staging_dir(final_dir):
    """Yield a fresh temp dir next to ``final_dir``; on success it replaces ``final_dir``.

    On any exception the temp dir is removed and ``final_dir`` is left as it was.
    """
    final_dir = os.fspath(final_dir)
    parent = os.path.dirname(os.path.abspath(final_dir))
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".tmp-" + os.path.basename(final_dir) + "-", dir=parent)
    chmod_like_mkdir(tmp)
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    replace_dir(tmp, final_dir)

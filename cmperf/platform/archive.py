"""Safe extraction of tar (plain, gz, xz, bz2), zip and single-file gz/bz2/xz archives.

cmperf writes every member itself (never ``extractall``), after :mod:`archive_policy` has
decided where it lands; so the guarantees hold on every Python, with or without the
standard library's tar data filter (used, where present, only as a second opinion).
Everything is unpacked into a staging directory next to (or, for an existing target,
inside) the target and moved into place only when the whole archive was accepted: a
refused or broken archive leaves nothing behind. ``overwrite`` replaces only entries an
earlier extraction wrote (:mod:`archive_manifest`), never the user's files.
"""
import argparse
import bz2
import dataclasses
import gzip
import lzma
import os
import shutil
import stat
import sys
import tarfile
import tempfile
import zipfile

from ..core import progress
from . import PlatformError
from . import archive_manifest as manifest
from .archive_policy import (DIR, FILE, HARDLINK, SPECIAL, SYMLINK, ArchiveError, ArchiveTooLargeError,
                             Limits, Member, Policy, UnsafeArchiveError, human, safe_mode)

__all__ = ["ArchiveError", "UnsafeArchiveError", "ArchiveTooLargeError", "Limits", "Extracted",
           "archive_kind", "extract", "human"]

_COPY = 1 << 20
_MAX_LINK_TEXT = 4096


@dataclasses.dataclass
class Extracted:
    path: str       # the target directory
    kind: str       # tar | zip | gz | bz2 | xz
    members: int
    skipped: list = dataclasses.field(default_factory=list)   # devices/FIFOs that were dropped
    replaced: list = dataclasses.field(default_factory=list)  # entries of an earlier extraction replaced


def archive_kind(path):
    """tar | zip | gz | bz2 | xz from the content (magic bytes), so a misnamed file still works."""
    if zipfile.is_zipfile(path):
        return "zip"
    try:
        if tarfile.is_tarfile(path):
            return "tar"
    except (OSError, tarfile.TarError, EOFError, lzma.LZMAError, zlib_error()):
        pass
    with open(path, "rb") as f:
        magic = f.read(3)
    if magic[:2] == b"\x1f\x8b":
        return "gz"
    if magic == b"BZh":
        return "bz2"
    if magic[:3] == b"\xfd7z":
        return "xz"
    raise ArchiveError(f"{path} is not a tar, zip, gz, bz2 or xz archive")


def zlib_error():
    import zlib
    return zlib.error


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


# --- readers: (Member, open-data-callable) in archive order --------------------------------------

def _tar_members(tar):
    for ti in tar:
        if ti.isreg():
            kind = FILE
        elif ti.isdir():
            kind = DIR
        elif ti.issym():
            kind = SYMLINK
        elif ti.islnk():
            kind = HARDLINK
        else:
            kind = SPECIAL  # devices, FIFOs, unknown types
        m = Member(ti.name, kind, ti.size if kind == FILE else 0, ti.mode, ti.linkname, ti.mtime)
        yield m, ti


def _zip_kind(info):
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        return SYMLINK
    if info.is_dir():
        return DIR
    if mode and stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):
        return SPECIAL
    return FILE


def _zip_members(zf):
    import time
    for info in zf.infolist():
        kind = _zip_kind(info)
        mode = (info.external_attr >> 16) & 0o7777 if info.create_system == 3 else 0
        mode = mode or (0o755 if kind == DIR else 0o644)
        try:
            mtime = time.mktime(info.date_time + (0, 0, -1))
        except (OverflowError, ValueError):
            mtime = None
        m = Member(info.filename, kind, info.file_size if kind == FILE else 0, mode, "", mtime)
        if kind == SYMLINK:
            if info.file_size > _MAX_LINK_TEXT:
                raise UnsafeArchiveError(zf.filename, [f"{info.filename}: symlink text of {info.file_size} bytes"])
            m.linkname = zf.read(info).decode("utf-8", "surrogateescape")
        yield m, info


# --- the writer --------------------------------------------------------------------------------

class _Writer:
    def __init__(self, archive, stage, policy, task):
        self.archive, self.stage, self.policy, self.task = archive, stage, policy, task
        self.umask = _umask()
        self.dir_modes = {}
        self.written = 0
        self.free = shutil.disk_usage(stage).free

    def _dest(self, rel):
        return os.path.join(self.stage, *rel.split("/"))

    def _parent(self, dest):
        os.makedirs(os.path.dirname(dest), exist_ok=True)

    def add(self, m, open_data, stdlib_check=None):
        if not self.policy.admit(m):
            return
        if stdlib_check is not None:
            stdlib_check()
        dest = self._dest(m.path)
        if m.kind == DIR:
            os.makedirs(dest, exist_ok=True)
            self.dir_modes[dest] = safe_mode(m.mode, DIR) & ~self.umask
            return
        self._parent(dest)
        if m.kind == SYMLINK:
            os.symlink(m.linkname, dest)
            return
        if m.kind == HARDLINK:
            os.link(self._dest(m.linkname), dest, follow_symlinks=False)
            return
        if self.policy.size > self.free:
            raise ArchiveError(f"cannot extract {self.archive}: it needs more than {human(self.policy.size)}, "
                               f"only {human(self.free)} free under {self.stage}")
        if os.path.lexists(dest):
            os.unlink(dest)  # a repeated name: the last copy wins, as with tar
        fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with os.fdopen(fd, "wb") as out, open_data() as src:
            self._copy(src, out, m)
            os.fchmod(out.fileno(), safe_mode(m.mode, FILE) & ~self.umask)
        if m.mtime is not None:
            os.utime(dest, (m.mtime, m.mtime), follow_symlinks=False)

    def _copy(self, src, out, m):
        while True:
            chunk = src.read(_COPY)
            if not chunk:
                break
            self.written += len(chunk)
            if self.written > self.policy.limits.max_size:
                self.policy.refuse_size()  # single-file gz/bz2/xz declare no size: a bomb is caught here
            out.write(chunk)
            self.task.advance(len(chunk))

    def close(self):
        for d in sorted(self.dir_modes, key=len, reverse=True):  # deepest first, after their content
            os.chmod(d, self.dir_modes[d])


def _stdlib_filter_check(archive, ti, stage):
    """The standard library's data filter (Python 3.12, 3.11.4+, ...) as a second opinion."""
    data_filter = getattr(tarfile, "data_filter", None)
    if data_filter is None:
        return None

    def check():
        try:
            data_filter(ti, stage)
        except tarfile.FilterError as e:
            raise UnsafeArchiveError(archive, [f"{ti.name}: {e}"]) from None
    return check


def _unpack(archive, kind, stage, limits):
    policy = Policy(archive, limits)
    size = os.path.getsize(archive)
    with progress.Task(f"extract {os.path.basename(archive)}", unit="B") as task:
        writer = _Writer(archive, stage, policy, task)
        if kind == "tar":
            with tarfile.open(archive, "r:*") as tar:
                for m, ti in _tar_members(tar):
                    check = _stdlib_filter_check(archive, ti, stage) if m.kind != SPECIAL else None
                    writer.add(m, lambda ti=ti: tar.extractfile(ti), check)
        elif kind == "zip":
            with zipfile.ZipFile(archive) as zf:
                infos = zf.infolist()
                policy.check_totals(sum(i.file_size for i in infos if _zip_kind(i) == FILE), len(infos))
                task.update(0, total=sum(i.file_size for i in infos))
                for m, info in _zip_members(zf):
                    writer.add(m, lambda info=info: zf.open(info))
        else:
            opener = {"gz": gzip.open, "bz2": bz2.open, "xz": lzma.open}[kind]
            writer.add(Member(_single_name(archive), FILE, 0, 0o644, "", os.path.getmtime(archive)),
                       lambda: opener(archive, "rb"))
        policy.finish()
        writer.close()
        task.update(task.done, detail=f"{policy.count} members from {human(size)}")
    return policy


def _single_name(path):
    name = os.path.basename(path)
    for ext in (".gz", ".bz2", ".xz", ".tgz"):
        if name.endswith(ext) and name != ext:
            return name[: -len(ext)] + (".tar" if ext == ".tgz" else "")
    return name + ".out"


# --- placing the result ------------------------------------------------------------------------

def _save_record(record, target, owned, archive, was_empty):
    """Keep the record where it was; else next to the target when the target holds only the
    archive's content (it stays exactly that), inside it when the user's files are there too."""
    if record is None and was_empty and manifest.sibling_path(target):
        try:
            return manifest.save(manifest.sibling_path(target), owned, archive)
        except OSError:
            pass  # an unwritable parent (--extract_path=. in a read-only tree): keep it inside
    manifest.save(record or manifest.inside_path(target), owned, archive)


def _place_fresh(stage, target, archive, record):
    """The target did not exist: the staging directory becomes it, in one rename."""
    os.chmod(stage, 0o777 & ~_umask())
    owned = set(manifest.tree_paths(stage)) if record else set()
    os.rename(stage, target)
    if record:
        _save_record(None, target, owned, archive, True)
    return []


def _place_merge(stage, target, archive, overwrite, record):
    """The target exists: add the archive's entries; replace only our own, with overwrite."""
    keep_record = record
    record, owned = manifest.load(target)
    was_empty = not [e for e in os.listdir(target) if os.path.join(target, e) != stage]
    entries = sorted(os.listdir(stage))
    theirs, ours = [], []
    for e in entries:
        if not os.path.lexists(os.path.join(target, e)):
            continue
        foreign = manifest.foreign_paths(target, e, owned)
        if foreign:
            theirs.extend(foreign)
        else:
            ours.append(e)
    if theirs:
        raise ArchiveError(
            f"cannot extract {archive} into {target}: {', '.join(theirs[:10])} exist(s) and were not written "
            f"by an earlier extraction, so cmperf will not replace them (even with --overwrite); "
            f"move them away or choose another --extract_path")
    if ours and not overwrite:
        raise ArchiveError(
            f"cannot extract {archive} into {target}: {', '.join(ours[:10])} exist from an earlier "
            f"extraction; pass --overwrite to replace them (only those)")
    backup = tempfile.mkdtemp(prefix=".cmperf-old-", dir=target)
    moved_old, placed = [], []
    try:
        for e in ours:
            os.rename(os.path.join(target, e), os.path.join(backup, e))
            moved_old.append(e)
        for e in entries:
            os.rename(os.path.join(stage, e), os.path.join(target, e))
            placed.append(e)
    except OSError:
        for e in placed:  # roll back: the target is as it was
            os.rename(os.path.join(target, e), os.path.join(stage, e))
        for e in moved_old:
            os.rename(os.path.join(backup, e), os.path.join(target, e))
        os.rmdir(backup)
        raise
    shutil.rmtree(backup)
    os.rmdir(stage)
    owned = {p for p in owned if not any(p == e or p.startswith(e + "/") for e in ours)}
    for e in entries:
        owned.add(e)
        full = os.path.join(target, e)
        if os.path.isdir(full) and not os.path.islink(full):
            owned.update(manifest.tree_paths(full, e + "/"))
    if keep_record:
        _save_record(record, target, owned, archive, was_empty)
    return ours


def extract(archive, target, overwrite=False, limits=None, record=True):
    """Extract ``archive`` into directory ``target``; return an Extracted.

    A missing or empty ``target`` is created with exactly the archive's content. An existing
    directory gets the archive's entries added; one that is already there is replaced only with
    ``overwrite`` and only if an earlier extraction wrote it. ``limits``: a :class:`Limits`
    (default: $CM_EXTRACT_MAX_SIZE / $CM_EXTRACT_MAX_MEMBERS, else 64 GiB / 2M members).
    ``record=False``: write no record of what was extracted (a caller that owns the whole
    target, e.g. a fresh staging directory of its own).
    """
    archive = os.path.abspath(archive)
    if not os.path.isfile(archive):
        raise ArchiveError(f"archive {archive} does not exist")
    target = os.path.abspath(target)
    limits = limits or Limits.from_env()
    if os.path.lexists(target) and not os.path.isdir(target):
        raise ArchiveError(f"cannot extract {archive}: {target} exists and is not a directory")
    kind = archive_kind(archive)
    fresh = not os.path.isdir(target)
    if fresh:
        parent = os.path.dirname(target)
        os.makedirs(parent, exist_ok=True)
        stage = tempfile.mkdtemp(prefix=f".{os.path.basename(target)}.extract-", dir=parent)
    else:
        stage = tempfile.mkdtemp(prefix=".cmperf-extract-", dir=target)
    try:
        policy = _unpack(archive, kind, stage, limits)
        replaced = (_place_fresh(stage, target, archive, record) if fresh
                    else _place_merge(stage, target, archive, overwrite, record))
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError, lzma.LZMAError, zlib_error()) as e:
        _remove(stage)
        raise ArchiveError(f"cannot extract {archive}: {e}") from e
    except BaseException:
        _remove(stage)
        raise
    if policy.skipped:
        progress.emit("note", text=f"extract {os.path.basename(archive)}: dropped {len(policy.skipped)} device/FIFO "
                                   f"member(s): {', '.join(policy.skipped[:5])}")
    return Extracted(target, kind, policy.count, policy.skipped, replaced)


def _remove(stage):
    if os.path.isdir(stage):
        for d, dirs, _ in os.walk(stage):  # a member dir without owner write bits must still go
            for n in dirs:
                p = os.path.join(d, n)
                if not os.path.islink(p):
                    os.chmod(p, 0o700)
        shutil.rmtree(stage, ignore_errors=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Safely extract an archive into a directory.")
    parser.add_argument("archive")
    parser.add_argument("target")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace entries an earlier extraction wrote (never other files)")
    parser.add_argument("--max-size", help="refuse archives that expand to more (default 64G, $CM_EXTRACT_MAX_SIZE)")
    parser.add_argument("--max-members", help="refuse archives with more members (default 2000000)")
    args = parser.parse_args(argv)
    try:
        r = extract(args.archive, args.target, args.overwrite, Limits.from_env(None, args.max_size, args.max_members))
    except (PlatformError, ValueError) as e:
        print(f"extract-file: {e}", file=sys.stderr)
        return 1
    print(r.path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

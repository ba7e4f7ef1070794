"""Safe extraction of tar (plain, gz, xz, bz2), zip and single-file gz archives.

Every member is checked *before* anything is written: absolute paths, ``..`` components,
links pointing outside the target, device files and FIFOs reject the whole archive. The
archive is unpacked into a temporary sibling directory and renamed into place, so the
target either holds the complete content or does not exist.
"""
import argparse
import bz2
import dataclasses
import gzip
import lzma
import os
import posixpath
import shutil
import stat
import sys
import tarfile
import tempfile
import zipfile

from . import PlatformError


class ArchiveError(PlatformError):
    """The archive is unreadable, of an unknown kind, or the target is in the way."""


class UnsafeArchiveError(ArchiveError):
    def __init__(self, archive, problems):
        self.problems = problems
        shown = "\n  ".join(problems[:20]) + ("\n  ..." if len(problems) > 20 else "")
        super().__init__(f"refusing to extract {archive}: {len(problems)} unsafe member(s):\n  {shown}")


@dataclasses.dataclass
class Extracted:
    path: str       # the target directory
    kind: str       # tar | zip | gz | bz2 | xz
    members: int


def archive_kind(path):
    """tar | zip | gz from the content (magic bytes), so a misnamed file still works."""
    if zipfile.is_zipfile(path):
        return "zip"
    try:
        if tarfile.is_tarfile(path):
            return "tar"
    except (OSError, tarfile.TarError, EOFError, lzma.LZMAError):
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


def _bad_name(name):
    """Why a member name is unsafe, or None."""
    norm = name.replace("\\", "/")
    if norm.startswith("/") or (len(norm) > 1 and norm[1] == ":"):
        return "absolute path"
    if ".." in norm.split("/"):
        return "'..' in path"
    return None


def _inside(base_rel_dir, link_target):
    """True when a link at dir `base_rel_dir` pointing to `link_target` stays inside the root."""
    if link_target.startswith("/"):
        return False
    resolved = posixpath.normpath(posixpath.join(base_rel_dir, link_target))
    return resolved != ".." and not resolved.startswith("../")


def _through_link(path, links):
    """True when a parent directory of ``path`` is a symlink member (lexical checks end there)."""
    parts = posixpath.normpath(path).split("/")
    return any("/".join(parts[:i]) in links for i in range(1, len(parts)))


def check_tar(tar):
    problems, links = [], set()
    for m in tar.getmembers():
        why = _bad_name(m.name)
        if m.issym():
            links.add(posixpath.normpath(m.name))
        if why:
            problems.append(f"{m.name}: {why}")
        elif _through_link(m.name, links) or (
                m.issym() and _through_link(posixpath.join(posixpath.dirname(m.name), m.linkname, "x"), links)):
            problems.append(f"{m.name}: path goes through a symlink of the archive")
            problems.append(f"{m.name}: {why}")
        elif m.issym() and not _inside(posixpath.dirname(m.name), m.linkname):
            problems.append(f"{m.name}: symlink to {m.linkname} points outside the target")
        elif m.islnk() and (_bad_name(m.linkname) or not _inside("", m.linkname)):
            problems.append(f"{m.name}: hardlink to {m.linkname} points outside the target")
        elif m.isdev() or m.isfifo():
            problems.append(f"{m.name}: device or FIFO")
    return problems


def _zip_symlink(info):
    return stat.S_ISLNK(info.external_attr >> 16)


def check_zip(zf):
    problems = []
    for info in zf.infolist():
        why = _bad_name(info.filename)
        if why:
            problems.append(f"{info.filename}: {why}")
        elif _zip_symlink(info):
            target = zf.read(info).decode("utf-8", "replace")
            if not _inside(posixpath.dirname(info.filename.rstrip("/")), target):
                problems.append(f"{info.filename}: symlink to {target} points outside the target")
    return problems


def _extract_tar(path, into):
    with tarfile.open(path) as tar:
        problems = check_tar(tar)
        if problems:
            raise UnsafeArchiveError(path, problems)
        members = tar.getmembers()
        kwargs = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        tar.extractall(into, members=members, **kwargs)
    return len(members)


def _extract_zip(path, into):
    with zipfile.ZipFile(path) as zf:
        problems = check_zip(zf)
        if problems:
            raise UnsafeArchiveError(path, problems)
        for info in zf.infolist():
            if _zip_symlink(info):
                dest = os.path.join(into, info.filename)
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                os.symlink(zf.read(info).decode(), dest)
            else:
                zf.extract(info, into)
                mode = (info.external_attr >> 16) & 0o777
                if mode and not info.is_dir():
                    os.chmod(os.path.join(into, info.filename), mode)
        return len(zf.infolist())


def _extract_single(path, into, kind):
    opener = {"gz": gzip.open, "bz2": bz2.open, "xz": lzma.open}[kind]
    name = os.path.basename(path)
    for ext in (".gz", ".bz2", ".xz", ".tgz"):
        if name.endswith(ext):
            name = name[: -len(ext)] + (".tar" if ext == ".tgz" else "")
            break
    else:
        name += ".out"
    with opener(path, "rb") as src, open(os.path.join(into, name), "wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
    return 1


def extract(archive, target, overwrite=False):
    """Extract ``archive`` into directory ``target``; return an Extracted.

    ``target`` must not exist or be empty, unless ``overwrite`` replaces it.
    """
    if not os.path.isfile(archive):
        raise ArchiveError(f"archive {archive} does not exist")
    target = os.path.abspath(target)
    if os.path.isdir(target) and os.listdir(target) and not overwrite:
        raise ArchiveError(f"{target} is not empty; remove it or pass overwrite (--overwrite)")
    kind = archive_kind(archive)
    parent = os.path.dirname(target)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=f".{os.path.basename(target)}.extract-", dir=parent)
    try:
        if kind == "tar":
            count = _extract_tar(archive, tmp)
        elif kind == "zip":
            count = _extract_zip(archive, tmp)
        else:
            count = _extract_single(archive, tmp, kind)
        if os.path.exists(target):
            shutil.rmtree(target)
        os.replace(tmp, target)
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError, lzma.LZMAError) as e:
        shutil.rmtree(tmp, ignore_errors=True)
        raise ArchiveError(f"cannot extract {archive}: {e}") from e
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return Extracted(target, kind, count)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Safely extract an archive into a directory.")
    parser.add_argument("archive")
    parser.add_argument("target")
    parser.add_argument("--overwrite", action="store_true")
    args = parser.parse_args(argv)
    try:
        r = extract(args.archive, args.target, args.overwrite)
    except PlatformError as e:
        print(f"extract-file: {e}", file=sys.stderr)
        return 1
    print(r.path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

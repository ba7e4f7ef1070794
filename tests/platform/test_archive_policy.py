"""The extraction policy (issue 10): links, special bits, devices, size bounds, all-or-nothing.

Every refusal test runs twice: with the standard library's tar data filter, and with it
removed, as on Pythons that lack it (3.9/3.10/3.11 before 3.11.4, Debian 12's 3.11.2).
"""
import gzip
import io
import os
import stat
import tarfile
import zipfile

import pytest

from cmperf.platform import archive


@pytest.fixture(params=["stdlib-filter", "no-stdlib-filter"])
def stdlib(request, monkeypatch):
    if request.param == "no-stdlib-filter":
        monkeypatch.delattr(tarfile, "data_filter", raising=False)
        monkeypatch.delattr(tarfile, "fully_trusted_filter", raising=False)
    elif not hasattr(tarfile, "data_filter"):
        pytest.skip("this Python's tarfile has no data filter")
    return request.param


def make_tar(path, entries):
    """entries: (name, kind, data/linkname[, mode]) with kind file|dir|sym|hard|chr|fifo."""
    with tarfile.open(path, "w") as tar:
        for name, kind, data, *mode in entries:
            info = tarfile.TarInfo(name)
            info.mode = mode[0] if mode else (0o755 if kind == "dir" else 0o644)
            if kind == "file":
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
                continue
            info.type = {"dir": tarfile.DIRTYPE, "sym": tarfile.SYMTYPE, "hard": tarfile.LNKTYPE,
                         "chr": tarfile.CHRTYPE, "fifo": tarfile.FIFOTYPE}[kind]
            if kind in ("sym", "hard"):
                info.linkname = data
            tar.addfile(info)
    return path


def make_zip(path, entries):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, kind, data, *mode in entries:
            info = zipfile.ZipInfo(name)
            info.create_system = 3
            if kind == "sym":
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
                z.writestr(info, data)
            elif kind == "dir":
                info.external_attr = (stat.S_IFDIR | 0o755) << 16
                z.writestr(info, b"")
            else:
                info.external_attr = (stat.S_IFREG | (mode[0] if mode else 0o644)) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                z.writestr(info, data)
    return path


MAKERS = {"tar": make_tar, "zip": make_zip}


@pytest.fixture
def box(tmp_path):
    """tmp/box/{outside.txt, work/}: the target goes under work/; nothing else may change."""
    root = tmp_path / "box"
    (root / "work").mkdir(parents=True)
    (root / "outside.txt").write_text("outside")
    return root


def snapshot(root):
    out = {}
    for d, dirs, files in os.walk(root):
        for n in dirs + files:
            p = os.path.join(d, n)
            st = os.lstat(p)
            out[os.path.relpath(p, root)] = (stat.S_IFMT(st.st_mode), st.st_size)
    return out


ESCAPES = {
    # the zip: each link's text looks harmless, the chain leaves the target
    "link-chain": [("a", "sym", "."), ("b", "sym", "a/a/../.."), ("b/outside.txt", "file", b"pwned")],
    "write-through-link-to-outside": [("l", "sym", "../outside.txt"), ("l", "file", b"pwned")],
    "write-through-inside-link": [("f", "file", b"ok"), ("l", "sym", "f"), ("l", "file", b"pwned")],
    "dir-through-link": [("d", "sym", "."), ("d/e/x", "file", b"x")],
    "symlink-outside-left": [("esc", "sym", "../outside.txt")],
    "symlink-absolute": [("esc", "sym", "/etc/passwd")],
    "later-link-changes-dotdot": [("d/l", "sym", "c/../.."), ("d/c", "sym", "..")],
    "symlink-loop": [("a", "sym", "b"), ("b", "sym", "a")],
    "dotdot-name": [("../outside.txt", "file", b"pwned")],
    "absolute-name": [("/tmp/cmperf-abs-evil", "file", b"pwned")],
    "backslash-dotdot": [("..\\outside.txt", "file", b"pwned")],
    "dir-replaced-by-link": [("d/x", "file", b"x"), ("d", "sym", "..")],
}
TAR_ONLY = {
    "hardlink-outside": [("h", "hard", "../outside.txt")],
    "hardlink-absolute": [("h", "hard", "/etc/passwd")],
    "hardlink-to-symlink": [("f", "file", b"x"), ("s", "sym", "f"), ("h", "hard", "s")],
    "hardlink-then-write": [("h", "hard", "missing"), ("h", "file", b"x")],
}


def _cases():
    for fmt in ("tar", "zip"):
        for name, entries in ESCAPES.items():
            yield pytest.param(fmt, entries, id=f"{fmt}-{name}")
    for name, entries in TAR_ONLY.items():
        yield pytest.param("tar", entries, id=f"tar-{name}")


@pytest.mark.filterwarnings("ignore:Duplicate name")
@pytest.mark.parametrize("fmt,entries", list(_cases()))
def test_escape_is_refused_and_nothing_is_written(box, stdlib, fmt, entries):
    arc = MAKERS[fmt](box.parent / f"evil.{fmt}", [("fine.txt", "file", b"ok")] + entries)
    before = snapshot(box)
    with pytest.raises(archive.UnsafeArchiveError, match="nothing was extracted"):
        archive.extract(arc, box / "work" / "out")
    assert snapshot(box) == before  # no target, no staging dir, the outside file untouched
    assert (box / "outside.txt").read_text() == "outside"
    assert not os.path.exists("/tmp/cmperf-abs-evil")


@pytest.mark.parametrize("fmt", ["tar", "zip"])
def test_internal_links_are_kept(tmp_path, stdlib, fmt):
    entries = [("d/f.txt", "file", b"F"), ("d/rel", "sym", "f.txt"), ("up", "sym", "d/../d/f.txt"),
               ("dirlink", "sym", "d")]
    if fmt == "tar":
        entries.append(("hard", "hard", "d/f.txt"))
    arc = MAKERS[fmt](tmp_path / f"ok.{fmt}", entries)
    r = archive.extract(arc, tmp_path / "out")
    for link in ("d/rel", "up", "dirlink/f.txt") + (("hard",) if fmt == "tar" else ()):
        assert (tmp_path / "out" / link).read_text() == "F"
    assert os.readlink(tmp_path / "out" / "up") == "d/../d/f.txt" and r.members == len(entries)


@pytest.mark.parametrize("fmt", ["tar", "zip"])
def test_special_bits_and_group_write_are_dropped(tmp_path, stdlib, fmt):
    entries = [("suid", "file", b"#!/bin/sh\n", 0o6777), ("plain", "file", b"x", 0o644)]
    if fmt == "tar":
        entries.append(("sticky", "dir", None, 0o1777))
    arc = MAKERS[fmt](tmp_path / f"bits.{fmt}", entries)
    archive.extract(arc, tmp_path / "out")
    mode = stat.S_IMODE(os.stat(tmp_path / "out" / "suid").st_mode)
    assert not mode & (stat.S_ISUID | stat.S_ISGID | stat.S_IWGRP | stat.S_IWOTH) and mode & stat.S_IXUSR
    if fmt == "tar":
        dmode = stat.S_IMODE(os.stat(tmp_path / "out" / "sticky").st_mode)
        assert not dmode & (stat.S_ISVTX | stat.S_IWOTH) and dmode & stat.S_IWUSR


def test_devices_and_fifos_are_dropped_and_reported(tmp_path, stdlib):
    arc = make_tar(tmp_path / "dev.tar", [("ok", "file", b"1"), ("null", "chr", None), ("pipe", "fifo", None)])
    r = archive.extract(arc, tmp_path / "out")
    assert os.listdir(tmp_path / "out") == ["ok"] and r.skipped == ["null", "pipe"]


def test_zip_bomb_is_refused_with_the_flag_to_raise_the_limit(tmp_path, monkeypatch):
    arc = tmp_path / "bomb.zip"
    with zipfile.ZipFile(arc, "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(4):
            z.writestr(f"zeros{i}", b"\0" * (1 << 20))
    assert arc.stat().st_size < 50_000
    before = sorted(os.listdir(tmp_path))
    with pytest.raises(archive.ArchiveTooLargeError, match=r"more than 3\.0 MiB.*--extract_max_size"):
        archive.extract(arc, tmp_path / "out", limits=archive.Limits(max_size=3 << 20))
    assert sorted(os.listdir(tmp_path)) == before
    monkeypatch.setenv("CM_EXTRACT_MAX_SIZE", "2M")
    with pytest.raises(archive.ArchiveTooLargeError, match="CM_EXTRACT_MAX_SIZE"):
        archive.extract(arc, tmp_path / "out")
    monkeypatch.setenv("CM_EXTRACT_MAX_SIZE", "5MiB")
    assert archive.extract(arc, tmp_path / "out").members == 4


def test_gz_and_tar_bombs_are_caught_while_writing(tmp_path):
    (tmp_path / "big.bin.gz").write_bytes(gzip.compress(b"x" * (3 << 20)))
    with pytest.raises(archive.ArchiveTooLargeError, match="expands to more than 1.0 MiB"):
        archive.extract(tmp_path / "big.bin.gz", tmp_path / "g", limits=archive.Limits(max_size=1 << 20))
    arc = make_tar(tmp_path / "t.tar", [(f"f{i}", "file", b"\0" * 600_000) for i in range(3)])
    with pytest.raises(archive.ArchiveTooLargeError):
        archive.extract(arc, tmp_path / "t", limits=archive.Limits(max_size=1 << 20))
    assert sorted(os.listdir(tmp_path)) == ["big.bin.gz", "t.tar"]


@pytest.mark.parametrize("fmt", ["tar", "zip"])
def test_member_count_is_bounded(tmp_path, fmt):
    arc = MAKERS[fmt](tmp_path / f"many.{fmt}", [(f"f{i}", "file", b"") for i in range(20)])
    with pytest.raises(archive.ArchiveTooLargeError, match="more than 10 members.*--extract_max_members"):
        archive.extract(arc, tmp_path / "out", limits=archive.Limits(max_members=10))
    assert not (tmp_path / "out").exists()


def test_limits_parse_sizes_and_reject_nonsense():
    assert archive.Limits.from_env({"CM_EXTRACT_MAX_SIZE": "200G"}).max_size == 200 << 30
    assert archive.Limits.from_env({}, max_size="1024", max_members="5") == archive.Limits(1024, 5)
    assert archive.Limits.from_env({}).max_size == 64 << 30
    with pytest.raises(ValueError, match="invalid size"):
        archive.Limits.from_env({"CM_EXTRACT_MAX_SIZE": "lots"})


def test_late_refusal_leaves_nothing(tmp_path, stdlib):
    """All or nothing: 50 good members written to staging, then one bad one."""
    entries = [(f"d/f{i}", "file", b"x" * 1000) for i in range(50)] + [("d/esc", "sym", "../../x")]
    arc = make_tar(tmp_path / "late.tar", entries)
    with pytest.raises(archive.UnsafeArchiveError, match="d/esc"):
        archive.extract(arc, tmp_path / "out")
    assert sorted(os.listdir(tmp_path)) == ["late.tar"]


def test_repeated_names(tmp_path, stdlib):
    ok = make_tar(tmp_path / "dup.tar", [("f", "file", b"old"), ("f", "file", b"new"), ("d", "dir", None),
                                         ("d", "dir", None)])
    archive.extract(ok, tmp_path / "out")
    assert (tmp_path / "out" / "f").read_text() == "new"
    bad = make_tar(tmp_path / "clash.tar", [("d/x", "file", b"x"), ("d", "file", b"y")])
    with pytest.raises(archive.UnsafeArchiveError, match="repeats d as a file"):
        archive.extract(bad, tmp_path / "out2")

import gzip
import io
import os
import tarfile
import zipfile

import pytest

from cmperf.platform import archive


def _tar(path, entries, mode="w:gz"):
    """entries: (name, kind, data_or_linkname) with kind file | dir | sym | hard."""
    with tarfile.open(path, mode) as tar:
        for name, kind, data in entries:
            info = tarfile.TarInfo(name)
            if kind == "file":
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
                continue
            info.type = {"dir": tarfile.DIRTYPE, "sym": tarfile.SYMTYPE, "hard": tarfile.LNKTYPE}[kind]
            if kind == "dir":
                info.mode = 0o755
            else:
                info.linkname = data
            tar.addfile(info)
    return path


def _listing(root):
    return sorted(os.path.relpath(os.path.join(d, f), root) for d, dirs, files in os.walk(root) for f in files + dirs)


@pytest.mark.parametrize("mode", ["w", "w:gz", "w:xz", "w:bz2"])
def test_tar_kinds_extract_with_links_inside(tmp_path, mode):
    arc = _tar(tmp_path / "a.tar", [("top", "dir", None), ("top/a.txt", "file", b"A"),
                                    ("top/link", "sym", "a.txt"), ("top/hard", "hard", "top/a.txt")], mode)
    r = archive.extract(arc, tmp_path / "out")
    assert r.kind == "tar" and r.members == 4
    assert (tmp_path / "out/top/link").read_text() == "A" and (tmp_path / "out/top/hard").read_text() == "A"


def test_zip_and_single_gz(tmp_path):
    with zipfile.ZipFile(tmp_path / "a.zip", "w") as z:
        z.writestr("d/x.txt", "X")
    assert archive.extract(tmp_path / "a.zip", tmp_path / "z").kind == "zip"
    assert (tmp_path / "z/d/x.txt").read_text() == "X"
    (tmp_path / "val.txt.gz").write_bytes(gzip.compress(b"labels"))
    r = archive.extract(tmp_path / "val.txt.gz", tmp_path / "g")
    assert r.kind == "gz" and (tmp_path / "g/val.txt").read_bytes() == b"labels"


@pytest.mark.parametrize("entries,why", [
    ([("../evil", "file", b"x")], "'..'"),
    ([("ok/../../evil", "file", b"x")], "'..'"),
    ([("/tmp/evil-abs", "file", b"x")], "absolute"),
    ([("esc", "sym", "../../outside")], "outside"),
    ([("esc", "sym", "/etc")], "outside"),
    ([("h", "hard", "/etc/passwd")], "outside"),
    ([("d", "sym", "."), ("d2", "sym", "d/.."), ("d2/evil", "file", b"x")], "symlink"),
])
def test_unsafe_tar_is_rejected_and_writes_nothing(tmp_path, entries, why):
    arc = _tar(tmp_path / "bad.tar.gz", [("fine.txt", "file", b"ok")] + entries)
    before = _listing(tmp_path)
    with pytest.raises(archive.UnsafeArchiveError, match=why):
        archive.extract(arc, tmp_path / "target" / "out")
    assert not (tmp_path / "target" / "out").exists()
    assert _listing(tmp_path) == sorted(before + ["target"])  # only the (empty) parent was created
    assert not os.path.exists("/tmp/evil-abs")


def test_unsafe_zip_is_rejected(tmp_path):
    with zipfile.ZipFile(tmp_path / "bad.zip", "w") as z:
        z.writestr("../evil.txt", "x")
    with pytest.raises(archive.UnsafeArchiveError, match="evil.txt"):
        archive.extract(tmp_path / "bad.zip", tmp_path / "out")
    link = zipfile.ZipInfo("up")
    link.external_attr = (0o120777 << 16)
    with zipfile.ZipFile(tmp_path / "link.zip", "w") as z:
        z.writestr(link, "../../etc")
    with pytest.raises(archive.UnsafeArchiveError, match="symlink"):
        archive.extract(tmp_path / "link.zip", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_existing_target_gets_entries_added_and_garbage_is_a_clear_error(tmp_path):
    arc = _tar(tmp_path / "a.tar", [("a", "file", b"1")], "w")
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "x").write_text("keep")
    assert archive.extract(arc, tmp_path / "busy").members == 1
    assert (tmp_path / "busy" / "x").read_text() == "keep" and (tmp_path / "busy" / "a").read_text() == "1"
    with pytest.raises(archive.ArchiveError, match="pass --overwrite"):
        archive.extract(arc, tmp_path / "busy")
    assert archive.extract(arc, tmp_path / "busy", overwrite=True).replaced == ["a"]
    assert sorted(os.listdir(tmp_path / "busy")) == [".cmperf-extract.json", "a", "x"]
    (tmp_path / "junk.tar.gz").write_bytes(b"not an archive at all")
    with pytest.raises(archive.ArchiveError, match="junk.tar.gz"):
        archive.extract(tmp_path / "junk.tar.gz", tmp_path / "j")


def test_truncated_archive_leaves_no_half_output(tmp_path):
    arc = _tar(tmp_path / "a.tar.gz", [(f"f{i}", "file", os.urandom(50_000)) for i in range(5)])
    data = arc.read_bytes()
    arc.write_bytes(data[: len(data) // 2])
    with pytest.raises(archive.ArchiveError):
        archive.extract(arc, tmp_path / "out")
    assert not (tmp_path / "out").exists() and [p for p in os.listdir(tmp_path) if "extract" in p] == []

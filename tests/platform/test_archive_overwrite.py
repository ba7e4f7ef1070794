"""--overwrite replaces only what an earlier extraction wrote; never the user's files (issue 10)."""
import io
import os
import tarfile

import pytest

from cmperf.platform import archive
from test_scripts_cm import cm  # noqa: F401  (the real `cm` command in an isolated CM home)


def _targz(path, entries):
    with tarfile.open(path, "w:gz") as tar:
        for name, data in entries:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_fresh_target_holds_exactly_the_archive_and_its_record_sits_next_to_it(tmp_path):
    arc = _targz(tmp_path / "data.tar.gz", [("d/a", b"1"), ("b", b"2")])
    archive.extract(arc, tmp_path / "out")
    assert sorted(os.listdir(tmp_path / "out")) == ["b", "d"]
    assert (tmp_path / ".out.cmperf-extract.json").is_file()
    v2 = _targz(tmp_path / "v2.tar.gz", [("d/a", b"new"), ("b", b"new")])
    r = archive.extract(v2, tmp_path / "out", overwrite=True)
    assert r.replaced == ["b", "d"] and (tmp_path / "out/d/a").read_text() == "new"


def test_extract_into_dot_keeps_user_files_and_the_archive(tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    (work / "notes.txt").write_text("mine")
    (work / "mine").mkdir()
    (work / "mine" / "keep").write_text("mine")
    arc = _targz(work / "data.tar.gz", [("data/x", b"1"), ("top.txt", b"t")])
    archive.extract(arc, ".")
    with pytest.raises(archive.ArchiveError, match="data, top.txt exist from an earlier extraction"):
        archive.extract(arc, ".")
    archive.extract(arc, ".", overwrite=True)
    assert sorted(os.listdir(work)) == [".cmperf-extract.json", "data", "data.tar.gz", "mine", "notes.txt", "top.txt"]
    assert (work / "notes.txt").read_text() == "mine" and (work / "mine" / "keep").read_text() == "mine"


@pytest.mark.parametrize("clash", ["notes.txt", "data.tar.gz", "mine/keep"])
def test_overwrite_refuses_entries_it_did_not_write(tmp_path, clash):
    """The user's file, the downloaded archive itself, and a dir holding a user's file are never replaced."""
    work = tmp_path / "work"
    (work / "mine").mkdir(parents=True)
    (work / "notes.txt").write_text("mine")
    arc = _targz(tmp_path / "first.tar.gz", [("mine/from-archive", b"1")])
    if clash == "mine/keep":  # mine/ was written by an extraction, then the user added a file in it
        (work / "mine").rmdir()
        archive.extract(arc, work)
        (work / "mine" / "keep").write_text("mine")
    shutil_copy = _targz(work / "data.tar.gz", [("x", b"1")]).read_bytes()
    evil = _targz(tmp_path / "evil.tar.gz", [(clash, b"replaced")])
    before = {p: open(os.path.join(d, p), "rb").read() for d, _, fs in os.walk(work) for p in fs}
    with pytest.raises(archive.ArchiveError, match=f"{clash}.*not written by an earlier extraction"):
        archive.extract(evil, work, overwrite=True)
    after = {p: open(os.path.join(d, p), "rb").read() for d, _, fs in os.walk(work) for p in fs}
    assert after == before and (work / "data.tar.gz").read_bytes() == shutil_copy
    assert [e for e in os.listdir(work) if e.startswith(".cmperf-")] in ([], [".cmperf-extract.json"])


def test_unreadable_record_owns_nothing(tmp_path):
    arc = _targz(tmp_path / "a.tar.gz", [("a", b"1")])
    archive.extract(arc, tmp_path / "out")
    (tmp_path / ".out.cmperf-extract.json").write_text("{not json")
    with pytest.raises(archive.ArchiveError, match="not written by an earlier extraction"):
        archive.extract(arc, tmp_path / "out", overwrite=True)
    assert (tmp_path / "out" / "a").read_text() == "1"


def test_cm_extract_path_dot_overwrite_keeps_the_users_directory(cm):
    """The issue's repro: `--extract_path=. --overwrite` removed the whole current directory."""
    work = cm.work
    (work / "notes.txt").write_text("mine")
    _targz(work / "data.tar.gz", [("data/val.txt", b"1\n")])
    for _ in range(2):
        rc, _, text = cm("--tags=extract,file", "--input=data.tar.gz", "--extract_path=.", "--overwrite", "--quiet")
        assert rc == 0, text
    assert (work / "notes.txt").read_text() == "mine" and (work / "data.tar.gz").is_file()
    assert (work / "data" / "val.txt").read_text() == "1\n"
    _targz(work / "big.tar.gz", [("big", b"x" * 5000)])
    rc, _, text = cm("--tags=extract,file", "--input=big.tar.gz", "--extract_max_size=1K", "--quiet")
    assert rc != 0 and "--extract_max_size" in text and not (work / "big").exists()


def test_a_resumed_cached_build_extracts_again_what_it_wrote(tmp_path, monkeypatch):
    """A cached script that failed after its extraction resumes in the same build dir: extracting
    the archive again replaces only its recorded entries there, without --overwrite; outside
    cmperf's cache the same call still refuses."""
    from cmperf.platform import script_env
    monkeypatch.setenv("CM_REPOS", str(tmp_path / "CM"))
    build = tmp_path / "CM" / "repos" / "local" / "cache" / "0123abcd"
    build.mkdir(parents=True)
    arc = _targz(build / "ann.tar.gz", [("annotations/a.json", b"{}")])
    env = {"CM_EXTRACT_FILEPATH": str(arc), "CM_EXTRACT_PATH": str(build / "ann")}
    script_env.unpack(dict(env))
    assert script_env.unpack(dict(env)) == str(build / "ann")
    assert (build / "ann" / "annotations" / "a.json").read_text() == "{}"
    (build / "ann" / "annotations" / "mine.txt").write_text("not the archive's")
    with pytest.raises(archive.ArchiveError, match="mine.txt"):
        script_env.unpack(dict(env))        # never a file the extraction did not write
    outside = tmp_path / "work"
    outside.mkdir()
    env["CM_EXTRACT_PATH"] = str(outside / "ann")
    script_env.unpack(dict(env))
    with pytest.raises(archive.ArchiveError, match="exist from an earlier extraction"):
        script_env.unpack(dict(env))

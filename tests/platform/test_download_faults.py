"""Download faults of issue 10: stalled servers, Content-Encoding, partials that outlive a
killed cache entry, verified reuse, progress events."""
import gzip
import hashlib
import glob
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from cmperf.core import progress
from cmperf.platform import download as dl
from test_scripts_cm import cm  # noqa: F401  (the real `cm` command in an isolated CM home)


def sha(b):
    return dl.Checksum("sha256", hashlib.sha256(b).hexdigest())


def quiet(msg):
    pass


@pytest.fixture
def silent_server():
    """A URL whose server accepts the connection and never answers."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(8)
    yield f"http://127.0.0.1:{s.getsockname()[1]}/stall.bin"
    s.close()


def test_stalled_server_is_given_up_after_the_read_timeout(silent_server, tmp_path):
    start = time.monotonic()
    with pytest.raises(dl.DownloadError) as e:
        dl.download(silent_server, tmp_path, progress="none", timeout=1, retries=4, log=quiet)
    elapsed = time.monotonic() - start
    msg = str(e.value)
    assert silent_server in msg and "sent nothing for 1 s" in msg and "--download_timeout" in msg
    assert elapsed < 4, elapsed  # not retried 4 times with backoff: one timeout per URL


def test_stalled_mirror_falls_through_to_the_next_url(silent_server, http_server, tmp_path, payload):
    http_server.files["/m.bin"] = payload
    r = dl.download([silent_server, http_server.url + "/m.bin"], tmp_path, filename="m.bin",
                    checksum=sha(payload), progress="none", timeout=1, log=quiet)
    assert r.source == http_server.url + "/m.bin"


def test_timeout_default_env_and_validation(monkeypatch):
    monkeypatch.delenv("CM_DOWNLOAD_TIMEOUT", raising=False)
    assert dl.timeout_from_env() == 30
    monkeypatch.setenv("CM_DOWNLOAD_TIMEOUT", "7.5")
    assert dl.timeout_from_env() == 7.5 and dl.timeout_from_env("3") == 3
    with pytest.raises(ValueError, match="--download_timeout"):
        dl.timeout_from_env("soon")


def test_gz_served_with_content_encoding_gzip_is_stored_as_served(http_server, tmp_path):
    data = gzip.compress(b"label 1\n" * 5000)
    http_server.files["/val.txt.gz"] = data
    http_server.headers["/val.txt.gz"] = {"Content-Encoding": "gzip"}
    r = dl.download(http_server.url + "/val.txt.gz", tmp_path, checksum=sha(data), progress="none", log=quiet)
    assert open(r.path, "rb").read() == data


def test_partial_dir_keeps_the_part_out_of_the_destination(http_server, tmp_path, payload):
    http_server.files["/m.bin"] = payload
    http_server.drop("/m.bin", after=300_000, times=1)
    part_dir = tmp_path / "store"
    with pytest.raises(dl.DownloadError):
        dl.download(http_server.url + "/m.bin", tmp_path / "entry", checksum=sha(payload), progress="none",
                    retries=-1, partial_dir=part_dir, log=quiet)
    assert (part_dir / "m.bin.part").stat().st_size == 300_000
    assert os.listdir(tmp_path / "entry") == []  # nothing but the final file ever lands there
    r = dl.download(http_server.url + "/m.bin", tmp_path / "entry2", checksum=sha(payload), progress="none",
                    partial_dir=part_dir, log=quiet)
    assert r.resumed and open(r.path, "rb").read() == payload and not (part_dir / "m.bin.part").exists()


def test_complete_verified_partial_is_reused_without_network(http_server, tmp_path, payload):
    part_dir = tmp_path / "store"
    part_dir.mkdir()
    (part_dir / "m.bin.part").write_bytes(payload)  # killed after the last byte, before the rename
    r = dl.download(http_server.url + "/m.bin", tmp_path / "d", checksum=sha(payload), progress="none",
                    partial_dir=part_dir, log=quiet)
    assert r.source.startswith("partial:") and http_server.requests == []
    assert open(r.path, "rb").read() == payload


def test_partial_dir_for_is_keyed_by_url_and_checksum(tmp_path, monkeypatch):
    monkeypatch.setenv("CM_REPOS", str(tmp_path / "CM"))
    a = dl.partial_dir_for("http://h/x.bin", sha(b"1"))
    assert a.startswith(str(tmp_path / "CM" / "cmperf" / "downloads" / "partial"))
    assert a != dl.partial_dir_for("http://h/x.bin", sha(b"2")) != dl.partial_dir_for("http://h/y.bin", sha(b"1"))


def test_progress_goes_through_core_progress(http_server, tmp_path, payload):
    http_server.files["/m.bin"] = payload
    events = []
    previous = progress.set_sink(events.append)
    try:
        dl.download(http_server.url + "/m.bin", tmp_path, checksum=sha(payload), log=quiet)
    finally:
        progress.set_sink(previous)
    kinds = [e["event"] for e in events]
    assert kinds[0] == "task_start" and kinds[-1] == "task_done"
    done = events[-1]
    assert done["label"] == "download m.bin" and done["unit"] == "B" and done["url"].endswith("/m.bin")
    assert done["done"] == done["total"] == len(payload) and "eta" in done


def _parts(cm_repos):
    return glob.glob(os.path.join(cm_repos, "cmperf", "downloads", "partial", "*", "m.bin.part"))


def test_kill_9_inside_a_cached_script_resumes(cm, cm_repos, http_server, payload):
    """The partial file of a cached download-file outlives the unfinished cache entry."""
    http_server.files["/m.bin"] = payload
    http_server.slow["/m.bin"] = 0.02  # ~0.8 MB/s: slow enough to be killed midway
    args = [f"--tags=download,file,_url.{http_server.url}/m.bin", f"--sha256={sha(payload).value}",
            "--force_cache", "-j", "--quiet"]
    cm_bin = os.path.join(os.path.dirname(sys.executable), "cm")
    proc = subprocess.Popen([cm_bin, "run", "script", *args], cwd=cm.work, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline and not (_parts(cm_repos) and os.path.getsize(_parts(cm_repos)[0]) > 100_000):
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    parts = _parts(cm_repos)
    assert parts and 0 < os.path.getsize(parts[0]) < len(payload)
    done = os.path.getsize(parts[0])
    del http_server.slow["/m.bin"]
    rc, out, text = cm(*args)
    assert rc == 0, text
    assert open(out["new_env"]["CM_DOWNLOAD_DOWNLOADED_PATH"], "rb").read() == payload
    assert http_server.requests[-1][1] == f"bytes={done}-" and not _parts(cm_repos)

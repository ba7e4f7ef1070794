import hashlib
import os
import signal
import subprocess
import sys
import time

import pytest

from cmperf.platform import download as dl

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def md5(b):
    return dl.Checksum("md5", hashlib.md5(b).hexdigest())


def sha(b):
    return dl.Checksum("sha256", hashlib.sha256(b).hexdigest())


def quiet(msg):
    pass


def test_download_verifies_and_renames_atomically(http_server, tmp_path, payload):
    http_server.files["/m.bin"] = payload
    r = dl.download(http_server.url + "/m.bin", tmp_path / "d", checksum=sha(payload), progress="none", log=quiet)
    assert open(r.path, "rb").read() == payload and r.source.endswith("/m.bin")
    assert sorted(os.listdir(tmp_path / "d")) == [".m.bin.lock", "m.bin"]
    again = dl.download(http_server.url + "/m.bin", tmp_path / "d", checksum=sha(payload), progress="none", log=quiet)
    assert again.source == "cache" and len(http_server.requests) == 1


def test_checksum_mismatch_quarantines_and_caches_nothing(http_server, tmp_path, payload):
    http_server.files["/m.bin"] = payload
    wrong = md5(b"something else")
    with pytest.raises(dl.DownloadError, match="md5 mismatch") as e:
        dl.download(http_server.url + "/m.bin", tmp_path, checksum=wrong, progress="none", log=quiet)
    assert not (tmp_path / "m.bin").exists() and not (tmp_path / "m.bin.part").exists()
    quarantined = os.listdir(tmp_path / ".quarantine")
    assert len(quarantined) == 1 and (tmp_path / ".quarantine" / quarantined[0]).read_bytes() == payload
    assert wrong.value in str(e.value)


def test_404_is_a_clear_error(http_server, tmp_path):
    with pytest.raises(dl.DownloadError, match=r"HTTP 404 .*missing\.bin"):
        dl.download(http_server.url + "/missing.bin", tmp_path, progress="none", log=quiet)
    assert os.listdir(tmp_path) == [".missing.bin.lock"]  # no file, no .part, no leftovers
    assert len(http_server.requests) == 1  # 4xx is not retried


def test_refused_connection_falls_back_to_the_next_url(http_server, refused_url, tmp_path, payload):
    http_server.files["/file.bin"] = payload
    r = dl.download([refused_url, http_server.url + "/file.bin"], tmp_path, checksum=md5(payload),
                    progress="none", retries=0, log=quiet)
    assert r.source == http_server.url + "/file.bin"


def test_refused_everywhere_says_which_file_is_needed(refused_url, tmp_path, payload):
    with pytest.raises(dl.DownloadError) as e:
        dl.download(refused_url, tmp_path, checksum=md5(payload), progress="none", retries=0, log=quiet)
    msg = str(e.value)
    assert "file.bin" in msg and md5(payload).value in msg and "--mirror" in msg


def test_dropped_connection_is_resumed_with_range(http_server, tmp_path, payload):
    http_server.files["/m.bin"] = payload
    http_server.drop("/m.bin", after=300_000, times=2)
    r = dl.download(http_server.url + "/m.bin", tmp_path, checksum=sha(payload), progress="none", log=quiet)
    assert open(r.path, "rb").read() == payload and r.resumed
    offsets = [int(rng[6:-1]) for _, rng in http_server.requests[1:]]
    assert http_server.requests[0][1] is None and len(offsets) == 2
    assert 0 < offsets[0] <= 300_000 < offsets[1] <= 600_000  # each retry continues, none restarts


def test_server_without_range_support_restarts_cleanly(http_server, tmp_path, payload):
    http_server.files["/m.bin"] = payload
    http_server.no_range.add("/m.bin")
    http_server.drop("/m.bin", after=100_000)
    r = dl.download(http_server.url + "/m.bin", tmp_path, checksum=md5(payload), progress="none", log=quiet)
    assert open(r.path, "rb").read() == payload and not r.resumed


def test_stale_partial_from_another_version_is_caught(http_server, tmp_path, payload):
    """A .part left by an older file is resumed, fails the checksum, and is redone from scratch."""
    http_server.files["/m.bin"] = payload
    dl.download(http_server.url + "/m.bin", tmp_path / "old", progress="none", log=quiet)
    (tmp_path / "m.bin.part").write_bytes(b"X" * 1000)
    (tmp_path / "m.bin.part.json").write_text('{"url": "%s/m.bin"}' % http_server.url)
    r = dl.download(http_server.url + "/m.bin", tmp_path, checksum=md5(payload), progress="none", log=quiet)
    assert open(r.path, "rb").read() == payload
    assert len(os.listdir(tmp_path / ".quarantine")) == 1


def test_offline_mirror_by_name_and_by_checksum(http_server, tmp_path, payload):
    mirror = tmp_path / "mirror"
    (mirror / "sub").mkdir(parents=True)
    (mirror / "sub" / "renamed.bin").write_bytes(payload)
    r = dl.download("http://example.invalid/m.bin", tmp_path / "d", checksum=md5(payload),
                    mirrors=[str(mirror)], offline=True, log=quiet)
    assert r.source == f"mirror:{mirror}/sub/renamed.bin" and open(r.path, "rb").read() == payload
    (mirror / "n.bin").write_bytes(b"by name")
    r = dl.download("http://example.invalid/n.bin", tmp_path / "d", mirrors=[str(mirror)], offline=True, log=quiet)
    assert r.source.endswith("n.bin") and http_server.requests == []


def test_mirror_env_var_and_wrong_mirror_content_is_not_used(tmp_path, monkeypatch, payload):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "m.bin").write_bytes(b"corrupt copy")
    monkeypatch.setenv("CM_DOWNLOAD_MIRROR", str(mirror))
    monkeypatch.setenv("CM_OFFLINE", "yes")
    with pytest.raises(dl.OfflineError) as e:
        dl.download("https://zenodo.org/record/1/files/m.bin", tmp_path / "d", checksum=md5(payload), log=quiet)
    msg = str(e.value)
    assert "m.bin" in msg and md5(payload).value in msg and str(mirror) in msg and "zenodo.org" in msg
    assert not (tmp_path / "d" / "m.bin").exists()


def test_existing_file_with_wrong_checksum_is_replaced(http_server, tmp_path, payload):
    http_server.files["/m.bin"] = payload
    (tmp_path / "m.bin").write_bytes(b"truncated")
    r = dl.download(http_server.url + "/m.bin", tmp_path, checksum=md5(payload), progress="none", log=quiet)
    assert open(r.path, "rb").read() == payload and r.source != "cache"


def test_bad_checksum_argument_is_rejected():
    with pytest.raises(ValueError, match="md5"):
        dl.make_checksum(md5="abc")


def test_kill_9_during_download_then_resume(http_server, tmp_path, payload):
    """A killed download leaves only a .part; the next run resumes it and verifies the result."""
    http_server.files["/m.bin"] = payload
    http_server.slow["/m.bin"] = 0.02  # ~0.8 MB/s: slow enough to be killed midway
    dest = tmp_path / "d"
    env = dict(os.environ, PYTHONPATH=ROOT)
    proc = subprocess.Popen([sys.executable, "-m", "cmperf.platform.download", "--url", http_server.url + "/m.bin",
                             "--dest", str(dest), "--progress", "none"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    part = dest / "m.bin.part"
    deadline = time.time() + 30
    while time.time() < deadline and (not part.exists() or part.stat().st_size < 100_000):
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert part.exists() and 0 < part.stat().st_size < len(payload)
    assert not (dest / "m.bin").exists()  # never the partial file under the final name
    done = part.stat().st_size
    del http_server.slow["/m.bin"]
    r = dl.download(http_server.url + "/m.bin", dest, checksum=sha(payload), progress="none", log=quiet)
    assert open(r.path, "rb").read() == payload and r.resumed
    assert http_server.requests[-1][1] == f"bytes={done}-"


def test_resume_uses_if_range_so_a_changed_file_restarts(http_server, tmp_path, payload):
    """Without a checksum, only If-Range protects a resume from mixing two versions."""
    http_server.files["/m.bin"] = payload
    http_server.etags["/m.bin"] = '"v1"'
    http_server.drop("/m.bin", after=200_000, times=1)
    with pytest.raises(dl.DownloadError):
        dl.download(http_server.url + "/m.bin", tmp_path, progress="none", retries=-1, log=quiet)
    assert (tmp_path / "m.bin.part").exists()
    new = payload[::-1]
    http_server.files["/m.bin"], http_server.etags["/m.bin"] = new, '"v2"'
    r = dl.download(http_server.url + "/m.bin", tmp_path, progress="none", log=quiet)
    assert open(r.path, "rb").read() == new and not r.resumed
    assert http_server.requests[-1][1] is not None  # it did ask for a range, and got the whole file

"""Plan-time hooks of download-file / extract-file / download-and-extract: what a run would
fetch and unpack, refused bad input, and no network or writes; the _wget/_curl variations."""
import hashlib
import importlib.util
import os

import pytest

from test_scripts_cm import ROOT, cm  # noqa: F401


def _hooks(alias):
    spec = importlib.util.spec_from_file_location(f"customize_{alias.replace('-', '_')}",
                                                  os.path.join(ROOT, "script", alias, "customize.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _plan(alias, env):
    return _hooks(alias).plan({"env": env, "input": {}, "state": {}, "meta": {}, "variation_tags": []})


@pytest.fixture
def quiet_dir(tmp_path, monkeypatch, cm_repos):
    """cwd in an empty directory; the test checks that planning wrote nothing anywhere here."""
    work = tmp_path / "w"
    work.mkdir()
    monkeypatch.chdir(work)
    return tmp_path


def _files(root):
    return sorted(os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs)


def test_download_plan_shows_url_size_checksum_path_without_network(http_server, quiet_dir):
    md5 = hashlib.md5(b"x").hexdigest()
    env = {"CM_DOWNLOAD_URL": http_server.url + "/m.bin", "CM_DOWNLOAD_URL1": "http://mirror.invalid/m.bin",
           "CM_DOWNLOAD_CHECKSUM": md5, "CM_DOWNLOAD_SIZE": "1234", "CM_DOWNLOAD_TOOL": "wget"}
    before = _files(quiet_dir)
    r = _plan("download-file", env)
    assert r["return"] == 0, r
    action = r["actions"][0]
    assert action == {"kind": "download", "url": http_server.url + "/m.bin", "size": 1234, "checksum": f"md5:{md5}",
                      "path": str(quiet_dir / "w" / "m.bin"), "mirrors": ["http://mirror.invalid/m.bin"]}
    assert "_wget" in r["actions"][-1]["text"] and "Python downloader" in r["actions"][-1]["text"]
    assert http_server.requests == [] and _files(quiet_dir) == before and env["CM_DOWNLOAD_TOOL"] == "wget"


@pytest.mark.parametrize("alias,env,error", [
    ("download-file", {"CM_DOWNLOAD_URL": "http://h/m.bin", "CM_DOWNLOAD_CHECKSUM": "abc"}, "md5 checksum"),
    ("download-file", {"CM_DOWNLOAD_URL": "http://h/"}, "cannot tell a file name"),
    ("download-file", {"CM_DOWNLOAD_URL": "http://h/m", "CM_DOWNLOAD_FILENAME": "../m"}, "invalid file name"),
    ("download-file", {"CM_DOWNLOAD_URL": "http://h/m", "CM_DOWNLOAD_TOOL": "rclone"}, "not supported"),
    ("download-file", {"CM_DOWNLOAD_URL": "http://h/m", "CM_DOWNLOAD_TIMEOUT": "never"}, "--download_timeout"),
    ("download-file", {"CM_DOWNLOAD_LOCAL_FILE_PATH": "/nonexistent/m.bin"}, "does not exist"),
    ("download-file", {}, "nothing to download"),
    ("extract-file", {}, "no archive given"),
    ("extract-file", {"CM_EXTRACT_FILEPATH": "a.tar", "CM_EXTRACT_MAX_SIZE": "huge"}, "invalid size"),
    ("download-and-extract", {"CM_DAE_URL": "http://h/a.tgz", "CM_DAE_EXTRACT_DOWNLOADED": "yes",
                              "CM_EXTRACT_MAX_MEMBERS": "x"}, "--extract_max_members"),
])
def test_bad_input_is_refused_at_plan_time(quiet_dir, alias, env, error):
    r = _plan(alias, env)
    assert r["return"] == 1 and error in r["error"], r
    assert _files(quiet_dir) == []


def test_extract_and_dae_plans(quiet_dir):
    (quiet_dir / "w" / "busy").write_text("a file where the target should go")
    r = _plan("extract-file", {"CM_EXTRACT_FILEPATH": "x.tar.gz", "CM_EXTRACT_PATH": "busy"})
    assert r["return"] == 1 and "not a directory" in r["error"]
    r = _plan("download-and-extract", {"CM_DAE_URL": "http://h/aux.tar.gz", "CM_DAE_EXTRACT_DOWNLOADED": "yes",
                                       "CM_EXTRACT_MAX_SIZE": "10G", "CM_EXTRACT_OVERWRITE": "yes"})
    assert r["return"] == 0, r
    dl, note = r["actions"]
    assert dl["url"] == "http://h/aux.tar.gz" and dl["path"].endswith("/w/aux.tar.gz") and dl["size"] is None
    assert f"into {quiet_dir / 'w' / 'aux'}" in note["text"] and "10.0 GiB" in note["text"]
    assert "only entries an earlier extraction wrote" in note["text"]


def test_wget_and_curl_variations_download_with_the_same_guarantees(cm, http_server):
    data = b"weights" * 100
    http_server.files["/w.bin"] = data
    _, _, text = cm("download-file", "--help", "--quiet")
    assert "_wget" in text and "_curl" in text and "Python downloader" in text
    for tool in ("wget", "curl"):
        rc, out, text = cm(f"--tags=download,file,_{tool},_url.{http_server.url}/w.bin",
                           f"--md5sum={hashlib.md5(data).hexdigest()}", f"--output_file={tool}.bin", "-j", "--quiet")
        assert rc == 0, text
        assert open(out["new_env"]["CM_DOWNLOAD_DOWNLOADED_PATH"], "rb").read() == data
    rc, _, text = cm(f"--tags=download,file,_wget,_url.{http_server.url}/w.bin", "--md5sum=" + "0" * 32,
                     "--output_file=bad.bin", "--quiet")
    assert rc != 0 and "md5 mismatch" in text


def test_cm_plan_shows_the_download_and_refuses_bad_input_before_running(cm, http_server):
    http_server.files["/aux.tar.gz"] = b"not fetched at plan time"
    md5 = hashlib.md5(b"x").hexdigest()
    rc, _, text = cm(f"--tags=download-and-extract,_extract,_url.{http_server.url}/aux.tar.gz", f"--md5sum={md5}",
                     "--extract_max_size=1G", "--plan", "--quiet")
    assert rc == 0, text
    assert f"download {http_server.url}/aux.tar.gz (size unknown, md5:{md5}) -> {cm.work / 'aux.tar.gz'}" in text
    assert f"into {cm.work / 'aux'}" in text and "1.0 GiB" in text
    rc, _, text = cm(f"--tags=download,file,_url.{http_server.url}/aux.tar.gz", "--md5sum=abc", "--plan", "--quiet")
    assert rc != 0 and "'abc' is not a md5 checksum" in text and "download-file" in text
    rc, _, text = cm(f"--tags=download,file,_url.{http_server.url}/aux.tar.gz", "--md5sum=abc", "--quiet")
    assert rc != 0 and "'abc' is not a md5 checksum" in text
    assert http_server.requests == [] and os.listdir(cm.work) == []

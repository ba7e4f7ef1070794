"""Fixtures of the platform tests: a local HTTP server, fake tools on PATH, a private facts cache."""
import http.server
import os
import socket
import stat
import threading
import time

import pytest


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass

    def do_GET(self):
        srv = self.server
        srv.requests.append((self.path, self.headers.get("Range")))
        data = srv.files.get(self.path)
        if data is None:
            self.send_error(404, "Not Found")
            return
        start = 0
        rng = self.headers.get("Range")
        etag = srv.etags.get(self.path)
        if_range = self.headers.get("If-Range")
        if if_range is not None and if_range != etag:
            rng = None  # RFC 9110: the representation changed, send all of it
        if rng and rng.startswith("bytes=") and self.path not in srv.no_range:
            start = int(rng[6:].split("-")[0])
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        if etag:
            self.send_header("ETag", etag)
        self.send_header("Content-Type", srv.types.get(self.path, "application/octet-stream"))
        self.send_header("Content-Length", str(len(body)))
        for key, value in srv.headers.get(self.path, {}).items():
            self.send_header(key, value)
        self.end_headers()
        drop = srv.drop_after.get(self.path)
        if drop is not None and srv.drops_left.get(self.path, 0) > 0:
            srv.drops_left[self.path] -= 1
            self.wfile.write(body[:drop])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)  # mid-file: the client sees a short body
            self.close_connection = True
            return
        delay = srv.slow.get(self.path)
        step = 16384 if delay else len(body) or 1
        for i in range(0, len(body), step):
            self.wfile.write(body[i:i + step])
            if delay:
                self.wfile.flush()
                time.sleep(delay)


class LocalServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.files, self.types, self.slow, self.requests = {}, {}, {}, []
        self.drop_after, self.drops_left, self.no_range, self.etags = {}, {}, set(), {}
        self.headers = {}  # path -> extra response headers

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}"

    def drop(self, path, after, times=1):
        """The next `times` answers for `path` stop after `after` body bytes."""
        self.drop_after[path], self.drops_left[path] = after, times


@pytest.fixture
def http_server():
    server = LocalServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def refused_url():
    """A URL on 127.0.0.1 where nothing listens."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}/file.bin"


@pytest.fixture(autouse=True)
def private_facts_cache(tmp_path, monkeypatch):
    """No test reads or writes the user's platform facts cache or mirrors."""
    monkeypatch.setenv("CMPERF_PLATFORM_CACHE_DIR", str(tmp_path / "facts"))
    monkeypatch.delenv("CM_DOWNLOAD_MIRROR", raising=False)
    monkeypatch.delenv("CM_OFFLINE", raising=False)


@pytest.fixture
def fake_bin(tmp_path, monkeypatch):
    """make(name, script): put an executable shell script on PATH, ahead of the real tools."""
    bindir = tmp_path / "fakebin"
    bindir.mkdir()
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")

    def make(name, body):
        path = bindir / name
        path.write_text("#!/bin/sh\n" + body)
        path.chmod(path.stat().st_mode | stat.S_IEXEC)
        return path

    make.dir = bindir
    return make


@pytest.fixture
def payload():
    """1 MiB of non-repeating bytes (so a wrong resume offset changes the checksum)."""
    import hashlib
    blocks, h = [], b"seed"
    for _ in range((1 << 20) // 32):
        h = hashlib.sha256(h).digest()
        blocks.append(h)
    return b"".join(blocks)

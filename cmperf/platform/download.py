"""Downloads that can be trusted: mirrors, checksums, resume, quarantine, offline mirror.

The final file appears only complete and verified (``<name>.part`` + atomic rename). A
partial download is resumed with an HTTP Range request when the server allows it, and
restarted otherwise. A file whose checksum does not match is moved to ``.quarantine/``
and never returned. Before the network, offline mirror directories (``mirrors=`` or
$CM_DOWNLOAD_MIRROR, ``os.pathsep``-separated) are searched by file name and checksum.
"""
import argparse
import contextlib
import dataclasses
import datetime
import json
import os
import shutil
import sys
import time
import urllib.parse

from ..filehash import file_digest
from . import PlatformError

MIRROR_ENV = "CM_DOWNLOAD_MIRROR"
OFFLINE_ENV = "CM_OFFLINE"
CHUNK = 1 << 20
# Small reads: on a dropped connection only the bytes of the last read are lost.
READ_CHUNK = 1 << 16


class DownloadError(PlatformError):
    """The file could not be obtained from any source."""


class ChecksumMismatchError(DownloadError):
    def __init__(self, source, checksum, actual, quarantined):
        self.source, self.checksum, self.actual, self.quarantined = source, checksum, actual, quarantined
        super().__init__(f"{checksum.algo} mismatch for {source}: expected {checksum.value}, got {actual}; "
                         f"the file was moved to {quarantined}")


class OfflineError(DownloadError):
    """Offline (or no network) and the file is in no mirror."""


class _Retryable(Exception):
    """The connection broke; resume from what is on disk."""


@dataclasses.dataclass(frozen=True)
class Checksum:
    algo: str     # md5 | sha256
    value: str

    def __post_init__(self):
        if self.algo not in ("md5", "sha256"):
            raise ValueError(f"unsupported checksum algorithm {self.algo!r} (use md5 or sha256)")
        size = {"md5": 32, "sha256": 64}[self.algo]
        if len(self.value) != size or any(c not in "0123456789abcdef" for c in self.value.lower()):
            raise ValueError(f"{self.value!r} is not a {self.algo} checksum ({size} hex digits)")
        object.__setattr__(self, "value", self.value.lower())

    def of(self, path):
        return file_digest(path, self.algo)

    def matches(self, path):
        return self.of(path) == self.value

    def __str__(self):
        return f"{self.algo} {self.value}"


def make_checksum(md5=None, sha256=None):
    """sha256 wins when both are given (stronger); None when neither is."""
    if sha256:
        return Checksum("sha256", sha256.strip())
    if md5:
        return Checksum("md5", md5.strip())
    return None


@dataclasses.dataclass
class DownloadResult:
    path: str
    source: str               # "cache", "mirror:<path>" or the URL it came from
    resumed: bool = False
    bytes_fetched: int = 0


def mirror_dirs(extra=()):
    dirs = list(extra or ())
    dirs += [d for d in os.environ.get(MIRROR_ENV, "").split(os.pathsep) if d]
    return [d for d in dirs if os.path.isdir(d)]


def find_in_mirrors(dirs, filename, checksum=None):
    """A mirror file: same name (checksum verified when known), else any file with the checksum."""
    for d in dirs:
        p = os.path.join(d, filename)
        if os.path.isfile(p) and (checksum is None or checksum.matches(p)):
            return p
    if checksum is None:
        return None
    for d in dirs:
        p = os.path.join(d, checksum.value)  # content-addressed layout
        if os.path.isfile(p) and checksum.matches(p):
            return p
    for d in dirs:
        for root, _, files in os.walk(d):
            for name in sorted(files):
                p = os.path.join(root, name)
                if os.path.isfile(p) and checksum.matches(p):
                    return p
    return None


def filename_from_url(url):
    name = os.path.basename(urllib.parse.unquote(urllib.parse.urlparse(url).path))
    if not name:
        raise DownloadError(f"cannot tell a file name from {url}; pass filename=")
    return name


def quarantine(path, dest_dir, filename):
    qdir = os.path.join(dest_dir, ".quarantine")
    os.makedirs(qdir, exist_ok=True)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%S%f")
    target = os.path.join(qdir, f"{filename}.{stamp}")
    os.replace(path, target)
    return target


class _Progress:
    """tqdm bar on a terminal, a log line per 10% (or per minute) otherwise."""

    def __init__(self, mode, name, total, done, stream=None):
        self.stream = stream or sys.stderr
        if mode == "auto":
            mode = "bar" if self.stream.isatty() else "log"
        self.mode, self.name, self.total, self.done = mode, name, total, done
        self.bar, self.last_pct, self.last_time = None, -1, time.monotonic()
        if mode == "bar":
            from tqdm import tqdm
            self.bar = tqdm(total=total or None, initial=done, unit="B", unit_scale=True,
                            desc=name, file=self.stream, leave=False)
        elif mode == "log":
            self._log(force=True)

    def _log(self, force=False):
        pct = int(100 * self.done / self.total) if self.total else -1
        now = time.monotonic()
        if force or (pct // 10 > self.last_pct // 10) or now - self.last_time > 60:
            size = f"{self.done}/{self.total} bytes ({pct}%)" if self.total else f"{self.done} bytes"
            print(f"download {self.name}: {size}", file=self.stream, flush=True)
            self.last_pct, self.last_time = pct, now

    def update(self, n):
        self.done += n
        if self.bar is not None:
            self.bar.update(n)
        elif self.mode == "log":
            self._log()

    def close(self):
        if self.bar is not None:
            self.bar.close()


@contextlib.contextmanager
def _lock(path):
    """Serialise two processes downloading the same file (POSIX; no-op elsewhere)."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    with open(path, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _read_meta(meta):
    try:
        with open(meta, encoding="utf-8") as f:
            data = json.load(f)
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _write_meta(meta, data):
    with open(meta, "w", encoding="utf-8") as f:
        json.dump(data, f)


def _fetch_once(session, url, part, meta, timeout, progress_mode, name):
    """One HTTP request appending to ``part``; returns (bytes_written, resumed).

    A resume sends If-Range with the validator (ETag or Last-Modified) seen when the
    partial file was started: a server whose file changed since answers 200 with the whole
    new file instead of appending new bytes to old ones.
    """
    import requests

    offset = os.path.getsize(part) if os.path.exists(part) else 0
    headers = {"Accept-Encoding": "identity"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
        validator = _read_meta(meta).get("validator")
        if validator:
            headers["If-Range"] = validator
    try:
        resp = session.get(url, stream=True, timeout=timeout, headers=headers, allow_redirects=True)
    except (requests.ConnectionError, requests.Timeout) as e:
        raise _Retryable(f"cannot connect to {url}: {e}") from e
    with resp:
        if resp.status_code == 416 and offset:
            os.unlink(part)  # our partial file is longer than the resource: start over
            raise _Retryable(f"{url} rejected the resume offset {offset}")
        if resp.status_code >= 400:
            retry = resp.status_code >= 500 or resp.status_code in (408, 429)
            err = f"HTTP {resp.status_code} {resp.reason} for {url}"
            raise (_Retryable(err) if retry else DownloadError(err))
        resumed = resp.status_code == 206 and offset > 0
        if resumed and not resp.headers.get("Content-Range", "").startswith(f"bytes {offset}-"):
            resumed = False
            resp.close()
            os.unlink(part)
            raise _Retryable(f"{url} answered the range request with a different range")
        if not resumed:
            offset = 0  # 200: the server sent the whole file
            etag = resp.headers.get("ETag", "")
            strong = etag if etag and not etag.startswith("W/") else ""
            _write_meta(meta, {"url": url, "validator": strong or resp.headers.get("Last-Modified", "")})
        length = resp.headers.get("Content-Length")
        total = offset + int(length) if length and length.isdigit() else 0
        progress = _Progress(progress_mode, name, total, offset)
        written = 0
        try:
            with open(part, "ab" if resumed else "wb") as f:
                try:
                    for chunk in resp.iter_content(READ_CHUNK):
                        f.write(chunk)
                        written += len(chunk)
                        progress.update(len(chunk))
                except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError,
                        requests.Timeout) as e:
                    raise _Retryable(f"connection to {url} dropped after {offset + written} bytes: {e}") from e
                f.flush()
                os.fsync(f.fileno())
        finally:
            progress.close()
        if total and offset + written != total:
            raise _Retryable(f"{url} ended after {offset + written} of {total} bytes")
        return written, resumed


def _fetch(session, url, part, meta, retries, timeout, progress_mode, name, log):
    """Download ``url`` into ``part``, resuming after drops; returns (bytes, resumed)."""
    fetched, failures = 0, 0
    while True:
        before = os.path.getsize(part) if os.path.exists(part) else 0
        try:
            if not os.path.exists(part):
                _write_meta(meta, {"url": url})
            n, r = _fetch_once(session, url, part, meta, timeout, progress_mode, name)
            return fetched + n, r  # resumed: the file joins bytes of several requests
        except _Retryable as e:
            now = os.path.getsize(part) if os.path.exists(part) else 0
            fetched += max(now - before, 0)
            failures = 0 if now > before else failures + 1  # progress resets the budget
            if failures > retries:
                raise DownloadError(str(e)) from None
            log(f"download {name}: {e}; retrying ({failures}/{retries})")
            time.sleep(min(0.2 * 2 ** failures, 5))


def _part_source(meta):
    """The URL a leftover .part file was started from (None if unknown)."""
    return _read_meta(meta).get("url")


def download(urls, dest_dir, filename=None, checksum=None, mirrors=(), offline=None,
             progress="auto", retries=4, timeout=60, session=None, log=None):
    """Fetch the first URL that works into ``dest_dir/filename``; return a DownloadResult.

    ``urls``: the official URL first, then mirrors. ``checksum``: a :class:`Checksum` or None.
    ``offline``: never touch the network (default: $CM_OFFLINE is yes/true/1).
    """
    urls = [urls] if isinstance(urls, str) else [u for u in urls if u]
    if not urls and not filename:
        raise DownloadError("no URL and no file name given")
    filename = filename or filename_from_url(urls[0])
    if os.path.basename(filename) != filename or filename in (".", ".."):
        raise DownloadError(f"invalid file name {filename!r}: it must not contain a directory")
    log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
    if offline is None:
        offline = os.environ.get(OFFLINE_ENV, "").lower() in ("1", "yes", "true", "on")
    os.makedirs(dest_dir, exist_ok=True)
    final = os.path.join(dest_dir, filename)
    part, meta = final + ".part", final + ".part.json"

    with _lock(os.path.join(dest_dir, f".{filename}.lock")):
        if os.path.isfile(final):
            if checksum is None or checksum.matches(final):
                return DownloadResult(final, "cache")
            where = quarantine(final, dest_dir, filename)
            log(f"download {filename}: existing file has a wrong {checksum.algo}; moved to {where}")

        dirs = mirror_dirs(mirrors)
        found = find_in_mirrors(dirs, filename, checksum)
        if found:
            tmp = final + ".mirror-part"
            try:
                shutil.copyfile(found, tmp)
                if checksum is not None and not checksum.matches(tmp):
                    raise DownloadError(f"mirror file {found} changed while copying")
                os.replace(tmp, final)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
            return DownloadResult(final, f"mirror:{found}")

        need = f"{filename}" + (f" ({checksum})" if checksum else "")
        put = (f"put it in a mirror directory ({', '.join(dirs)})" if dirs else
               f"put it in a directory and pass --mirror DIR (or set {MIRROR_ENV}=DIR)")
        if offline:
            raise OfflineError(f"offline: {need} is needed and is in no mirror; download it from "
                               f"{' or '.join(urls) or 'its source'} elsewhere, then {put}, "
                               f"or copy it to {final}")
        if not urls:
            raise DownloadError(f"{need} is in no mirror and no URL was given; {put}")

        import requests
        session = session or requests.Session()
        errors, network_only = [], True
        for url in urls:
            if os.path.exists(part) and _part_source(meta) != url:
                os.unlink(part)  # resume only what this same URL started
            for attempt in (1, 2):
                try:
                    fetched, resumed = _fetch(session, url, part, meta, retries, timeout, progress, filename, log)
                except DownloadError as e:
                    errors.append(str(e))
                    network_only = network_only and "cannot connect" in str(e)
                    break
                if checksum is not None:
                    actual = checksum.of(part)
                    if actual != checksum.value:
                        network_only = False
                        err = ChecksumMismatchError(url, checksum, actual, quarantine(part, dest_dir, filename))
                        errors.append(str(err))
                        log(f"download {filename}: {err}")
                        if resumed and attempt == 1:
                            continue  # a resumed file may mix two versions: try once from scratch
                        break
                os.replace(part, final)
                with contextlib.suppress(OSError):
                    os.unlink(meta)
                return DownloadResult(final, url, resumed, fetched)
        if not os.path.exists(part) and os.path.exists(meta):
            os.unlink(meta)  # nothing to resume
        hint = (f"\nNo network? {need} is needed: download it elsewhere, then {put}." if network_only else "")
        raise DownloadError(f"could not download {need}:\n  " + "\n  ".join(errors) + hint)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Download one file with mirrors, checksum and resume.")
    parser.add_argument("--url", action="append", default=[], help="official URL first, then mirrors")
    parser.add_argument("--dest", default=".", help="directory for the file")
    parser.add_argument("--filename")
    parser.add_argument("--md5")
    parser.add_argument("--sha256")
    parser.add_argument("--mirror", action="append", default=[], help="offline mirror directory")
    parser.add_argument("--offline", action="store_true")
    parser.add_argument("--progress", default="auto", choices=["auto", "bar", "log", "none"])
    parser.add_argument("--retries", type=int, default=4)
    args = parser.parse_args(argv)
    try:
        result = download(args.url, args.dest, args.filename, make_checksum(args.md5, args.sha256),
                          args.mirror, args.offline or None, args.progress, args.retries)
    except (PlatformError, ValueError) as e:
        print(f"download-file: {e}", file=sys.stderr)
        return 1
    print(result.path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Downloads that can be trusted: mirrors, checksums, resume, quarantine, offline mirror.

The final file appears only complete and verified (``<name>.part`` + atomic rename). A
partial download is resumed with an HTTP Range request when the server allows it, and
restarted otherwise; ``partial_dir`` keeps it somewhere that outlives the caller's
directory (a cache entry that is being built: :func:`partial_dir_for`). The bytes are
stored as served (a ``.gz`` sent with ``Content-Encoding: gzip`` is not decoded: the
checksum covers the file). A server that sends nothing for ``timeout`` seconds is given up.
A file whose checksum does not match is moved to ``.quarantine/`` and never returned.
Before the network, offline mirror directories (``mirrors=`` or $CM_DOWNLOAD_MIRROR,
``os.pathsep``-separated) are searched by file name and checksum. Progress goes through
:mod:`cmperf.core.progress`.
"""
import argparse
import contextlib
import dataclasses
import datetime
import errno
import hashlib
import json
import os
import shutil
import sys
import time
import urllib.parse

from ..core import progress as _progress
from ..core.home import cm_home
from ..filehash import file_digest
from . import PlatformError

MIRROR_ENV = "CM_DOWNLOAD_MIRROR"
OFFLINE_ENV = "CM_OFFLINE"
TIMEOUT_ENV = "CM_DOWNLOAD_TIMEOUT"
DEFAULT_TIMEOUT = 30.0  # seconds without a byte before a server counts as stalled
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


def timeout_from_env(value=None, env=None):
    """Seconds: ``value``, else $CM_DOWNLOAD_TIMEOUT, else 30."""
    env = os.environ if env is None else env
    raw = value if value not in (None, "") else env.get(TIMEOUT_ENV) or DEFAULT_TIMEOUT
    try:
        seconds = float(raw)
    except (TypeError, ValueError):
        seconds = -1
    if seconds <= 0:
        raise ValueError(f"invalid download timeout {raw!r}: seconds > 0 (--download_timeout / {TIMEOUT_ENV})")
    return seconds


def partial_dir_for(url, checksum=None, home=None):
    """Where the partial download of (url, checksum) lives: under the CM home, so it survives a
    cache entry that dies unfinished (kill -9) and the next run resumes it."""
    key = hashlib.sha256(f"{url}\n{checksum or ''}".encode()).hexdigest()[:32]
    return os.path.join(home or cm_home(), "cmperf", "downloads", "partial", key)


def _move(src, dst):
    """Rename, or copy then rename when the partial store is on another file system."""
    try:
        os.replace(src, dst)
    except OSError as e:
        if e.errno != errno.EXDEV:
            raise
        tmp = dst + ".copying"
        shutil.copyfile(src, tmp)
        os.replace(tmp, dst)
        os.unlink(src)


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


class _Stalled(DownloadError):
    """No byte for ``timeout`` seconds and nothing received in this attempt: give the URL up."""


def _stalled(url, timeout, offset):
    at = f" after {offset} bytes" if offset else ""
    return _Stalled(f"{url} sent nothing for {timeout:g} s{at} (read timeout): the server stalled; "
                    f"if it is just slow, raise the limit with --download_timeout=SECONDS (or {TIMEOUT_ENV})")


def _fetch_once(session, url, part, meta, timeout, task):
    """One HTTP request appending to ``part``; returns (bytes_written, resumed).

    A resume sends If-Range with the validator (ETag or Last-Modified) seen when the
    partial file was started: a server whose file changed since answers 200 with the whole
    new file instead of appending new bytes to old ones. The body is read raw: the bytes as
    served, whatever Content-Encoding says.
    """
    import requests
    from urllib3.exceptions import HTTPError as Urllib3Error
    from urllib3.exceptions import ReadTimeoutError

    offset = os.path.getsize(part) if os.path.exists(part) else 0
    headers = {"Accept-Encoding": "identity"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
        validator = _read_meta(meta).get("validator")
        if validator:
            headers["If-Range"] = validator
    try:
        resp = session.get(url, stream=True, timeout=(timeout, timeout), headers=headers, allow_redirects=True)
    except requests.ReadTimeout:
        raise _stalled(url, timeout, offset) from None
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
        if task is not None:
            task.update(offset, total=total or None, detail="resumed" if resumed else None)
        written = 0
        with open(part, "ab" if resumed else "wb") as f:
            try:
                while True:
                    chunk = resp.raw.read(READ_CHUNK, decode_content=False)
                    if not chunk:
                        break
                    f.write(chunk)
                    written += len(chunk)
                    if task is not None:
                        task.update(offset + written)
            except ReadTimeoutError:
                if not written:
                    raise _stalled(url, timeout, offset) from None
                raise _Retryable(f"{url} stalled after {offset + written} bytes") from None
            except (Urllib3Error, requests.RequestException, ConnectionError) as e:
                raise _Retryable(f"connection to {url} dropped after {offset + written} bytes: {e}") from e
            finally:
                f.flush()
                os.fsync(f.fileno())
        if total and offset + written != total:
            raise _Retryable(f"{url} ended after {offset + written} of {total} bytes")
        return written, resumed


def _fetch(session, url, part, meta, retries, timeout, task, name, log):
    """Download ``url`` into ``part``, resuming after drops; returns (bytes, resumed)."""
    fetched, failures = 0, 0
    while True:
        before = os.path.getsize(part) if os.path.exists(part) else 0
        try:
            if not os.path.exists(part):
                _write_meta(meta, {"url": url})
            n, r = _fetch_once(session, url, part, meta, timeout, task)
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
             progress="auto", retries=4, timeout=None, session=None, log=None, partial_dir=None):
    """Fetch the first URL that works into ``dest_dir/filename``; return a DownloadResult.

    ``urls``: the official URL first, then mirrors. ``checksum``: a :class:`Checksum` or None.
    ``offline``: never touch the network (default: $CM_OFFLINE is yes/true/1).
    ``timeout``: seconds without a byte before a server is given up (default $CM_DOWNLOAD_TIMEOUT or 30).
    ``partial_dir``: where ``<name>.part`` lives until verified (default ``dest_dir``).
    ``progress``: "none" reports nothing; anything else reports a :class:`cmperf.core.progress.Task`.
    """
    urls = [urls] if isinstance(urls, str) else [u for u in urls if u]
    if not urls and not filename:
        raise DownloadError("no URL and no file name given")
    filename = filename or filename_from_url(urls[0])
    if os.path.basename(filename) != filename or filename in (".", ".."):
        raise DownloadError(f"invalid file name {filename!r}: it must not contain a directory")
    timeout = timeout_from_env(timeout)
    log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
    if offline is None:
        offline = os.environ.get(OFFLINE_ENV, "").lower() in ("1", "yes", "true", "on")
    dest_dir = os.fspath(dest_dir)
    os.makedirs(dest_dir, exist_ok=True)
    final = os.path.join(dest_dir, filename)
    partial_dir = os.fspath(partial_dir or dest_dir)
    os.makedirs(partial_dir, exist_ok=True)
    part = os.path.join(partial_dir, filename + ".part")
    meta = part + ".json"

    # One download of a file at a time: the lock sits with the partial file (two cache entries
    # fetching the same URL share it), so the user's directory gets nothing but the file.
    lock = os.path.join(partial_dir, ".lock") if partial_dir != dest_dir else os.path.join(dest_dir, f".{filename}.lock")
    with _lock(lock):
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

        if checksum is not None and os.path.isfile(part) and checksum.matches(part):
            _move(part, final)  # complete and verified before a kill: no network needed
            with contextlib.suppress(OSError):
                os.unlink(meta)
            log(f"download {filename}: reusing the complete, verified partial download {part}")
            return DownloadResult(final, f"partial:{part}")

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
        task = (_progress.Task(f"download {filename}", unit="B", url=urls[0])
                if progress != "none" else contextlib.nullcontext())
        with task as t:
            for url in urls:
                if os.path.exists(part) and _part_source(meta) != url:
                    os.unlink(part)  # resume only what this same URL started
                for attempt in (1, 2):
                    try:
                        fetched, resumed = _fetch(session, url, part, meta, retries, timeout, t, filename, log)
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
                    _move(part, final)
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
    parser.add_argument("--progress", default="auto", choices=["auto", "none"])
    parser.add_argument("--retries", type=int, default=4)
    parser.add_argument("--timeout", help=f"seconds without a byte before giving up (default 30, ${TIMEOUT_ENV})")
    parser.add_argument("--partial-dir", help="where the partial file lives until verified (default --dest)")
    args = parser.parse_args(argv)
    try:
        result = download(args.url, args.dest, args.filename, make_checksum(args.md5, args.sha256),
                          args.mirror, args.offline or None, args.progress, args.retries, args.timeout,
                          partial_dir=args.partial_dir)
    except (PlatformError, ValueError) as e:
        print(f"download-file: {e}", file=sys.stderr)
        return 1
    print(result.path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The CM env contract of download-file, extract-file and download-and-extract, in one place.

These functions read upstream's env names (CM_DOWNLOAD_*, CM_EXTRACT_*), call
:mod:`download` / :mod:`archive`, and write the result keys back, so the three scripts'
hooks share one implementation.
"""
import os

from ..core.home import cm_home
from . import PlatformError, archive, download
from .cm_hooks import is_yes, set_final_env, urls_from_env

_SUFFIXES = (".tar.gz", ".tar.xz", ".tar.bz2", ".tgz", ".tar", ".zip", ".gz", ".xz", ".bz2")


TOOLS = ("cmutil", "wget", "curl")  # all three: cmperf's Python downloader (see download-file's _cm.yaml)


def _check_tool(env):
    tool = env.get("CM_DOWNLOAD_TOOL") or "cmutil"
    if tool not in TOOLS:
        raise PlatformError(f"download-file: download tool {tool!r} is not supported; use _cmutil, _wget or _curl "
                            "(all use cmperf's downloader with checksum, resume and mirrors)")


def fetch(env, url_key="CM_DOWNLOAD_URL"):
    """Download (or take --from) per the env; sets CM_DOWNLOAD_DOWNLOADED_PATH; returns the path."""
    _check_tool(env)
    expected = download.make_checksum(env.get("CM_DOWNLOAD_CHECKSUM"), env.get("CM_DOWNLOAD_CHECKSUM_SHA256"))
    local = env.get("CM_DOWNLOAD_LOCAL_FILE_PATH", "")
    if local:
        if not os.path.isfile(local):
            raise download.DownloadError(f"--from file {local} does not exist")
        if expected and not expected.matches(local):
            raise download.DownloadError(f"--from file {local} does not match {expected}")
        path = os.path.abspath(local)
    else:
        mirrors = [d for d in env.get("CM_DOWNLOAD_MIRROR", "").split(os.pathsep) if d]
        offline = True if is_yes(env.get("CM_OFFLINE")) else None
        urls = urls_from_env(env, url_key)
        # the partial file lives under the CM home: a cache entry killed while building loses its
        # directory, not the bytes fetched so far
        partial = download.partial_dir_for(urls[0], expected) if urls else None
        result = download.download(urls, env.get("CM_DOWNLOAD_PATH") or os.getcwd(),
                                   env.get("CM_DOWNLOAD_FILENAME") or None, expected, mirrors, offline,
                                   timeout=download.timeout_from_env(env.get("CM_DOWNLOAD_TIMEOUT")),
                                   partial_dir=partial)
        path = result.path
    env["CM_DOWNLOAD_DOWNLOADED_PATH"] = path
    env["CM_DOWNLOAD_DOWNLOADED_FILENAME"] = os.path.basename(path)
    env["CM_GET_DEPENDENT_CACHED_PATH"] = path
    set_final_env(env, "CM_DOWNLOAD_FINAL_ENV_NAME", path)
    return path


def default_extract_target(path):
    """<cwd>/<archive name without its archive extension>."""
    name = os.path.basename(path)
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and name != suffix:
            return os.path.join(os.getcwd(), name[: -len(suffix)])
    return os.path.join(os.getcwd(), name + ".extracted")


def _inside_cmperf_cache(path):
    cache = os.path.realpath(os.path.join(cm_home(), "repos", "local", "cache"))
    return os.path.realpath(path).startswith(cache + os.sep)


def unpack(env):
    """Extract CM_EXTRACT_FILEPATH per the env; sets CM_EXTRACT_EXTRACTED_PATH; returns it."""
    path = env.get("CM_EXTRACT_FILEPATH", "")
    if not path:
        raise PlatformError("no archive given: pass --input=FILE or _path.FILE")
    target = env.get("CM_EXTRACT_PATH") or default_extract_target(path)
    limits = archive.Limits.from_env({**os.environ, **env})  # --extract_max_size / CM_EXTRACT_MAX_SIZE
    # Inside cmperf's own cache a resumed build extracts again what it wrote before a later step
    # failed: replacing those recorded entries is safe there (no user edits them); elsewhere only
    # with --overwrite.
    overwrite = is_yes(env.get("CM_EXTRACT_OVERWRITE")) or _inside_cmperf_cache(target)
    result = archive.extract(path, target, overwrite=overwrite, limits=limits)
    if is_yes(env.get("CM_EXTRACT_REMOVE_ARCHIVE")):
        os.unlink(path)
    env["CM_EXTRACT_EXTRACTED_PATH"] = result.path
    env["CM_GET_DEPENDENT_CACHED_PATH"] = result.path
    set_final_env(env, "CM_EXTRACT_FINAL_ENV_NAME", result.path)
    return result.path


# --- plan time: what a run would do, with no network and no writes -----------------------------

def dae_env(env):
    """download-and-extract's env as download-file reads it (CM_DAE_URL[n] -> CM_DOWNLOAD_URL[n])."""
    env = dict(env)
    for n in [""] + [str(k) for k in range(1, 10)]:
        if env.get(f"CM_DAE_URL{n}"):
            env[f"CM_DOWNLOAD_URL{n}"] = env[f"CM_DAE_URL{n}"]
    return env


def _tool_note(env):
    tool = env.get("CM_DOWNLOAD_TOOL", "cmutil") or "cmutil"
    if tool in ("wget", "curl"):
        return {"kind": "note", "text": f"_{tool}: downloaded by cmperf's Python downloader (same checksum, "
                                        "resume, mirror and timeout guarantees); no external tool runs"}
    return None


def plan_fetch(env):
    """The download action of download-file (a list of plan actions); raises on bad input."""
    _check_tool(env)
    expected = download.make_checksum(env.get("CM_DOWNLOAD_CHECKSUM"), env.get("CM_DOWNLOAD_CHECKSUM_SHA256"))
    checksum = f"{expected.algo}:{expected.value}" if expected else None
    download.timeout_from_env(env.get("CM_DOWNLOAD_TIMEOUT"))
    local = env.get("CM_DOWNLOAD_LOCAL_FILE_PATH", "")
    if local:
        if not os.path.isfile(local):
            raise download.DownloadError(f"--from file {local} does not exist")
        return [{"kind": "note", "text": f"use the local file {os.path.abspath(local)} ({os.path.getsize(local)} "
                                         f"bytes) instead of downloading" + (f"; {checksum} verified" if checksum else "")}]
    urls = urls_from_env(env)
    name = env.get("CM_DOWNLOAD_FILENAME") or (download.filename_from_url(urls[0]) if urls else "")
    if not urls and not name:
        raise download.DownloadError("nothing to download: pass the URL as _url.URL (or --url=URL)")
    if os.path.basename(name) != name or name in (".", ".."):
        raise download.DownloadError(f"invalid file name {name!r}: it must not contain a directory")
    size = env.get("CM_DOWNLOAD_SIZE")
    action = {"kind": "download", "url": urls[0] if urls else None, "size": int(size) if str(size or "").isdigit() else None,
              "checksum": checksum, "path": os.path.join(env.get("CM_DOWNLOAD_PATH") or os.getcwd(), name)}
    if len(urls) > 1:
        action["mirrors"] = urls[1:]
    actions = [action]
    if is_yes(env.get("CM_OFFLINE")):
        actions.append({"kind": "note", "text": f"offline: {name} must be in a mirror directory "
                                                f"({env.get('CM_DOWNLOAD_MIRROR') or 'none given: --mirror DIR'})"})
    note = _tool_note(env)
    return actions + ([note] if note else [])


def plan_unpack(env, archive_path=None):
    """The extraction note of extract-file (a list of plan actions); raises on bad input."""
    path = archive_path or env.get("CM_EXTRACT_FILEPATH", "")
    if not path:
        raise PlatformError("no archive given: pass --input=FILE or _path.FILE")
    limits = archive.Limits.from_env({**os.environ, **env})
    target = os.path.abspath(env.get("CM_EXTRACT_PATH") or default_extract_target(path))
    if os.path.lexists(target) and not os.path.isdir(target):
        raise archive.ArchiveError(f"cannot extract {path}: {target} exists and is not a directory")
    how = ("replacing only entries an earlier extraction wrote" if is_yes(env.get("CM_EXTRACT_OVERWRITE"))
           else "refusing to replace anything that exists")
    text = (f"extract {path} into {target} ({how}; at most {archive.human(limits.max_size)} and "
            f"{limits.max_members} members)")
    if is_yes(env.get("CM_EXTRACT_REMOVE_ARCHIVE")):
        text += f"; then remove {path}"
    return [{"kind": "note", "text": text}]

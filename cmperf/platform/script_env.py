"""The CM env contract of download-file, extract-file and download-and-extract, in one place.

These functions read upstream's env names (CM_DOWNLOAD_*, CM_EXTRACT_*), call
:mod:`download` / :mod:`archive`, and write the result keys back, so the three scripts'
hooks share one implementation.
"""
import os

from . import PlatformError, archive, download
from .cm_hooks import is_yes, set_final_env, urls_from_env

_SUFFIXES = (".tar.gz", ".tar.xz", ".tar.bz2", ".tgz", ".tar", ".zip", ".gz", ".xz", ".bz2")


def fetch(env, url_key="CM_DOWNLOAD_URL"):
    """Download (or take --from) per the env; sets CM_DOWNLOAD_DOWNLOADED_PATH; returns the path."""
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
        result = download.download(urls_from_env(env, url_key), env.get("CM_DOWNLOAD_PATH") or os.getcwd(),
                                   env.get("CM_DOWNLOAD_FILENAME") or None, expected, mirrors, offline)
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


def unpack(env):
    """Extract CM_EXTRACT_FILEPATH per the env; sets CM_EXTRACT_EXTRACTED_PATH; returns it."""
    path = env.get("CM_EXTRACT_FILEPATH", "")
    if not path:
        raise PlatformError("no archive given: pass --input=FILE or _path.FILE")
    target = env.get("CM_EXTRACT_PATH") or default_extract_target(path)
    limits = archive.Limits.from_env({**os.environ, **env})  # --extract_max_size / CM_EXTRACT_MAX_SIZE
    result = archive.extract(path, target, overwrite=is_yes(env.get("CM_EXTRACT_OVERWRITE")), limits=limits)
    if is_yes(env.get("CM_EXTRACT_REMOVE_ARCHIVE")):
        os.unlink(path)
    env["CM_EXTRACT_EXTRACTED_PATH"] = result.path
    env["CM_GET_DEPENDENT_CACHED_PATH"] = result.path
    set_final_env(env, "CM_EXTRACT_FINAL_ENV_NAME", result.path)
    return result.path

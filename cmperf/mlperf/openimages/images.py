"""Download the MLPerf OpenImages validation images without fiftyone.

The MLPerf subset (24,781 validation images of the 264 MLPerf classes, as the reference's
openimages_mlperf.sh selects them through fiftyone) is fully named by the official annotations file
(``images[i].file_name`` = ``<Open Images image id>.jpg``). Each image is fetched from the official
Open Images bucket, the per-image URL fiftyone reads (bucket ``open-images-dataset``, key
``validation/<id>.jpg``), or from a mirror base URL, through cmperf's downloader (resume, retries,
offline mirror directories), into the layout the reference writes (``validation/data/<id>.jpg``).

Open Images publishes no per-image checksum: an image is accepted when it decodes as a JPEG of the
size the annotations record, and a sha256 manifest records what was downloaded, marked unverified
against an official checksum. Images land first in a staging directory under the CM home (an
interrupted run resumes from it, the last image's partial bytes included); only a complete set is
moved into the dataset directory and gets a manifest.
"""
import concurrent.futures
import contextlib
import hashlib
import os
import re
import shutil
import threading
import urllib.parse

from ...core import progress
from ...core.atomic import write_json
from ...platform import download as dl
from ..errors import DatasetError
from .annotations import IMAGES_RELPATH

OFFICIAL_BASE = "https://open-images-dataset.s3.amazonaws.com/validation/"
MLPERF_IMAGES = 24781          # images in the official v2.1 MLPerf annotations file
# Open Images validation: 41,620 images, about 12 GB (fiftyone's zoo documentation)
EST_IMAGE_BYTES = 12 * 10**9 // 41620
WORKERS = 4                    # a small bounded pool: polite to the bucket, enough to hide latency
MIN_BYTES, MAX_BYTES = 125, 64 << 20   # outside this a file is no plausible Open Images JPEG
MANIFEST = "openimages-images.sha256.json"
STOP_AFTER = 8                 # failures in a row, none good: the source is down or wrong; stop asking
_NAME = re.compile(r"^[A-Za-z0-9_-]+\.jpg$")


def base_url(mirror=""):
    """The base URL images are fetched from: the official bucket, or the user's mirror."""
    if not mirror:
        return OFFICIAL_BASE
    parsed = urllib.parse.urlparse(mirror)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise DatasetError(f"--openimages_mirror={mirror}: expected an http(s) base URL that serves "
                           f"<image id>.jpg the way {OFFICIAL_BASE} does")
    return mirror if mirror.endswith("/") else mirror + "/"


def wanted_count(size):
    """How many images a size variation asks for ('' = all of them); ValueError when invalid."""
    if str(size).strip() == "":
        return None
    try:
        n = int(size)
    except ValueError:
        raise ValueError(f"_size.{size}: the number of OpenImages images must be an integer") from None
    if not 0 < n <= MLPERF_IMAGES:
        raise ValueError(f"_size.{n}: the MLPerf OpenImages subset has 1 to {MLPERF_IMAGES} images "
                         f"(use _full for all of them)")
    return n


def image_list(data, count, where):
    """[(file name, width, height)] of the first ``count`` images of the annotations (all if None)."""
    images = data["images"]
    if count is not None and count > len(images):
        raise DatasetError(f"_size.{count}: {where} lists only {len(images)} images")
    out = []
    for n, img in enumerate(images[:count] if count is not None else images):
        name = os.path.basename(str(img["file_name"]))
        if not _NAME.match(name):
            raise DatasetError(f"{where}: images[{n}].file_name {img['file_name']!r} is not an Open Images "
                               f"file name (<image id>.jpg)")
        out.append((name, img["width"], img["height"]))
    return out


def check_jpeg(path, width=None, height=None):
    """Refuse (DatasetError naming the file) what is no whole JPEG of the annotated size."""
    size = os.path.getsize(path)
    name = os.path.basename(path)
    if not MIN_BYTES <= size <= MAX_BYTES:
        raise DatasetError(f"{name}: {size} bytes is no plausible Open Images JPEG")
    with open(path, "rb") as f:
        if f.read(3) != b"\xff\xd8\xff":
            raise DatasetError(f"{name} is not a JPEG (no JPEG start marker)")
    from PIL import Image
    try:
        with Image.open(path) as im:
            if im.format != "JPEG":
                raise DatasetError(f"{name} is a {im.format} image, not a JPEG")
            got = im.size
            im.load()   # decodes every byte: a truncated or damaged file fails here
    except DatasetError:
        raise
    except Exception as e:  # PIL raises OSError, SyntaxError, ValueError... for a bad file
        raise DatasetError(f"{name} does not decode as a JPEG: {e}") from None
    if width is not None and height is not None and got != (int(width), int(height)):
        raise DatasetError(f"{name} is {got[0]}x{got[1]}, the annotations say {width}x{height}")


def staging_dir(base, home=None):
    """Where images wait until the set is complete: under the CM home, one per base URL, so an
    interrupted run (even a killed one, whose cache entry is gone) resumes."""
    return os.path.join(dl.partial_dir_for(base + "#openimages-validation", home=home), IMAGES_RELPATH)


def _sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


_local = threading.local()


def _session():
    """One HTTP session a worker thread: its connections are reused from image to image."""
    if getattr(_local, "session", None) is None:
        import requests
        _local.session = requests.Session()
    return _local.session


def _fetch_one(name, width, height, base, stage, offline, mirrors, log):
    """One image into ``stage``: (bytes, 'staged'|'downloaded'|'mirror'); DatasetError if bad."""
    path = os.path.join(stage, name)
    how = "staged"
    if os.path.isfile(path):
        try:
            check_jpeg(path, width, height)
            return os.path.getsize(path), how
        except DatasetError as e:
            log(f"OpenImages: the staged {name} is damaged ({e}); downloading it again")
            dl.quarantine(path, os.path.dirname(stage), name)
    url = base + name
    try:
        r = dl.download([url], stage, filename=name, mirrors=mirrors, offline=offline, progress="none",
                        session=None if offline else _session(), log=log)
    except dl.OfflineError:
        raise
    except dl.DownloadError as e:
        raise DatasetError(f"{name}: {e}") from None
    how = "mirror" if r.source.startswith("mirror:") else "downloaded"
    with contextlib.suppress(OSError):
        os.unlink(os.path.join(stage, f".{name}.lock"))
    try:
        check_jpeg(path, width, height)
    except DatasetError as e:
        where = dl.quarantine(path, os.path.dirname(stage), name)
        raise DatasetError(f"{e} (from {url}; moved to {where})") from None
    return os.path.getsize(path), how


def fetch(images, out_dir, base=OFFICIAL_BASE, offline=False, mirrors=(), workers=WORKERS, home=None, log=None):
    """Download ``images`` (from :func:`image_list`) into ``out_dir/validation/data``.

    Returns the manifest dict (also written to ``out_dir/openimages-images.sha256.json``). Raises
    DatasetError naming the images that could not be had; nothing is moved into ``out_dir`` then.
    """
    log = log or (lambda msg: None)
    stage = staging_dir(base, home)
    os.makedirs(stage, exist_ok=True)
    dest = os.path.join(out_dir, IMAGES_RELPATH)
    for name, _, _ in images:
        # a resumed build that died while moving the set in: its images go back to be checked again
        if os.path.isfile(os.path.join(dest, name)) and not os.path.exists(os.path.join(stage, name)):
            shutil.move(os.path.join(dest, name), os.path.join(stage, name))
    failed, missing, good, got_bytes, streak, untried = {}, [], 0, 0, 0, 0
    with progress.Task("download OpenImages validation images", total=len(images), unit="images",
                       url=base) as task:
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            futures = {pool.submit(_fetch_one, name, w, h, base, stage, offline, mirrors, log): name
                       for name, w, h in images}
            for fut in concurrent.futures.as_completed(futures):
                if fut.cancelled():
                    untried += 1
                    continue
                name = futures[fut]
                try:
                    size, _ = fut.result()
                except dl.OfflineError:
                    missing.append(name)
                except DatasetError as e:
                    failed[name] = str(e)
                    streak += 1
                    if streak == STOP_AFTER and not good:
                        for f in futures:
                            f.cancel()
                else:
                    good, streak = good + 1, 0
                    got_bytes += size
                    task.advance(1, detail=f"{got_bytes / 1e6:.1f} MB")
        if missing:
            missing.sort()
            raise DatasetError(
                f"offline: {len(missing)} of {len(images)} OpenImages images are missing "
                f"({', '.join(missing[:5])}{', ...' if len(missing) > 5 else ''}); put them in a directory "
                f"and pass --mirror=DIR (or set {dl.MIRROR_ENV}), or copy them into {stage}, "
                f"or pass your copy as --dataset_path=DIR, or drop --offline to download them from {base}")
        if failed:
            names = sorted(failed)
            stop = (f" Stopped after the first {STOP_AFTER} failed with none good ({untried} not tried): is "
                    f"{base} reachable, and does it serve <image id>.jpg?" if untried else "")
            raise DatasetError(
                f"{len(failed)} of {len(images)} OpenImages images could not be downloaded: "
                + "; ".join(failed[n] for n in names[:5]) + ("; ..." if len(names) > 5 else "") + "." + stop
                + f" The {good} good ones are kept in {stage}: rerun to retry the rest")
    os.makedirs(dest, exist_ok=True)
    entries = {}
    for name, _, _ in images:
        target = os.path.join(dest, name)
        shutil.move(os.path.join(stage, name), target)   # the CM home may be another file system
        entries[name] = _sha256(target)
    manifest = {"source": base, "count": len(images), "layout": IMAGES_RELPATH,
                "verified_against_official_checksum": False,
                "checks": "each image decodes as a JPEG of the width x height the annotations record",
                "sha256": entries}
    write_json(os.path.join(out_dir, MANIFEST), manifest)
    return manifest

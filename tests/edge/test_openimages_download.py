"""get-dataset-openimages downloading the MLPerf validation images (no fiftyone) from a local server."""
import functools
import hashlib
import http.server
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
import zipfile

import numpy as np
import pytest

from cmperf.mlperf.errors import DatasetError
from cmperf.mlperf.openimages import images as oi

from tests.mlscripts.conftest import md5

IDS = ["0001eeaf4aed83f9", "000595fe6fee6369", "00075905539074f2"]
SIZES = [(40, 30), (640, 480), (24, 24)]   # half the second is more than one 64 KiB read of the client


def _jpeg(w, h, seed):
    from PIL import Image
    buf = io.BytesIO()
    rng = np.random.default_rng(seed)
    Image.fromarray(rng.integers(0, 255, (h, w, 3), dtype=np.uint8)).save(buf, format="JPEG")
    return buf.getvalue()


class _Logged(http.server.SimpleHTTPRequestHandler):
    """Logs requests; answers Range requests; ``server.cut`` (a path) is sent half, then held."""

    def log_message(self, *args):
        pass

    def do_GET(self):
        rng = self.headers.get("Range", "")
        self.server.requests.append(self.path + (f" {rng}" if rng else ""))
        local = os.path.join(self.directory, self.path.lstrip("/"))
        if not (rng or self.path == self.server.cut) or not os.path.isfile(local):
            return super().do_GET()
        data = open(local, "rb").read()
        start = int(rng.split("=")[1].split("-")[0]) if rng else 0
        self.send_response(206 if rng else 200)
        self.send_header("Content-Length", str(len(data) - start))
        self.send_header("Last-Modified", self.date_time_string(int(os.path.getmtime(local))))
        if rng:
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        self.end_headers()
        if rng:
            self.wfile.write(data[start:])
            return
        self.wfile.write(data[: len(data) // 2])
        self.wfile.flush()
        self.server.release.wait(30)     # the client is killed meanwhile
        self.close_connection = True


@pytest.fixture
def site(tmp_path):
    """The official annotations archive (zipped as upstream's) and three images, served on 127.0.0.1."""
    root = tmp_path / "site"
    (root / "img").mkdir(parents=True)
    coco = {"images": [{"id": k, "file_name": f"{i}.jpg", "width": w, "height": h}
                       for k, (i, (w, h)) in enumerate(zip(IDS, SIZES))],
            "annotations": [], "categories": [{"id": 0, "name": "Airplane"}]}
    with zipfile.ZipFile(root / "ann.zip", "w") as z:
        z.writestr("openimages-mlperf.json", json.dumps(coco))
    for n, (i, (w, h)) in enumerate(zip(IDS, SIZES)):
        (root / "img" / f"{i}.jpg").write_bytes(_jpeg(w, h, n))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Logged, directory=str(root)))
    httpd.requests, httpd.cut, httpd.release = [], None, threading.Event()
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    httpd.dir = root
    httpd.url = lambda name: f"http://127.0.0.1:{httpd.server_address[1]}/{name}"
    httpd.args = [f"--url={httpd.url('ann.zip')}", f"--env.CM_DOWNLOAD_CHECKSUM={md5(root / 'ann.zip')}",
                  f"--openimages_mirror={httpd.url('img')}"]
    yield httpd
    httpd.release.set()
    httpd.shutdown()
    httpd.server_close()


def test_plan_shows_the_download_instead_of_refusing(cm):
    rc, data, text = cm("--tags=get,dataset,openimages,_size.3", "--plan", "-j")
    assert rc == 0, text
    text = json.dumps(data)
    assert oi.OFFICIAL_BASE + "<image id>.jpg" in text and "(3 images)" in text
    assert "unverified per image" in text and str(3 * oi.EST_IMAGE_BYTES) in text
    rc, _, text = cm("--tags=get,dataset,openimages,_full", "--plan", "--offline")
    assert rc == 0 and f"({oi.MLPERF_IMAGES} images)" in text and "offline: the images must be in --mirror" in text
    rc, _, text = cm("--tags=get,dataset,openimages,_size.30000", "--plan")
    assert rc != 0 and "24781" in text
    rc, _, text = cm("--tags=get,dataset,openimages", "--plan", "--openimages_mirror=ftp://x/")
    assert rc != 0 and "--openimages_mirror=ftp://x/" in text
    # the benchmark front end and the preprocessed dataset pass the mirror down to the image download
    for args in (["--tags=run-mlperf,inference", "--model=retinanet"], ["--tags=get,dataset,openimages,preprocessed"]):
        rc, _, text = cm(*args, "--plan", "-j", "--openimages_mirror=http://mirror.test/oi")
        assert rc == 0 and "http://mirror.test/oi/<image id>.jpg" in text, text


def test_download_into_the_reference_layout_with_a_manifest(cm, site):
    rc, data, text = cm("--tags=get,dataset,openimages,_size.2", "-j", *site.args)
    assert rc == 0, text
    env = data["new_env"]
    path = env["CM_DATASET_PATH"]
    assert path.endswith(os.path.join("validation", "data")) and sorted(os.listdir(path)) == sorted(
        f"{i}.jpg" for i in IDS[:2])
    for i in IDS[:2]:
        assert open(os.path.join(path, f"{i}.jpg"), "rb").read() == (site.dir / "img" / f"{i}.jpg").read_bytes()
    man = json.load(open(env["CM_DATASET_OPENIMAGES_MANIFEST"]))
    assert man["verified_against_official_checksum"] is False and man["count"] == 2
    first = (site.dir / "img" / f"{IDS[0]}.jpg").read_bytes()
    assert man["sha256"][f"{IDS[0]}.jpg"] == hashlib.sha256(first).hexdigest()
    assert env["CM_DATASET_OPENIMAGES_CHECKSUM_VERIFIED"] == "no"
    assert "unverified" in text
    assert json.load(open(env["CM_DATASET_ANNOTATIONS_FILE_PATH"]))["images"][0]["file_name"] == f"{IDS[0]}.jpg"
    assert not any(f"/img/{IDS[2]}.jpg" == r for r in site.requests)   # only the first N


def test_corrupt_image_refused_then_a_rerun_resumes(cm, site):
    good = (site.dir / "img" / f"{IDS[1]}.jpg").read_bytes()
    (site.dir / "img" / f"{IDS[1]}.jpg").write_bytes(good[: len(good) // 2])   # truncated
    (site.dir / "img" / f"{IDS[2]}.jpg").unlink()                               # 404
    rc, data, text = cm("--tags=get,dataset,openimages,_full", "-j", *site.args)
    assert rc != 0
    assert f"{IDS[1]}.jpg does not decode as a JPEG" in text and f"{IDS[2]}.jpg" in text and "404" in text
    assert "2 of 3 OpenImages images could not be downloaded" in text and "rerun to retry" in text
    assert not list(cm.cache.rglob(oi.MANIFEST))   # a partial set is never a result
    site.requests.clear()
    (site.dir / "img" / f"{IDS[1]}.jpg").write_bytes(good)
    (site.dir / "img" / f"{IDS[2]}.jpg").write_bytes(_jpeg(*SIZES[2], 2))
    rc, data, text = cm("--tags=get,dataset,openimages,_full", "-j", *site.args)
    assert rc == 0, text
    assert f"/img/{IDS[0]}.jpg" not in site.requests          # the good image was kept, not fetched again
    assert {f"/img/{IDS[1]}.jpg", f"/img/{IDS[2]}.jpg"} <= set(site.requests)
    assert len(os.listdir(data["new_env"]["CM_DATASET_PATH"])) == 3


def test_wrong_size_image_is_refused(tmp_path):
    p = tmp_path / f"{IDS[0]}.jpg"
    p.write_bytes(_jpeg(40, 30, 0))
    oi.check_jpeg(str(p), 40, 30)
    with pytest.raises(DatasetError, match="is 40x30, the annotations say 30x40"):
        oi.check_jpeg(str(p), 30, 40)
    p.write_bytes(b"<html>AccessDenied</html>" * 10)
    with pytest.raises(DatasetError, match="not a JPEG"):
        oi.check_jpeg(str(p))


def test_offline_names_the_missing_images(cm, site, tmp_path):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "ann.zip").write_bytes((site.dir / "ann.zip").read_bytes())
    (mirror / f"{IDS[0]}.jpg").write_bytes((site.dir / "img" / f"{IDS[0]}.jpg").read_bytes())
    rc, _, text = cm("--tags=get,dataset,openimages,_size.2", "--offline", f"--mirror={mirror}", *site.args)
    assert rc != 0 and "offline: 1 of 2 OpenImages images are missing" in text and f"{IDS[1]}.jpg" in text
    assert "--mirror" in text and not site.requests
    (mirror / f"{IDS[1]}.jpg").write_bytes((site.dir / "img" / f"{IDS[1]}.jpg").read_bytes())
    rc, data, text = cm("--tags=get,dataset,openimages,_size.2", "--offline", f"--mirror={mirror}", "-j", *site.args)
    assert rc == 0, text
    assert not site.requests
    assert len(os.listdir(data["new_env"]["CM_DATASET_PATH"])) == 2


def test_a_killed_download_resumes_where_it_stopped(cm, site, tmp_path, cm_repos):
    site.cut = f"/img/{IDS[1]}.jpg"
    cm_bin = os.path.join(os.path.dirname(sys.executable), "cm")
    proc = subprocess.Popen([cm_bin, "run", "script", "--tags=get,dataset,openimages,_size.2", *site.args, "--quiet"],
                            cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline, part = time.monotonic() + 60, None
        while time.monotonic() < deadline and proc.poll() is None:
            parts = [p for p in cm_repos.rglob(f"{IDS[1]}.jpg.part") if p.stat().st_size > 0]
            if parts:
                part = parts[0]
                break
            time.sleep(0.05)
        assert part is not None, "the download never started"
        time.sleep(0.3)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)   # the process group this test started
        proc.wait()
        site.release.set()
    have = part.stat().st_size
    size = (site.dir / "img" / f"{IDS[1]}.jpg").stat().st_size
    assert 0 < have < size
    site.requests.clear()
    rc, data, text = cm("--tags=get,dataset,openimages,_size.2", "-j", *site.args)
    assert rc == 0, text
    assert f"/img/{IDS[1]}.jpg bytes={have}-" in site.requests      # resumed, not restarted
    assert not any(r.startswith(f"/img/{IDS[0]}.jpg") for r in site.requests)   # kept from the killed run
    got = os.path.join(data["new_env"]["CM_DATASET_PATH"], f"{IDS[1]}.jpg")
    assert open(got, "rb").read() == (site.dir / "img" / f"{IDS[1]}.jpg").read_bytes()


def test_a_wrong_source_is_given_up_early(site, tmp_path):
    images = [(f"{k:016x}.jpg", 8, 8) for k in range(40)]   # none of them is served: 404s
    with pytest.raises(DatasetError) as e:
        oi.fetch(images, str(tmp_path / "out"), site.url("img/"), home=str(tmp_path / "home"))
    msg = str(e.value)
    assert f"Stopped after the first {oi.STOP_AFTER} failed with none good" in msg and "404" in msg
    assert len([r for r in site.requests if r.startswith("/img/")]) < 20
    assert not (tmp_path / "out" / oi.MANIFEST).exists()

import json
import os

import numpy as np
import pytest

cv2 = pytest.importorskip("cv2", reason="opencv-python-headless is needed for ImageNet preprocessing")

from cmperf.mlperf.errors import DatasetError  # noqa: E402
from cmperf.mlperf.preprocess import imagenet as pp  # noqa: E402


def _image(h, w, seed):
    rng = np.random.default_rng(seed)
    # smooth gradients plus noise: resizing must really interpolate
    yy, xx = np.mgrid[0:h, 0:w]
    base = np.stack([(yy * 255 // max(h - 1, 1)), (xx * 255 // max(w - 1, 1)), ((yy + xx) % 256)], -1)
    return np.clip(base + rng.integers(-20, 20, (h, w, 3)), 0, 255).astype(np.uint8)


def _reference_steps(bgr):
    """The reference pre_process_vgg written out step by step with its literal numbers."""
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    h, w, _ = rgb.shape
    short = int(100.0 * 224 / 87.5)  # 256
    if h > w:
        size = (short, int(short * h / w))
    else:
        size = (int(short * w / h), short)
    rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
    h, w, _ = rgb.shape
    rgb = rgb[int((h - 224) / 2):int((h + 224) / 2), int((w - 224) / 2):int((w + 224) / 2)]
    x = rgb.astype(np.float32) - np.array([123.68, 116.78, 103.94], np.float32)
    return x.transpose(2, 0, 1)


@pytest.mark.parametrize("h,w", [(375, 500), (500, 333), (256, 256), (181, 97), (1001, 999)])
def test_bit_exact_with_the_reference_steps(h, w):
    img = _image(h, w, h * w)
    out = pp.preprocess_bgr(img)
    assert out.shape == (3, 224, 224) and out.dtype == np.float32
    assert np.array_equal(out, _reference_steps(img))


def test_short_side_256_and_channel_order():
    # a pure-red BGR image (0,0,255) becomes R=255 in channel 0 after the means
    img = np.zeros((300, 400, 3), np.uint8)
    img[..., 2] = 255
    out = pp.preprocess_bgr(img)
    np.testing.assert_array_equal(out[0], np.full((224, 224), 255 - 123.68, np.float32))
    np.testing.assert_array_equal(out[1], np.full((224, 224), -116.78, np.float32))
    assert pp.resize_keep_aspect(img, 224, 224, cv2.INTER_AREA).shape[:2] == (256, 341)


def test_cli_builds_a_dataset_dir(tmp_path, run_module):
    imgs = tmp_path / "jpeg"
    imgs.mkdir()
    rows = []
    for i, (h, w) in enumerate([(300, 400), (420, 260), (224, 224)]):
        name = f"ILSVRC2012_val_{i + 1:08d}.JPEG"
        cv2.imwrite(str(imgs / name), _image(h, w, i))
        rows.append(f"{name} {i * 7}")
    (tmp_path / "val_map.txt").write_text("\n".join(rows) + "\n")
    p = run_module("cmperf.mlperf.preprocess.imagenet", "--images", imgs, "--val-map",
                   tmp_path / "val_map.txt", "--out", tmp_path / "ds")
    assert p.returncode == 0, p.stderr
    x = np.load(tmp_path / "ds" / "inputs.npy")
    assert x.shape == (3, 3, 224, 224)
    np.testing.assert_array_equal(np.load(tmp_path / "ds" / "labels.npy"), [0, 7, 14])
    # the stored tensor is the decoded JPEG through the reference steps
    assert np.array_equal(x[1], _reference_steps(cv2.imread(str(imgs / rows[1].split()[0]))))
    man = json.loads((tmp_path / "ds" / "manifest.json").read_text())
    assert man["count"] == 3 and man["layout"] == "NCHW"


def test_bad_inputs(tmp_path):
    (tmp_path / "vm.txt").write_text("a.JPEG 1\n")
    with pytest.raises(DatasetError, match="image directory"):
        pp.build_dataset(str(tmp_path / "none"), str(tmp_path / "vm.txt"), str(tmp_path / "out"))
    (tmp_path / "imgs").mkdir()
    (tmp_path / "imgs" / "a.JPEG").write_bytes(b"not a jpeg")
    with pytest.raises(DatasetError, match="a.JPEG"):
        pp.build_dataset(str(tmp_path / "imgs"), str(tmp_path / "vm.txt"), str(tmp_path / "out"))
    assert not os.path.exists(tmp_path / "out")
    (tmp_path / "bad.txt").write_text("a.JPEG one\n")
    with pytest.raises(DatasetError, match="bad.txt:1"):
        pp.read_val_map(str(tmp_path / "bad.txt"))

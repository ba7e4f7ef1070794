"""Upstream's ImageNet variation names and the `_pytorch` preprocessing of published lines."""
import json

import numpy as np
import pytest

from cmperf.mlperf.preprocess import imagenet

from .harness import Planner


def test_pytorch_preprocessing_is_torchvision_normalisation(tmp_path):
    cv2 = pytest.importorskip("cv2")
    images = tmp_path / "img"
    images.mkdir()
    for n, bgr in enumerate([(0, 0, 255), (255, 128, 0)]):           # a uniform image stays uniform
        cv2.imwrite(str(images / f"{n}.png"), np.full((300, 260, 3), bgr, np.uint8))
    (tmp_path / "val.txt").write_text("0.png 1\n1.png 2\n")
    m = imagenet.build_dataset(str(images), str(tmp_path / "val.txt"), str(tmp_path / "out"), method="pytorch")
    x = np.load(tmp_path / "out" / "inputs.npy")
    assert x.shape == (2, 3, 224, 224) and "torchvision" in m["preprocessing"]
    want = (np.array([255, 0, 0]) / 255.0 - imagenet.TORCH_MEAN) / imagenet.TORCH_STD      # red, in RGB
    assert np.allclose(x[0, :, 100, 100], want, atol=1e-5)
    assert json.load(open(tmp_path / "out" / "manifest.json"))["preprocessing"] == m["preprocessing"]
    with pytest.raises(Exception, match="unknown preprocessing"):
        imagenet.build_dataset(str(images), str(tmp_path / "val.txt"), str(tmp_path / "o2"), method="caffe")


@pytest.mark.parametrize("tags,needle", [
    ("get,preprocessed,dataset,imagenet,_pytorch", "get-preprocessed-dataset-imagenet"),
    ("get,dataset,image-classification,imagenet,preprocessed,_default,_full,_NCHW", "get-dataset-imagenet-val"),
    ("get,dataset,imagenet,original,_2012-500", "get-dataset-imagenet-val"),
    ("get,validation,dataset,imagenet,_2012-full", "get-dataset-imagenet-val"),
])
def test_published_imagenet_variations_plan(tmp_path, monkeypatch, tags, needle):
    monkeypatch.setenv("CM_REPOS", str(tmp_path / "CM"))
    out = Planner(tmp_path / "CM").plan_input({"tags": tags})
    assert out.planned and needle in out.scripts, out.error

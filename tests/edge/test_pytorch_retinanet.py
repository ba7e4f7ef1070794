"""retinanet on --backend=pytorch: the reference checkpoint resnext50_32x4d_fpn.pth ({"model": state
dict, "args", ...}) in cmperf's own RetinaNet (backends.torch_retinanet), without torchvision.

Its fidelity is pinned to torchvision's RetinaNet (data/retinanet_torchvision.json, made by
retinanet_reference.py): the same state dict loads strictly into both and gives the same
detections. The run through `cm` then predicts its mAP from the stand-in's own detections."""
import argparse
import json
import os
import zipfile

import numpy as np
import pytest


from . import standins

torch = pytest.importorskip("torch")

REFERENCE = os.path.join(os.path.dirname(__file__), "data", "retinanet_torchvision.json")


def test_full_size_has_the_reference_layout():
    """ResNeXt50-32x4d FPN with 264 classes: the parameter count and names of the training repo's
    retinanet_resnext50_32x4d_fpn (checked by loading strictly into torchvision's, see the module)."""
    from cmperf.mlperf.backends.torch_retinanet import RetinaNet
    with torch.device("meta"):
        m = RetinaNet()
    state = m.state_dict()
    assert sum(p.numel() for p in m.parameters()) == 37_060_652   # torchvision builds the same
    assert len(state) == 301 and not any(k.endswith("num_batches_tracked") for k in state)
    assert state["head.classification_head.cls_logits.weight"].shape == (9 * 264, 256, 3, 3)
    for key in ("backbone.body.layer4.2.bn3.running_var", "backbone.body.layer2.0.downsample.1.weight",
                "backbone.fpn.inner_blocks.2.weight", "backbone.fpn.layer_blocks.0.bias",
                "backbone.fpn.extra_blocks.p7.weight", "head.classification_head.conv.6.weight",
                "head.regression_head.bbox_reg.bias"):
        assert key in state, key
    assert state["backbone.body.layer1.0.conv2.weight"].shape == (128, 4, 3, 3)   # 32 groups of 4


def test_detections_match_torchvision():
    from cmperf.mlperf.backends.torch_retinanet import retinanet_from_state_dict
    from tests.edge.retinanet_reference import case_input, case_state

    with open(REFERENCE, encoding="utf-8") as f:
        ref = json.load(f)
    model = retinanet_from_state_dict(case_state(), image_size=(ref["case"]["image"],) * 2)
    with torch.no_grad():
        d = model.detect(case_input())[0]
    expected = np.asarray(ref["detections"])
    got = np.column_stack([d["boxes"].numpy(), d["scores"].numpy(), d["labels"].numpy()])
    assert len(got) == len(expected) == 300                    # NMS's cap reached, as in torchvision
    # Row by row (here, bit for bit); another CPU's rounding may only swap rows whose scores tie to
    # 1e-5, or trade the last kept row for its near-equal neighbour
    unmatched = []
    for row in expected:
        same = np.flatnonzero((got[:, 5] == row[5]) & np.all(np.abs(got[:, :4] - row[:4]) < 1e-3, axis=1)
                              & (np.abs(got[:, 4] - row[4]) < 1e-5))
        if len(same):
            got = np.delete(got, same[0], axis=0)
        else:
            unmatched.append(row)
    assert len(unmatched) <= 1 and all(abs(r[4] - expected[-1, 4]) < 1e-5 for r in unmatched), unmatched


def test_box_decoding_clips_huge_size_deltas_as_torchvision():
    """BoxCoder's clip: dw, dh above log(1000/16) count as that (a 10x10 anchor grows to 625 at most)."""
    from cmperf.mlperf.backends.torch_retinanet import decode_boxes
    boxes = decode_boxes(torch.tensor([[0.1, -0.2, 10.0, 0.0]]), torch.tensor([[0.0, 0.0, 10.0, 20.0]]))
    assert boxes[0].tolist() == pytest.approx([6.0 - 312.5, -4.0, 6.0 + 312.5, 16.0])


def _checkpoint(path, state, **extra):
    """The reference file's shape: the training script's checkpoint dict around the weights."""
    torch.save({"model": state, "args": argparse.Namespace(num_classes=3, data_layout="channels_last"),
                "epoch": 25, "optimizer": {"state": {}, "param_groups": [{"lr": 0.0001}]}, **extra}, str(path))
    return str(path)


def test_checkpoint_loads_weights_only_and_answers_as_the_onnx_export(tmp_path):
    from cmperf.mlperf.backends import get_backend
    from cmperf.mlperf.backends.torch_retinanet import retinanet_from_state_dict
    from cmperf.mlperf.errors import ModelFileError

    state = standins.retinanet_torch_state()
    path = _checkpoint(tmp_path / "resnext50_32x4d_fpn.pth", state)
    be = get_backend("pytorch", threads=1).load(path, "images", ["boxes", "labels", "scores"])
    assert be.describe()["model_form"] == "torch_retinanet"
    x = np.random.default_rng(3).uniform(0, 1, (1, 3, 800, 800)).astype(np.float32)
    boxes, labels, scores = be.predict(x)
    with torch.no_grad():
        d = retinanet_from_state_dict(state).detect(torch.from_numpy(x))[0]
    assert boxes.shape == (len(scores), 4) and len(scores) > 0
    assert np.array_equal(boxes, d["boxes"].numpy()) and np.array_equal(labels, d["labels"].numpy())
    assert np.all(np.diff(scores) <= 0) and scores.min() > 0.05      # descending, above the threshold
    with pytest.raises(ValueError, match="one image per call"):
        be.predict(np.concatenate([x, x]))

    # pickled code is never run: a checkpoint holding an arbitrary object is refused, naming it
    bad = _checkpoint(tmp_path / "bad.pth", state, hook=zipfile.ZipInfo("x"))
    with pytest.raises(ModelFileError, match=r"neither TorchScript nor a plain state dict: it pickles zipfile.ZipInfo, .* weights-only"):
        get_backend("pytorch").load(bad, "images", ["boxes", "labels", "scores"])
    # heads of another anchor count are not RetinaNet's
    wrong = dict(state)
    wrong["head.regression_head.bbox_reg.weight"] = wrong["head.regression_head.bbox_reg.weight"][:32]
    wrong["head.regression_head.bbox_reg.bias"] = wrong["head.regression_head.bbox_reg.bias"][:32]
    with pytest.raises(ModelFileError, match="do not have 9 anchors per place"):
        get_backend("pytorch").load(_checkpoint(tmp_path / "w.pth", wrong), "images", ["boxes", "labels", "scores"])


def _annotations_from_the_model(root, state):
    """Ground truth built so the mAP is known: the detections of labels 1 and 2 that COCOeval scores
    (an image's 100 best of each category) are that image's objects, boxes in its own pixels: AP 1
    for both at every IoU threshold; category 3, which the 3-class stand-in never answers, is one
    4x4 box in image 0 (AP 0). mAP = 2/3. The detections come from the preprocessed images the run
    feeds the model; no ranking across images is assumed."""
    from cmperf.mlperf.backends.torch_retinanet import retinanet_from_state_dict
    from cmperf.mlperf.openimages.preprocess import preprocess_bgr, read_image

    model = retinanet_from_state_dict(state)
    objects = [(standins.OPENIMAGES_SAMPLES[0]["id"], 3, [1.0, 1.0, 4.0, 4.0])]
    threads = torch.get_num_threads()
    torch.set_num_threads(1)     # as the run (--threads=1): the same sums to the last bit, so equal
    try:                         # scores (black areas) rank and suppress alike in both
        found = []
        for s in standins.OPENIMAGES_SAMPLES:
            x = preprocess_bgr(read_image(os.path.join(root, "validation", "data", s["file"])))
            with torch.no_grad():
                found.append(model.detect(torch.from_numpy(x[None]))[0])
    finally:
        torch.set_num_threads(threads)
    for s, d in zip(standins.OPENIMAGES_SAMPLES, found):
        assert 100 < len(d["scores"]) < 300                        # the 0.05 threshold cut, not NMS's cap
        px = d["boxes"].numpy().astype(np.float64) * ([s["w"] / 800, s["h"] / 800] * 2)
        labels = d["labels"].numpy()
        assert set(labels) == {1, 2}                                # label 0 is silenced
        for c in (1, 2):                    # COCOeval keeps 100 per image and category, in score order
            objects += [(s["id"], c, [x0, y0, x1 - x0, y1 - y0]) for x0, y0, x1, y1 in px[labels == c][:100]]
    coco = {"images": [{"id": s["id"], "file_name": s["file"], "height": s["h"], "width": s["w"]}
                       for s in standins.OPENIMAGES_SAMPLES],
            "annotations": [{"id": n, "image_id": i, "category_id": c, "iscrowd": 0, "bbox": b, "area": b[2] * b[3]}
                            for n, (i, c, b) in enumerate(objects, 1)],
            "categories": [{"id": 1, "name": "Airplane"}, {"id": 2, "name": "Antelope"}, {"id": 3, "name": "Apple"}]}
    return json.dumps(coco)


def test_retinanet_on_pytorch_through_cm(cm, server, tmp_path):
    standins.openimages_dataset(tmp_path / "oi")
    state = standins.retinanet_torch_state(seed=1, silent_labels=(0,))
    flags = standins.serve_openimages(server, tmp_path / "oi", _annotations_from_the_model(tmp_path / "oi", state),
                                      _checkpoint(server.dir / "resnext50_32x4d_fpn.pth", state))
    rc, data, text = cm("--tags=run-mlperf,inference", "--model=retinanet", "--backend=pytorch",
                        "--scenario=SingleStream,MultiStream,Offline", f"--results_dir={tmp_path / 'results'}",
                        "--test_query_count=3", "--threads=1", "--offline_target_qps=1000", "-j", *flags)
    assert rc == 0, text[-3000:]
    runs = data["new_state"]["mlperf-inference"]["runs"]
    acc = [r for r in runs if r.get("accuracy") is not None]
    assert len(runs) == 6 and len(acc) == 3
    for r in acc:
        assert r["accuracy_metric"] == "mAP" and r["accuracy"] == pytest.approx(200 / 3, abs=1e-3)
        assert open(os.path.join(r["dir"], "accuracy.txt")).read().startswith("mAP=66.667%\n")
        with open(os.path.join(r["dir"], "run.json")) as f:
            assert json.load(f)["backend"]["model_form"] == "torch_retinanet"
    with open(os.path.join(os.path.dirname(acc[0]["dir"]), "measurements.json")) as f:
        assert json.load(f)["starting_weights_filename"].endswith("resnext50_32x4d_fpn.pth")

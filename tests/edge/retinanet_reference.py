"""Make tests/edge/data/retinanet_torchvision.json: torchvision's RetinaNet on a pinned stand-in.

A developer's tool, not a test: torchvision has no CPU wheel for every torch (its C ops do not load
beside the CPU torch cmperf pins), so its Python model code runs here with an independent plain
NMS registered as ``torchvision::nms``. The stand-in is ``standins.retinanet_torch_state`` at the
reference's backbone width (ResNeXt50-32x4d) with a narrow FPN and head, on a 256x256 input; the
state dict loads strictly into torchvision's v1 RetinaNet (FrozenBatchNorm2d ResNeXt body,
layer2-4, LastLevelP6P7(C, C), its default anchors and thresholds), as the MLPerf training repo
builds ``retinanet_resnext50_32x4d_fpn``. test_pytorch_retinanet.py pins cmperf's own module to
the detections written here.

    pip download --no-deps torchvision==<the release for this torch> && pip install --no-deps --target DIR ...
    PYTHONPATH=DIR python -m tests.edge.retinanet_reference
"""
import json
import os
import sys
import types

import numpy as np
import torch

CASE = {"base": 64, "inner": 128, "groups": 32, "channels": 32, "classes": 5, "seed": 0, "image": 256,
        "input_seed": 1}
OUT = os.path.join(os.path.dirname(__file__), "data", "retinanet_torchvision.json")


def case_input(case=CASE):
    s = case["image"]
    return torch.from_numpy(np.random.default_rng(case["input_seed"]).uniform(0, 1, (1, 3, s, s)).astype(np.float32))


def case_state(case=CASE):
    from tests.edge.standins import retinanet_torch_state
    return retinanet_torch_state(case["base"], case["inner"], case["groups"], case["channels"], case["classes"],
                                 case["seed"])


def _nms(dets, scores, iou_threshold):
    """torchvision's CPU kernel, row by row in float32, every box considered (no early stop)."""
    order = torch.sort(scores, descending=True, stable=True).indices
    x1, y1, x2, y2 = dets[order].unbind(1)
    area = (x2 - x1) * (y2 - y1)
    alive = torch.ones(len(order), dtype=torch.bool)
    for p in range(len(order)):
        if alive[p]:
            inter = ((torch.minimum(x2[p], x2) - torch.maximum(x1[p], x1)).clamp(min=0)
                     * (torch.minimum(y2[p], y2) - torch.maximum(y1[p], y1)).clamp(min=0))
            over = inter / (area[p] + area - inter) > iou_threshold
            over[: p + 1] = False
            alive &= ~over
    return order[alive]


def _import_torchvision():
    sys.modules["torchvision._meta_registrations"] = types.ModuleType("torchvision._meta_registrations")
    lib = torch.library.Library("torchvision", "DEF")
    lib.define("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
    lib.impl("nms", _nms, "CPU")
    import torchvision
    import torchvision.extension
    torchvision.extension._has_ops = lambda: True
    return torchvision, lib


def main():
    torchvision, _lib = _import_torchvision()
    from torchvision.models.detection.backbone_utils import BackboneWithFPN
    from torchvision.models.detection.retinanet import RetinaNet
    from torchvision.models.resnet import Bottleneck, ResNet
    from torchvision.ops.feature_pyramid_network import LastLevelP6P7
    from torchvision.ops.misc import FrozenBatchNorm2d

    c = CASE
    assert (c["base"], c["inner"], c["groups"]) == (64, 128, 32), "torchvision's ResNeXt50-32x4d widths"
    body = ResNet(Bottleneck, [3, 4, 6, 3], groups=32, width_per_group=4, norm_layer=FrozenBatchNorm2d)
    backbone = BackboneWithFPN(body, {"layer2": "0", "layer3": "1", "layer4": "2"}, [512, 1024, 2048],
                               c["channels"], extra_blocks=LastLevelP6P7(c["channels"], c["channels"]))
    model = RetinaNet(backbone, c["classes"], min_size=c["image"], max_size=c["image"],
                      image_mean=[0.485, 0.456, 0.406], image_std=[0.229, 0.224, 0.225])
    model.load_state_dict(case_state(), strict=True)
    with torch.no_grad():
        d = model.eval()(list(case_input()))[0]
    rows = [[*map(float, b), float(s), int(lab)] for b, s, lab in zip(d["boxes"], d["scores"], d["labels"])]
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump({"made_with": {"torchvision": torchvision.__version__, "torch": torch.__version__},
                   "case": CASE, "detections": rows}, f)
    print(f"{OUT}: {len(rows)} detections")


if __name__ == "__main__":
    main()

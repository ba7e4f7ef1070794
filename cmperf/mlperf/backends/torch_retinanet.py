"""RetinaNet (ResNeXt50-32x4d FPN) as the MLPerf reference builds it, without torchvision.

The reference's PyTorch RetinaNet is ``retinanet_resnext50_32x4d_fpn(num_classes=264,
image_size=[800, 800])`` from the MLPerf training repository (single_stage_detector/ssd/model),
whose ``resnext50_32x4d_fpn.pth`` holds a training checkpoint: ``checkpoint["model"]`` is its state
dict (pth_to_onnx.py loads it so). That model is torchvision's RetinaNet of 2021: a ResNeXt body
with frozen BatchNorm, an FPN over layer2-4 with P6/P7 from P5, four 3x3 convolutions per head,
9 anchors per place, sigmoid scores. This module has the same parameter names and layers, so that
state dict loads strictly, and the same inference steps:

- normalise with ImageNet's mean/std (the input is RGB in 0..1, 800x800 after preprocessing) and
  resize to ``image_size`` (bilinear; the identity for 800x800 input);
- per level, the scores above 0.05, the best 1000 of them, their boxes decoded from the anchors
  (BoxCoder weights 1, the log(1000/16) clip) and clipped to the image;
- NMS per class at IoU 0.5 over all levels, the best 300 kept, in descending score order.

Widths, groups, FPN channels and the class count are read from the tensors, so narrow stand-ins
of the same shape load too (tests); the anchors and thresholds are the reference's constants.
"""
import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .torch_resnet import BLOCKS, EXPANSION, Bottleneck

IMAGE_MEAN = (0.485, 0.456, 0.406)
IMAGE_STD = (0.229, 0.224, 0.225)
IMAGE_SIZE = (800, 800)
RETURNED_LAYERS = (2, 3, 4)    # P3-P5 from layer2-4; P6, P7 from P5 (LastLevelP6P7(256, 256))
ANCHOR_SIZES = tuple((x, int(x * 2 ** (1.0 / 3)), int(x * 2 ** (2.0 / 3))) for x in (32, 64, 128, 256, 512))
ASPECT_RATIOS = (0.5, 1.0, 2.0)
ANCHORS_PER_PLACE = len(ASPECT_RATIOS) * len(ANCHOR_SIZES[0])
SCORE_THRESH = 0.05
NMS_THRESH = 0.5
DETECTIONS_PER_IMG = 300
TOPK_CANDIDATES = 1000
BBOX_XFORM_CLIP = math.log(1000.0 / 16)


def is_retinanet(state):
    return all(k in state for k in ("backbone.body.conv1.weight", "backbone.fpn.extra_blocks.p6.weight",
                                    "head.classification_head.cls_logits.weight",
                                    "head.regression_head.bbox_reg.weight"))


class FrozenBatchNorm2d(nn.Module):
    """torchvision.ops.FrozenBatchNorm2d: fixed statistics and affine terms, eps 1e-5."""

    def __init__(self, n, eps=1e-5):
        super().__init__()
        self.eps = eps
        for name, value in (("weight", 1.0), ("bias", 0.0), ("running_mean", 0.0), ("running_var", 1.0)):
            self.register_buffer(name, torch.full((n,), value))

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        state_dict.pop(prefix + "num_batches_tracked", None)   # as torchvision: never a frozen statistic
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def forward(self, x):
        scale = self.weight * (self.running_var + self.eps).rsqrt()
        bias = self.bias - self.running_mean * scale
        return x * scale[None, :, None, None] + bias[None, :, None, None]


class Body(nn.Module):
    """The ResNeXt up to layer4 (IntermediateLayerGetter drops avgpool and fc); returns C3-C5."""

    def __init__(self, base, inner, groups):
        super().__init__()
        self.conv1 = nn.Conv2d(3, base, 7, stride=2, padding=3, bias=False)
        self.bn1 = FrozenBatchNorm2d(base)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        inplanes = base
        self.out_channels = []
        for i, n in enumerate(BLOCKS):
            out = base * 2 ** i * EXPANSION
            blocks = []
            for b in range(n):
                blocks.append(Bottleneck(inplanes, inner * 2 ** i, out, 2 if (b == 0 and i > 0) else 1, groups,
                                         FrozenBatchNorm2d))
                inplanes = out
            setattr(self, f"layer{i + 1}", nn.Sequential(*blocks))
            self.out_channels.append(out)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        features = []
        for i in range(1, 5):
            x = getattr(self, f"layer{i}")(x)
            if i in RETURNED_LAYERS:
                features.append(x)
        return features


class LastLevelP6P7(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.p6 = nn.Conv2d(channels, channels, 3, 2, 1)
        self.p7 = nn.Conv2d(channels, channels, 3, 2, 1)

    def forward(self, p5):
        p6 = self.p6(p5)     # in_channels == out_channels: from P5, not C5 (use_P5)
        return [p6, self.p7(F.relu(p6))]


class FPN(nn.Module):
    def __init__(self, in_channels, channels):
        super().__init__()
        self.inner_blocks = nn.ModuleList(nn.Conv2d(c, channels, 1) for c in in_channels)
        self.layer_blocks = nn.ModuleList(nn.Conv2d(channels, channels, 3, padding=1) for _ in in_channels)
        self.extra_blocks = LastLevelP6P7(channels)

    def forward(self, features):
        last = self.inner_blocks[-1](features[-1])
        results = [self.layer_blocks[-1](last)]
        for idx in range(len(features) - 2, -1, -1):
            lateral = self.inner_blocks[idx](features[idx])
            last = lateral + F.interpolate(last, size=lateral.shape[-2:], mode="nearest")
            results.insert(0, self.layer_blocks[idx](last))
        return results + self.extra_blocks(results[-1])


class Backbone(nn.Module):
    def __init__(self, base, inner, groups, channels):
        super().__init__()
        self.body = Body(base, inner, groups)
        self.fpn = FPN([self.body.out_channels[k - 1] for k in RETURNED_LAYERS], channels)

    def forward(self, x):
        return self.fpn(self.body(x))


def _tower(channels):
    layers = []
    for _ in range(4):
        layers += [nn.Conv2d(channels, channels, 3, padding=1), nn.ReLU()]
    return nn.Sequential(*layers)


def _per_anchor(x, per_anchor):
    """(N, A*K, H, W) -> (N, H*W*A, K), the order the anchors are laid out in."""
    n, _, h, w = x.shape
    return x.view(n, -1, per_anchor, h, w).permute(0, 3, 4, 1, 2).reshape(n, -1, per_anchor)


class ClassificationHead(nn.Module):
    def __init__(self, channels, num_classes):
        super().__init__()
        self.conv = _tower(channels)
        self.cls_logits = nn.Conv2d(channels, ANCHORS_PER_PLACE * num_classes, 3, padding=1)
        self.num_classes = num_classes

    def forward(self, features):
        return [_per_anchor(self.cls_logits(self.conv(f)), self.num_classes) for f in features]


class RegressionHead(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv = _tower(channels)
        self.bbox_reg = nn.Conv2d(channels, ANCHORS_PER_PLACE * 4, 3, padding=1)

    def forward(self, features):
        return [_per_anchor(self.bbox_reg(self.conv(f)), 4) for f in features]


class Head(nn.Module):
    def __init__(self, channels, num_classes):
        super().__init__()
        self.classification_head = ClassificationHead(channels, num_classes)
        self.regression_head = RegressionHead(channels)


def cell_anchors(sizes):
    """The 9 zero-centred anchors of one level: ratio-major, then scale; rounded as torchvision."""
    scales = torch.as_tensor(sizes, dtype=torch.float32)
    h_ratios = torch.sqrt(torch.as_tensor(ASPECT_RATIOS, dtype=torch.float32))
    ws = ((1 / h_ratios)[:, None] * scales[None, :]).view(-1)
    hs = (h_ratios[:, None] * scales[None, :]).view(-1)
    return (torch.stack([-ws, -hs, ws, hs], dim=1) / 2).round()


def level_anchors(image_hw, grid_hw, sizes):
    """Anchors of one level in (y, x, anchor) order; the stride is the image size // the grid size
    (61 and 114 for P6 and P7 of an 800x800 image, as the reference computes it)."""
    stride_y, stride_x = image_hw[0] // grid_hw[0], image_hw[1] // grid_hw[1]
    shift_y, shift_x = torch.meshgrid(torch.arange(grid_hw[0]) * stride_y, torch.arange(grid_hw[1]) * stride_x,
                                      indexing="ij")
    shifts = torch.stack((shift_x.reshape(-1), shift_y.reshape(-1)) * 2, dim=1)
    return (shifts.view(-1, 1, 4) + cell_anchors(sizes).view(1, -1, 4)).reshape(-1, 4)


def decode_boxes(deltas, anchors):
    """BoxCoder(weights=(1, 1, 1, 1)).decode_single: (dx, dy, dw, dh) on anchors -> x1, y1, x2, y2."""
    widths = anchors[:, 2] - anchors[:, 0]
    heights = anchors[:, 3] - anchors[:, 1]
    ctr_x = anchors[:, 0] + 0.5 * widths
    ctr_y = anchors[:, 1] + 0.5 * heights
    dw = torch.clamp(deltas[:, 2], max=BBOX_XFORM_CLIP)
    dh = torch.clamp(deltas[:, 3], max=BBOX_XFORM_CLIP)
    pred_x = deltas[:, 0] * widths + ctr_x
    pred_y = deltas[:, 1] * heights + ctr_y
    half_w = 0.5 * (torch.exp(dw) * widths)
    half_h = 0.5 * (torch.exp(dh) * heights)
    return torch.stack((pred_x - half_w, pred_y - half_h, pred_x + half_w, pred_y + half_h), dim=1)


def batched_nms(boxes, scores, labels, iou_threshold, max_keep):
    """Greedy NMS within each class, in descending score order (stable, as torchvision's kernel:
    a box is dropped when its IoU with a kept box of its class is > the threshold). Stops after
    ``max_keep`` boxes, which gives the same first ``max_keep`` as torchvision's batched_nms."""
    order = torch.sort(scores, descending=True, stable=True).indices.numpy()
    b = boxes.numpy()[order]
    lab = labels.numpy()[order]
    x1, y1, x2, y2 = b[:, 0], b[:, 1], b[:, 2], b[:, 3]
    areas = (x2 - x1) * (y2 - y1)
    suppressed = np.zeros(len(order), bool)
    keep = []
    for i in range(len(order)):
        if suppressed[i]:
            continue
        keep.append(order[i])
        if len(keep) == max_keep:
            break
        rest = slice(i + 1, None)
        w = np.maximum(np.minimum(x2[i], x2[rest]) - np.maximum(x1[i], x1[rest]), np.float32(0))
        h = np.maximum(np.minimum(y2[i], y2[rest]) - np.maximum(y1[i], y1[rest]), np.float32(0))
        inter = w * h
        with np.errstate(invalid="ignore", divide="ignore"):   # two empty boxes: NaN, never over
            iou = inter / (areas[i] + areas[rest] - inter)
        suppressed[rest] |= (iou > iou_threshold) & (lab[rest] == lab[i])
    return torch.as_tensor(np.asarray(keep, np.int64))


class RetinaNet(nn.Module):
    """``detect(images)`` -> one dict of boxes/scores/labels per image, as the reference model in
    eval mode; ``forward(images)`` -> (boxes, labels, scores) of a batch of one, the outputs of
    the official ONNX export, which the harness's RetinaNet response encoder reads."""

    def __init__(self, base=64, inner=128, groups=32, channels=256, num_classes=264, image_size=IMAGE_SIZE):
        super().__init__()
        self.backbone = Backbone(base, inner, groups, channels)
        self.head = Head(channels, num_classes)
        self.image_size = tuple(image_size)
        self.num_classes = num_classes

    def _normalise(self, images):
        mean = torch.as_tensor(IMAGE_MEAN, dtype=images.dtype)[None, :, None, None]
        std = torch.as_tensor(IMAGE_STD, dtype=images.dtype)[None, :, None, None]
        x = (images - mean) / std
        if tuple(x.shape[-2:]) != self.image_size:
            x = F.interpolate(x, size=self.image_size, mode="bilinear", align_corners=False)
        return x

    def detect(self, images):
        if images.dim() != 4 or images.shape[1] != 3 or not images.is_floating_point():
            raise ValueError(f"RetinaNet takes float images [N, 3, H, W], got {images.dtype} {list(images.shape)}")
        original_hw = tuple(images.shape[-2:])
        # one memory layout whatever the caller's strides: another layout picks other convolution
        # kernels, whose rounding can move a score across a threshold or a tie
        features = self.backbone(self._normalise(images.contiguous()))
        logits = self.head.classification_head(features)
        deltas = self.head.regression_head(features)
        anchors = [level_anchors(self.image_size, tuple(f.shape[-2:]), sizes)
                   for f, sizes in zip(features, ANCHOR_SIZES)]
        ratio_y, ratio_x = original_hw[0] / self.image_size[0], original_hw[1] / self.image_size[1]
        scale = torch.tensor([ratio_x, ratio_y, ratio_x, ratio_y], dtype=torch.float32)
        return [self._postprocess([lg[n] for lg in logits], [d[n] for d in deltas], anchors, scale)
                for n in range(len(images))]

    def _postprocess(self, logits, deltas, anchors, scale):
        all_boxes, all_scores, all_labels = [], [], []
        for lg, dl, an in zip(logits, deltas, anchors):
            scores = torch.sigmoid(lg).flatten()
            candidates = torch.where(scores > SCORE_THRESH)[0]
            scores, idx = scores[candidates].topk(min(TOPK_CANDIDATES, len(candidates)))
            candidates = candidates[idx]
            anchor_idx = torch.div(candidates, self.num_classes, rounding_mode="floor")
            boxes = decode_boxes(dl[anchor_idx], an[anchor_idx])
            h, w = self.image_size
            boxes = torch.stack((boxes[:, 0].clamp(0, w), boxes[:, 1].clamp(0, h),
                                 boxes[:, 2].clamp(0, w), boxes[:, 3].clamp(0, h)), dim=1)
            all_boxes.append(boxes)
            all_scores.append(scores)
            all_labels.append(candidates % self.num_classes)
        boxes, scores, labels = torch.cat(all_boxes), torch.cat(all_scores), torch.cat(all_labels)
        keep = batched_nms(boxes, scores, labels, NMS_THRESH, DETECTIONS_PER_IMG)
        return {"boxes": boxes[keep] * scale, "scores": scores[keep], "labels": labels[keep]}

    def forward(self, images):
        if len(images) != 1:
            raise ValueError(f"RetinaNet answers one image per call (the official export's batch), got {len(images)}")
        d = self.detect(images)[0]
        return d["boxes"], d["labels"], d["scores"]


def retinanet_from_state_dict(state, image_size=IMAGE_SIZE):
    """Shapes from the tensors (base width, ResNeXt inner width and groups, FPN channels, classes);
    loads strictly."""
    inner = state["backbone.body.layer1.0.conv1.weight"].shape[0]
    per_group = state["backbone.body.layer1.0.conv2.weight"].shape[1]
    cls_rows = state["head.classification_head.cls_logits.weight"].shape[0]
    if cls_rows % ANCHORS_PER_PLACE or state["head.regression_head.bbox_reg.weight"].shape[0] != 4 * ANCHORS_PER_PLACE:
        raise ValueError(f"the heads do not have {ANCHORS_PER_PLACE} anchors per place "
                         f"(cls_logits has {cls_rows} rows, bbox_reg "
                         f"{state['head.regression_head.bbox_reg.weight'].shape[0]})")
    model = RetinaNet(base=state["backbone.body.conv1.weight"].shape[0], inner=inner, groups=inner // per_group,
                      channels=state["backbone.fpn.inner_blocks.0.weight"].shape[0],
                      num_classes=cls_rows // ANCHORS_PER_PLACE, image_size=image_size)
    model.load_state_dict(state, strict=True)
    return model.eval()

"""Stand-in models and tiny datasets in the official layouts, made by the tests (no real data here).

Each stand-in has the official model's input/output names and shapes and answers that follow from
the test data by construction, so the accuracy a run must reach can be computed by hand.
"""
import json
import os

import numpy as np

# --- RetinaNet / OpenImages -------------------------------------------------------------------

RETINANET_INPUT = "images"   # torch.onnx.export names the input after RetinaNet.forward(images)


def retinanet_standin(path, input_name=RETINANET_INPUT, outputs=("boxes", "scores", "labels")):
    """[1,3,800,800] -> one detection: the bounding box of the pixels whose red channel is > 0.5
    (xmin, ymin, xmax, ymax in input pixels), score 0.9 when there are such pixels and 0 otherwise,
    label 2 when some green value is > 0.5, else 1. Outputs boxes [1,4], scores [1], labels [1]."""
    import onnx
    from onnx import TensorProto, helper

    def c(name, value, dtype=np.float32):
        return helper.make_tensor(name, TensorProto.FLOAT if dtype == np.float32 else TensorProto.INT64,
                                  np.asarray(value).shape, np.asarray(value, dtype).reshape(-1).tolist())

    boxes, scores, labels = outputs
    n = helper.make_node
    nodes = [
        n("Slice", [input_name, "c0", "c1", "ax1"], ["red"]),
        n("Slice", [input_name, "c1", "c2", "ax1"], ["green"]),
        n("Greater", ["red", "half"], ["rmask_b"]),
        n("Cast", ["rmask_b"], ["rmask"], to=TensorProto.FLOAT),
        n("ReduceMax", ["rmask"], ["rows"], axes=[1, 3], keepdims=0),       # [1, 800] per row
        n("ReduceMax", ["rmask"], ["cols"], axes=[1, 2], keepdims=0),       # [1, 800] per column
        n("ArgMax", ["rows"], ["ymin"], axis=1, keepdims=1),
        n("ArgMax", ["rows"], ["ylast"], axis=1, keepdims=1, select_last_index=1),
        n("ArgMax", ["cols"], ["xmin"], axis=1, keepdims=1),
        n("ArgMax", ["cols"], ["xlast"], axis=1, keepdims=1, select_last_index=1),
        n("Add", ["ylast", "one_i"], ["ymax"]),
        n("Add", ["xlast", "one_i"], ["xmax"]),
        n("Concat", ["xmin", "ymin", "xmax", "ymax"], ["box_i"], axis=1),
        n("Cast", ["box_i"], [boxes], to=TensorProto.FLOAT),                # [1, 4]
        n("ReduceMax", ["rmask"], ["anyred"], axes=[1, 2, 3], keepdims=0),  # [1]
        n("Mul", ["anyred", "score_hi"], [scores]),
        n("ReduceMax", ["green"], ["gmax"], axes=[1, 2, 3], keepdims=0),
        n("Greater", ["gmax", "half"], ["g_b"]),
        n("Cast", ["g_b"], ["g_i"], to=TensorProto.INT64),
        n("Add", ["g_i", "one_i1"], [labels]),
    ]
    inits = [c("c0", [0], np.int64), c("c1", [1], np.int64), c("c2", [2], np.int64), c("ax1", [1], np.int64),
             c("half", 0.5), c("score_hi", 0.9), c("one_i", [[1]], np.int64), c("one_i1", [1], np.int64)]
    graph = helper.make_graph(
        nodes, "retinanet_standin",
        [helper.make_tensor_value_info(input_name, TensorProto.FLOAT, [1, 3, 800, 800])],
        [helper.make_tensor_value_info(boxes, TensorProto.FLOAT, [1, 4]),
         helper.make_tensor_value_info(scores, TensorProto.FLOAT, [1]),
         helper.make_tensor_value_info(labels, TensorProto.INT64, [1])],
        initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], ir_version=8)
    onnx.checker.check_model(model)
    onnx.save(model, path)
    return path


# Three images: two with a bright red box of category 1 (found exactly), one whose category-2
# object is a dim red box the stand-in cannot see. Category 1: AP 1.0 at every IoU threshold;
# category 2: AP 0 -> mAP = 50.000%.
OPENIMAGES_SAMPLES = [
    {"file": "0001eeaf4aed83f9.jpg", "id": 101, "w": 400, "h": 300, "box": (100, 60, 200, 180), "red": 255, "cat": 1},
    {"file": "000595fe6fee6369.jpg", "id": 205, "w": 320, "h": 480, "box": (40, 200, 280, 440), "red": 255, "cat": 1},
    {"file": "00075905539074f2.jpg", "id": 317, "w": 500, "h": 500, "box": (50, 50, 450, 150), "red": 90, "cat": 2},
]
OPENIMAGES_EXPECTED_MAP = 50.0


def openimages_dataset(root, samples=OPENIMAGES_SAMPLES):
    """<root>/validation/data/*.jpg and <root>/annotations/openimages-mlperf.json, as
    openimages_mlperf.sh lays them out. Boxes are (x0, y0, x1, y1) pixel edges."""
    import cv2

    img_dir = os.path.join(root, "validation", "data")
    os.makedirs(img_dir, exist_ok=True)
    os.makedirs(os.path.join(root, "annotations"), exist_ok=True)
    images, anns = [], []
    for k, s in enumerate(samples):
        img = np.zeros((s["h"], s["w"], 3), np.uint8)
        x0, y0, x1, y1 = s["box"]
        img[y0:y1, x0:x1, 2] = s["red"]                 # BGR: channel 2 is red
        cv2.imwrite(os.path.join(img_dir, s["file"]), img, [cv2.IMWRITE_JPEG_QUALITY, 100])
        images.append({"id": s["id"], "file_name": s["file"], "height": s["h"], "width": s["w"]})
        anns.append({"id": k + 1, "image_id": s["id"], "category_id": s["cat"], "iscrowd": 0,
                     "bbox": [x0, y0, x1 - x0, y1 - y0], "area": (x1 - x0) * (y1 - y0)})
    coco = {"images": images, "annotations": anns,
            "categories": [{"id": 1, "name": "Airplane"}, {"id": 2, "name": "Antelope"}]}
    path = os.path.join(root, "annotations", "openimages-mlperf.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(coco, f)
    return path


def serve_openimages(server, root, annotations_json, model_file):
    """Serve the annotation file as the official archive (openimages-mlperf_annotations_2.1.json.zip)
    and ``model_file`` (already in ``server.dir``); the user's copy at ``root`` keeps only the images.
    Returns the `cm` flags that point the model, the annotations and the images there (3 samples)."""
    import io
    import shutil
    import zipfile

    from tests.mlscripts.conftest import md5

    shutil.rmtree(os.path.join(root, "annotations"), ignore_errors=True)
    archive = server.dir / "openimages-mlperf_annotations_2.1.json.zip"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("openimages-mlperf.json", annotations_json)
    archive.write_bytes(buf.getvalue())
    name = os.path.basename(model_file)
    return [f"--adr.ml-model.url={server.url(name)}",
            f"--adr.ml-model.env.CM_DOWNLOAD_CHECKSUM={md5(model_file)}",
            f"--openimages_path={root}",
            f"--adr.openimages-original.url={server.url(archive.name)}",
            f"--adr.openimages-original.env.CM_DOWNLOAD_CHECKSUM={md5(archive)}",
            "--adr.openimages-preprocessed.tags=_size.3"]


def accuracy_log(path, responses):
    """mlperf_log_accuracy.json from {qsl_idx: float32 array} (as LoadGen writes it: upper-case hex)."""
    entries = [{"seq_id": n, "qsl_idx": int(i), "data": np.asarray(a, np.float32).tobytes().hex().upper()}
               for n, (i, a) in enumerate(responses.items())]
    with open(path, "w", encoding="utf-8") as f:
        json.dump(entries, f)
    return path



def retinanet_torch_state(base=8, inner=16, groups=4, channels=16, classes=3, seed=0, cls_bias=-3.5,
                          silent_labels=(), delta_scale=0.05):
    """A RetinaNet state dict in the reference checkpoint's layout (backends.torch_retinanet's keys)
    at the given widths, with seeded random weights (numpy, so no torch RNG version matters):
    He-scaled convolutions, non-trivial frozen BatchNorm statistics, box deltas at ``delta_scale`` of
    that, and class logits around ``cls_bias``. The labels in ``silent_labels`` never score (bias -30)."""
    import torch
    from cmperf.mlperf.backends.torch_retinanet import ANCHORS_PER_PLACE, RetinaNet

    rng = np.random.default_rng(seed)
    state = {}
    for key, t in RetinaNet(base, inner, groups, channels, classes).state_dict().items():
        shape = tuple(t.shape)
        name = key.rsplit(".", 1)[-1]
        if len(shape) == 4:                                    # a convolution's weight
            std = np.sqrt(2.0 / (shape[1] * shape[2] * shape[3]))
            std *= delta_scale if "bbox_reg" in key else 0.5 if "cls_logits" in key else 1.0
            a = rng.normal(0.0, std, shape)
        elif key.startswith("backbone.body."):                 # frozen BatchNorm
            a = {"weight": lambda: rng.uniform(0.2, 0.6, shape) if (".bn3." in key or "downsample" in key)
                 else rng.uniform(0.5, 1.0, shape),
                 "bias": lambda: rng.uniform(-0.1, 0.1, shape),
                 "running_mean": lambda: rng.uniform(-0.1, 0.1, shape),
                 "running_var": lambda: rng.uniform(0.5, 1.5, shape)}[name]()
        else:                                                  # a convolution's bias
            a = rng.normal(0.0, 2 * delta_scale if "bbox_reg" in key else 0.1, shape)
            a += cls_bias if "cls_logits" in key else 0.0
            if "cls_logits" in key:
                for label in silent_labels:   # channel = anchor * classes + label
                    a[label::classes] = -30.0
        state[key] = torch.from_numpy(np.asarray(a, np.float32))
    assert state["head.classification_head.cls_logits.weight"].shape[0] == ANCHORS_PER_PLACE * classes
    return state


# --- 3D-UNet / KiTS19 --------------------------------------------------------------------------

def unet_standin(path, input_name="input", output_name="output"):
    """[N,1,128,128,128] -> [N,3,128,128,128] logits (0, x - 0.5, 2x - 3) per voxel: class 0 below
    0.5, kidney (1) in [0.5, 2.5), tumor (2) above. Per voxel, so overlapping windows agree exactly."""
    import onnx
    from onnx import TensorProto, helper

    n = helper.make_node
    nodes = [n("Mul", [input_name, "zero"], ["c0"]),
             n("Sub", [input_name, "half"], ["c1"]),
             n("Mul", [input_name, "two"], ["x2"]),
             n("Sub", ["x2", "three"], ["c2"]),
             n("Concat", ["c0", "c1", "c2"], [output_name], axis=1)]
    inits = [helper.make_tensor(k, TensorProto.FLOAT, [], [v])
             for k, v in (("zero", 0.0), ("half", 0.5), ("two", 2.0), ("three", 3.0))]
    graph = helper.make_graph(
        nodes, "unet_standin",
        [helper.make_tensor_value_info(input_name, TensorProto.FLOAT, ["N", 1, 128, 128, 128])],
        [helper.make_tensor_value_info(output_name, TensorProto.FLOAT, ["N", 3, 128, 128, 128])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], ir_version=8)
    onnx.checker.check_model(model)
    onnx.save(model, path)
    return path


def write_nifti(path, data, spacing, dtype=np.int16):
    """A minimal single-file NIfTI-1 (.nii.gz), as KiTS19 ships its volumes."""
    import gzip
    import struct
    data = np.asarray(data, dtype)
    code = {np.dtype(np.int16): 4, np.dtype(np.uint8): 2, np.dtype(np.float32): 16}[data.dtype]
    hdr = bytearray(352)
    struct.pack_into("<i", hdr, 0, 348)
    struct.pack_into("<8h", hdr, 40, 3, *data.shape, 1, 1, 1, 1)
    struct.pack_into("<hh", hdr, 70, code, data.dtype.itemsize * 8)
    struct.pack_into("<8f", hdr, 76, 1.0, *spacing, 0, 0, 0, 0)
    struct.pack_into("<f", hdr, 108, 352.0)
    struct.pack_into("<ff", hdr, 112, 1.0, 0.0)
    hdr[344:348] = b"n+1\0"
    with gzip.open(path, "wb") as f:
        f.write(bytes(hdr) + data.tobytes(order="F"))


# Two cases at the target spacing (no resampling): HU 200 -> kidney, HU 300 -> tumor for the stand-in.
# case_00000: kidney exact (DICE 1), tumor predicted on half its truth (2/3) -> composite 5/6.
# case_00003: kidney predicted on twice its truth (2/3), tumor truth not predicted (~0) -> 1/3.
# Means: composite 7/12, kidney 5/6, tumor 1/3.
KITS_EXPECTED = {"mean": 7 / 12, "kidney": 5 / 6, "tumor": 1 / 3}
KITS_CASES = ["case_00000", "case_00003"]


def kits19_raw(data_dir):
    """<data_dir>/case_XXXXX/{imaging,segmentation}.nii.gz as the kits19 checkout's data/ holds them."""
    a_img = np.zeros((60, 70, 80), np.int16)
    a_seg = np.zeros_like(a_img, dtype=np.uint8)
    a_img[10:30, 10:30, 10:30] = 200
    a_seg[10:30, 10:30, 10:30] = 1
    a_img[35:45, 35:45, 35:45] = 300
    a_seg[35:55, 35:45, 35:45] = 2
    b_img = np.zeros((200, 130, 130), np.int16)
    b_seg = np.zeros_like(b_img, dtype=np.uint8)
    b_img[50:90, 40:80, 40:80] = 200
    b_seg[50:70, 40:80, 40:80] = 1
    b_seg[120:130, 40:50, 40:50] = 2
    for case, img, seg in (("case_00000", a_img, a_seg), ("case_00003", b_img, b_seg)):
        d = os.path.join(data_dir, case)
        os.makedirs(d, exist_ok=True)
        write_nifti(os.path.join(d, "imaging.nii.gz"), img, (1.6, 1.2, 1.2))
        write_nifti(os.path.join(d, "segmentation.nii.gz"), seg, (1.6, 1.2, 1.2), np.uint8)
    return data_dir

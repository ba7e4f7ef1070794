"""resnet50 on --backend=pytorch: torchvision's state dict (resnet50-19c8e357.pth, the reference's
"resnet50-pytorch" profile) in cmperf's own ResNet-50 (backends.torch_resnet), fed the `_pytorch`
ImageNet preprocessing (torchvision's mean/std, NCHW) and scored with label offset 0."""
import io
import tarfile

import numpy as np
import pytest

from tests.mlscripts.conftest import md5

torch = pytest.importorskip("torch")

WIDTH = 8     # stage widths 8/16/32/64 (x4 out): torchvision's key names and layers at 1/8 the width


def _random_state(width=WIDTH, seed=0):
    from cmperf.mlperf.backends.torch_resnet import ResNet50
    torch.manual_seed(seed)
    m = ResNet50(width)
    for mod in m.modules():
        if isinstance(mod, torch.nn.BatchNorm2d):   # non-trivial running statistics
            mod.running_mean.uniform_(-0.1, 0.1)
            mod.running_var.uniform_(0.5, 1.5)
            mod.weight.data.uniform_(0.5, 1.5)
            mod.bias.data.uniform_(-0.1, 0.1)
    return m.state_dict()


def test_full_width_is_torchvision_resnet50():
    from cmperf.mlperf.backends.torch_resnet import ResNet50
    m = ResNet50()
    assert sum(p.numel() for p in m.parameters()) == 25_557_032   # torchvision.models.resnet50()
    keys = list(m.state_dict())
    assert keys[:6] == ["conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var",
                        "bn1.num_batches_tracked"]
    assert "layer3.5.conv3.weight" in keys and "layer4.0.downsample.1.running_var" in keys and keys[-1] == "fc.bias"


def test_old_state_dict_loads_and_matches_its_onnx_export(tmp_path):
    """The 2017 .pth has no num_batches_tracked (BatchNorm fills it, as in torchvision); the
    pytorch and onnxruntime paths agree on the same weights."""
    from cmperf.mlperf.backends import get_backend
    from cmperf.mlperf.backends.torch_resnet import resnet50_from_state_dict

    state = {k: v for k, v in _random_state().items() if not k.endswith("num_batches_tracked")}
    torch.save(state, str(tmp_path / "resnet50-19c8e357.pth"), _use_new_zipfile_serialization=False)
    pt = get_backend("pytorch", threads=1).load(str(tmp_path / "resnet50-19c8e357.pth"), "input_tensor:0", "ArgMax:0")
    assert pt.describe()["model_form"] == "torch_resnet"
    x = np.random.default_rng(0).standard_normal((2, 3, 64, 64)).astype(np.float32)
    logits = pt.predict(x)
    assert logits.shape == (2, 1000)
    buf = io.BytesIO()
    torch.onnx.export(resnet50_from_state_dict(state), (torch.from_numpy(x),), buf, dynamo=False,
                      input_names=["image"], output_names=["logits"], opset_version=13)
    (tmp_path / "r.onnx").write_bytes(buf.getvalue())
    ox = get_backend("onnxruntime", threads=1).load(str(tmp_path / "r.onnx"), "image", "logits")
    assert np.allclose(logits, ox.predict(x), atol=1e-4)


def colour_state():
    """A width-8 ResNet-50 that classifies flat colours: conv1 copies R, G, B into channels 0-2 (+3
    from bn1, so torchvision-normalised values stay positive through the ReLUs), every bottleneck's
    residual branch ends in a zero BatchNorm, shortcuts pass channels 0-2 on; fc scores class 5 as
    2 x red, 7 as 2 x green, 9 as 2 x blue, and class 1 a constant 8. Torchvision-normalised
    saturated colours score 10.5-11.3 in their class; mid grey stays below 8 (class 1). Swapped
    channels or the reference's 0-255 mean-subtracted input would give other classes."""
    s = _random_state()
    s["conv1.weight"].zero_()
    for c in range(3):
        s["conv1.weight"][c, c, 3, 3] = 1.0
    s["bn1.weight"].fill_(1.0), s["bn1.bias"].fill_(3.0), s["bn1.running_mean"].zero_(), s["bn1.running_var"].fill_(1.0)
    for k, v in s.items():
        if ".bn3." in k and k.endswith(("weight", "bias")):
            v.zero_()
        elif ".downsample.0.weight" in k:
            v.zero_()
            for c in range(3):
                v[c, c, 0, 0] = 1.0
        elif ".downsample.1." in k:
            if k.endswith(("weight", "running_var")):
                v.fill_(1.0)
            elif not k.endswith("num_batches_tracked"):
                v.zero_()
    s["fc.weight"].zero_(), s["fc.bias"].zero_()
    for cls, c in ((5, 0), (7, 1), (9, 2)):
        s["fc.weight"][cls, c] = 2.0
    s["fc.bias"][1] = 8.0
    return s


# flat BGR colours and their val.txt labels: red 5, green 7, blue 9, grey 1, and a red image
# labelled 7 (the stand-in answers 5): 4 of 5 right -> 80%
IMAGES = [((0, 0, 255), 5), ((0, 255, 0), 7), ((255, 0, 0), 9), ((128, 128, 128), 1), ((0, 0, 255), 7)]


def test_colour_standin_needs_the_pytorch_preprocessing():
    import cv2
    from cmperf.mlperf.backends.torch_resnet import resnet50_from_state_dict
    from cmperf.mlperf.preprocess.imagenet import preprocess_bgr, preprocess_torchvision

    model = resnet50_from_state_dict(colour_state())

    def classes(pre):
        x = np.stack([pre(np.full((300, 400, 3), bgr, np.uint8)) for bgr, _ in IMAGES])
        with torch.no_grad():
            return model(torch.from_numpy(x)).argmax(1).tolist()
    assert classes(preprocess_torchvision) == [5, 7, 9, 1, 5]
    assert classes(preprocess_bgr) != [5, 7, 9, 1, 5]
    assert classes(lambda im: preprocess_torchvision(cv2.cvtColor(im, cv2.COLOR_BGR2RGB))) != [5, 7, 9, 1, 5]


def _serve_imagenet(server):
    import cv2

    def tar(path, files, mode="w"):
        with tarfile.open(path, mode) as t:
            for name, data in files.items():
                info = tarfile.TarInfo(name)
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))

    files, val = {}, ""
    for k, (bgr, label) in enumerate(IMAGES, 1):
        img = np.zeros((300, 400, 3), np.uint8)
        img[:] = bgr
        name = f"ILSVRC2012_val_{k:08d}.JPEG"
        files[name] = cv2.imencode(".jpg", img)[1].tobytes()
        val += f"{name} {label}\n"
    tar(server.dir / "val500.tar", files)
    tar(server.dir / "aux.tar.gz", {"val.txt": val.encode(), "synsets.txt": b"n01\n"}, "w:gz")
    return [f"--adr.imagenet-val.url={server.url('val500.tar')}",
            f"--adr.imagenet-val.env.CM_DOWNLOAD_CHECKSUM={md5(server.dir / 'val500.tar')}",
            f"--adr.imagenet-aux.url={server.url('aux.tar.gz')}",
            f"--adr.imagenet-aux.env.CM_DOWNLOAD_CHECKSUM={md5(server.dir / 'aux.tar.gz')}",
            "--adr.imagenet-preprocessed.tags=_size.5"]


def test_resnet50_on_pytorch_through_cm(cm, server, tmp_path):
    import json
    import os
    flags = _serve_imagenet(server)
    torch.save(colour_state(), str(server.dir / "resnet50-19c8e357.pth"))
    rc, data, text = cm("--tags=run-mlperf,inference", "--model=resnet50", "--backend=pytorch",
                        "--scenario=SingleStream,MultiStream,Offline", f"--results_dir={tmp_path / 'results'}",
                        "--test_query_count=5", "--threads=1", "--offline_target_qps=1000", "-j",
                        f"--adr.ml-model.url={server.url('resnet50-19c8e357.pth')}",
                        f"--adr.ml-model.env.CM_DOWNLOAD_CHECKSUM={md5(server.dir / 'resnet50-19c8e357.pth')}",
                        *flags)
    assert rc == 0, text[-3000:]
    runs = data["new_state"]["mlperf-inference"]["runs"]
    acc = [r for r in runs if r.get("accuracy") is not None]
    assert len(runs) == 6 and len(acc) == 3
    for r in acc:
        assert r["accuracy"] == pytest.approx(80.0)
        assert open(os.path.join(r["dir"], "accuracy.txt")).read().startswith("accuracy=80.000%")
        with open(os.path.join(r["dir"], "run.json")) as f:
            ds = json.load(f)["dataset_dir"]
        with open(os.path.join(ds, "manifest.json")) as f:   # the torchvision-normalised set
            assert json.load(f)["preprocessing"].startswith("torchvision-style")


def _imagenet_variations(cm, backend):
    rc, data, text = cm("--tags=run-mlperf,inference", "--model=resnet50", f"--backend={backend}", "--plan", "-j")
    assert rc == 0, text[-3000:]
    found = []

    def walk(n):
        if n.get("script") == "get-preprocessed-dataset-imagenet":
            found.append(sorted(n["variations"]))
        for c in n.get("children", []):
            walk(c)
    walk(data["plan"]["root"])
    return text, found


def test_each_resnet50_backend_plans_its_file_and_its_preprocessing(cm):
    text, found = _imagenet_variations(cm, "pytorch")
    assert "https://zenodo.org/record/4588417/files/resnet50-19c8e357.pth" in text
    assert found == [["NCHW", "pytorch", "validation"]], found
    # the TF frozen graph (resnet50_v1.pb) takes NHWC with the reference preprocessing
    text, found = _imagenet_variations(cm, "tf")
    assert "https://zenodo.org/record/2535873/files/resnet50_v1.pb" in text
    assert found == [["NHWC", "mlcommons-reference-preprocessor", "validation"]], found
    text, found = _imagenet_variations(cm, "onnxruntime")
    assert found == [["NCHW", "mlcommons-reference-preprocessor", "validation"]], found
    rc, _, text = cm("--tags=run-mlperf,inference", "--model=resnet50", "--backend=pytorch", "--precision=int8", "--plan")
    assert rc != 0 and "precision for resnet50 on pytorch 'int8'; choices: fp32" in text

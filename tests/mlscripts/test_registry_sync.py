"""The official URLs and md5s in the scripts' metas must be exactly cmperf/mlperf/registry.py's."""
import os

import yaml

from cmperf.mlperf import registry

from .conftest import ROOT

# script -> {variation key: (registry kind, registry name, format or None)}
EXPECTED = {
    "get-ml-model-resnet50": {
        "onnx,fp32,opset-11": ("model", "resnet50", "onnx"),
        "onnx,fp32,opset-8": ("model", "resnet50", "onnx-opset8"),
        "fp32,tensorflow": ("model", "resnet50", "tf"),
        "fp32,pytorch": ("model", "resnet50", "pytorch"),
        "int8,pytorch": ("model", "resnet50", "pytorch-int8"),
        "int8,tflite": ("model", "resnet50", "tflite-int8")},
    "get-ml-model-retinanet": {"fp32,onnx": ("model", "retinanet", "onnx"),
                               "fp32,pytorch": ("model", "retinanet", "pytorch")},
    "get-ml-model-bert-large": {"fp32,onnx": ("model", "bert-99", "onnx"),
                                "int8,onnx": ("model", "bert-99", "onnx-int8"),
                                "fp32,pytorch": ("model", "bert-99", "pytorch"),
                                "int8,pytorch": ("model", "bert-99", "pytorch-int8"),
                                "fp32,tensorflow": ("model", "bert-99", "tf")},
    "get-ml-model-rnnt": {"fp32,pytorch": ("model", "rnnt", "pytorch")},
    "get-ml-model-3d-unet": {"fp32,onnx": ("model", "3d-unet-99", "onnx"),
                             "fp32,pytorch": ("model", "3d-unet-99", "pytorch"),
                             "fp32,pytorch,weights": ("model", "3d-unet-99", "pytorch-weights"),
                             "fp32,tensorflow": ("model", "3d-unet-99", "tf")},
    "get-dataset-squad-vocab": {"from.zenodo": ("model", "bert-99", "vocab")},
    "get-dataset-imagenet-val": {"size.500": ("dataset", "imagenet-val-500", None)},
    "get-dataset-imagenet-aux": {"from.berkeleyvision": ("dataset", "imagenet-aux", None)},
    "get-dataset-squad": {"v1.1": ("dataset", "squad-v1.1", None), "v2.0": ("dataset", "squad-v2.0", None)},
    "get-dataset-openimages": {"validation": ("dataset", "openimages-annotations", None)},
    "get-dataset-openimages-calibration": {"mlperf.option1": ("dataset", "openimages-calibration", None)},
    "get-dataset-imagenet-calibration": {"mlperf.option1": ("dataset", "imagenet-calibration-1", None),
                                         "mlperf.option2": ("dataset", "imagenet-calibration-2", None)},
    "get-dataset-librispeech": {s: ("dataset", f"librispeech-{s}", None)
                                for s in ("dev-clean", "dev-other", "test-clean", "test-other", "train-clean-100")},
}


def _variations(script):
    with open(os.path.join(ROOT, "script", script, "_cm.yaml"), encoding="utf-8") as f:
        return yaml.safe_load(f)["variations"]


def _registry_entry(kind, name, fmt):
    return registry.MODELS[name]["formats"][fmt] if kind == "model" else registry.DATASETS[name]


def test_every_official_source_in_the_metas_matches_the_registry():
    for script, expected in EXPECTED.items():
        variations = _variations(script)
        carrying = {k for k, v in variations.items() if (v or {}).get("env", {}).get("CM_PACKAGE_URL")}
        assert carrying == set(expected), f"{script}: variations with a URL changed: {sorted(carrying)}"
        for key, where in expected.items():
            env = variations[key]["env"]
            entry = _registry_entry(*where)
            assert env["CM_PACKAGE_URL"] == entry["url"], (script, key)
            assert env.get("CM_DOWNLOAD_CHECKSUM") == entry["md5"], (script, key)


def test_sources_without_a_download_match_the_registry():
    full = _variations("get-dataset-imagenet-val")["full"]["env"]
    assert full["CM_DOWNLOAD_CHECKSUM"] == registry.DATASETS["imagenet-val-full"]["md5"]
    assert full["CM_DATASET_ARCHIVE_NAME"] == registry.DATASETS["imagenet-val-full"]["file"]
    armi = _variations("get-ml-model-bert-large")["armi,fp32,onnx"]["env"]
    assert armi["CM_ML_MODEL_DOWNLOAD_URL"] == registry.MODELS["bert-99"]["formats"]["onnx"]["primary_url"]
    assert armi["CM_ML_MODEL_DOWNLOAD_URL1"] == registry.MODELS["bert-99"]["formats"]["onnx"]["url"]
    with open(os.path.join(ROOT, "script", "get-dataset-kits19", "_cm.yaml"), encoding="utf-8") as f:
        kits = yaml.safe_load(f)
    assert kits["default_env"]["CM_GIT_URL_KITS19"] == registry.DATASETS["kits19"]["git"]
    assert kits["default_version"] == registry.DATASETS["kits19"]["version"]

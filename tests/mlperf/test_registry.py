import pytest

from cmperf.mlperf import registry
from cmperf.mlperf.errors import HarnessNotImplementedError, UnknownChoiceError


def test_registry_has_the_official_sources():
    r = registry.model_spec("resnet50")["formats"]
    assert r["onnx"]["url"] == "https://zenodo.org/record/4735647/files/resnet50_v1.onnx"
    assert r["onnx"]["md5"] == "f6a4da60cd5f084d97efc2c1ddb10beb"
    assert r["onnx-opset8"]["md5"] == "a638cf028b5870da29e09ccc2f7182e7"
    assert registry.model_spec("retinanet")["formats"]["onnx"]["md5"] == "4544f4e56e0a4684215831cc937ea45c"
    assert registry.model_spec("3d-unet")["formats"]["onnx"]["md5"] == "82f0618fde78f9839e7c712274019b4a"
    assert registry.DATASETS["imagenet-aux"]["md5"] == "f963098ea0e785a968ca1eb634003a90"
    assert registry.DATASETS["squad-v1.1"]["md5"] == "3e85deb501d4e538b6bc56f786231552"
    assert registry.DATASETS["librispeech-dev-clean"]["md5"] == "42e2234ba48799c1f50f24a7926300a1"


def test_a_model_without_harness_says_so(monkeypatch):
    monkeypatch.setitem(registry.MODELS, "dlrm-test", dict(registry.MODELS["rnnt"], harness=None, accuracy="auc"))
    with pytest.raises(HarnessNotImplementedError, match="harness not implemented yet for dlrm-test"):
        registry.harness_spec("dlrm-test")
    assert registry.harness_spec("rnnt")["name"] == "rnnt"


@pytest.mark.parametrize("model, base", [("bert-99.9", "bert-99"), ("3d-unet-99.9", "3d-unet-99")])
def test_high_accuracy_benchmarks_keep_their_own_name(model, base):
    spec = registry.model_spec(model)
    assert spec["name"] == spec["mlperf_model"] == model  # results land in <sut>/<model>, not under the base
    assert spec["formats"] == registry.model_spec(base)["formats"]


def test_unknown_model_lists_choices():
    with pytest.raises(UnknownChoiceError, match="digits-mlp.*resnet50"):
        registry.model_spec("resnet5")


def test_official_accuracy_scripts_are_registered():
    url = registry.model_spec("retinanet")["accuracy_script"]
    assert url == ("https://raw.githubusercontent.com/mlcommons/inference/v3.1/vision/classification_and_detection/"
                   "tools/accuracy-openimages.py")
    assert registry.model_spec("3d-unet")["accuracy_script"].endswith("/accuracy_kits.py")
    assert registry.model_spec("rnnt")["accuracy_script"].endswith("/speech_recognition/rnnt/accuracy_eval.py")

import hashlib
import http.server
import os
import threading

import pytest

from cmperf.mlperf import fetch, registry
from cmperf.mlperf.errors import (DatasetError, HarnessNotImplementedError, ModelFileError,
                                  UnknownChoiceError)


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


@pytest.mark.parametrize("model", ["rnnt"])   # retinanet and 3d-unet run (tests/edge)
def test_models_without_harness_say_so(model):
    with pytest.raises(HarnessNotImplementedError, match=f"harness not implemented yet for {model}"):
        registry.harness_spec(model)


@pytest.mark.parametrize("model, base", [("bert-99.9", "bert-99"), ("3d-unet-99.9", "3d-unet-99")])
def test_high_accuracy_benchmarks_keep_their_own_name(model, base):
    spec = registry.model_spec(model)
    assert spec["name"] == spec["mlperf_model"] == model  # results land in <sut>/<model>, not under the base
    assert spec["formats"] == registry.model_spec(base)["formats"]


def test_unknown_model_lists_choices():
    with pytest.raises(UnknownChoiceError, match="digits-mlp.*resnet50"):
        registry.model_spec("resnet5")


@pytest.fixture
def http_server(tmp_path):
    root = tmp_path / "www"
    root.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **kw):
            super().__init__(*a, directory=str(root), **kw)

        def log_message(self, *a):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield root, f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()


def _with_md5(monkeypatch, content):
    md5 = hashlib.md5(content).hexdigest()
    monkeypatch.setitem(registry.DATASETS, "tiny-test", {"url": "https://example.invalid/tiny.bin", "md5": md5})


def test_fetch_verifies_md5_and_is_atomic(tmp_path, http_server, monkeypatch):
    root, base = http_server
    (root / "tiny.bin").write_bytes(b"hello mlperf")
    _with_md5(monkeypatch, b"hello mlperf")
    out = tmp_path / "out"
    p = fetch.fetch(str(out), dataset="tiny-test", urls=[f"{base}/missing.bin", f"{base}/tiny.bin"])
    assert open(p, "rb").read() == b"hello mlperf" and os.path.basename(p) == "tiny.bin"
    # a corrupt mirror is rejected and leaves nothing behind
    (root / "tiny.bin").write_bytes(b"tampered")
    os.unlink(p)
    with pytest.raises(DatasetError, match="md5 .* does not match"):
        fetch.fetch(str(out), dataset="tiny-test", urls=[f"{base}/tiny.bin"])
    assert os.listdir(out) == []


def test_fetch_from_local_copy(tmp_path, monkeypatch):
    _with_md5(monkeypatch, b"abc")
    (tmp_path / "copy.bin").write_bytes(b"abc")
    p = fetch.fetch(str(tmp_path / "o"), dataset="tiny-test", local=str(tmp_path / "copy.bin"))
    assert open(p, "rb").read() == b"abc"


def test_fetch_errors_name_the_thing(tmp_path):
    with pytest.raises(UnknownChoiceError, match="format of model resnet50 'onnx9'"):
        fetch.source_of(model="resnet50", fmt="onnx9")
    with pytest.raises(DatasetError, match="kits19 has no download URL"):
        fetch.source_of(dataset="kits19")
    with pytest.raises(ModelFileError, match="does not exist"):
        fetch.fetch(str(tmp_path), model="resnet50", local=str(tmp_path / "none.onnx"))


def test_official_accuracy_scripts_are_registered():
    urls, md5, name = fetch.source_of(model="retinanet", fmt="accuracy-script")
    assert urls == ["https://raw.githubusercontent.com/mlcommons/inference/v3.1/vision/classification_and_detection/"
                    "tools/accuracy-openimages.py"] and name == "accuracy-openimages.py"
    assert fetch.source_of(model="3d-unet", fmt="accuracy-script")[2] == "accuracy_kits.py"
    assert fetch.source_of(model="rnnt", fmt="accuracy-script")[2] == "accuracy_eval.py"

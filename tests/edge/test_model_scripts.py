"""Model scripts: SparseZoo stubs for DeepSparse, unverified local copies, plan hooks."""
import importlib.util
import os

from tests.mlscripts.conftest import ROOT


def test_sparsezoo_stub_with_a_local_copy_is_recorded_unverified(cm, tmp_path):
    (tmp_path / "model.onnx").write_bytes(b"onnx bytes")
    rc, data, text = cm("--tags=get,ml-model,zoo,deepsparse,_obert-large-pruned95_quant-none-vnni",
                        f"--model_path={tmp_path}", "-j")
    assert rc == 0, text
    env = data["new_env"]
    assert env["CM_ML_MODEL_FILE_WITH_PATH"] == str(tmp_path / "model.onnx")
    assert env["CM_ML_MODEL_CHECKSUM_VERIFIED"] == "no"
    assert env["CM_MODEL_ZOO_STUB"] == "zoo:nlp/question_answering/obert-large/pytorch/huggingface/squad/pruned95_quant-none-vnni"
    assert env["CM_ML_MODEL_WEIGHT_DATA_TYPES"] == "int8"
    assert env["CM_ML_MODEL_WEIGHT_TRANSFORMATIONS"] == "quantization, unstructured pruning"
    rc, data, text = cm("--tags=get,ml-model,zoo,_model-stub.zoo:nlp/question_answering/mobilebert-none/pytorch/huggingface/squad/base-none",
                        f"--model_path={tmp_path / 'model.onnx'}", "-j")
    assert rc == 0, text
    assert data["new_env"]["CM_ML_MODEL_FULL_NAME"] == "mobilebert-none-base-none-bert-99"
    rc, _, text = cm("--tags=get,ml-model,zoo,_model-stub.hf:bert", f"--model_path={tmp_path}")
    assert rc != 0 and "start with 'zoo:'" in text


def _customize(script):
    spec = importlib.util.spec_from_file_location("c", os.path.join(ROOT, "script", script, "customize.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_plan_hooks_state_the_download_or_the_local_copy(tmp_path):
    plan = _customize("get-ml-model-retinanet").plan
    env = {"CM_PACKAGE_URL": "https://zenodo.org/record/6617879/files/resnext50_32x4d_fpn.onnx",
           "CM_DOWNLOAD_CHECKSUM": "4544f4e56e0a4684215831cc937ea45c", "CM_ML_MODEL_FILE": "resnext50_32x4d_fpn.onnx"}
    r = plan({"env": dict(env)})
    assert r == {"return": 0, "actions": [{"kind": "download", "url": env["CM_PACKAGE_URL"], "size": None,
                                           "checksum": "md5:4544f4e56e0a4684215831cc937ea45c",
                                           "path": "resnext50_32x4d_fpn.onnx"}]}
    r = _customize("get-ml-model-rnnt").plan({"env": {"CM_ML_MODEL_LOCAL_PATH": "/m.pt"}})
    assert "recorded as unverified" in r["actions"][0]["text"]
    r = plan({"env": {"CM_TMP_CURRENT_SCRIPT_PATH": os.path.join(ROOT, "script", "get-ml-model-retinanet"),
                      "CM_ML_MODEL_FRAMEWORK": "onnx", "CM_ML_MODEL_PRECISION": "int8"}})
    assert r["return"] == 1 and "no official RetinaNet (onnx, int8) file" in r["error"] and "_fp32,_onnx" in r["error"]


def test_bert_tf_int8_refused_by_the_scripts_constraints(cm):
    rc, _, text = cm("--tags=get,ml-model,bert-large,_tf,_int8", "--plan")
    assert rc != 0 and "model.pb is published in fp32 only" in text
    rc, _, text = cm("--tags=get,ml-model,bert-large,_onnx,_int8", "--plan")
    assert rc == 0 and "bert_large_v1_1_fake_quant.onnx" in text and "md5:45f88ffb2915362242703c85c38ec2d4" in text

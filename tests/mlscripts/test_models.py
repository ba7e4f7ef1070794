"""get-ml-model-*: downloads from a local server, checksums, local copies, random weights, --help."""
import os

import numpy as np

from .conftest import md5

SCRIPTS = ["get-ml-model-resnet50", "get-ml-model-retinanet", "get-ml-model-bert-large", "get-ml-model-rnnt",
           "get-ml-model-3d-unet", "get-dataset-imagenet-val", "get-dataset-imagenet-aux",
           "get-preprocessed-dataset-imagenet", "get-dataset-squad", "get-dataset-squad-vocab",
           "get-preprocessed-dataset-squad", "get-dataset-openimages", "get-dataset-librispeech",
           "get-dataset-kits19", "get-mlperf-inference-src", "generate-mlperf-inference-user-conf",
           "process-mlperf-accuracy"]
OFFICIAL_RESNET50_MD5 = "f6a4da60cd5f084d97efc2c1ddb10beb"


def test_help_of_every_script_lists_variations_and_inputs(cm, cm_help):
    rc, _, text = cm(SCRIPTS[0], "--help")                     # what a user types ...
    assert rc == 0 and text.strip() == cm_help(SCRIPTS[0]).strip()
    for alias in SCRIPTS:                                      # ... and the same call in process
        text = cm_help(alias)
        assert text.startswith(f"{alias}: cm run script --tags="), text
        assert "input flags:" in text, alias
    text = cm_help("get-ml-model-resnet50")
    assert "framework: _onnx (default), _tensorflow, _pytorch, _tflite" in text
    assert "--model_path" in text and "_random-weights" in text and "_opset-8" in text
    text = cm_help("get-mlperf-inference-src")
    assert "r3.1" in text and "r4.1" in text and "(default master)" in text and "--path" in text


def _stand_in(server, name, content):
    path = server.dir / name
    path.write_bytes(content)
    return path


def test_resnet50_download_with_official_md5_rejects_a_different_file(cm, server):
    _stand_in(server, "resnet50_v1.onnx", b"not the official model")
    rc, _, text = cm("--tags=get,ml-model,resnet50", f"--url={server.url('resnet50_v1.onnx')}")
    assert rc != 0
    assert f"expected {OFFICIAL_RESNET50_MD5}" in text and "mismatch" in text
    # the failed build left no cache entry behind
    rc, data, text = cm("--tags=get,ml-model,resnet50", f"--url={server.url('resnet50_v1.onnx')}",
                        f"--env.CM_DOWNLOAD_CHECKSUM={md5(server.dir / 'resnet50_v1.onnx')}", "-j")
    assert rc == 0, text
    env = data["new_env"]
    path = env["CM_ML_MODEL_FILE_WITH_PATH"]
    assert open(path, "rb").read() == b"not the official model"
    assert os.path.basename(path) == "resnet50_v1.onnx" and path.startswith(str(cm.cache))
    assert env["CM_ML_MODEL_FRAMEWORK"] == "onnx" and env["CM_ML_MODEL_PRECISION"] == "fp32"
    assert env["CM_ML_MODEL_STARTING_WEIGHTS_FILENAME"] == "https://zenodo.org/record/4735647/files/resnet50_v1.onnx"
    assert data["variations"] == ["onnx", "fp32", "opset-11", "argmax"]
    # cached: a second run is a hit and downloads nothing
    (server.dir / "resnet50_v1.onnx").unlink()
    rc, again, text = cm("--tags=get,ml-model,resnet50", f"--url={server.url('resnet50_v1.onnx')}",
                         f"--env.CM_DOWNLOAD_CHECKSUM={env['CM_ML_MODEL_MD5']}", "-j")
    assert rc == 0 and again["new_env"]["CM_ML_MODEL_FILE_WITH_PATH"] == path


def test_other_framework_files_and_missing_combinations(cm, server):
    _stand_in(server, "m.pb", b"tf graph")
    rc, data, text = cm("--tags=get,ml-model,resnet50,_tf", f"--url={server.url('m.pb')}",
                        f"--env.CM_DOWNLOAD_CHECKSUM={md5(server.dir / 'm.pb')}", "-j")
    assert rc == 0, text
    assert data["new_env"]["CM_ML_MODEL_FILE"] == "resnet50_v1.pb"     # the official name is kept
    assert data["new_env"]["CM_ML_MODEL_DATA_LAYOUT"] == "NHWC"
    rc, _, text = cm("--tags=get,ml-model,resnet50,_onnx,_int8")
    assert rc != 0 and "there is no official ResNet-50 (onnx, int8) file" in text
    assert "_int8,_tflite" in text and "--model_path" in text


def test_model_path_local_copy(cm, tmp_path):
    missing = tmp_path / "nope.onnx"
    rc, _, text = cm("--tags=get,ml-model,retinanet", f"--model_path={missing}")
    assert rc != 0 and f"--model_path={missing}: no such file" in text and "4544f4e56e0a4684215831cc937ea45c" in text
    wrong = tmp_path / "wrong.onnx"
    wrong.write_bytes(b"x")
    rc, _, text = cm("--tags=get,ml-model,bert-99", f"--model_path={wrong}")
    assert rc != 0 and "is not the official BERT-Large (onnx, fp32)" in text
    assert f"md5 {md5(wrong)}, expected 819b25b19cd8e59080c10892689750ca" in text
    # RNN-T has no official md5: any local checkpoint is taken as it is, in place
    rc, data, text = cm("--tags=get,ml-model,rnnt", f"--model_path={wrong}", "-j")
    assert rc == 0, text
    assert data["new_env"]["CM_ML_MODEL_FILE_WITH_PATH"] == str(wrong)


def test_resnet50_random_weights_end_to_end(cm):
    rc, data, text = cm("--tags=get,ml-model,resnet50,_random-weights", "-j")
    assert rc == 0, text
    env = data["new_env"]
    assert env["CM_ML_MODEL_PERFORMANCE_ONLY"] == "yes"
    assert "performance only" in env["CM_ML_MODEL_STARTING_WEIGHTS_FILENAME"]
    assert "CM_ML_MODEL_MD5" not in env     # not the official file
    import onnxruntime as ort
    from cmperf.mlperf.models import resnet50_random
    sess = ort.InferenceSession(env["CM_ML_MODEL_FILE_WITH_PATH"], providers=["CPUExecutionProvider"])
    argmax, softmax = sess.run([resnet50_random.ARGMAX_NAME, resnet50_random.SOFTMAX_NAME],
                               {env["CM_ML_MODEL_INPUT_LAYER_NAME"]: resnet50_random.random_inputs(1)})
    assert argmax.shape == (1,) and softmax.shape == (1, 1001)
    assert np.isclose(softmax.sum(), 1.0, atol=1e-3)
    rc, _, text = cm("--tags=get,ml-model,resnet50,_random-weights,_pytorch")
    assert rc != 0 and "ONNX fp32 model only" in text


def test_3d_unet_tf_archive_is_extracted(cm, server):
    import zipfile
    with zipfile.ZipFile(server.dir / "unet.zip", "w") as z:
        z.writestr("3dunet_kits19_128x128x128.tf/saved_model.pb", b"graph")
        z.writestr("3dunet_kits19_128x128x128.tf/variables/variables.index", b"idx")
    rc, data, text = cm("--tags=get,ml-model,3d-unet,_tf", f"--url={server.url('unet.zip')}", "-j",
                        f"--env.CM_DOWNLOAD_CHECKSUM={md5(server.dir / 'unet.zip')}")
    assert rc == 0, text
    env = data["new_env"]
    assert open(os.path.join(env["CM_ML_MODEL_FILE_WITH_PATH"], "saved_model.pb"), "rb").read() == b"graph"
    assert env["CM_ML_MODEL_FRAMEWORK"] == "tensorflow"


def test_offline_mirror_directory_and_offline_error(cm, tmp_path):
    rc, _, text = cm("--tags=get,ml-model,retinanet", "--offline")
    assert rc != 0 and "offline: resnext50_32x4d_fpn.onnx (md5 4544f4e56e0a4684215831cc937ea45c) is needed" in text
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "resnext50_32x4d_fpn.onnx").write_bytes(b"retinanet stand-in")
    rc, data, text = cm("--tags=get,ml-model,retinanet", "--offline", f"--mirror={mirror}", "-j",
                        f"--env.CM_DOWNLOAD_CHECKSUM={md5(mirror / 'resnext50_32x4d_fpn.onnx')}")
    assert rc == 0, text
    assert open(data["new_env"]["CM_ML_MODEL_FILE_WITH_PATH"], "rb").read() == b"retinanet stand-in"


def test_bert_armi_tries_armi_then_zenodo(cm):
    rc, _, text = cm("--tags=get,ml-model,bert-large,_armi", "--offline")
    assert rc != 0
    assert ("download it from https://armi.in/files/model.onnx or "
            "https://zenodo.org/record/3733910/files/model.onnx elsewhere") in text
    rc, _, text = cm("--tags=get,ml-model,bert-large", "--offline")
    assert rc != 0 and "download it from https://zenodo.org/record/3733910/files/model.onnx elsewhere" in text

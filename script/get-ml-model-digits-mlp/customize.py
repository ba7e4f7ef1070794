"""Build digits-mlp (model + held-out split) inside the cache entry and expose its paths.

The build runs in cmperf's own Python (scikit-learn is a cmperf dependency), whatever
interpreter the benchmark itself later selects (deepsparse's venv, say).
"""
import os

from cmperf.mlperf.models import digits

OUT = "digits-mlp"


def preprocess(i):
    env = i["env"]
    root = os.path.join(os.getcwd(), OUT)
    digits.build(root, seed=int(env.get("CM_DIGITS_SEED", "0")), tf_export=env.get("CM_DIGITS_TF_EXPORT", "auto"),
                 torch_export=env.get("CM_DIGITS_TORCH_EXPORT", "auto"))
    return {"return": 0}


def postprocess(i):
    env = i["env"]
    root = os.path.join(os.getcwd(), OUT)
    manifest = digits.verify(root)
    env["CM_DATASET_PREPROCESSED_PATH"] = root
    env["CM_DATASET_DIGITS_PATH"] = root
    env["CM_ML_MODEL_FILE_WITH_PATH"] = os.path.join(root, "model.onnx")
    env["CM_ML_MODEL_PATH"] = root
    env["CM_ML_MODEL_FRAMEWORK"] = "onnx"
    env["CM_ML_MODEL_STARTING_WEIGHTS_FILENAME"] = "trained by cmperf from sklearn digits (see manifest.json)"
    if os.path.isfile(os.path.join(root, "model.pt")):
        env["CM_ML_MODEL_TORCHSCRIPT_PATH"] = os.path.join(root, "model.pt")
    if os.path.isdir(os.path.join(root, "saved_model")):
        env["CM_ML_MODEL_TF_SAVED_MODEL_PATH"] = os.path.join(root, "saved_model")
    env["CM_DATASET_DIGITS_TEST_SIZE"] = str(manifest.get("split", {}).get("test_size", ""))
    return {"return": 0}

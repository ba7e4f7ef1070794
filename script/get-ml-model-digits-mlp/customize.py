"""Expose the built digits-mlp model and its held-out split (paths from its manifest)."""
import json
import os


def postprocess(i):
    env = i["env"]
    root = os.path.join(os.getcwd(), "digits-mlp")
    with open(os.path.join(root, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    env["CM_DATASET_PREPROCESSED_PATH"] = root
    env["CM_DATASET_DIGITS_PATH"] = root
    env["CM_ML_MODEL_FILE_WITH_PATH"] = os.path.join(root, "model.onnx")
    env["CM_ML_MODEL_PATH"] = root
    env["CM_ML_MODEL_FRAMEWORK"] = "onnx"
    env["CM_ML_MODEL_STARTING_WEIGHTS_FILENAME"] = "trained by cmperf from sklearn digits (see manifest.json)"
    if os.path.isdir(os.path.join(root, "saved_model")):
        env["CM_ML_MODEL_TF_SAVED_MODEL_PATH"] = os.path.join(root, "saved_model")
    env["CM_DATASET_DIGITS_TEST_SIZE"] = str(manifest.get("split", {}).get("test_size", ""))
    return {"return": 0}

"""ResNet-50: a random-weights build, a verified local copy, or the official file (prehook download)."""
import os

from cmperf.mlperf import sources


@sources.hook
def preprocess(i):
    env = i["env"]
    if sources.is_yes(env.get("CM_ML_MODEL_RANDOM_WEIGHTS")):
        if env.get("CM_ML_MODEL_FRAMEWORK") != "onnx" or env.get("CM_ML_MODEL_PRECISION") != "fp32":
            raise ValueError("_random-weights builds an ONNX fp32 model only (use it with _onnx,_fp32)")
        from cmperf.mlperf.models import resnet50_random
        for key in ("CM_PACKAGE_URL", "CM_DOWNLOAD_CHECKSUM"):   # not the official file
            env.pop(key, None)
        path = os.path.join(os.getcwd(), resnet50_random.FILE_NAME)
        resnet50_random.build(path, int(env["CM_ML_MODEL_RANDOM_SEED"]))
        env["CM_ML_MODEL_FILE_WITH_PATH"] = path
        env["CM_ML_MODEL_STARTING_WEIGHTS_FILENAME"] = \
            f"seeded random weights (seed {env['CM_ML_MODEL_RANDOM_SEED']}), performance only"
        env["CM_ML_MODEL_OUTPUT_LAYER_NAME"] = resnet50_random.SOFTMAX_NAME
        return
    sources.model_source(env, "ResNet-50")


@sources.hook
def postprocess(i):
    sources.model_outputs(i["env"])

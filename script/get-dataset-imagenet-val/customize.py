"""ImageNet val: the official 500-image tar (prehook download) or the full set the user supplies."""
import os

from cmperf.mlperf import sources


@sources.hook
def preprocess(i):
    env = i["env"]
    if sources.is_yes(env.get("CM_DATASET_IMAGENET_FULL")):
        path = env.get("IMAGENET_PATH") or os.environ.get("IMAGENET_PATH", "")
        env["CM_DATASET_IMAGENET_PATH"] = sources.imagenet_full(path,
                                                                env["CM_DOWNLOAD_CHECKSUM"], os.getcwd())
        return
    sources.dataset_source(env, "the ImageNet 500-image validation subset (ILSVRC2012_img_val_500.tar)")


def cache_fingerprint(i):
    """IMAGENET_PATH may come from the shell, outside the inputs: another path is another entry."""
    return {"return": 0, "fingerprint": os.environ.get("IMAGENET_PATH", "")}


@sources.hook
def postprocess(i):
    env = i["env"]
    if not env.get("CM_DATASET_IMAGENET_PATH"):
        env["CM_DATASET_IMAGENET_PATH"] = sources.find_image_dir(env["CM_DATASET_IMAGENET_EXTRACTED_PATH"])
    path = env["CM_DATASET_IMAGENET_PATH"]
    env["CM_DATASET_PATH"] = env["CM_DATASET_IMAGENET_VAL_PATH"] = path
    env["CM_DATASET_SIZE"] = str(sources.count_images(path))

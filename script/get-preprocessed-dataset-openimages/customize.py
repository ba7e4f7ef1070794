"""The original images come from get-dataset-openimages; run.sh preprocesses the first N annotated."""
import os

from cmperf.mlperf import sources


@sources.hook
def preprocess(i):
    env = i["env"]
    size = env.get("CM_DATASET_SIZE", "")
    if size and (not size.isdigit() or int(size) < 1):
        raise ValueError(f"_size.{size}: the dataset size must be a positive number of images")
    env["CM_DATASET_PREPROCESSED_COUNT"] = size
    env["CM_DATASET_OPENIMAGES_SIZE_VARIATION"] = f"size.{size}" if size else "full"
    sources.set_preprocessed_path(env)


@sources.hook
def postprocess(i):
    env = i["env"]
    root = env["CM_DATASET_PREPROCESSED_PATH"]
    env["CM_DATASET_SIZE"] = env["CM_DATASET_PREPROCESSED_COUNT"]
    env["CM_DATASET_PREPROCESSED_INPUTS"] = os.path.join(root, "inputs.npy")
    env["CM_DATASET_PREPROCESSED_MANIFEST"] = os.path.join(root, "manifest.json")

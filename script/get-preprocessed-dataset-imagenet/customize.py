"""Pick the original set the size needs (500-image subset or the full one), then run.sh preprocesses."""
import os

from cmperf.mlperf import sources

SUBSET = 500


@sources.hook
def preprocess(i):
    env = i["env"]
    size = env.get("CM_DATASET_SIZE", "")
    if not size.isdigit() or int(size) < 1:
        raise ValueError(f"_size.{size}: the dataset size must be a positive number of images")
    full = sources.is_yes(env.get("CM_DATASET_FULL")) or int(size) > SUBSET
    # the original-dataset dependency exports its own CM_DATASET_SIZE: keep the requested one apart
    env["CM_DATASET_PREPROCESSED_COUNT"] = "" if sources.is_yes(env.get("CM_DATASET_FULL")) else size
    env["CM_DATASET_IMAGENET_VAL_VARIATION"] = "full" if full else f"size.{SUBSET}"
    sources.set_preprocessed_path(env)


def cache_fingerprint(i):
    """IMAGENET_PATH may come from the shell (see get-dataset-imagenet-val): part of the key."""
    return {"return": 0, "fingerprint": os.environ.get("IMAGENET_PATH", "")}


@sources.hook
def postprocess(i):
    env = i["env"]
    root = env["CM_DATASET_PREPROCESSED_PATH"]
    env["CM_DATASET_SIZE"] = env["CM_DATASET_PREPROCESSED_COUNT"] or env["CM_DATASET_SIZE"]
    env["CM_DATASET_PREPROCESSED_INPUTS"] = os.path.join(root, "inputs.npy")
    env["CM_DATASET_PREPROCESSED_LABELS"] = os.path.join(root, "labels.npy")
    env["CM_DATASET_PREPROCESSED_VAL_MAP"] = os.path.join(root, "val_map.txt")

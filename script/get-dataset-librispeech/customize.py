"""LibriSpeech subset: a verified --from copy or the official archive, extracted by the prehook."""
import os

from cmperf.mlperf import sources
from cmperf.mlperf.errors import DatasetError


@sources.hook
def preprocess(i):
    env = i["env"]
    sources.dataset_source(env, f"{env['CM_DATASET_NAME']} ({env['CM_DATASET_ARCHIVE_NAME']})")


@sources.hook
def postprocess(i):
    env = i["env"]
    root = env["CM_DATASET_LIBRISPEECH_EXTRACTED_PATH"]
    # the archives hold LibriSpeech/<subset>/<speaker>/<chapter>/...
    subset = os.path.join(root, "LibriSpeech", env["CM_DATASET_LIBRISPEECH_SUBSET"])
    if not os.path.isdir(subset):
        raise DatasetError(f"{env['CM_DATASET_ARCHIVE_NAME']} has no LibriSpeech/"
                           f"{env['CM_DATASET_LIBRISPEECH_SUBSET']}/ directory (extracted into {root})")
    env["CM_DATASET_LIBRISPEECH_PATH"] = subset
    env["CM_DATASET_PATH"] = os.path.join(root, "LibriSpeech")

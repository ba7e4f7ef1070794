"""LibriSpeech subset: your extracted copy (--dataset_path), a verified --from archive, or the
official archive, extracted by the prehook."""
import os

from cmperf.mlperf import sources
from cmperf.mlperf.errors import DatasetError


def _title(env):
    return f"{env['CM_DATASET_NAME']} ({env['CM_DATASET_ARCHIVE_NAME']})"


def _local_subset(env):
    """The subset directory of a --dataset_path copy (the subset itself, or a folder holding
    LibriSpeech/<subset>); DatasetError when it holds no transcripts."""
    local = os.path.abspath(os.path.expanduser(env["CM_DATASET_LIBRISPEECH_LOCAL_PATH"]))
    for d in (os.path.join(local, "LibriSpeech", env["CM_DATASET_LIBRISPEECH_SUBSET"]), local):
        if os.path.isdir(d) and any(f.endswith(".trans.txt") for _, _, fs in os.walk(d) for f in fs):
            return d
    raise DatasetError(f"--dataset_path={local} holds no LibriSpeech transcripts (*.trans.txt): expected the "
                       f"extracted {env['CM_DATASET_LIBRISPEECH_SUBSET']} subset or a folder with "
                       f"LibriSpeech/{env['CM_DATASET_LIBRISPEECH_SUBSET']}/")


@sources.hook
def plan(i):
    env = i["env"]
    if env.get("CM_DATASET_LIBRISPEECH_LOCAL_PATH"):
        return {"actions": [{"kind": "note", "text": f"{_title(env)}: use your copy "
                                                     f"{env['CM_DATASET_LIBRISPEECH_LOCAL_PATH']} (nothing downloaded)"}]}
    return {"actions": sources.plan_dataset(env, _title(env))}


@sources.hook
def preprocess(i):
    env = i["env"]
    if env.get("CM_DATASET_LIBRISPEECH_LOCAL_PATH"):
        env["CM_DATASET_LIBRISPEECH_PATH"] = _local_subset(env)   # checked before anything else runs
        return
    sources.dataset_source(env, _title(env))


def _audio_format(subset):
    """'flac' when some utterance exists only as FLAC (its preparation needs sox), else 'wav'."""
    for root, _, files in os.walk(subset):
        names = set(files)
        if any(f.endswith(".flac") and f[:-5] + ".wav" not in names for f in files):
            return "flac"
    return "wav"


@sources.hook
def postprocess(i):
    env = i["env"]
    if env.get("CM_DATASET_LIBRISPEECH_LOCAL_PATH"):
        env["CM_DATASET_PATH"] = os.path.dirname(env["CM_DATASET_LIBRISPEECH_PATH"])
        env["CM_DATASET_LIBRISPEECH_AUDIO"] = _audio_format(env["CM_DATASET_LIBRISPEECH_PATH"])
        return
    root = env["CM_DATASET_LIBRISPEECH_EXTRACTED_PATH"]
    # the archives hold LibriSpeech/<subset>/<speaker>/<chapter>/...
    subset = os.path.join(root, "LibriSpeech", env["CM_DATASET_LIBRISPEECH_SUBSET"])
    if not os.path.isdir(subset):
        raise DatasetError(f"{env['CM_DATASET_ARCHIVE_NAME']} has no LibriSpeech/"
                           f"{env['CM_DATASET_LIBRISPEECH_SUBSET']}/ directory (extracted into {root})")
    env["CM_DATASET_LIBRISPEECH_PATH"] = subset
    env["CM_DATASET_PATH"] = os.path.join(root, "LibriSpeech")
    env["CM_DATASET_LIBRISPEECH_AUDIO"] = _audio_format(subset)

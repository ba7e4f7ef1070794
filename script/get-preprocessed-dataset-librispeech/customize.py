"""Where run.sh writes the manifest; the conversion itself is cmperf.mlperf.librispeech.manifest."""
import os

from cmperf.mlperf import sources
from cmperf.mlperf.errors import DatasetError


@sources.hook
def plan(i):
    env = i["env"]
    out = env.get("CM_DATASET_PREPROCESSED_OUTPUT_DIR") or "the cache entry"
    return {"actions": [{"kind": "note", "text": f"LibriSpeech: 16 kHz WAVs (FLAC needs sox) and manifest.json "
                                                 f"of the utterances up to 15 s into {out}"}]}


@sources.hook
def preprocess(i):
    env = i["env"]
    sources.set_preprocessed_path(env)


@sources.hook
def postprocess(i):
    env = i["env"]
    manifest = os.path.join(env["CM_DATASET_PREPROCESSED_PATH"], "manifest.json")
    if not os.path.isfile(manifest):
        raise DatasetError(f"the LibriSpeech preprocessing wrote no {manifest}")
    env["CM_DATASET_PREPROCESSED_MANIFEST"] = manifest

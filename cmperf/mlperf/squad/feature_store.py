"""The preprocessed-features directory: one ``.npy`` per array plus ``manifest.json``.

Layout (written atomically: a temp dir next to the target, renamed into place)::

    <dir>/manifest.json          format, settings, counts, qas_ids, source checksums, arrays
    <dir>/input_ids.npy          int32 [F, 384]    (F = number of features = LoadGen samples)
    <dir>/input_mask.npy         int32 [F, 384]
    <dir>/segment_ids.npy        int32 [F, 384]
    <dir>/example_index.npy      int32 [F]         question each feature belongs to
    <dir>/doc_span_index.npy     int32 [F]
    <dir>/token_to_orig.npy      int32 [F, 384]    context word per position, -1 elsewhere
    <dir>/token_is_max_context.npy bool [F, 384]

``qas_ids`` lists the SQuAD question ids of the examples in order, and the
checksums of the SQuAD json and vocab let the accuracy step refuse a mismatched
dataset or vocab instead of scoring garbage.
"""
import json
import os
import shutil
import tempfile

import numpy as np

from .errors import SquadError
from .features import FeatureSet

FORMAT = "cmperf-squad-features"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"


def save_features(features, output_dir, qas_ids, sources=None, overwrite=False):
    """Write ``features`` to ``output_dir`` atomically; returns the manifest dict.

    ``sources`` is a dict of provenance facts (paths, sha256) stored as-is.
    An existing ``output_dir`` is replaced only with ``overwrite=True``.
    """
    output_dir = os.path.abspath(output_dir)
    if os.path.exists(output_dir) and not overwrite:
        raise SquadError(f"output dir {output_dir} already exists; remove it or pass overwrite")
    parent = os.path.dirname(output_dir)
    os.makedirs(parent, exist_ok=True)
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "max_seq_length": features.max_seq_length,
        "doc_stride": features.doc_stride,
        "max_query_length": features.max_query_length,
        "do_lower_case": True,
        "num_examples": len(qas_ids),
        "num_features": len(features),
        "qas_ids": list(qas_ids),
        "sources": dict(sources or {}),
        "arrays": {},
    }
    tmp = tempfile.mkdtemp(prefix=".tmp-" + os.path.basename(output_dir) + "-", dir=parent)
    try:
        for name in FeatureSet.ARRAY_NAMES:
            array = getattr(features, name)
            np.save(os.path.join(tmp, name + ".npy"), array, allow_pickle=False)
            manifest["arrays"][name] = {"dtype": str(array.dtype), "shape": list(array.shape)}
        with open(os.path.join(tmp, MANIFEST), "w", encoding="utf-8") as f:
            json.dump(manifest, f, indent=1)
            f.write("\n")
        if os.path.exists(output_dir):
            old = output_dir + ".old-" + os.path.basename(tmp)
            os.rename(output_dir, old)
            os.rename(tmp, output_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, output_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return manifest


def read_manifest(features_dir):
    path = os.path.join(features_dir, MANIFEST)
    if not os.path.isdir(features_dir):
        raise SquadError(f"features dir not found: {features_dir} "
                         "(create it with python -m cmperf.mlperf.squad.preprocess)")
    try:
        with open(path, encoding="utf-8") as f:
            manifest = json.load(f)
    except FileNotFoundError:
        raise SquadError(f"{path} is missing: {features_dir} is not a SQuAD features dir") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise SquadError(f"{path} is not valid JSON: {e}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise SquadError(f"{path} is not a {FORMAT} manifest")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise SquadError(f"{path} has format_version {manifest.get('format_version')}, "
                         f"this cmperf reads {FORMAT_VERSION}; re-run the preprocessing")
    return manifest


def load_features(features_dir, mmap=False):
    """(FeatureSet, manifest) from a features dir, checking shapes against the manifest."""
    manifest = read_manifest(features_dir)
    arrays = {}
    for name in FeatureSet.ARRAY_NAMES:
        path = os.path.join(features_dir, name + ".npy")
        try:
            arrays[name] = np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)
        except FileNotFoundError:
            raise SquadError(f"{path} is missing from the features dir") from None
        except (ValueError, OSError) as e:
            raise SquadError(f"{path} is not a readable .npy array: {e}") from None
        expected = manifest["arrays"].get(name, {})
        if list(arrays[name].shape) != expected.get("shape") or str(arrays[name].dtype) != expected.get("dtype"):
            raise SquadError(f"{path} has shape {list(arrays[name].shape)} {arrays[name].dtype}, "
                             f"manifest says {expected.get('shape')} {expected.get('dtype')}")
    count = manifest["num_features"]
    if arrays["input_ids"].shape != (count, manifest["max_seq_length"]):
        raise SquadError(f"{features_dir}: input_ids shape {arrays['input_ids'].shape} does not match "
                         f"num_features={count}, max_seq_length={manifest['max_seq_length']}")
    if len(manifest["qas_ids"]) != manifest["num_examples"]:
        raise SquadError(f"{features_dir}/{MANIFEST}: qas_ids has {len(manifest['qas_ids'])} entries, "
                         f"num_examples says {manifest['num_examples']}")
    features = FeatureSet(max_seq_length=manifest["max_seq_length"], doc_stride=manifest["doc_stride"],
                          max_query_length=manifest["max_query_length"], **arrays)
    return features, manifest

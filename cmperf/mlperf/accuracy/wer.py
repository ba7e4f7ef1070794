"""Word error rate of a speech run (rnnt on LibriSpeech), from mlperf_log_accuracy.json.

  python -m cmperf.mlperf.accuracy.wer --mlperf-accuracy-file LOG --manifest dev-clean-wav.json \
      [--output accuracy.txt]

The reference rnnt SUT answers each sample with its transcript as int64 indices into the
vocabulary " abcdefghijklmnopqrstuvwxyz'" (rnnt.toml); the manifest is the reference's JSON list
whose i-th entry's "transcript" is the truth for sample i. WER = word-level edit distance summed
over samples / reference words summed over samples (accuracy_eval.py's word_error_rate); manifest
entries longer than 15 s are not samples (its Manifest's max_duration). The harness step calls
this through cmperf.mlperf.accuracy.score; the CLI scores logs from any rnnt SUT.
"""
import argparse
import json
import os
import sys

import numpy as np

from ..errors import DatasetError, LoadGenError
from ...filehash import sha256_file
from ..fsutil import write_text_atomic
from ..librispeech.manifest import MAX_DURATION_S   # accuracy_eval.py's Manifest(max_duration=15.0)
from .log import read_accuracy_log

RNNT_VOCAB = " abcdefghijklmnopqrstuvwxyz'"


def edit_distance(ref, hyp):
    """Levenshtein distance between two token lists (one row of the DP table at a time)."""
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1]


def read_manifest(path, max_duration=None):
    """The manifest's entries, without those longer than ``max_duration`` seconds (their
    ``original_duration``), as the reference's Manifest(max_duration=15.0) drops them: the QSL
    and this scorer index the same list."""
    if not os.path.isfile(path):
        raise DatasetError(f"manifest {path!r} does not exist; build it with "
                           "`python -m cmperf.mlperf.librispeech.manifest --subset-dir ... --out DIR`")
    try:
        with open(path, encoding="utf-8") as f:
            entries = json.load(f)
        if not isinstance(entries, list):
            raise TypeError(f"a {type(entries).__name__}, not a list")
        for e in entries:
            if not isinstance(e.get("transcript"), str):
                raise KeyError("transcript")
    except (json.JSONDecodeError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as e:
        raise DatasetError(f"manifest {path!r} is not a JSON list of {{'transcript': ...}} entries: {e}") from e
    if max_duration is None:
        return entries
    return [e for e in entries if float(e.get("original_duration", 0) or 0) <= max_duration]


def load_manifest(path, max_duration=MAX_DURATION_S):
    """The transcripts of the samples, in QSL order."""
    return [e["transcript"] for e in read_manifest(path, max_duration)]


def decode(hex_data, vocab=RNNT_VOCAB):
    ids = np.frombuffer(bytes.fromhex(hex_data), np.int64)
    if ids.size and (ids.min() < 0 or ids.max() >= len(vocab)):
        raise LoadGenError(f"transcript index out of the {len(vocab)}-symbol vocabulary")
    return "".join(vocab[i] for i in ids)


def word_error_rate(accuracy_log, transcripts):
    entries = read_accuracy_log(accuracy_log)
    seen, errors, words = set(), 0, 0
    for e in entries:
        idx = int(e["qsl_idx"])
        if idx in seen:
            continue
        seen.add(idx)
        if idx >= len(transcripts):
            raise DatasetError(f"sample index {idx} has no transcript ({len(transcripts)} in the manifest)")
        ref = transcripts[idx].split()
        errors += edit_distance(ref, decode(e["data"]).split())
        words += len(ref)
    if not words:
        raise LoadGenError(f"{accuracy_log} holds no samples with reference words")
    return errors / words, len(seen)


def accuracy_text(wer, log_path):
    return (f"Word Error Rate: {100 * wer:.3f}%, accuracy={100 * (1 - wer):.3f}%\n"
            f"hash={sha256_file(log_path)}\n")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mlperf-accuracy-file", required=True)
    ap.add_argument("--manifest", required=True)
    ap.add_argument("--output")
    a = ap.parse_args(argv)
    try:
        wer, _ = word_error_rate(a.mlperf_accuracy_file, load_manifest(a.manifest))
    except (DatasetError, LoadGenError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    text = accuracy_text(wer, a.mlperf_accuracy_file)
    if a.output:
        write_text_atomic(a.output, text)
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

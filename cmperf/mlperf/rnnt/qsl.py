"""The RNN-T query sample library (the reference's QSL.py AudioQSL over its Manifest).

Sample i is the i-th utterance of the preprocessed ``manifest.json`` whose original duration is
at most 15 s (the reference's max_duration; the WER step reads the same list). Every file is
checked when the QSL is built, before LoadGen starts: present, a readable 16 kHz mono 16-bit WAV,
long enough for the STFT. load_samples reads the waveforms into RAM; ``batch(ids)`` hands the
backend one 1-D float32 waveform per sample (utterances differ in length).
"""
import os

import numpy as np

from ..errors import DatasetError
from ..librispeech.manifest import MAX_DURATION_S
from . import audio
from . import config as C

MANIFEST = "manifest.json"


class Waveforms(list):
    """A batch of waveforms of different lengths; dtype/shape describe it in error messages."""
    dtype = np.dtype(np.float32)

    @property
    def shape(self):
        return (len(self), max((len(w) for w in self), default=0))


def load_entries(dataset_dir, max_duration=MAX_DURATION_S):
    """[(audio path, transcript)] of the manifest, as the reference's Manifest keeps them."""
    from ..accuracy.wer import read_manifest
    path = os.path.join(dataset_dir or "", MANIFEST)
    out = []
    for n, e in enumerate(read_manifest(path, max_duration)):
        try:
            fname = e["files"][-1]["fname"]
        except (KeyError, IndexError, TypeError) as err:
            raise DatasetError(f"{path!r} entry {n} has no files[-1].fname ({err})") from err
        out.append((os.path.join(dataset_dir, fname), e["transcript"]))   # absolute names stay as they are
    if not out:
        raise DatasetError(f"{path!r} holds no utterance of at most {max_duration} s")
    return out


class AudioQSL:
    def __init__(self, dataset_dir, performance_sample_count=None):
        entries = load_entries(dataset_dir)
        self.files = [p for p, _ in entries]
        shortest = C.N_FFT // 2 + 1
        for p in self.files:
            if not os.path.isfile(p):
                raise DatasetError(f"{dataset_dir}: the manifest names {p!r}, which does not exist")
            if not p.endswith(".flac") and audio.wav_info(p) < shortest:
                raise DatasetError(f"{p!r} holds fewer than {shortest} samples: too short for the features")
        self.total_count = len(self.files)
        self.performance_count = min(int(performance_sample_count or self.total_count), self.total_count)
        self.description = f"{self.total_count} LibriSpeech utterances of {os.path.join(dataset_dir, MANIFEST)}"
        self._ram = {}

    def load_samples(self, indices):
        self._ram = {int(i): audio.read(self.files[int(i)]) for i in sorted(set(indices))}

    def unload_samples(self, indices):
        self._ram = {}

    def batch(self, indices):
        out = Waveforms()
        for i in indices:
            w = self._ram.get(int(i))
            out.append(w if w is not None else audio.read(self.files[int(i)]))   # warm-up reads the file
        return out


def audio_qsl(model, dataset_dir, performance_sample_count):
    """The registry's ``qsl`` plug point for rnnt."""
    return AudioQSL(dataset_dir, performance_sample_count)

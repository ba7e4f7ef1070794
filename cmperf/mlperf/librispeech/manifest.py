"""The RNN-T sample manifest of a LibriSpeech subset, as the reference prepares it.

The reference (speech_recognition/rnnt: convert_librispeech.py, then QSL.py's Manifest with
``max_duration=15.0`` and ``normalize=True``) turns every utterance of ``<speaker>/<chapter>/
<speaker>-<chapter>.trans.txt`` into a 16 kHz mono 16-bit WAV (sox) and a manifest entry with the
lower-cased transcript; the QSL keeps the utterances of at most 15 s, in manifest order (2,513 of
dev-clean's 2,703: rnnt's performance sample count). Sample i of a run is entry i of the
``manifest.json`` written here, which the WER step reads.

  python -m cmperf.mlperf.librispeech.manifest --subset-dir LibriSpeech/dev-clean --out DIR

FLAC input needs the ``sox`` program (apt package sox), as the reference's converter does;
utterances already converted to WAV are used as they are.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import wave

from ..errors import DatasetError
from ..fsutil import staging_dir

SAMPLE_RATE = 16000
MAX_DURATION_S = 15.0
VOCAB = " abcdefghijklmnopqrstuvwxyz'"


def transcripts(subset_dir):
    """[(utterance id, audio path without extension, transcript)] in sorted speaker/chapter order."""
    if not os.path.isdir(subset_dir):
        raise DatasetError(f"LibriSpeech subset {subset_dir!r} does not exist")
    out = []
    for root, dirs, files in sorted(os.walk(subset_dir)):
        dirs.sort()
        for name in sorted(f for f in files if f.endswith(".trans.txt")):
            with open(os.path.join(root, name), encoding="utf-8") as f:
                for n, line in enumerate(f, 1):
                    if not line.strip():
                        continue
                    uid, _, text = line.strip().partition(" ")
                    if not text:
                        raise DatasetError(f"{os.path.join(root, name)}:{n}: no transcript after {uid!r}")
                    out.append((uid, os.path.join(root, uid), normalize(text)))
    if not out:
        raise DatasetError(f"{subset_dir!r} holds no *.trans.txt transcripts (not a LibriSpeech subset)")
    return out


def normalize(text):
    """Lower case, characters outside the RNN-T vocabulary dropped (the reference's normalize=True)."""
    return " ".join("".join(c for c in text.lower() if c in VOCAB).split())


def _wav_facts(path):
    try:
        with wave.open(path, "rb") as w:
            rate, frames, channels, width = w.getframerate(), w.getnframes(), w.getnchannels(), w.getsampwidth()
    except (wave.Error, EOFError, OSError) as e:
        raise DatasetError(f"{path!r} is not a readable WAV file: {e}") from e
    if rate != SAMPLE_RATE or channels != 1 or width != 2:
        raise DatasetError(f"{path!r} is {rate} Hz, {channels} channel(s), {8 * width}-bit; RNN-T takes "
                           f"{SAMPLE_RATE} Hz mono 16-bit")
    return frames, frames / rate


def _to_wav(flac, wav):
    sox = shutil.which("sox")
    if sox is None:
        raise DatasetError(f"{flac!r} is FLAC: converting it as the reference does needs the sox program "
                           "(apt-get install sox), or convert the subset to 16 kHz mono WAV yourself")
    p = subprocess.run([sox, flac, "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16", wav], capture_output=True, text=True)
    if p.returncode != 0:
        raise DatasetError(f"sox could not convert {flac!r}: {p.stderr.strip()[-300:]}")


def build(subset_dir, out, max_duration=MAX_DURATION_S):
    """Write ``out/manifest.json`` (+ converted WAVs under ``out/wav``); return (kept, total)."""
    items = transcripts(subset_dir)
    missing = [a for _, a, _ in items if not (os.path.isfile(a + ".wav") or os.path.isfile(a + ".flac"))]
    if missing:
        raise DatasetError(f"{len(missing)} utterances have no .flac or .wav file, e.g. {missing[0]}")
    entries = []
    with staging_dir(out) as tmp:
        for uid, audio, text in items:
            wav = audio + ".wav"
            if not os.path.isfile(wav):
                wav = os.path.join(tmp, "wav", uid + ".wav")
                os.makedirs(os.path.dirname(wav), exist_ok=True)
                _to_wav(audio + ".flac", wav)
            frames, seconds = _wav_facts(wav)
            if seconds > max_duration:
                continue
            final = wav if not wav.startswith(tmp) else os.path.join(os.path.abspath(out), os.path.relpath(wav, tmp))
            entries.append({"transcript": text, "original_duration": seconds, "original_num_samples": frames,
                            "files": [{"fname": final, "channels": 1, "sample_rate": SAMPLE_RATE,
                                       "duration": seconds, "num_samples": frames}]})
        if not entries:
            raise DatasetError(f"no utterance of {subset_dir!r} is at most {max_duration} s long")
        with open(os.path.join(tmp, "manifest.json"), "w", encoding="utf-8") as f:
            json.dump(entries, f, indent=1)
    return len(entries), len(items)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--subset-dir", required=True, help="e.g. LibriSpeech/dev-clean")
    ap.add_argument("--out", required=True)
    ap.add_argument("--max-duration", type=float, default=MAX_DURATION_S)
    a = ap.parse_args(argv)
    try:
        kept, total = build(a.subset_dir, a.out, a.max_duration)
    except DatasetError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(json.dumps({"out": os.path.abspath(a.out), "kept": kept, "total": total}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

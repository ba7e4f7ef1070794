"""Reading the manifest's audio: 16 kHz mono 16-bit WAV (what convert_librispeech.py's sox step
writes) as float32 in [-1, 1) (samples / 32768, as soundfile's float32 read in the reference's
AudioSegment). FLAC is read only when the optional ``soundfile`` package is importable."""
import wave

import numpy as np

from ..errors import DatasetError
from . import config as C


def wav_info(path):
    """(frames) of a WAV the model can take; DatasetError naming the file otherwise."""
    try:
        with wave.open(path, "rb") as w:
            rate, frames, channels, width = w.getframerate(), w.getnframes(), w.getnchannels(), w.getsampwidth()
    except (wave.Error, EOFError, OSError) as e:
        raise DatasetError(f"{path!r} is not a readable WAV file ({e}); re-run the LibriSpeech preprocessing "
                           "(python -m cmperf.mlperf.librispeech.manifest)") from e
    if rate != C.SAMPLE_RATE or channels != 1 or width != 2:
        raise DatasetError(f"{path!r} is {rate} Hz, {channels} channel(s), {8 * width}-bit; RNN-T takes "
                           f"{C.SAMPLE_RATE} Hz mono 16-bit (convert it as convert_librispeech.py does)")
    return frames


def read(path):
    """The waveform of one utterance (1-D float32)."""
    if path.endswith(".flac"):
        try:
            import soundfile
        except ImportError as e:
            raise DatasetError(f"{path!r} is FLAC and the soundfile package is not installed: convert the "
                               "subset to 16 kHz WAV (python -m cmperf.mlperf.librispeech.manifest)") from e
        try:
            data, rate = soundfile.read(path, dtype="float32")
        except Exception as e:
            raise DatasetError(f"cannot read {path!r}: {e}") from e
        if rate != C.SAMPLE_RATE or data.ndim != 1:
            raise DatasetError(f"{path!r} is {rate} Hz with shape {data.shape}; RNN-T takes {C.SAMPLE_RATE} Hz mono")
        return data
    frames = wav_info(path)
    with wave.open(path, "rb") as w:
        raw = w.readframes(frames)
    if len(raw) != 2 * frames:
        raise DatasetError(f"{path!r} is truncated: its header says {frames} samples, it holds {len(raw) // 2}")
    return np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0

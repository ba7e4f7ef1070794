"""The reference's audio features (speech_recognition/rnnt/pytorch/parts/features.py,
FilterbankFeatures as AudioPreprocessing builds it from rnnt.toml), without librosa.

Per utterance: pre-emphasis (0.97), a centred STFT (n_fft 512, 320-sample Hann window with
periodic=False, hop 160), the power spectrum, plus dither**2 (the reference's "deterministic
dithering": no random noise at inference), 80 mel bands (librosa.filters.mel: Slaney scale and
area normalisation), log(x + 1e-20), frame splicing (3 frames stacked, every 3rd kept), then
per-feature normalisation over the valid frames (mean, unbiased std + 1e-5), cut to the valid
length ceil(ceil(samples / 160) / 3).
"""
import math

import numpy as np

from . import config as C


def _hz_to_mel(f):
    """Slaney's mel scale (librosa's htk=False): linear below 1 kHz, logarithmic above."""
    f = np.asarray(f, dtype=np.float64)
    f_sp, min_log_hz = 200.0 / 3, 1000.0
    min_log_mel, logstep = min_log_hz / f_sp, math.log(6.4) / 27.0
    return np.where(f >= min_log_hz, min_log_mel + np.log(np.maximum(f, 1e-10) / min_log_hz) / logstep, f / f_sp)


def _mel_to_hz(m):
    m = np.asarray(m, dtype=np.float64)
    f_sp, min_log_hz = 200.0 / 3, 1000.0
    min_log_mel, logstep = min_log_hz / f_sp, math.log(6.4) / 27.0
    return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), f_sp * m)


def mel_filterbank(sr=C.SAMPLE_RATE, n_fft=C.N_FFT, n_mels=C.FEATURES, fmin=0.0, fmax=None):
    """[n_mels, 1 + n_fft // 2] float32 triangles, as librosa.filters.mel(sr, n_fft, n_mels, fmin,
    fmax) with its defaults htk=False, norm='slaney' (what the reference calls)."""
    fmax = sr / 2.0 if fmax is None else fmax
    fft_freqs = np.linspace(0, sr / 2.0, 1 + n_fft // 2)
    mel_f = _mel_to_hz(np.linspace(_hz_to_mel(fmin), _hz_to_mel(fmax), n_mels + 2))
    fdiff = np.diff(mel_f)
    ramps = mel_f[:, None] - fft_freqs[None, :]
    weights = np.zeros((n_mels, len(fft_freqs)), dtype=np.float32)
    for i in range(n_mels):
        lower = -ramps[i] / fdiff[i]
        upper = ramps[i + 2] / fdiff[i + 1]
        weights[i] = np.maximum(0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_f[2:n_mels + 2] - mel_f[:n_mels]))[:, None]   # Slaney: constant area
    return weights


class Featurizer:
    """waveform (1-D float32 in [-1, 1], 16 kHz) -> (features [1, 240, T], T) as a torch tensor."""

    def __init__(self, torch):
        self.torch = torch
        self.win_length = int(C.SAMPLE_RATE * C.WINDOW_SIZE)    # 320
        self.hop_length = int(C.SAMPLE_RATE * C.WINDOW_STRIDE)  # 160
        self.window = torch.hann_window(self.win_length, periodic=False)
        self.fb = torch.from_numpy(mel_filterbank()).unsqueeze(0)

    def seq_len(self, samples):
        n = (int(samples) + self.hop_length - 1) // self.hop_length
        return (n + C.FRAME_SPLICING - 1) // C.FRAME_SPLICING

    def min_samples(self):
        """The centred STFT reflect-pads n_fft // 2 samples: shorter audio cannot be featurized."""
        return C.N_FFT // 2 + 1

    def __call__(self, waveform):
        torch = self.torch
        x = torch.as_tensor(np.asarray(waveform, dtype=np.float32)).reshape(1, -1)
        seq_len = self.seq_len(x.shape[1])
        x = torch.cat((x[:, :1], x[:, 1:] - C.PREEMPH * x[:, :-1]), dim=1)
        spec = torch.stft(x, n_fft=C.N_FFT, hop_length=self.hop_length, win_length=self.win_length,
                          center=True, window=self.window, return_complex=True)
        x = torch.view_as_real(spec).pow(2).sum(-1)          # power spectrum [1, 257, frames]
        x = x + C.DITHER ** 2
        x = torch.matmul(self.fb, x)
        x = torch.log(x + 1e-20)
        n = C.FRAME_SPLICING
        stacked = [x]
        for k in range(1, n):                                 # frame t holds frames t .. t+n-1
            shifted = torch.zeros_like(x)
            shifted[:, :, :-k] = x[:, :, k:]
            stacked.append(shifted)
        x = torch.cat(stacked, dim=1)[:, :, ::n]
        valid = x[:, :, :seq_len]
        mean = valid.mean(dim=2, keepdim=True)
        std = valid.std(dim=2, keepdim=True) + 1e-5
        x = (x - mean) / std
        return x[:, :, :seq_len], seq_len

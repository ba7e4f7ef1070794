"""RNN-T in PyTorch: the reference's features, network (official parameter names, dimensions from
the checkpoint) and greedy decoder, on a tiny stand-in checkpoint whose transcript is known.

``standin_checkpoint`` builds an official-layout checkpoint ({"state_dict": ...} with ``joint_net``
names and the featurizer's buffers) with tiny dimensions whose prediction network passes the last
label through and whose joint maps it to a chosen successor: the greedy decoder spells the chosen
text (distinct characters) on the first frame and then emits blank on every frame, whatever the audio.
"""
import math
import wave

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from cmperf.mlperf.errors import DatasetError, ModelFileError  # noqa: E402
from cmperf.mlperf.rnnt import config as C  # noqa: E402
from cmperf.mlperf.rnnt import decoder, features, model as rnnt_model  # noqa: E402


def write_wav(path, samples, rate=16000):
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.asarray(samples, dtype="<i2").tobytes())


def tone(seconds, freq=440.0, amp=8000, rate=16000):
    t = np.arange(int(seconds * rate)) / rate
    return (amp * np.sin(2 * math.pi * freq * t)).astype(np.int16)


def standin_state_dict(text, enc_hidden=8, seed=0):
    """Official names, tiny dims; greedy decoding spells ``text`` (its characters all distinct)."""
    ids = [C.LABELS.index(c) for c in text]
    assert len(set(ids)) == len(ids), "each character needs a unique successor"
    g = torch.Generator().manual_seed(seed)
    P, E, F = C.NUM_CLASSES - 1, enc_hidden, C.IN_FEATURES
    sd = {}

    def lstm(prefix, layers, inp, hidden, passthrough=None):
        for k in range(layers):
            width = inp if k == 0 else hidden
            w_ih = torch.randn(4 * hidden, width, generator=g) * 0.1
            w_hh = torch.randn(4 * hidden, hidden, generator=g) * 0.1
            b_ih, b_hh = torch.zeros(4 * hidden), torch.zeros(4 * hidden)
            if passthrough is not None:   # gates i, f, g, o: i = o = 1, f = 0, cell input = tanh(scale * x)
                w_ih.zero_(), w_hh.zero_()
                w_ih[2 * hidden:3 * hidden] = torch.eye(hidden) * passthrough[k]
                b_ih[:hidden], b_ih[hidden:2 * hidden], b_ih[3 * hidden:] = 20.0, -20.0, 20.0
            for name, t in (("weight_ih", w_ih), ("weight_hh", w_hh), ("bias_ih", b_ih), ("bias_hh", b_hh)):
                sd[f"{prefix}.{name}_l{k}"] = t

    lstm("encoder.pre_rnn.lstm", 2, F, E)
    lstm("encoder.post_rnn.lstm", 3, 2 * E, E)
    sd["prediction.embed.weight"] = torch.eye(P) * 10.0          # label k -> 10 * one-hot(k)
    lstm("prediction.dec_rnn.lstm", 2, P, P, passthrough=(1.0, 10.0))   # h ~ 0.76 * one-hot(last label)
    J = P + 1
    w0, b0 = torch.zeros(J, E + P), torch.zeros(J)
    w0[:P, E:] = torch.eye(P)                                     # copy the prediction
    w0[P, E:], b0[P] = -10.0, 1.0                                 # 1 only at the start (zero prediction)
    w3, b3 = torch.zeros(C.NUM_CLASSES, J), torch.zeros(C.NUM_CLASSES)
    b3[C.BLANK] = 1.0
    w3[ids[0], P] = 10.0
    for a, b in zip(ids, ids[1:]):
        w3[b, a] = 10.0
    w3[C.BLANK, ids[-1]] = 10.0
    sd.update({"joint_net.0.weight": w0, "joint_net.0.bias": b0, "joint_net.3.weight": w3, "joint_net.3.bias": b3})
    feat = features.Featurizer(torch)
    sd["audio_preprocessor.featurizer.fb"] = feat.fb.clone()
    sd["audio_preprocessor.featurizer.window"] = feat.window.clone()
    return sd


def standin_checkpoint(path, text, **kw):
    torch.save({"state_dict": standin_state_dict(text, **kw), "epoch": 100}, str(path))
    return str(path)


def test_mel_filterbank_is_librosa_slaney():
    fb = features.mel_filterbank()
    assert fb.shape == (80, 257) and fb.dtype == np.float32
    # Slaney scale: linear to 1 kHz (15 mels), log above; a round trip is exact
    assert features._hz_to_mel(1000.0) == pytest.approx(15.0)
    assert features._hz_to_mel(6400.0) == pytest.approx(15.0 + 27.0)
    f = np.array([0.0, 300.0, 999.0, 1000.0, 4321.0, 8000.0])
    assert np.allclose(features._mel_to_hz(features._hz_to_mel(f)), f)
    # area normalisation: each triangle's peak is 2 / (upper edge - lower edge) in Hz
    mel_f = features._mel_to_hz(np.linspace(0, features._hz_to_mel(8000.0), 82))
    fft_f = np.linspace(0, 8000, 257)
    for i in (0, 40, 79):
        lo, mid, hi = mel_f[i], mel_f[i + 1], mel_f[i + 2]
        j = int(np.argmin(np.abs(fft_f - mid)))
        expect = 2 / (hi - lo) * min((fft_f[j] - lo) / (mid - lo), (hi - fft_f[j]) / (hi - mid))
        assert fb[i, j] == pytest.approx(expect, rel=1e-5)
        assert fb[i, (fft_f <= lo) | (fft_f >= hi)].max() == 0


def _features_numpy(x):
    """An independent numpy version of FilterbankFeatures (float64, explicit framing)."""
    x = np.asarray(x, np.float64)
    seq = math.ceil(math.ceil(len(x) / 160) / 3)
    x = np.concatenate([x[:1], x[1:] - 0.97 * x[:-1]])
    pad = np.pad(x, 256, mode="reflect")
    n = np.arange(320)
    win = np.zeros(512)
    win[96:416] = 0.5 - 0.5 * np.cos(2 * math.pi * n / 319)      # hann(320, periodic=False), centred
    frames = np.stack([pad[s:s + 512] * win for s in range(0, len(pad) - 512 + 1, 160)])
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2 + 1e-10
    logmel = np.log(features.mel_filterbank().astype(np.float64) @ power.T + 1e-20)   # [80, T]
    T = logmel.shape[1]
    spliced = np.concatenate([np.pad(logmel[:, k:], ((0, 0), (0, k))) for k in range(3)])[:, ::3]
    valid = spliced[:, :seq]
    return ((spliced - valid.mean(1, keepdims=True)) / (valid.std(1, ddof=1, keepdims=True) + 1e-5))[:, :seq], T


def test_features_match_an_independent_numpy_version():
    rng = np.random.default_rng(1)
    wave_ = (tone(0.73, 300) + rng.normal(0, 500, int(0.73 * 16000))).astype(np.float32) / 32768
    feat, n = features.Featurizer(torch)(wave_)
    ref, frames = _features_numpy(wave_)
    assert frames == 1 + len(wave_) // 160 and n == math.ceil(math.ceil(len(wave_) / 160) / 3) == 25
    assert tuple(feat.shape) == (1, 240, n)
    assert np.allclose(feat[0].numpy(), ref, atol=2e-3)
    # per-feature normalisation over the valid frames
    assert np.allclose(feat[0].numpy().mean(1), 0, atol=1e-4)


def test_standin_checkpoint_loads_with_official_names_and_spells_its_text(tmp_path):
    path = standin_checkpoint(tmp_path / "DistributedDataParallel_1576581068.9962234-epoch-100.pt", "the fox")
    model, facts = rnnt_model.load(torch, path)
    d = facts["dims"]
    assert (d.encoder_n_hidden, d.encoder_pre_rnn_layers, d.encoder_post_rnn_layers, d.encoder_stack_time_factor,
            d.pred_n_hidden, d.pred_rnn_layers, d.joint_n_hidden) == (8, 2, 3, 2, 28, 2, 29)
    assert set(facts["featurizer_buffers"]) == {"audio_preprocessor.featurizer.fb", "audio_preprocessor.featurizer.window"}
    feat = features.Featurizer(torch)
    for audio in (tone(1.0), np.zeros(8000, np.int16), tone(2.5, 1000)):
        ids = decoder.transcribe(torch, model, feat, audio.astype(np.float32) / 32768)
        assert "".join(C.LABELS[i] for i in ids) == "the fox"


def test_official_dimensions_build_the_official_parameter_names():
    names = {k: tuple(v.shape) for k, v in rnnt_model.build(torch).state_dict().items()}
    assert names["encoder.pre_rnn.lstm.weight_ih_l0"] == (4096, 240)
    assert names["encoder.post_rnn.lstm.weight_ih_l0"] == (4096, 2048)
    assert "encoder.post_rnn.lstm.weight_hh_l2" in names and "encoder.pre_rnn.lstm.weight_hh_l2" not in names
    assert names["prediction.embed.weight"] == (28, 320)
    assert names["joint.net.0.weight"] == (512, 1344) and names["joint.net.3.weight"] == (29, 512)


def test_greedy_decoder_caps_symbols_per_frame():
    class Loop:   # a joint that never says blank: 30 labels per frame, then the next frame
        def __init__(self):
            self.prediction = lambda y, s: (torch.zeros(1, 1, 1), s)
            self.joint = lambda f, g: torch.nn.functional.one_hot(torch.tensor([[[5]]]), 29).float()

    out = decoder.greedy_decode(torch, Loop(), torch.zeros(1, 3, 1), 3)
    assert out == [5] * 90


def test_bad_checkpoints_are_refused_naming_the_file(tmp_path):
    sd = standin_state_dict("ab")
    del sd["joint_net.3.weight"]
    torch.save({"state_dict": sd}, str(tmp_path / "nojoint.pt"))
    with pytest.raises(ModelFileError, match=r"nojoint.pt.*no joint.net.3.weight"):
        rnnt_model.load(torch, str(tmp_path / "nojoint.pt"))
    sd = standin_state_dict("ab")
    sd["encoder.pre_rnn.lstm.weight_ih_l0"] = torch.zeros(32, 64)
    torch.save({"state_dict": sd}, str(tmp_path / "narrow.pt"))
    with pytest.raises(ModelFileError, match="encoder input width 64"):
        rnnt_model.load(torch, str(tmp_path / "narrow.pt"))
    torch.save({"model": 1}, str(tmp_path / "other.pt"))
    with pytest.raises(ModelFileError, match="has no 'state_dict'"):
        rnnt_model.load(torch, str(tmp_path / "other.pt"))
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ModelFileError, match="junk.pt"):
        rnnt_model.load(torch, str(tmp_path / "junk.pt"))


def test_audio_reader_refuses_corrupt_and_foreign_files(tmp_path):
    from cmperf.mlperf.rnnt import audio
    write_wav(tmp_path / "ok.wav", tone(0.1))
    w = audio.read(str(tmp_path / "ok.wav"))
    assert w.dtype == np.float32 and len(w) == 1600 and np.abs(w).max() == pytest.approx(8000 / 32768, rel=1e-3)
    (tmp_path / "bad.wav").write_bytes(b"RIFF....garbage")
    with pytest.raises(DatasetError, match="bad.wav.*not a readable WAV"):
        audio.read(str(tmp_path / "bad.wav"))
    write_wav(tmp_path / "8k.wav", tone(0.1, rate=8000), rate=8000)
    with pytest.raises(DatasetError, match="8000 Hz"):
        audio.read(str(tmp_path / "8k.wav"))

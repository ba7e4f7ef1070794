"""RNN-T in PyTorch: the reference's features, network (official parameter names, dimensions from
the checkpoint) and greedy decoder, on a tiny stand-in checkpoint whose transcripts are known.

``standin_checkpoint`` builds an official-layout checkpoint ({"state_dict": ...} with ``joint_net``
names and the featurizer's buffers) with tiny dimensions. Its prediction network passes the last
label through and its joint maps that label to a chosen successor, so the greedy decoder spells a
chosen text on the first frame and then emits blank on every frame. Which of two texts it spells is
decided by the encoder's first frame: the normalised features of an utterance that starts with sound
are above their average there, those of one that starts with silence below it.
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


def standin_state_dict(loud_first, quiet_first=None, enc_hidden=8, seed=0):
    """Official names, tiny dims. Greedy decoding spells ``loud_first`` for an utterance whose first
    frames are louder than its average (it starts with sound) and ``quiet_first`` for one that starts
    quieter (with silence); without ``quiet_first`` the encoder is random and the text is always
    ``loud_first``. Each text's characters are distinct, and the two texts share none."""
    texts = [t for t in (loud_first, quiet_first) if t]
    ids = [[C.LABELS.index(c) for c in t] for t in texts]
    flat = [i for chain in ids for i in chain]
    assert len(set(flat)) == len(flat), "each character needs a unique successor"
    g = torch.Generator().manual_seed(seed)
    P, E, F = C.NUM_CLASSES - 1, enc_hidden, C.IN_FEATURES
    sd = {}

    def lstm(prefix, layers, inp, hidden, cell_input=None):
        """cell_input[k]: the layer's cell-input weights [hidden, width] with gates i = o = 1, f = 0,
        so h = 0.76 * tanh(W x) frame by frame (no memory); None: random small weights."""
        for k in range(layers):
            width = inp if k == 0 else hidden
            w_ih = torch.randn(4 * hidden, width, generator=g) * 0.1
            w_hh = torch.randn(4 * hidden, hidden, generator=g) * 0.1
            b_ih, b_hh = torch.zeros(4 * hidden), torch.zeros(4 * hidden)
            if cell_input is not None:    # PyTorch's gate order: i, f, g (cell input), o
                w_ih.zero_(), w_hh.zero_()
                w_ih[2 * hidden:3 * hidden] = cell_input[k]
                b_ih[:hidden], b_ih[hidden:2 * hidden], b_ih[3 * hidden:] = 20.0, -20.0, 20.0
            for name, t in (("weight_ih", w_ih), ("weight_hh", w_hh), ("bias_ih", b_ih), ("bias_hh", b_hh)):
                sd[f"{prefix}.{name}_l{k}"] = t

    def unit0(width, scale, listen=1):   # only hidden unit 0 listens, to inputs [0:listen]
        w = torch.zeros(E, width)
        w[0, :listen] = scale
        return w

    if quiet_first:
        # encoder unit 0 = sign of the mean normalised feature: + on frames louder than the utterance's
        # average (0.05 * 240 features -> tanh saturates), passed through every layer and the time stacking
        lstm("encoder.pre_rnn.lstm", 2, F, E, cell_input=[unit0(F, 0.05, F), unit0(E, 10.0)])
        lstm("encoder.post_rnn.lstm", 3, 2 * E, E, cell_input=[unit0(2 * E, 10.0), unit0(E, 10.0), unit0(E, 10.0)])
    else:
        lstm("encoder.pre_rnn.lstm", 2, F, E)
        lstm("encoder.post_rnn.lstm", 3, 2 * E, E)
    sd["prediction.embed.weight"] = torch.eye(P) * 10.0          # label k -> 10 * one-hot(k)
    eye = torch.eye(P)
    lstm("prediction.dec_rnn.lstm", 2, P, P, cell_input=[eye, eye * 10.0])   # h ~ 0.76 * one-hot(last label)
    J = P + 2
    w0, b0 = torch.zeros(J, E + P), torch.zeros(J)
    w0[:P, E:] = torch.eye(P)                                     # units 0..P-1 copy the prediction
    for u, sign in ((P, 5.0), (P + 1, -5.0)):                     # start units: alive only before any label,
        w0[u, E:], b0[u] = -10.0, 1.0                             # one for a loud, one for a quiet first frame
        if quiet_first:
            w0[u, 0] = sign
    w3, b3 = torch.zeros(C.NUM_CLASSES, J), torch.zeros(C.NUM_CLASSES)
    b3[C.BLANK] = 1.0
    for start, chain in zip((P, P + 1), ids):
        w3[chain[0], start] = 10.0
        for a, b in zip(chain, chain[1:]):
            w3[b, a] = 10.0
        w3[C.BLANK, chain[-1]] = 10.0
    sd.update({"joint_net.0.weight": w0, "joint_net.0.bias": b0, "joint_net.3.weight": w3, "joint_net.3.bias": b3})
    feat = features.Featurizer(torch)
    sd["audio_preprocessor.featurizer.fb"] = feat.fb.clone()
    sd["audio_preprocessor.featurizer.window"] = feat.window.clone()
    return sd


def standin_checkpoint(path, loud_first, quiet_first=None, **kw):
    torch.save({"state_dict": standin_state_dict(loud_first, quiet_first, **kw), "epoch": 100}, str(path))
    return str(path)


def utterance(loud_first, seconds=1.0, freq=440.0):
    """Sound then silence (loud first) or silence then sound, 16-bit samples."""
    sound = tone(seconds * 0.6, freq)
    quiet = np.zeros(int(seconds * 16000) - len(sound), np.int16)
    return np.concatenate([sound, quiet] if loud_first else [quiet, sound])


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
    path = standin_checkpoint(tmp_path / "DistributedDataParallel_1576581068.9962234-epoch-100.pt", "the fox", "jump")
    model, facts = rnnt_model.load(torch, path)
    d = facts["dims"]
    assert (d.encoder_n_hidden, d.encoder_pre_rnn_layers, d.encoder_post_rnn_layers, d.encoder_stack_time_factor,
            d.pred_n_hidden, d.pred_rnn_layers, d.joint_n_hidden) == (8, 2, 3, 2, 28, 2, 30)
    assert set(facts["featurizer_buffers"]) == {"audio_preprocessor.featurizer.fb", "audio_preprocessor.featurizer.window"}
    feat = features.Featurizer(torch)

    def say(audio):
        return "".join(C.LABELS[i] for i in decoder.transcribe(torch, model, feat, audio.astype(np.float32) / 32768))
    for seconds, freq in ((1.0, 440.0), (1.7, 1000.0)):
        assert say(utterance(True, seconds, freq)) == "the fox"
        assert say(utterance(False, seconds, freq)) == "jump"
    # without a second text the encoder is random and the answer is the first text, whatever the audio
    model, _ = rnnt_model.load(torch, standin_checkpoint(tmp_path / "one.pt", "the fox"))
    assert [say(a) for a in (tone(1.0), utterance(False))] == ["the fox", "the fox"]


def test_official_dimensions_build_the_official_parameter_names():
    state = rnnt_model.build(torch).state_dict()
    assert C.dims_from_state_dict(state) == C.OFFICIAL   # rnnt.toml's dims read back from the shapes
    names = {k: tuple(v.shape) for k, v in state.items()}
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
    (tmp_path / "a.flac").write_bytes(b"fLaC\x00")
    try:
        import soundfile  # noqa: F401  (optional: FLAC is read only with it)
    except ImportError:
        with pytest.raises(DatasetError, match="a.flac.*FLAC and the soundfile package is not installed.*convert"):
            audio.read(str(tmp_path / "a.flac"))
    else:
        with pytest.raises(DatasetError, match="cannot read .*a.flac"):
            audio.read(str(tmp_path / "a.flac"))


def test_a_checkpoint_with_pickled_objects_loads_only_when_trusted(tmp_path, monkeypatch):
    import argparse
    path = tmp_path / "with_args.pt"
    torch.save({"state_dict": standin_state_dict("ab"), "args": argparse.Namespace(lr=0.1)}, str(path))
    monkeypatch.delenv(rnnt_model.TRUST_ENV, raising=False)
    with pytest.raises(ModelFileError, match=f"with_args.pt.*set {rnnt_model.TRUST_ENV}=yes"):
        rnnt_model.load(torch, str(path))
    monkeypatch.setenv(rnnt_model.TRUST_ENV, "yes")
    model, _ = rnnt_model.load(torch, str(path))
    ids = decoder.transcribe(torch, model, features.Featurizer(torch), tone(0.5).astype(np.float32) / 32768)
    assert "".join(C.LABELS[i] for i in ids) == "ab"

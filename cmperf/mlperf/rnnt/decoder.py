"""Greedy transducer decoding as the reference's ScriptGreedyDecoder (decoders.py) does it for the
one utterance per call of pytorch_SUT.py.

At encoder frame t the prediction network reads the last emitted label (start: -1, a zero
embedding) and the joint scores (frame t, prediction); the best class is taken without log-softmax.
Blank moves to frame t+1 and keeps the prediction state; any other label is emitted and the state
advances; after 30 labels on one frame (max_symbols_per_step) the decoder moves on anyway.
"""
from . import config as C


def greedy_decode(torch, model, enc, enc_len, max_symbols=C.MAX_SYMBOLS_PER_STEP, blank=C.BLANK):
    """enc [1, T, H] (encoder output), enc_len its valid frames -> the label ids (list of int)."""
    labels, state, symbols, t = [], None, 0, 0
    n = int(enc_len)
    while t < n:
        f = enc[:, t:t + 1, :]
        last = labels[-1] if labels else -1
        g, new_state = model.prediction(torch.tensor([[last]], dtype=torch.int64), state)
        k = int(model.joint(f, g)[0, 0, 0, :].argmax())
        if k == blank:
            t, symbols = t + 1, 0
            continue
        labels.append(k)
        state, symbols = new_state, symbols + 1
        if symbols >= max_symbols:
            t, symbols = t + 1, 0
    return labels


def transcribe(torch, model, featurizer, waveform):
    """One waveform -> label ids: features, encoder over [T, 1, F], greedy decoding."""
    with torch.no_grad():
        feats, n = featurizer(waveform)
        x = feats.permute(2, 0, 1)                       # [T, B=1, 240] as the SUT hands the encoder
        enc, enc_len = model.encoder(x, torch.tensor([n], dtype=torch.int64))
        return greedy_decode(torch, model, enc, enc_len[0])

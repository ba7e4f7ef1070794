"""The RNN-T network (model_separable_rnnt.py + rnn.py) with the official parameter names, and
the checkpoint loader (pytorch_SUT.py's load_and_migrate_checkpoint).

Parameter names: ``encoder.pre_rnn.lstm.*``, ``encoder.post_rnn.lstm.*``, ``prediction.embed.weight``,
``prediction.dec_rnn.lstm.*``, ``joint.net.{0,3}.*`` (Linear, ReLU, Dropout, Linear: the dropout
keeps the second Linear at index 3). The checkpoint is ``{"state_dict": ...}`` whose joint is named
``joint_net`` and which carries the featurizer's buffers; the loader renames the one and drops
the others, and strips a ``module.`` (DistributedDataParallel) prefix if a copy has one.
"""
import os

from ...core.truth import is_true
from ..errors import ModelFileError
from . import config as C

TRUST_ENV = "CMPERF_RNNT_TRUST_CHECKPOINT"


def build(torch, dims=C.OFFICIAL):
    nn = torch.nn

    class LstmDrop(nn.Module):      # rnn.py's wrapper: the parameters live under ``.lstm``
        def __init__(self, input_size, hidden, layers):
            super().__init__()
            self.lstm = nn.LSTM(input_size=input_size, hidden_size=hidden, num_layers=layers)

        def forward(self, x, state=None):
            return self.lstm(x, state)

    class Encoder(nn.Module):
        def __init__(self, d):
            super().__init__()
            self.factor = d.encoder_stack_time_factor
            self.pre_rnn = LstmDrop(d.in_features, d.encoder_n_hidden, d.encoder_pre_rnn_layers)
            self.post_rnn = LstmDrop(self.factor * d.encoder_n_hidden, d.encoder_n_hidden,
                                     d.encoder_post_rnn_layers)

        def forward(self, x, x_len):
            """x [T, B, F] -> ([B, T', H], lengths): rnn.py's StackTime between the two stacks
            (zero-pad T to a multiple of the factor, concatenate neighbouring frames)."""
            x, _ = self.pre_rnn(x)
            r = x.transpose(0, 1)
            pad = (-r.shape[1]) % self.factor
            if pad:
                r = torch.cat([r, r.new_zeros(r.shape[0], pad, r.shape[2])], dim=1)
            r = r.reshape(r.shape[0], r.shape[1] // self.factor, r.shape[2] * self.factor)
            x_len = torch.div(x_len + (2 * self.factor - 1), self.factor, rounding_mode="trunc") - 1
            x, _ = self.post_rnn(r.transpose(0, 1))
            return x.transpose(0, 1), x_len

    class Prediction(nn.Module):
        def __init__(self, d):
            super().__init__()
            self.embed = nn.Embedding(d.num_classes - 1, d.pred_n_hidden)
            self.dec_rnn = LstmDrop(d.pred_n_hidden, d.pred_n_hidden, d.pred_rnn_layers)

        def forward(self, y, state=None):
            """y [B, U] label ids, -1 = start of sequence (embedded as zeros) -> g [B, U, H], state."""
            sos = y.eq(-1)
            e = self.embed(y.masked_fill(sos, 0)).masked_fill(sos.unsqueeze(2), 0.0)
            g, state = self.dec_rnn(e.transpose(0, 1), state)
            return g.transpose(0, 1), state

    class Joint(nn.Module):
        def __init__(self, d):
            super().__init__()
            self.net = nn.Sequential(nn.Linear(d.encoder_n_hidden + d.pred_n_hidden, d.joint_n_hidden),
                                     nn.ReLU(), nn.Dropout(p=0.32), nn.Linear(d.joint_n_hidden, d.num_classes))

        def forward(self, f, g):
            """f [B, T, H_enc], g [B, U, H_pred] -> logits [B, T, U, classes]."""
            B, T, H = f.shape
            U = g.shape[1]
            x = torch.cat([f.unsqueeze(2).expand(B, T, U, H), g.unsqueeze(1).expand(B, T, U, g.shape[2])], dim=3)
            return self.net(x)

    class RNNT(nn.Module):
        def __init__(self, d):
            super().__init__()
            self.dims = d
            self.encoder = Encoder(d)
            self.prediction = Prediction(d)
            self.joint = Joint(d)

    return RNNT(dims)


def migrate(state_dict):
    """load_and_migrate_checkpoint: ``joint_net`` -> ``joint.net``; the featurizer's buffers
    (``audio_preprocessor.featurizer.fb``/``window``) are returned apart, not loaded."""
    out, extra = {}, {}
    for key, value in state_dict.items():
        if key.startswith("module."):
            key = key[len("module."):]
        key = key.replace("joint_net", "joint.net")
        (extra if key.startswith("audio_preprocessor.") else out)[key] = value
    return out, extra


def _why(e):
    """The one informative line of torch.load's error (its weights-only message spans a page)."""
    lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
    picked = [ln for ln in lines if "WeightsUnpickler error" in ln] or lines[:1] or [type(e).__name__]
    return picked[0]


def load(torch, path, device="cpu"):
    """(model in eval mode, facts) of an RNN-T checkpoint; ModelFileError naming the file."""
    if not path or not os.path.isfile(path):
        raise ModelFileError(f"RNN-T checkpoint {path!r} does not exist")
    # Tensors and plain containers only, unless the user vouches for the file: unpickling runs code,
    # and the official checkpoint has no published checksum to check it against.
    trusted = is_true(os.environ.get(TRUST_ENV, ""))
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=not trusted)
    except Exception as e:
        hint = "" if trusted else (f"; if it holds more than tensors and you trust it, set {TRUST_ENV}=yes "
                                   "to load it with full unpickling")
        raise ModelFileError(f"RNN-T checkpoint {path!r} cannot be read by torch.load(weights_only={not trusted}) "
                             f"(expected the official DistributedDataParallel_...-epoch-100.pt): {_why(e)}{hint}") from e
    state = ckpt.get("state_dict") if isinstance(ckpt, dict) else None
    if not isinstance(state, dict):
        raise ModelFileError(f"RNN-T checkpoint {path!r} has no 'state_dict' (keys: "
                             f"{sorted(ckpt)[:8] if isinstance(ckpt, dict) else type(ckpt).__name__})")
    state, extra = migrate(state)
    try:
        dims = C.dims_from_state_dict(state)
    except ValueError as e:
        raise ModelFileError(f"RNN-T checkpoint {path!r}: {e}") from e
    model = build(torch, dims)
    missing, unexpected = [], []
    try:
        result = model.load_state_dict(state, strict=False)
        missing, unexpected = list(result.missing_keys), list(result.unexpected_keys)
    except RuntimeError as e:   # shape mismatches
        raise ModelFileError(f"RNN-T checkpoint {path!r} does not fit the network its shapes imply: {e}") from e
    if missing or unexpected:
        raise ModelFileError(f"RNN-T checkpoint {path!r}: missing parameters {missing[:5]}, unexpected "
                             f"{unexpected[:5]} (the reference loads with strict=True)")
    return model.to(device).eval(), {"dims": dims, "featurizer_buffers": extra}

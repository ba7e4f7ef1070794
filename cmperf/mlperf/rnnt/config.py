"""RNN-T dimensions: rnnt.toml's [input_eval] and [rnnt] sections, and a checkpoint's own.

The official checkpoint (DistributedDataParallel_1576581068.9962234-epoch-100.pt) has the
rnnt.toml dimensions; a stand-in may be smaller. Every dimension is read from the state dict's
tensor shapes, so the loader builds exactly the network the file holds, and refuses one whose
input width or vocabulary cannot work with the reference features and labels.
"""
import dataclasses
import re

# rnnt.toml [labels]: the dataset vocabulary; the model adds the blank as the last class.
LABELS = " abcdefghijklmnopqrstuvwxyz'"
BLANK = len(LABELS)              # 28: index of <BLANK> in add_blank_label(LABELS)
NUM_CLASSES = len(LABELS) + 1    # 29 joint outputs
MAX_SYMBOLS_PER_STEP = 30        # ScriptGreedyDecoder's default, which pytorch_SUT.py uses

# rnnt.toml [input_eval] (what pytorch_SUT.py hands AudioPreprocessing)
SAMPLE_RATE = 16000
WINDOW_SIZE = 0.02
WINDOW_STRIDE = 0.01
WINDOW = "hann"
FEATURES = 80
N_FFT = 512
FRAME_SPLICING = 3
DITHER = 0.00001
NORMALIZE = "per_feature"
PREEMPH = 0.97                   # FilterbankFeatures' default (from_config does not pass one)
IN_FEATURES = FEATURES * FRAME_SPLICING   # 240: the encoder's input width


@dataclasses.dataclass(frozen=True)
class Dims:
    """The [rnnt] section: rnn_type lstm, no norm; dropout only matters in training."""
    encoder_n_hidden: int = 1024
    encoder_pre_rnn_layers: int = 2
    encoder_stack_time_factor: int = 2
    encoder_post_rnn_layers: int = 3
    pred_n_hidden: int = 320
    pred_rnn_layers: int = 2
    joint_n_hidden: int = 512
    in_features: int = IN_FEATURES
    num_classes: int = NUM_CLASSES


OFFICIAL = Dims()


def _layers(state, prefix):
    found = {int(m.group(1)) for k in state for m in [re.match(re.escape(prefix) + r"weight_ih_l(\d+)$", k)] if m}
    return max(found) + 1 if found else 0


def dims_from_state_dict(state):
    """The Dims of a (migrated) state dict; ValueError naming what is missing or inconsistent."""
    need = ["encoder.pre_rnn.lstm.weight_ih_l0", "encoder.pre_rnn.lstm.weight_hh_l0",
            "encoder.post_rnn.lstm.weight_ih_l0", "prediction.embed.weight",
            "prediction.dec_rnn.lstm.weight_ih_l0", "joint.net.0.weight", "joint.net.3.weight"]
    missing = [k for k in need if k not in state]
    if missing:
        raise ValueError(f"not an RNN-T state dict: no {', '.join(missing)}")
    hidden = state["encoder.pre_rnn.lstm.weight_hh_l0"].shape[1]
    in_features = state["encoder.pre_rnn.lstm.weight_ih_l0"].shape[1]
    factor, rem = divmod(state["encoder.post_rnn.lstm.weight_ih_l0"].shape[1], hidden)
    embed = state["prediction.embed.weight"]
    joint0, joint3 = state["joint.net.0.weight"], state["joint.net.3.weight"]
    d = Dims(encoder_n_hidden=hidden, encoder_pre_rnn_layers=_layers(state, "encoder.pre_rnn.lstm."),
             encoder_stack_time_factor=factor, encoder_post_rnn_layers=_layers(state, "encoder.post_rnn.lstm."),
             pred_n_hidden=embed.shape[1], pred_rnn_layers=_layers(state, "prediction.dec_rnn.lstm."),
             joint_n_hidden=joint0.shape[0], in_features=in_features, num_classes=joint3.shape[0])
    problems = []
    if in_features != IN_FEATURES:
        problems.append(f"encoder input width {in_features}, the reference features give {IN_FEATURES} "
                        f"({FEATURES} mel bands x frame splicing {FRAME_SPLICING})")
    if rem or factor < 1:
        problems.append("encoder.post_rnn input width is not a multiple of the encoder's hidden size")
    if d.num_classes != NUM_CLASSES or embed.shape[0] != NUM_CLASSES - 1:
        problems.append(f"{d.num_classes} joint outputs and {embed.shape[0]} embeddings; the vocabulary "
                        f"{LABELS!r} + blank needs {NUM_CLASSES} and {NUM_CLASSES - 1}")
    if joint0.shape[1] != hidden + d.pred_n_hidden:
        problems.append(f"joint input width {joint0.shape[1]} != encoder {hidden} + prediction {d.pred_n_hidden}")
    if problems:
        raise ValueError("; ".join(problems))
    return d

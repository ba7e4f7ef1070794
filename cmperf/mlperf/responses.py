"""What a SUT sends back to LoadGen for each sample: model outputs -> fixed-size response rows.

LoadGen copies ``size`` bytes at an address per sample and writes them, hex-encoded, into
``mlperf_log_accuracy.json``; the accuracy scripts decode exactly these rows. Each encoder turns
one batch of model outputs into an array ``[batch, width]`` of ``dtype`` (one row per sample), so
a SUT can keep one response buffer per thread for any model.

- ClassIndex: the predicted class as one int32 (what tools/accuracy-imagenet.py reads).
- SpanLogits: BERT's start and end logits as float32 ``[seq_len, 2]`` per sample, row-major (what
  the reference bert SUTs send and accuracy-squad.py reads).

Variable-size responses (``variable = True``; called as ``encoder(outputs, sample_indices)`` and
returning one flat array per sample): RetinaNet's detections (openimages.detections), 3D-UNet's
label volumes (kits19.sliding_window.Segmentation) and RNN-T's transcripts (Transcript below).
"""
import numpy as np


class ClassIndex:
    """Scores or argmax output -> class index (int32), undoing the model's label offset."""

    dtype = np.int32
    width = 1
    fill = -1  # the response of a sample whose batch failed: a class that never matches

    def __init__(self, output_kind, label_offset=0):
        if output_kind not in ("scores", "argmax"):
            raise ValueError(f"unknown output kind {output_kind!r}")
        self.kind, self.offset = output_kind, int(label_offset)

    def __call__(self, out):
        out = np.asarray(out)
        if self.kind == "scores":
            cls = out.reshape(len(out), -1).argmax(axis=1)
        else:
            cls = out.reshape(len(out))
        if self.offset:
            cls = cls - self.offset
        return cls.astype(self.dtype, copy=False).reshape(-1, 1)


class SpanLogits:
    """[start_logits, end_logits] (each [batch, seq]) -> float32 rows of seq*2 (start, end) pairs."""

    dtype = np.float32
    fill = 0.0

    def __init__(self, seq_len, stacked=False):
        self.seq_len = int(seq_len)
        self.width = 2 * self.seq_len
        self.stacked = stacked   # one output [batch, seq, 2] (the TF model.pb's logits:0)

    def __call__(self, outputs):
        if self.stacked:
            logits = np.asarray(outputs[0] if isinstance(outputs, (list, tuple)) else outputs)
            if logits.ndim != 3 or logits.shape[-1] != 2:
                raise ValueError(f"logits must be [batch, {self.seq_len}, 2], got {list(logits.shape)}")
            outputs = [logits[..., 0], logits[..., 1]]
        if not isinstance(outputs, (list, tuple)) or len(outputs) != 2:
            raise ValueError("a span model must return two outputs, start and end logits")
        start, end = (np.asarray(o) for o in outputs)
        expected = (len(start), self.seq_len)
        if start.shape != expected or end.shape != expected:
            raise ValueError(f"start/end logits must both be {list(expected)}, got "
                             f"{list(start.shape)} and {list(end.shape)}")
        return np.stack([start, end], axis=-1).astype(self.dtype, copy=False).reshape(len(start), -1)


class Transcript:
    """RNN-T: the decoded transcript as int64 indices into the vocabulary (the reference SUT's
    ``array.array('q', transcript)``), one variable-length array per sample."""
    variable = True
    dtype = np.int64
    width = 1
    fill = np.zeros(0, np.int64)

    def __call__(self, outputs, indices=None):
        if indices is not None and len(outputs) != len(indices):
            raise ValueError(f"{len(outputs)} transcripts for {len(indices)} samples")
        return [np.asarray(t, np.int64).reshape(-1) for t in outputs]


def for_spec(spec, seq_len=None):
    """The encoder a registry model spec asks for (``response`` key, default class index)."""
    kind = spec.get("response", "class-index")
    if kind == "class-index":
        return ClassIndex(spec["output_kind"], spec.get("label_offset", 0))
    if kind == "span-logits":
        return SpanLogits(seq_len or spec["max_seq_length"])
    if kind == "span-logits-stacked":
        return SpanLogits(seq_len or spec["max_seq_length"], stacked=True)
    if kind == "detections":
        from .openimages.detections import Detections
        return Detections()
    if kind == "segmentation":
        from .kits19.sliding_window import Segmentation
        return Segmentation()
    if kind == "transcript":
        return Transcript()
    raise ValueError(f"model {spec['name']}: unknown response kind {kind!r}")

"""QSL-side adapter for BERT/SQuAD: what the harness needs from a features dir.

Interface for the harness (one LoadGen sample = one feature row)::

    qsl = SquadQSL(features_dir)                  # SquadError if the dir is missing/bad
    qsl.total_sample_count                        # -> int, for lg.ConstructQSL
    qsl.performance_sample_count                  # -> int: all samples (they fit in RAM) unless
                                                  #   SquadQSL(..., performance_sample_count=N)
    qsl.load_samples(indices); qsl.unload_samples(indices)   # LoadGen callbacks (no-ops)
    feeds = qsl.get_inputs(indices)               # {"input_ids", "input_mask", "segment_ids"}:
                                                  #   C-contiguous int64 [len(indices), 384]
    session.run(None, feeds)                      # bert-large ONNX -> [start [B,384], end [B,384]]
    payloads = qsl.response_bytes(outputs)        # list of bytes, one per sample: float32
                                                  #   [384, 2] (start, end) row-major, the bytes
                                                  #   LoadGen logs and accuracy.py decodes

``outputs`` may be the ``[start_logits, end_logits]`` list the ONNX model returns
(each [B, seq]), a dict with those two arrays (keys containing "start"/"end"), or
one [B, seq, 2] array. The int8 bert model names its inputs differently: pass
``input_names={"input_ids": "input_ids", "input_mask": "attention_mask",
"segment_ids": "token_type_ids"}``.
"""
import numpy as np

from .errors import SquadError
from .feature_store import load_features

DEFAULT_INPUT_NAMES = {"input_ids": "input_ids", "input_mask": "input_mask",
                       "segment_ids": "segment_ids"}


class SquadQSL:
    def __init__(self, features_dir, input_names=None, performance_sample_count=None):
        self.features, self.manifest = load_features(features_dir)
        self.features_dir = features_dir
        count = len(self.features)
        if performance_sample_count is not None and not 0 < performance_sample_count <= count:
            raise SquadError(f"performance_sample_count must be in 1..{count} "
                             f"(the samples in {features_dir}), got {performance_sample_count}")
        self._performance_sample_count = performance_sample_count or count
        self.max_seq_length = self.features.max_seq_length
        self.input_names = dict(input_names or DEFAULT_INPUT_NAMES)
        unknown = set(self.input_names) - set(DEFAULT_INPUT_NAMES)
        if unknown:
            raise SquadError(f"input_names keys must be {sorted(DEFAULT_INPUT_NAMES)}, got {sorted(unknown)}")
        # Kept as int64 once so each query only gathers rows (the ONNX model wants int64).
        self._inputs = {name: np.ascontiguousarray(getattr(self.features, name), np.int64)
                        for name in DEFAULT_INPUT_NAMES}

    @property
    def total_sample_count(self):
        return len(self.features)

    @property
    def performance_sample_count(self):
        return self._performance_sample_count

    def load_samples(self, indices):
        """LoadGen load callback: everything is already in memory."""

    def unload_samples(self, indices):
        """LoadGen unload callback: nothing to free."""

    def get_inputs(self, indices):
        index = np.asarray(indices, np.int64).reshape(-1)
        if index.size and (index.min() < 0 or index.max() >= self.total_sample_count):
            raise SquadError(f"sample index out of range 0..{self.total_sample_count - 1} "
                             f"for features dir {self.features_dir}")
        return {self.input_names[name]: array[index] for name, array in self._inputs.items()}

    def response_bytes(self, outputs):
        """One float32 [seq, 2] payload (bytes) per sample of the batch."""
        start, end = self._split_outputs(outputs)
        if start.shape != end.shape or start.ndim != 2:
            raise SquadError(f"start/end logits must both be [batch, seq], got {start.shape} and {end.shape}")
        pairs = np.stack([start, end], axis=-1).astype(np.float32, copy=False)
        return [np.ascontiguousarray(row).tobytes() for row in pairs]

    @staticmethod
    def _split_outputs(outputs):
        if isinstance(outputs, dict):
            start = [v for k, v in outputs.items() if "start" in k.lower()]
            end = [v for k, v in outputs.items() if "end" in k.lower()]
            if len(start) != 1 or len(end) != 1:
                raise SquadError(f"cannot tell start from end logits in outputs {sorted(outputs)}")
            return np.asarray(start[0]), np.asarray(end[0])
        if isinstance(outputs, np.ndarray) and outputs.ndim == 3 and outputs.shape[-1] == 2:
            return outputs[..., 0], outputs[..., 1]
        if isinstance(outputs, (list, tuple)) and len(outputs) == 2:
            return np.asarray(outputs[0]), np.asarray(outputs[1])
        raise SquadError("outputs must be [start, end] arrays, a dict of them, or one [batch, seq, 2] array")

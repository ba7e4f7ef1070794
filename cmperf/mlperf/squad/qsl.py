"""The query sample library of bert-99: one LoadGen sample = one feature row of a features dir.

It follows the harness's QSL protocol (as :class:`cmperf.mlperf.qsl.ArrayQSL`)::

    qsl = SquadQSL(features_dir)          # SquadError if the dir is missing/bad
    qsl.total_count, qsl.performance_count, qsl.description
    qsl.load_samples(indices); qsl.unload_samples(indices)   # LoadGen callbacks (no-ops)
    feeds = qsl.batch(indices)            # {"input_ids", "input_mask", "segment_ids"}:
                                          #   C-contiguous int64 [len(indices), 384]

The model's start/end logits become LoadGen responses through
:class:`cmperf.mlperf.responses.SpanLogits`. The int8 bert model names its inputs differently:
pass ``input_names={"input_ids": "input_ids", "input_mask": "attention_mask",
"segment_ids": "token_type_ids"}``.
"""
import numpy as np

from .errors import SquadError
from .feature_store import MANIFEST, load_features

DEFAULT_INPUT_NAMES = {"input_ids": "input_ids", "input_mask": "input_mask",
                       "segment_ids": "segment_ids"}


class SquadQSL:
    def __init__(self, features_dir, input_names=None, performance_sample_count=None):
        self.features, self.manifest = load_features(features_dir)
        self.features_dir = features_dir
        self.description = f"{features_dir}/{MANIFEST}"
        self.total_count = len(self.features)
        if performance_sample_count is not None and performance_sample_count < 1:
            raise SquadError(f"performance_sample_count must be >= 1, got {performance_sample_count}")
        # every feature fits in RAM (10833 x 3 x 384 int64 = 100 MB), so all are loadable at once;
        # like ArrayQSL, a larger count (mlperf.conf's 10833 on a subset) means all of them
        self.performance_count = min(performance_sample_count or self.total_count, self.total_count)
        self.max_seq_length = self.features.max_seq_length
        self.input_names = dict(input_names or DEFAULT_INPUT_NAMES)
        unknown = set(self.input_names) - set(DEFAULT_INPUT_NAMES)
        if unknown:
            raise SquadError(f"input_names keys must be {sorted(DEFAULT_INPUT_NAMES)}, got {sorted(unknown)}")
        # Kept as int64 once so each query only gathers rows (the ONNX model wants int64).
        self._inputs = {name: np.ascontiguousarray(getattr(self.features, name), np.int64)
                        for name in DEFAULT_INPUT_NAMES}

    def load_samples(self, indices):
        """LoadGen load callback: everything is already in memory."""

    def unload_samples(self, indices):
        """LoadGen unload callback: nothing to free."""

    def batch(self, indices):
        """The model's named inputs for these sample ids (new contiguous int64 arrays)."""
        index = np.asarray(indices, np.int64).reshape(-1)
        if index.size and (index.min() < 0 or index.max() >= self.total_count):
            raise SquadError(f"sample index out of range 0..{self.total_count - 1} "
                             f"for features dir {self.features_dir}")
        return {self.input_names[name]: array[index] for name, array in self._inputs.items()}

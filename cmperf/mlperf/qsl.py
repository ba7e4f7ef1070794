"""Query sample libraries: preprocessed tensors held in memory, indexed by LoadGen's sample ids."""
import os

import numpy as np

from .errors import DatasetError

INPUTS_FILE = "inputs.npy"


class ArrayQSL:
    """Samples are rows of one array already in the model's input layout (preprocessed)."""

    def __init__(self, inputs, performance_sample_count, description):
        if len(inputs) == 0:
            raise DatasetError(f"{description} holds no samples")
        self.inputs = np.ascontiguousarray(inputs)
        self.total_count = len(self.inputs)
        self.performance_count = min(int(performance_sample_count), self.total_count)
        self.description = description

    @classmethod
    def from_dir(cls, dataset_dir, performance_sample_count=1024, expect_shape=None):
        """Load ``<dataset_dir>/inputs.npy`` (written by the digits builder or the preprocessor)."""
        if not dataset_dir or not os.path.isdir(dataset_dir):
            raise DatasetError(f"dataset directory {dataset_dir!r} does not exist")
        path = os.path.join(dataset_dir, INPUTS_FILE)
        if not os.path.isfile(path):
            raise DatasetError(f"dataset directory {dataset_dir!r} has no {INPUTS_FILE}")
        try:
            arr = np.load(path, allow_pickle=False)
        except Exception as e:
            raise DatasetError(f"cannot read dataset file {path!r}: {e}") from e
        if arr.dtype != np.float32:
            raise DatasetError(f"{path!r} holds {arr.dtype}, expected float32 model inputs")
        if expect_shape is not None and tuple(arr.shape[1:]) != tuple(expect_shape):
            raise DatasetError(f"{path!r} samples have shape {arr.shape[1:]}, the model expects {expect_shape}")
        return cls(arr, performance_sample_count, path)

    def load_samples(self, indices):
        # everything is in RAM already: LoadGen's load/unload calls need no work
        pass

    def unload_samples(self, indices):
        pass

    def batch(self, indices):
        """Model input for these sample ids (a new contiguous array)."""
        return self.inputs[indices]


class PooledQSL(ArrayQSL):
    """A large logical sample count served from a small pool of distinct tensors (timing only)."""

    def __init__(self, pool, total_count, performance_sample_count, description):
        super().__init__(pool, performance_sample_count, description)
        self.pool_size = len(pool)
        self.total_count = int(total_count)
        self.performance_count = min(int(performance_sample_count), self.total_count)

    def batch(self, indices):
        return self.inputs[np.asarray(indices) % self.pool_size]

"""Query sample libraries over preprocessed tensors, indexed by LoadGen's sample ids.

The dataset file is memory-mapped; LoadGen's load_samples copies the requested samples into one
contiguous in-RAM array (at most performance_sample_count of them at a time), so a full 50,000-image
ImageNet (30 GB as float32) never has to fit in memory; on the timed path a batch is a view of
consecutive rows (the usual case, see load_samples) or one fancy index.
"""
import os

import numpy as np

from .errors import DatasetError

INPUTS_FILE = "inputs.npy"


class ArrayQSL:
    """Samples are rows of one array already in the model's input layout (preprocessed)."""

    def __init__(self, inputs, performance_sample_count, description):
        if len(inputs) == 0:
            raise DatasetError(f"{description} holds no samples")
        self.inputs = inputs                      # ndarray or read-only memmap
        self.total_count = len(inputs)
        self.performance_count = min(int(performance_sample_count), self.total_count)
        self.description = description
        self._ram = None                          # the loaded samples, contiguous
        self._slot = np.full(self.total_count, -1, np.int64)  # sample id -> row in _ram

    @classmethod
    def from_dir(cls, dataset_dir, performance_sample_count=1024, expect_shape=None):
        """Map ``<dataset_dir>/inputs.npy`` (written by the digits builder or the preprocessor)."""
        if not dataset_dir or not os.path.isdir(dataset_dir):
            raise DatasetError(f"dataset directory {dataset_dir!r} does not exist")
        path = os.path.join(dataset_dir, INPUTS_FILE)
        if not os.path.isfile(path):
            raise DatasetError(f"dataset directory {dataset_dir!r} has no {INPUTS_FILE}")
        try:
            arr = np.load(path, mmap_mode="r", allow_pickle=False)
        except Exception as e:
            raise DatasetError(f"cannot read dataset file {path!r}: {e}") from e
        if arr.dtype != np.float32:
            raise DatasetError(f"{path!r} holds {arr.dtype}, expected float32 model inputs")
        if expect_shape is not None and tuple(arr.shape[1:]) != tuple(expect_shape):
            raise DatasetError(f"{path!r} samples have shape {arr.shape[1:]}, the model expects {expect_shape}")
        return cls(arr, performance_sample_count, path)

    def load_samples(self, indices):
        """Copy the samples into RAM in LoadGen's order: an Offline query walks the loaded set in
        that order (a MultiStream query takes consecutive entries of it), so most batches are
        consecutive rows and ``batch`` returns them as a view instead of copying them."""
        idx = np.asarray(indices, np.int64).reshape(-1)
        _, first = np.unique(idx, return_index=True)
        idx = idx[np.sort(first)]                          # duplicates dropped, order kept
        self._slot[:] = -1
        self._slot[idx] = np.arange(len(idx))
        ram = np.empty((len(idx),) + self.inputs.shape[1:], self.inputs.dtype)
        for i in np.sort(idx):                              # read the file front to back
            ram[self._slot[i]] = self.inputs[i]
        self._ram = ram

    def unload_samples(self, indices):
        self._ram = None
        self._slot[:] = -1

    def batch(self, indices):
        """Model input for these sample ids (a new contiguous array)."""
        if self._ram is None:  # outside a LoadGen test (warm-up, benchmarks): read the file rows
            return np.ascontiguousarray(self.inputs[np.asarray(indices)])
        if len(indices) == 1:  # SingleStream: plain scalar work is several times cheaper than numpy's
            r = int(self._slot[indices[0]])
            if r < 0:
                raise DatasetError(f"LoadGen issued sample {indices[0]}, which is not loaded")
            return self._ram[r:r + 1]
        rows = self._slot[indices]
        first, n = int(rows[0]), len(rows)
        if first >= 0 and int(rows[-1]) == first + n - 1 and (n == 2 or (np.diff(rows) == 1).all()):
            return self._ram[first:first + n]   # consecutive rows: a view, no copy of the batch
        if rows.min() < 0:
            raise DatasetError(f"LoadGen issued a sample that is not loaded (ids {list(indices)[:5]}...)")
        return self._ram[rows]


class PooledQSL(ArrayQSL):
    """A large logical sample count served from a small pool of distinct tensors (timing only)."""

    def __init__(self, pool, total_count, performance_sample_count, description):
        super().__init__(pool, performance_sample_count, description)
        self.pool_size = len(pool)
        self.total_count = int(total_count)
        self.performance_count = min(int(performance_sample_count), self.total_count)

    def load_samples(self, indices):
        pass  # the pool is in RAM already

    def unload_samples(self, indices):
        pass

    def batch(self, indices):
        return self.inputs[np.asarray(indices) % self.pool_size]


# Factories a ModelSpec names in its ``qsl`` field: (model, dataset_dir, performance_sample_count) -> QSL.

def array_qsl(model, dataset_dir, performance_sample_count):
    return ArrayQSL.from_dir(dataset_dir, performance_sample_count)


def random_pool_qsl(model, dataset_dir, performance_sample_count):
    """Seeded random images (timing only) unless a dataset dir is given."""
    if dataset_dir:
        return ArrayQSL.from_dir(dataset_dir, performance_sample_count)
    from .models import resnet50_random
    return PooledQSL(resnet50_random.random_inputs(16), 1024, performance_sample_count,
                     "seeded random images (timing only)")


def squad_qsl(model, dataset_dir, performance_sample_count):
    from .squad.errors import SquadError
    from .squad.qsl import SquadQSL
    try:
        return SquadQSL(dataset_dir, performance_sample_count=performance_sample_count)
    except SquadError as e:
        raise DatasetError(str(e)) from e

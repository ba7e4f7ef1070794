"""The KiTS19 query sample library: whole preprocessed volumes, each of its own size.

LoadGen's load_samples reads the requested cases' ``<case>.npy`` into RAM (at most the
performance sample count, 43 = the whole set); ``batch([i])`` hands the SUT one volume
[1,1,D,H,W], as the reference's get_features + np.newaxis does.
"""
import os

import numpy as np

from ..errors import DatasetError
from .preprocess import load_cases


class KitsQSL:
    def __init__(self, dataset_dir, performance_sample_count=43):
        meta = load_cases(dataset_dir)
        self.dir = dataset_dir
        self.files = list(meta["file_list"])
        self.shapes = {c["case"]: tuple(c["image_shape"]) for c in meta["cases"]}
        missing = [c for c in self.files if not os.path.isfile(self._path(c))]
        if missing:
            raise DatasetError(f"{dataset_dir}: {len(missing)} preprocessed cases are missing, e.g. {self._path(missing[0])}")
        self.total_count = len(self.files)
        self.performance_count = min(int(performance_sample_count), self.total_count)
        self.description = f"{self.total_count} preprocessed KiTS19 cases in {dataset_dir}"
        self._ram = {}

    def _path(self, case):
        return os.path.join(self.dir, f"{case}.npy")

    def _read(self, idx):
        case = self.files[idx]
        try:
            vol = np.load(self._path(case), allow_pickle=False)
        except Exception as e:
            raise DatasetError(f"cannot read preprocessed case {self._path(case)!r}: {e}") from e
        if vol.dtype != np.float32 or tuple(vol.shape) != self.shapes[case]:
            raise DatasetError(f"{self._path(case)!r} holds {vol.dtype} {list(vol.shape)}, cases.json says "
                               f"float32 {list(self.shapes[case])}")
        return vol

    def load_samples(self, indices):
        self._ram = {int(i): self._read(int(i)) for i in sorted(set(indices))}

    def unload_samples(self, indices):
        self._ram = {}

    def batch(self, indices):
        if len(indices) != 1:
            raise DatasetError(f"3D-UNet volumes differ in size: one sample per query, got {len(indices)}")
        i = int(indices[0])
        vol = self._ram.get(i)
        if vol is None:
            vol = self._read(i)   # outside a LoadGen test (warm-up)
        return vol[np.newaxis]

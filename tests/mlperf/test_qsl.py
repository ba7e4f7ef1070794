import numpy as np
import pytest

from cmperf.mlperf.errors import DatasetError
from cmperf.mlperf.qsl import ArrayQSL


def test_loads_only_what_loadgen_asks_for(tmp_path):
    data = np.arange(20 * 4, dtype=np.float32).reshape(20, 4)
    np.save(tmp_path / "inputs.npy", data)
    q = ArrayQSL.from_dir(str(tmp_path), performance_sample_count=8)
    assert (q.total_count, q.performance_count) == (20, 8)
    assert isinstance(q.inputs, np.memmap)  # the file is mapped, not read whole
    q.load_samples([3, 17, 5])
    np.testing.assert_array_equal(q.batch([17, 3, 17]), data[[17, 3, 17]])
    with pytest.raises(DatasetError, match="not loaded"):
        q.batch([4])
    q.unload_samples([3, 17, 5])
    np.testing.assert_array_equal(q.batch([4]), data[[4]])  # outside a test: straight from the file


def test_bad_dataset_files(tmp_path):
    with pytest.raises(DatasetError, match="has no inputs.npy"):
        ArrayQSL.from_dir(str(tmp_path))
    np.save(tmp_path / "inputs.npy", np.zeros((3, 2), np.float64))
    with pytest.raises(DatasetError, match="float64, expected float32"):
        ArrayQSL.from_dir(str(tmp_path))
    (tmp_path / "inputs.npy").write_bytes(b"junk")
    with pytest.raises(DatasetError, match="cannot read dataset file"):
        ArrayQSL.from_dir(str(tmp_path))

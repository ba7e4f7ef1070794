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


def test_batches_in_loadgens_order_are_views(tmp_path):
    """load_samples keeps LoadGen's order, so a batch that walks it is a view, not a copy."""
    data = np.arange(20 * 4, dtype=np.float32).reshape(20, 4)
    np.save(tmp_path / "inputs.npy", data)
    q = ArrayQSL.from_dir(str(tmp_path), performance_sample_count=8)
    order = [9, 2, 17, 2, 5, 11]                 # a duplicate is loaded once
    q.load_samples(order)
    walk = [9, 2, 17, 5]
    b = q.batch(walk)
    np.testing.assert_array_equal(b, data[walk])
    assert np.shares_memory(b, q._ram) and b.flags.c_contiguous
    for ids in ([17, 5, 11], [2, 17], [11]):
        assert np.shares_memory(q.batch(ids), q._ram)
        np.testing.assert_array_equal(q.batch(ids), data[ids])
    for ids in ([11, 9], [9, 17, 5], [5, 11, 9]):   # not consecutive in load order: a copy, still right
        np.testing.assert_array_equal(q.batch(ids), data[ids])
    with pytest.raises(DatasetError, match="not loaded"):
        q.batch([9, 2, 3])

"""The bert-99 query sample library: named int64 inputs per feature row."""
import json

import numpy as np
import pytest

from cmperf.mlperf.squad.errors import SquadError
from cmperf.mlperf.squad.qsl import SquadQSL


def test_inputs_are_int64_rows_named_like_the_bert_onnx_inputs(features_dir):
    qsl = SquadQSL(str(features_dir))
    manifest = json.loads((features_dir / "manifest.json").read_text())
    assert qsl.total_count == qsl.performance_count == manifest["num_features"]
    assert qsl.description.endswith("manifest.json")
    feeds = qsl.batch([2, 0])
    assert sorted(feeds) == ["input_ids", "input_mask", "segment_ids"]
    ids = np.load(features_dir / "input_ids.npy")
    for value in feeds.values():
        assert value.dtype == np.int64 and value.shape == (2, 384) and value.flags.c_contiguous
    assert (feeds["input_ids"] == ids[[2, 0]]).all()
    renamed = SquadQSL(str(features_dir), input_names={"input_ids": "input_ids",
                                                       "input_mask": "attention_mask",
                                                       "segment_ids": "token_type_ids"})
    assert sorted(renamed.batch([1])) == ["attention_mask", "input_ids", "token_type_ids"]
    with pytest.raises(SquadError, match="sample index out of range"):
        qsl.batch([qsl.total_count])
    assert SquadQSL(str(features_dir), performance_sample_count=3).performance_count == 3
    # mlperf.conf's 10833 on a subset means every sample, as ArrayQSL does
    assert SquadQSL(str(features_dir), performance_sample_count=10833).performance_count == qsl.total_count
    with pytest.raises(SquadError, match="performance_sample_count must be >= 1"):
        SquadQSL(str(features_dir), performance_sample_count=0)

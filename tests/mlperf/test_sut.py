"""The SUTs' response path, against a stand-in for LoadGen's two calls (fast, no LoadGen test)."""
import ctypes

import numpy as np
import pytest

from cmperf.mlperf.qsl import ArrayQSL
from cmperf.mlperf.responses import ClassIndex, SpanLogits
from cmperf.mlperf.sut import make_sut


class FakeLoadGen:
    """QuerySampleResponse/QuerySamplesComplete that read the bytes at the address at once, as
    LoadGen copies them during the call."""

    def __init__(self):
        self.done = []

    @staticmethod
    def QuerySampleResponse(rid, addr, size):
        return rid, ctypes.string_at(addr, size)

    def QuerySamplesComplete(self, responses):
        self.done.extend(responses)


class Backend:
    def __init__(self, fail_on=()):
        self.fail_on = set(fail_on)

    def predict(self, x):
        if self.fail_on & set(x[:, 0].astype(int).tolist()):
            raise RuntimeError("boom")
        return x[:, ::-1] * 2.0          # scores: argmax is column 0 of the row's last element


def _qsl(n=6, width=3):
    q = ArrayQSL(np.arange(n * width, dtype=np.float32).reshape(n, width), n, "test")
    q.load_samples(list(range(n)))
    return q


@pytest.mark.parametrize("scenario", ["SingleStream", "Offline", "MultiStream"])
def test_each_sample_gets_its_own_response(scenario):
    lg, q = FakeLoadGen(), _qsl()
    sut = make_sut(scenario, lg, Backend(fail_on={6}), q, ClassIndex("scores"), batch_size=2)
    sut.start()
    queries = [[(101, 0)], [(102, 2)], [(103, 5)]] if scenario == "SingleStream" else \
        [[(101, 0), (102, 2), (103, 5)]]
    for query in queries:
        ids, idx = zip(*query)
        sut.issue_queries(list(ids), list(idx))
    sut.stop()
    got = {rid: np.frombuffer(data, np.int32).tolist() for rid, data in lg.done}
    # sample 2's row is [6, 7, 8]: its batch fails and is answered with the fill class (-1);
    # the others answer argmax of the reversed row, class 0
    failed = {102} if scenario == "SingleStream" else {101, 102}   # batches of 2: [0, 2], [5]
    assert got == {rid: [-1] if rid in failed else [0] for rid in (101, 102, 103)}
    assert sut.samples_done == 3 and len(sut.errors) == 1 and "boom" in sut.errors[0]


def test_single_stream_rows_of_wrong_width_are_errors_not_crashes():
    lg, q = FakeLoadGen(), _qsl()
    sut = make_sut("SingleStream", lg, Backend(), q, SpanLogits(4), batch_size=1)
    sut.issue_queries([7], [1])          # the model gives 3 logits where 4 (x2) are expected
    assert len(lg.done) == 1 and lg.done[0][1] == bytes(4 * 2 * 4)
    assert sut.errors and sut.samples_done == 1

"""Completing LoadGen samples whose responses differ in size (detections, volumes, transcripts).

The fixed-width path of the SUTs (one [batch, width] buffer per thread) cannot hold them, so an
encoder with ``variable = True`` returns one flat array per sample and this module hands LoadGen
each array's own address and size. The arrays stay referenced until QuerySamplesComplete has
returned: LoadGen copies the bytes (into the accuracy log) during that call.
"""
import numpy as np


def run_and_complete(sut, ids, indices):
    """Infer one batch with ``sut``'s backend/QSL/encoder and report every sample to LoadGen."""
    n = len(ids)
    try:
        rows = sut.responses(sut.backend.predict(sut.qsl.batch(indices)), [int(i) for i in indices])
        if len(rows) != n:
            raise RuntimeError(f"the encoder returned {len(rows)} responses for {n} samples")
        rows = [np.ascontiguousarray(r, dtype=sut.responses.dtype) for r in rows]
    except Exception as e:  # report, but keep LoadGen's bookkeeping consistent
        sut.errors.append(repr(e))
        rows = [np.array(sut.responses.fill, dtype=sut.responses.dtype) for _ in range(n)]
    resp = sut._Response
    sut._complete([resp(q, r.ctypes.data, r.nbytes) for q, r in zip(ids, rows)])
    sut.samples_done += n
    return rows

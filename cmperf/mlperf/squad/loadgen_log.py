"""Decoding LoadGen's ``mlperf_log_accuracy.json`` for BERT.

The log is a JSON array of ``{"seq_id": n, "qsl_idx": i, "data": "<HEX>"}`` where
``data`` is the upper-case hex of the response bytes the SUT returned for sample
``i``: here the [max_seq_length, 2] array of (start, end) logits, row-major, in
``dtype`` (float32 from the bert-large ONNX model). A shorter response is padded
with -10000 (as the reference does for trimmed sequences); when a sample appears
more than once, the last response wins, again as in the reference.
"""
import binascii
import json

import numpy as np

from .errors import SquadError

DTYPES = ("float32", "float16", "float64")
PAD_LOGIT = -10000.0


def read_accuracy_log(path):
    """The parsed list of records; clear errors for missing or malformed logs."""
    try:
        with open(path, encoding="utf-8") as f:
            records = json.load(f)
    except FileNotFoundError:
        raise SquadError(f"LoadGen accuracy log not found: {path}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise SquadError(f"LoadGen accuracy log {path} is not valid JSON: {e} "
                         "(a truncated or still-being-written log?)") from None
    if not isinstance(records, list):
        raise SquadError(f"LoadGen accuracy log {path} is not a JSON array of responses")
    return records


def decode_logits(path, num_samples, max_seq_length, dtype="float32", transposed=False):
    """{qsl_idx: (start_logits, end_logits)} as float64 arrays of length max_seq_length.

    ``transposed`` reads responses laid out as [2, seq] instead of [seq, 2].
    """
    if dtype not in DTYPES:
        raise SquadError(f"unsupported response dtype {dtype!r}; use one of {', '.join(DTYPES)}")
    np_dtype = np.dtype(dtype)
    logits = {}
    for n, record in enumerate(read_accuracy_log(path)):
        where = f"LoadGen accuracy log {path}, entry {n}"
        if not isinstance(record, dict) or "qsl_idx" not in record or "data" not in record:
            raise SquadError(f"{where} lacks 'qsl_idx' or 'data'")
        index = record["qsl_idx"]
        if not isinstance(index, int) or not 0 <= index < num_samples:
            raise SquadError(f"{where}: qsl_idx {index!r} is outside the {num_samples} samples "
                             "of the features dir (was the run made with other features?)")
        try:
            raw = binascii.unhexlify(record["data"])
        except (binascii.Error, TypeError, ValueError) as e:
            raise SquadError(f"{where}: 'data' is not hex: {e}") from None
        if len(raw) == 0 or len(raw) % (2 * np_dtype.itemsize):
            raise SquadError(f"{where}: {len(raw)} response bytes are not pairs of {dtype} "
                             "(wrong --output-dtype?)")
        values = np.frombuffer(raw, np_dtype).astype(np.float64)
        pairs = values.reshape(2, -1).T if transposed else values.reshape(-1, 2)
        if pairs.shape[0] > max_seq_length:
            raise SquadError(f"{where}: response holds {pairs.shape[0]} positions, more than "
                             f"max_seq_length {max_seq_length} (wrong --output-dtype?)")
        start = np.full(max_seq_length, PAD_LOGIT)
        end = np.full(max_seq_length, PAD_LOGIT)
        start[:pairs.shape[0]] = pairs[:, 0]
        end[:pairs.shape[0]] = pairs[:, 1]
        logits[index] = (start, end)
    return logits

"""Top-1 accuracy of a classification run, like MLPerf's tools/accuracy-imagenet.py.

  python -m cmperf.mlperf.accuracy.imagenet --mlperf-accuracy-file LOG --labels labels.npy|val_map.txt \
      [--dtype int32] [--output accuracy.txt]

Each qsl_idx counts once; its response's first element is the predicted class, compared with
the true label of that sample index (labels.npy row i, or line i of a "<file> <label>" map).
Writes ``accuracy=XX.XXX%, good=N, total=M`` and ``hash=<sha256 of the accuracy log>``.
"""
import argparse
import dataclasses
import os
import sys

import numpy as np

from ..errors import DatasetError, LoadGenError
from ...filehash import sha256_file
from ..fsutil import write_text_atomic
from .log import read_accuracy_log

DTYPES = {"int32": np.int32, "int64": np.int64, "float32": np.float32, "uint8": np.uint8}


@dataclasses.dataclass
class Top1:
    good: int
    total: int
    log_sha256: str

    @property
    def accuracy(self):
        return 100.0 * self.good / self.total if self.total else 0.0

    def text(self):
        return (f"accuracy={self.accuracy:.3f}%, good={self.good}, total={self.total}\n"
                f"hash={self.log_sha256}\n")


def load_labels(path):
    """True labels by sample index, from ``labels.npy`` or a val_map/val.txt ("<name> <label>")."""
    if not path or not os.path.isfile(path):
        raise DatasetError(f"labels file {path!r} does not exist")
    if path.endswith(".npy"):
        try:
            labels = np.load(path, allow_pickle=False)
        except Exception as e:
            raise DatasetError(f"cannot read labels file {path!r}: {e}") from e
        return labels.astype(np.int64).reshape(-1)
    labels = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            parts = line.split()
            try:
                labels.append(int(parts[-1]))
            except (ValueError, IndexError) as e:
                raise DatasetError(f"{path}:{n}: expected '<image> <label>', got {line.strip()!r}") from e
    return np.asarray(labels, np.int64)


def top1(accuracy_log, labels, dtype="int32"):
    if dtype not in DTYPES:
        raise ValueError(f"unknown dtype {dtype!r}; choices: {', '.join(DTYPES)}")
    entries = read_accuracy_log(accuracy_log)
    np_dtype = DTYPES[dtype]
    seen, good = set(), 0
    for e in entries:
        idx = int(e["qsl_idx"])
        if idx in seen:
            continue
        seen.add(idx)
        if idx >= len(labels):
            raise DatasetError(f"sample index {idx} in {accuracy_log} has no label ({len(labels)} labels)")
        data = np.frombuffer(bytes.fromhex(e["data"]), np_dtype)
        if data.size and int(data[0]) == int(labels[idx]):
            good += 1
    return Top1(good=good, total=len(seen), log_sha256=sha256_file(accuracy_log))


def write_accuracy_txt(result, path):
    write_text_atomic(path, result.text())


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mlperf-accuracy-file", required=True)
    ap.add_argument("--labels", required=True, help="labels.npy or a '<image> <label>' map (val_map.txt)")
    ap.add_argument("--dtype", default="int32", choices=sorted(DTYPES))
    ap.add_argument("--output", help="accuracy.txt to write (default: print only)")
    a = ap.parse_args(argv)
    try:
        r = top1(a.mlperf_accuracy_file, load_labels(a.labels), a.dtype)
    except (DatasetError, LoadGenError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if a.output:
        write_accuracy_txt(r, a.output)
    sys.stdout.write(r.text())
    return 0


if __name__ == "__main__":
    sys.exit(main())

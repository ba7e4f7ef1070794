"""The accuracy step of one harness run: LoadGen's accuracy log -> accuracy.txt and one figure.

The registry's ``accuracy`` key of a model picks the script: ``imagenet-top1`` (labels.npy next to
the preprocessed images) or ``squad-f1`` (the features dir's manifest names the SQuAD json and
vocab it was built from, and their checksums are verified before scoring).
"""
import dataclasses
import os

from ..errors import ConfigError, DatasetError
from ...filehash import sha256_file
from ..fsutil import write_text_atomic

ACCURACY_LOG = "mlperf_log_accuracy.json"
ACCURACY_TXT = "accuracy.txt"


@dataclasses.dataclass
class Score:
    metric: str          # the figure the result table shows: "top-1", "F1"
    value: float         # percent
    covered: int         # samples (or features) the accuracy log answered
    details: dict        # other figures of the same script (e.g. exact_match)


def score_run(spec, log_dir, dataset_dir, response_dtype):
    """Score ``<log_dir>/mlperf_log_accuracy.json``, write ``<log_dir>/accuracy.txt``; return a Score."""
    kind = spec.get("accuracy")
    if kind == "imagenet-top1":
        return _imagenet_top1(spec, log_dir, dataset_dir, response_dtype)
    if kind == "squad-f1":
        return _squad_f1(log_dir, dataset_dir, response_dtype)
    raise ConfigError(f"model {spec['name']} has no accuracy step in the harness ({kind})")


def _imagenet_top1(spec, log_dir, dataset_dir, response_dtype):
    from . import imagenet

    labels = os.path.join(dataset_dir, "labels.npy") if dataset_dir else None
    if labels is None or not os.path.isfile(labels):
        raise ConfigError(f"no labels.npy next to the dataset of {spec['name']} for accuracy")
    top = imagenet.top1(os.path.join(log_dir, ACCURACY_LOG), imagenet.load_labels(labels), response_dtype)
    imagenet.write_accuracy_txt(top, os.path.join(log_dir, ACCURACY_TXT))
    return Score("top-1", top.accuracy, top.total, {"good": top.good})


def _squad_f1(log_dir, features_dir, response_dtype):
    from ..squad.accuracy import accuracy_text, compute_accuracy
    from ..squad.errors import SquadError

    log = os.path.join(log_dir, ACCURACY_LOG)
    try:  # the SQuAD json and vocab are those the features manifest names, checked by sha256
        scores, _, answered = compute_accuracy(log, features_dir, output_dtype=response_dtype)
    except SquadError as e:
        raise DatasetError(str(e)) from e
    write_text_atomic(os.path.join(log_dir, ACCURACY_TXT), accuracy_text(scores, sha256_file(log)))
    return Score("F1", float(scores["f1"]), answered, {"exact_match": float(scores["exact_match"])})

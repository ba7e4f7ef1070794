"""The accuracy step of one harness run: LoadGen's accuracy log -> accuracy.txt and one figure.

The registry's ``accuracy`` key of a model picks the script: ``imagenet-top1`` (labels.npy next to
the preprocessed images), ``squad-f1`` (the features dir's manifest names the SQuAD json and
vocab it was built from, and their checksums are verified before scoring), ``openimages-map``
(the preprocessed dir's manifest names the annotation file; its sha256 is verified),
``kits19-dice`` (ground truth next to the preprocessed volumes) or ``librispeech-wer`` (the
manifest of the preprocessed dir holds the transcripts).
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
    value: float         # percent (DICE: a fraction, as the checker's target 0.86170 * 0.99)
    covered: int         # samples (or features) the accuracy log answered
    details: dict        # other figures of the same script (e.g. exact_match)


def score_run(spec, log_dir, dataset_dir, response_dtype):
    """Score ``<log_dir>/mlperf_log_accuracy.json``, write ``<log_dir>/accuracy.txt``; return a Score."""
    kind = spec.get("accuracy")
    if kind == "imagenet-top1":
        return _imagenet_top1(spec, log_dir, dataset_dir, response_dtype)
    if kind == "squad-f1":
        return _squad_f1(log_dir, dataset_dir, response_dtype)
    if kind == "openimages-map":
        return _openimages_map(log_dir, dataset_dir)
    if kind == "kits19-dice":
        return _kits19_dice(log_dir, dataset_dir)
    if kind == "librispeech-wer":
        return _librispeech_wer(log_dir, dataset_dir)
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


def _openimages_map(log_dir, dataset_dir):
    from ..openimages import accuracy
    from ..openimages.preprocess import load_manifest

    man = load_manifest(dataset_dir)
    ann = man["annotations"]
    if not os.path.isfile(ann) or sha256_file(ann) != man["annotations_sha256"]:
        raise DatasetError(f"the annotation file {ann!r} the dataset {dataset_dir!r} was built from is "
                           "missing or changed since (sha256 differs): preprocess again")
    log = os.path.join(log_dir, ACCURACY_LOG)
    r = accuracy.mean_average_precision(log, ann)
    write_text_atomic(os.path.join(log_dir, ACCURACY_TXT), r.text())
    return Score("mAP", r.mAP, r.images, {"detections": r.detections, "images_without_detections": r.no_results,
                                          "coco_stats": r.stats})


def _kits19_dice(log_dir, dataset_dir):
    from ..kits19 import accuracy

    r = accuracy.mean_dice(os.path.join(log_dir, ACCURACY_LOG), dataset_dir)
    write_text_atomic(os.path.join(log_dir, ACCURACY_TXT), r.text())
    return Score("DICE", r.mean, r.cases, {"kidney": r.kidney, "tumor": r.tumor})


def _librispeech_wer(log_dir, dataset_dir):
    from . import wer

    log = os.path.join(log_dir, ACCURACY_LOG)
    manifest = os.path.join(dataset_dir or "", "manifest.json")
    w, covered = wer.word_error_rate(log, wer.load_manifest(manifest))
    write_text_atomic(os.path.join(log_dir, ACCURACY_TXT), wer.accuracy_text(w, log))
    return Score("WER-accuracy", 100.0 * (1 - w), covered, {"wer": 100.0 * w})

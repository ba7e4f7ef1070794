"""CLI: LoadGen accuracy log of a BERT run -> SQuAD v1.1 EM/F1 in ``accuracy.txt``.

    python -m cmperf.mlperf.squad.accuracy --mlperf-accuracy-file mlperf_log_accuracy.json \
        --features-dir squad-features --squad-json dev-v1.1.json --vocab vocab.txt \
        [--out accuracy.txt] [--predictions-out predictions.json] [--output-dtype float32]

``accuracy.txt`` holds the line the MLPerf reference prints,
``{"exact_match": X, "f1": Y}``, followed by ``hash=<sha256 of the log>`` (the
line the submission tools add and the checker requires). Scores cover the
questions of the features dir (all of dev-v1.1 for a full run); questions whose
features got no response score 0, as in the reference.
"""
import argparse
import json
import os
import sys

from ...filehash import sha256_file
from ..fsutil import write_text_atomic
from .errors import SquadError
from .evaluate import evaluate
from .examples import read_squad_examples
from .feature_store import load_features
from .loadgen_log import DTYPES, decode_logits
from .postprocess import MAX_ANSWER_LENGTH, N_BEST_SIZE, predict_answers
from .tokenization import FullTokenizer, load_vocab


def compute_accuracy(accuracy_log, features_dir, squad_json=None, vocab_path=None, output_dtype="float32",
                     transposed=False):
    """(scores dict, predictions dict, number of features that got a response).

    ``squad_json``/``vocab_path`` default to the files the features manifest names."""
    features, manifest = load_features(features_dir)
    sources = manifest.get("sources", {})
    squad_json = squad_json or sources.get("squad_json")
    vocab_path = vocab_path or sources.get("vocab")
    _check_source(vocab_path, sources.get("vocab_sha256"), "vocab", features_dir)
    _check_source(squad_json, sources.get("squad_json_sha256"), "SQuAD json", features_dir)
    tokenizer = FullTokenizer(load_vocab(vocab_path))
    examples = read_squad_examples(squad_json, max_examples=manifest["num_examples"])
    if [e.qas_id for e in examples] != manifest["qas_ids"]:
        raise SquadError(f"the questions in {squad_json} are not those the features in "
                         f"{features_dir} were built from; re-run the preprocessing")
    logits = decode_logits(accuracy_log, len(features), features.max_seq_length,
                           output_dtype, transposed)
    predictions = predict_answers(examples, features, logits, tokenizer,
                                  n_best_size=N_BEST_SIZE, max_answer_length=MAX_ANSWER_LENGTH)
    return evaluate(examples, predictions), predictions, len(logits)


def _check_source(path, expected_sha256, what, features_dir):
    if not path:
        raise SquadError(f"no {what} given, and the manifest of {features_dir} names none")
    if not os.path.isfile(path):
        raise SquadError(f"{what} file not found: {path}")
    if expected_sha256 and sha256_file(path) != expected_sha256:
        raise SquadError(f"{what} {path} differs from the one the features in {features_dir} "
                         "were built from (sha256 mismatch); pass the same file or re-run the preprocessing")


def accuracy_text(scores, log_sha256):
    line = json.dumps({"exact_match": float(scores["exact_match"]), "f1": float(scores["f1"])})
    return f"{line}\nhash={log_sha256}\n"


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m cmperf.mlperf.squad.accuracy",
                                     description="SQuAD v1.1 F1/EM from a LoadGen accuracy log.")
    parser.add_argument("--mlperf-accuracy-file", required=True, help="mlperf_log_accuracy.json")
    parser.add_argument("--features-dir", required=True, help="dir written by ...squad.preprocess")
    parser.add_argument("--squad-json", required=True, help="the SQuAD v1.1 json of the features")
    parser.add_argument("--vocab", required=True, help="the vocab.txt of the features")
    parser.add_argument("--out", help="write accuracy.txt here (default: stdout only)")
    parser.add_argument("--predictions-out", help="also write {qas_id: answer} JSON here")
    parser.add_argument("--output-dtype", default="float32", choices=DTYPES,
                        help="dtype of the logits in the responses")
    parser.add_argument("--output-transposed", action="store_true",
                        help="responses are [2, seq] instead of [seq, 2]")
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        scores, predictions, answered = compute_accuracy(
            args.mlperf_accuracy_file, args.features_dir, args.squad_json, args.vocab,
            args.output_dtype, args.output_transposed)
        text = accuracy_text(scores, sha256_file(args.mlperf_accuracy_file))
        if args.predictions_out:
            write_text_atomic(args.predictions_out, json.dumps(predictions, indent=1) + "\n")
        if args.out:
            write_text_atomic(args.out, text)
    except SquadError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"{answered} features with responses, {len(predictions)} questions scored", file=sys.stderr)
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

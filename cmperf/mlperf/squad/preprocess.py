"""CLI: SQuAD v1.1 json + BERT vocab -> features dir (see feature_store for the layout).

    python -m cmperf.mlperf.squad.preprocess --squad-json dev-v1.1.json --vocab vocab.txt \
        --output-dir squad-features [--max-examples N] [--overwrite]

The defaults are the MLPerf bert-99 settings (max_seq_length 384, doc_stride 128,
max_query_length 64); the full dev-v1.1 set gives 10570 examples / 10833 features.
"""
import argparse
import os
import sys

from .errors import SquadError
from ...filehash import sha256_file
from .examples import read_squad_examples
from .feature_store import save_features
from .features import (DOC_STRIDE, MAX_QUERY_LENGTH, MAX_SEQ_LENGTH,
                       check_vocab, convert_examples_to_features)
from .tokenization import FullTokenizer, load_vocab


def preprocess(squad_json, vocab_path, output_dir, max_examples=None, max_seq_length=MAX_SEQ_LENGTH,
               doc_stride=DOC_STRIDE, max_query_length=MAX_QUERY_LENGTH, overwrite=False):
    """Build and save the features; returns the manifest dict."""
    if max_examples is not None and max_examples <= 0:
        raise SquadError(f"--max-examples must be positive, got {max_examples}")
    if os.path.exists(output_dir) and not overwrite:
        raise SquadError(f"output dir {output_dir} already exists; remove it or pass --overwrite")
    tokenizer = FullTokenizer(load_vocab(vocab_path))
    check_vocab(tokenizer, f"vocab {vocab_path}")
    examples = read_squad_examples(squad_json, max_examples=max_examples)
    if not examples:
        raise SquadError(f"SQuAD json {squad_json} holds no questions")
    features = convert_examples_to_features(examples, tokenizer, max_seq_length=max_seq_length,
                                            doc_stride=doc_stride, max_query_length=max_query_length)
    sources = {
        "squad_json": os.path.abspath(squad_json),
        "squad_json_sha256": sha256_file(squad_json),
        "vocab": os.path.abspath(vocab_path),
        "vocab_sha256": sha256_file(vocab_path),
        "max_examples": max_examples,
    }
    return save_features(features, output_dir, [e.qas_id for e in examples], sources, overwrite)


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m cmperf.mlperf.squad.preprocess",
                                     description="Tokenize SQuAD v1.1 into BERT input features.")
    parser.add_argument("--squad-json", required=True, help="SQuAD v1.1 file (dev-v1.1.json)")
    parser.add_argument("--vocab", required=True, help="BERT uncased vocab.txt")
    parser.add_argument("--output-dir", required=True, help="features dir to create")
    parser.add_argument("--max-examples", type=int, default=None,
                        help="only the first N questions (default: all)")
    parser.add_argument("--max-seq-length", type=int, default=MAX_SEQ_LENGTH)
    parser.add_argument("--doc-stride", type=int, default=DOC_STRIDE)
    parser.add_argument("--max-query-length", type=int, default=MAX_QUERY_LENGTH)
    parser.add_argument("--overwrite", action="store_true", help="replace an existing output dir")
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        manifest = preprocess(args.squad_json, args.vocab, args.output_dir, args.max_examples,
                              args.max_seq_length, args.doc_stride, args.max_query_length,
                              args.overwrite)
    except SquadError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"wrote {manifest['num_features']} features for {manifest['num_examples']} questions "
          f"to {os.path.abspath(args.output_dir)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Bench: SQuAD feature creation, our vectorised max-context map vs the per-position rule.

Both variants run side by side on the same synthetic SQuAD-shaped data (contexts of
~120 words, 5 questions per paragraph, like dev-v1.1) and must give identical
features; the printed ratio is per-position time / vectorised time.

    PYTHONPATH=$PWD python bench/squad_preprocess.py [--paragraphs 400]
"""
import argparse
import random
import time

import numpy as np

from cmperf.mlperf.squad import features as features_module
from cmperf.mlperf.squad.examples import SquadExample, split_context
from cmperf.mlperf.squad.tokenization import FullTokenizer


def synthetic(paragraphs, seed=0):
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(5000)]
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", ",", "."] + words[:4000] + [f"##{i}" for i in range(10)]
    tokenizer = FullTokenizer({t: i for i, t in enumerate(vocab)})
    examples = []
    for p in range(paragraphs):
        n = int(rng.lognormvariate(4.8, 0.4))
        doc = split_context(" ".join(rng.choice(words) + rng.choice(["", ",", "."]) for _ in range(n)))
        for q in range(5):
            examples.append(SquadExample(f"{p}-{q}", " ".join(rng.sample(words, 11)) + "?", doc))
    return examples, tokenizer


def per_position(windows, num_tokens):
    return np.array([features_module.max_context_window(windows, p) for p in range(num_tokens)])


def timed(examples, tokenizer):
    start = time.perf_counter()
    result = features_module.convert_examples_to_features(examples, tokenizer)
    return time.perf_counter() - start, result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--paragraphs", type=int, default=400)
    args = parser.parse_args()
    examples, tokenizer = synthetic(args.paragraphs)
    fast_s, fast = timed(examples, tokenizer)
    original = features_module.max_context_windows
    features_module.max_context_windows = per_position
    try:
        slow_s, slow = timed(examples, tokenizer)
    finally:
        features_module.max_context_windows = original
    assert all((getattr(fast, n) == getattr(slow, n)).all() for n in fast.ARRAY_NAMES)
    print(f"{len(examples)} questions -> {len(fast)} features")
    print(f"vectorised max-context: {fast_s:.2f} s ({len(fast) / fast_s:.0f} features/s)")
    print(f"per-position rule:      {slow_s:.2f} s ({len(slow) / slow_s:.0f} features/s)")
    print(f"ratio per-position / vectorised: {slow_s / fast_s:.2f}x")


if __name__ == "__main__":
    main()

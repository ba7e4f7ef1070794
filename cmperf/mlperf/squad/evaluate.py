"""The official SQuAD v1.1 metrics: exact match and token F1, best over ground truths.

Answers are normalised before comparing: lower-cased, ASCII punctuation removed,
the articles a/an/the removed, whitespace collapsed. Scores are percentages over
all questions scored; a question without a prediction counts as 0.
"""
import re
import string
from collections import Counter

from .errors import SquadError

_PUNCTUATION = frozenset(string.punctuation)
_ARTICLES = re.compile(r"\b(a|an|the)\b")


def normalize_answer(text):
    text = text.lower()
    text = "".join(ch for ch in text if ch not in _PUNCTUATION)
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def exact_match_score(prediction, ground_truth):
    return normalize_answer(prediction) == normalize_answer(ground_truth)


def f1_score(prediction, ground_truth):
    prediction_tokens = normalize_answer(prediction).split()
    truth_tokens = normalize_answer(ground_truth).split()
    num_same = sum((Counter(prediction_tokens) & Counter(truth_tokens)).values())
    if num_same == 0:
        return 0.0
    precision = num_same / len(prediction_tokens)
    recall = num_same / len(truth_tokens)
    return 2 * precision * recall / (precision + recall)


def best_over_ground_truths(metric, prediction, ground_truths):
    return max(metric(prediction, truth) for truth in ground_truths)


def evaluate(examples, predictions):
    """{"exact_match": %, "f1": %} over ``examples`` (objects with qas_id and answers).

    ``predictions`` maps qas_id -> answer text. A question whose ``answers`` list is
    empty cannot be scored by the v1.1 metric and raises SquadError.
    """
    exact_match = f1 = 0.0
    total = 0
    for example in examples:
        total += 1
        if example.qas_id not in predictions:
            continue
        if not example.answers:
            raise SquadError(f"question {example.qas_id} has no ground-truth answers "
                             "(SQuAD v2 unanswerable questions are not supported)")
        prediction = predictions[example.qas_id]
        exact_match += best_over_ground_truths(exact_match_score, prediction, example.answers)
        f1 += best_over_ground_truths(f1_score, prediction, example.answers)
    if total == 0:
        raise SquadError("no questions to evaluate")
    return {"exact_match": 100.0 * exact_match / total, "f1": 100.0 * f1 / total}

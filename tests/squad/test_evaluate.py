import pytest

from cmperf.mlperf.squad.errors import SquadError
from cmperf.mlperf.squad.evaluate import evaluate, exact_match_score, f1_score, normalize_answer
from cmperf.mlperf.squad.examples import SquadExample


def test_normalize_drops_case_punctuation_articles_and_extra_spaces():
    assert normalize_answer("  The Cat's   hat!! ") == "cats hat"
    assert normalize_answer("An apple, a pear") == "apple pear"
    # articles only as whole words
    assert normalize_answer("Theatre anthem") == "theatre anthem"


def test_exact_match_after_normalisation():
    assert exact_match_score("the cat", "a cat")
    assert exact_match_score("Denver Broncos.", "denver broncos")
    assert not exact_match_score("Denver", "Denver Broncos")


def test_f1_on_known_pairs():
    assert f1_score("the cat", "a cat") == 1.0
    assert f1_score("the cat sat", "cat") == pytest.approx(2 / 3)      # P 1/2, R 1
    assert f1_score("cat cat", "cat") == pytest.approx(2 / 3)          # a token counts once per match
    assert f1_score("February 7, 2016, at", "February 7, 2016") == pytest.approx(6 / 7)
    assert f1_score("dog", "cat") == 0.0
    assert f1_score("the", "a") == 0.0                                 # both empty after normalising


def test_evaluate_takes_best_ground_truth_and_scores_missing_as_zero():
    examples = [
        SquadExample("q1", "?", [], ["February 7, 2016", "February 7"]),
        SquadExample("q2", "?", [], ["Denver Broncos"]),
        SquadExample("q3", "?", [], ["cat"]),
        SquadExample("q4", "?", [], ["x"]),
    ]
    predictions = {"q1": "February 7", "q2": "Broncos", "q3": "the cat sat"}
    scores = evaluate(examples, predictions)
    assert scores["exact_match"] == pytest.approx(25.0)
    assert scores["f1"] == pytest.approx(100 * (1 + 2 / 3 + 2 / 3 + 0) / 4)


def test_evaluate_rejects_questions_without_answers():
    with pytest.raises(SquadError, match="q9 has no ground-truth answers"):
        evaluate([SquadExample("q9", "?", [], [])], {"q9": "x"})

import numpy as np

from cmperf.mlperf.squad.examples import read_squad_examples
from cmperf.mlperf.squad.features import convert_examples_to_features
from cmperf.mlperf.squad.postprocess import (NO_ANSWER, best_indexes, detokenize, get_final_text,
                                             predict_answers)
from cmperf.mlperf.squad.tokenization import BasicTokenizer, FullTokenizer, load_vocab


def test_detokenize_joins_wordpieces():
    assert detokenize(["photo", "##synth", "##esis", ",", "the"]) == "photosynthesis , the"


def test_best_indexes_are_sorted_and_ties_keep_position_order():
    assert best_indexes([0.0, 3.0, 1.0, 3.0, -2.0], 3) == [1, 3, 2]


def test_final_text_recovers_original_casing_and_drops_extra_characters():
    basic = BasicTokenizer()
    assert get_final_text("steve smith", "Steve Smith's", basic) == "Steve Smith"
    assert get_final_text("denver broncos", "Denver Broncos.", basic) == "Denver Broncos"
    assert get_final_text("cafe", "Caf\u00e9", basic) == "Caf\u00e9"
    # Alignment impossible (decomposed accent changes the length): whole original text.
    assert get_final_text("cafe", "Cafe\u0301", basic) == "Cafe\u0301"
    # Prediction not found in the original: whole original text.
    assert get_final_text("xyz", "Levi's", basic) == "Levi's"


def _setup(squad_json, vocab_file):
    tok = FullTokenizer(load_vocab(vocab_file))
    examples = read_squad_examples(squad_json)
    return tok, examples, convert_examples_to_features(examples, tok)


def test_logits_on_answer_pieces_give_the_answer_text(squad_json, vocab_file, span_logits):
    tok, examples, features = _setup(squad_json, vocab_file)
    logits = span_logits(features, tok, lambda e: examples[e].answers[0])
    predictions = predict_answers(examples, features, logits, tok)
    assert predictions == {
        "q-broncos": "Denver Broncos", "q-date": "February 7, 2016",
        "q-stadium": "Levi's Stadium", "q-process": "photosynthesis",
        "q-year": "1999", "q-designer": "Ada Lovelace",
    }


def test_invalid_spans_are_never_chosen(squad_json, vocab_file):
    tok, examples, features = _setup(squad_json, vocab_file)
    row = 0  # q-broncos, one window
    doc = np.flatnonzero(features.token_to_orig[row] >= 0)
    start = np.zeros(384)
    end = np.zeros(384)
    start[1] = end[2] = 100.0                 # inside the question: invalid
    start[doc[10]] = 50.0
    end[doc[3]] = 60.0                        # end before start: invalid
    end[doc[10] + 40] = 40.0                  # longer than 30 pieces: invalid
    end[doc[12]] = 5.0                        # the only valid pairing with start doc[10]
    predictions = predict_answers(examples[:1], features, {row: (start, end)}, tok, n_best_size=4)
    # context pieces: super bowl 50 was an american football game . the american(10)
    # football conference(12) ...
    assert predictions["q-broncos"] == "American Football Conference"


def test_question_without_any_response_answers_empty(squad_json, vocab_file, span_logits):
    tok, examples, features = _setup(squad_json, vocab_file)
    logits = span_logits(features, tok, lambda e: examples[e].answers[0])
    del logits[0]
    assert predict_answers(examples, features, logits, tok)["q-broncos"] == NO_ANSWER


def test_long_context_answer_is_taken_from_its_max_context_window(squad_json, vocab_file, span_logits):
    tok, examples, features = _setup(squad_json, vocab_file)
    designer = [e.qas_id for e in examples].index("q-designer")
    rows = np.flatnonzero(features.example_index == designer)
    logits = span_logits(features, tok, lambda e: examples[e].answers[0] if e == designer else None)
    # The answer sits in the last window only; point the earlier windows at their first word,
    # with lower scores, to check the windows are compared by score.
    for row in rows[:-1]:
        doc0 = np.flatnonzero(features.token_to_orig[row] >= 0)[0]
        logits[row][0][doc0] = logits[row][1][doc0] = 4.0
    answers = predict_answers(examples, features, {r: logits[r] for r in rows}, tok)
    assert answers["q-designer"] == "Ada Lovelace"

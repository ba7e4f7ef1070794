import numpy as np
import pytest

from cmperf.mlperf.squad.errors import SquadError
from cmperf.mlperf.squad.examples import SquadExample, read_squad_examples, split_context
from cmperf.mlperf.squad.features import (convert_examples_to_features, doc_windows,
                                          max_context_window, max_context_windows)
from cmperf.mlperf.squad.tokenization import FullTokenizer, load_vocab


def tokenizer_of(*words):
    return FullTokenizer({t: i for i, t in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", *words])})


def test_split_context_on_whitespace_only():
    assert split_context("  Denver\u202fBroncos,\tthe  (champions)\n") == \
        ["Denver", "Broncos,", "the", "(champions)"]


def test_doc_windows_slide_by_stride_and_stop_at_the_end():
    assert doc_windows(10, 4, 3) == [(0, 4), (3, 4), (6, 4)]
    # A stride longer than the window moves by the window length: no gaps.
    assert doc_windows(10, 4, 128) == [(0, 4), (4, 4), (8, 2)]
    assert doc_windows(3, 4, 2) == [(0, 3)]
    assert doc_windows(0, 4, 2) == []


def test_max_context_prefers_most_centred_window_and_earlier_on_ties():
    windows = [(0, 4), (3, 4), (6, 4)]
    assert max_context_window(windows, 0) == 0
    assert max_context_window(windows, 3) == 0   # min(3,0) vs min(0,3): tie -> earlier
    assert max_context_window(windows, 4) == 1   # 1 left / 2 right in window 1
    assert max_context_window(windows, 9) == 2


def test_feature_layout_with_small_windows():
    tok = tokenizer_of("who", "?", "a", "b", "c", "d", "e", "f", "photo", "##synth", "##esis")
    example = SquadExample("q1", "Who?", split_context("a b photosynthesis c d e f"))
    # query = [who, ?] -> 12 - 2 - 3 = 7 context pieces per window, stride 3.
    fs = convert_examples_to_features([example], tok, max_seq_length=12, doc_stride=3,
                                      max_query_length=4)
    ids = tok.vocab
    # context pieces: a b photo ##synth ##esis c d e f  (9 pieces) -> windows (0,7), (3,6)
    assert len(fs) == 2
    assert fs.doc_span_index.tolist() == [0, 1]
    assert fs.example_index.tolist() == [0, 0]
    first = tok.convert_ids_to_tokens(fs.input_ids[0])
    assert first == ["[CLS]", "who", "?", "[SEP]", "a", "b", "photo", "##synth", "##esis", "c", "d", "[SEP]"]
    second = tok.convert_ids_to_tokens(fs.input_ids[1][:fs.input_mask[1].sum()])
    assert second == ["[CLS]", "who", "?", "[SEP]", "##synth", "##esis", "c", "d", "e", "f", "[SEP]"]
    assert fs.input_ids[1][-1] == ids["[PAD]"] and fs.input_mask[1].tolist() == [1] * 11 + [0]
    assert fs.segment_ids[0].tolist() == [0] * 4 + [1] * 8
    assert fs.segment_ids[1].tolist() == [0] * 4 + [1] * 7 + [0]
    # every piece of "photosynthesis" maps back to context word 2
    assert fs.token_to_orig[0].tolist() == [-1] * 4 + [0, 1, 2, 2, 2, 3, 4, -1]
    assert fs.token_to_orig[1].tolist() == [-1] * 4 + [2, 2, 3, 4, 5, 6, -1, -1]
    # pieces 0..4 are best in window 0 (piece 4 = ##esis: min(4,2)=2 vs min(1,4)=1),
    # pieces 5..8 in window 1 (piece 5 = c: min(5,1)=1 vs min(2,3)=2)
    assert fs.token_is_max_context[0, 4:11].tolist() == [True] * 5 + [False] * 2
    assert fs.token_is_max_context[1, 4:10].tolist() == [False] * 2 + [True] * 4


def test_query_is_cut_to_max_query_length():
    tok = tokenizer_of("q", "x")
    example = SquadExample("q1", "q " * 10, ["x"])
    fs = convert_examples_to_features([example], tok, max_seq_length=16, max_query_length=4)
    tokens = tok.convert_ids_to_tokens(fs.input_ids[0][:fs.input_mask[0].sum()])
    assert tokens == ["[CLS]", "q", "q", "q", "q", "[SEP]", "x", "[SEP]"]


def test_long_context_gets_overlapping_384_windows(squad_json, vocab_file):
    tok = FullTokenizer(load_vocab(vocab_file))
    examples = read_squad_examples(squad_json)
    fs = convert_examples_to_features(examples, tok)
    assert fs.input_ids.shape[1] == 384
    designer = [e.qas_id for e in examples].index("q-designer")
    rows = np.flatnonzero(fs.example_index == designer)
    assert len(rows) >= 3
    query_len = len(tok.tokenize(examples[designer].question_text))
    doc_offset = query_len + 2
    window = 384 - query_len - 3
    # Full windows except the last, starting 128 pieces apart: the first context word of
    # each window moves forward and each non-final window is full.
    for row in rows[:-1]:
        assert fs.input_mask[row].sum() == 384
    total_pieces = sum(len(tok.tokenize(w)) for w in examples[designer].doc_tokens)
    last_len = fs.input_mask[rows[-1]].sum() - doc_offset - 1
    assert 128 * (len(rows) - 1) + last_len == total_pieces
    assert last_len <= window
    # Every context piece is "max context" in exactly one window.
    max_counts = fs.token_is_max_context[rows].sum()
    assert max_counts == total_pieces


def test_vocab_without_special_tokens_is_rejected():
    tok = FullTokenizer({"[UNK]": 0, "a": 1})
    with pytest.raises(SquadError, match=r"lacks the BERT special tokens \[CLS\], \[SEP\]"):
        convert_examples_to_features([SquadExample("q", "a", ["a"])], tok)


def test_settings_without_room_for_context_are_rejected():
    tok = tokenizer_of("a")
    with pytest.raises(SquadError, match="leaves no room"):
        convert_examples_to_features([SquadExample("q", "a", ["a"])], tok, max_seq_length=67)


def test_vectorised_max_context_agrees_with_the_per_position_rule():
    for num_tokens, window, stride in [(10, 4, 3), (10, 4, 128), (1000, 317, 128), (700, 50, 7)]:
        windows = doc_windows(num_tokens, window, stride)
        expected = [max_context_window(windows, p) for p in range(num_tokens)]
        assert max_context_windows(windows, num_tokens).tolist() == expected

import pytest

from cmperf.mlperf.squad.errors import SquadError
from cmperf.mlperf.squad.tokenization import (BasicTokenizer, FullTokenizer, WordpieceTokenizer,
                                              load_vocab)


def vocab_of(*tokens):
    return {t: i for i, t in enumerate(tokens)}


def test_basic_lowercases_and_splits_punctuation():
    assert BasicTokenizer().tokenize(" \tHeLLo!how  \n Are yoU?  ") == \
        ["hello", "!", "how", "are", "you", "?"]


def test_basic_splits_every_ascii_symbol_even_non_unicode_punctuation():
    # "$", "^", "`" are Unicode symbols, not punctuation, but BERT splits them too.
    assert BasicTokenizer().tokenize("don't $5.00 a^b `x`") == \
        ["don", "'", "t", "$", "5", ".", "00", "a", "^", "b", "`", "x", "`"]


def test_basic_strips_accents_only_when_lower_casing():
    assert BasicTokenizer().tokenize("Café naïve Ünïcödé") == ["cafe", "naive", "unicode"]
    assert BasicTokenizer(do_lower_case=False).tokenize("Café") == ["Café"]


def test_basic_splits_unicode_punctuation_and_dashes():
    assert BasicTokenizer().tokenize("24\u201310 \u201cquoted\u201d") == \
        ["24", "\u2013", "10", "\u201c", "quoted", "\u201d"]


def test_basic_spaces_cjk_ideographs_but_not_kana():
    assert BasicTokenizer().tokenize("ab北京cd") == ["ab", "北", "京", "cd"]
    assert BasicTokenizer().tokenize("カタカナ") == ["カタカナ"]


def test_basic_drops_control_and_replacement_characters_and_maps_odd_whitespace():
    # NUL, U+FFFD and format characters such as U+200B (category Cf) are removed.
    assert BasicTokenizer().tokenize("a\x00b\ufffdc\u200bd") == ["abcd"]
    # U+0007 (bell) is a control character and disappears; NBSP and ideographic space split.
    assert BasicTokenizer().tokenize("x\x07y z\u00a0w\u3000v") == ["xy", "z", "w", "v"]


def test_wordpiece_greedy_longest_match_first_with_continuations():
    wp = WordpieceTokenizer(vocab_of("[UNK]", "un", "##aff", "##able", "unaff", "runn", "##ing", "##g"))
    # "unaff" is longer than "un", so it wins; then "##able".
    assert wp.tokenize("unaffable running") == ["unaff", "##able", "runn", "##ing"]


def test_wordpiece_whole_word_is_unknown_when_any_rest_is_unmatched():
    wp = WordpieceTokenizer(vocab_of("[UNK]", "un", "##aff"))
    assert wp.tokenize("unaffx un") == ["[UNK]", "un"]


def test_wordpiece_continuation_needs_hash_prefix_entry():
    # "aff" exists only as a word start, so it cannot continue "un".
    wp = WordpieceTokenizer(vocab_of("[UNK]", "un", "aff"))
    assert wp.tokenize("unaff") == ["[UNK]"]


def test_wordpiece_overlong_word_is_unknown():
    wp = WordpieceTokenizer(vocab_of("[UNK]", "a", "##a"))
    assert wp.tokenize("a" * 200) == ["a"] + ["##a"] * 199
    assert wp.tokenize("a" * 201) == ["[UNK]"]


def test_full_tokenizer_and_id_round_trip():
    tok = FullTokenizer(vocab_of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "un", "##want", "##ed", ",",
                                 "runn", "##ing"))
    pieces = tok.tokenize("UNwant\u00e9d,running unknownword")
    assert pieces == ["un", "##want", "##ed", ",", "runn", "##ing", "[UNK]"]
    ids = tok.convert_tokens_to_ids(pieces)
    assert ids == [4, 5, 6, 7, 8, 9, 1]
    assert tok.convert_ids_to_tokens(ids) == pieces


def test_convert_unknown_token_or_id_is_a_clear_error():
    tok = FullTokenizer(vocab_of("[UNK]", "a"))
    with pytest.raises(SquadError, match="'zzz' is not in the vocab"):
        tok.convert_tokens_to_ids(["zzz"])
    with pytest.raises(SquadError, match="token id 7"):
        tok.convert_ids_to_tokens([7])


def test_load_vocab_line_numbers_are_ids(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("[PAD]\r\n[UNK]\nhello \n##lo\n", encoding="utf-8")
    assert load_vocab(path) == {"[PAD]": 0, "[UNK]": 1, "hello": 2, "##lo": 3}


def test_load_vocab_errors_name_the_file(tmp_path):
    with pytest.raises(SquadError, match="vocab file not found: .*nope.txt"):
        load_vocab(tmp_path / "nope.txt")
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    with pytest.raises(SquadError, match="empty.txt is empty"):
        load_vocab(empty)

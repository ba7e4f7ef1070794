"""SQuAD examples -> fixed-length BERT input windows ("features").

Same algorithm as the MLPerf reference ``convert_examples_to_features``
(inference mode): the question is tokenized and cut to ``max_query_length``
pieces; the context words are WordPiece-tokenized, remembering which word each
piece came from; the context is cut into windows of at most
``max_seq_length - len(query) - 3`` pieces that start ``doc_stride`` pieces apart;
each window becomes ``[CLS] query [SEP] window [SEP]`` padded with zeros.

For answer extraction every feature also keeps, per position, the context word it
came from (``token_to_orig``, -1 outside the window) and whether this window is the
one where that piece has the most context on both sides (``token_is_max_context``).
"""
from dataclasses import dataclass

import numpy as np

from .errors import SquadError

MAX_SEQ_LENGTH = 384
DOC_STRIDE = 128
MAX_QUERY_LENGTH = 64
SPECIAL_TOKENS = ("[CLS]", "[SEP]", "[UNK]")


@dataclass
class FeatureSet:
    """All features of a dataset as parallel arrays (row = one LoadGen sample)."""
    input_ids: np.ndarray             # int32 [F, L]
    input_mask: np.ndarray            # int32 [F, L]
    segment_ids: np.ndarray           # int32 [F, L]
    example_index: np.ndarray         # int32 [F]: which example (question) the row answers
    doc_span_index: np.ndarray        # int32 [F]: which window of that example's context
    token_to_orig: np.ndarray         # int32 [F, L]: context word index, -1 if not context
    token_is_max_context: np.ndarray  # bool  [F, L]
    max_seq_length: int = MAX_SEQ_LENGTH
    doc_stride: int = DOC_STRIDE
    max_query_length: int = MAX_QUERY_LENGTH

    def __len__(self):
        return int(self.input_ids.shape[0])

    ARRAY_NAMES = ("input_ids", "input_mask", "segment_ids", "example_index",
                   "doc_span_index", "token_to_orig", "token_is_max_context")


def doc_windows(num_tokens, max_tokens_for_doc, doc_stride):
    """(start, length) windows over ``num_tokens`` context pieces, as the reference slides them."""
    windows = []
    start = 0
    while start < num_tokens:
        length = min(num_tokens - start, max_tokens_for_doc)
        windows.append((start, length))
        if start + length == num_tokens:
            break
        start += min(length, doc_stride)
    return windows


def max_context_window(windows, position):
    """Index of the window where ``position`` has the largest min(left, right) context.

    Ties go to the earlier window; the 0.01 * length term prefers longer windows.
    """
    best_score = None
    best_index = None
    for index, (start, length) in enumerate(windows):
        end = start + length - 1
        if position < start or position > end:
            continue
        score = min(position - start, end - position) + 0.01 * length
        if best_score is None or score > best_score:
            best_score = score
            best_index = index
    return best_index


def max_context_windows(windows, num_tokens):
    """For every context piece, the index of its max-context window (vectorised
    :func:`max_context_window` over all positions; -1 for pieces in no window)."""
    best_score = np.full(num_tokens, -np.inf)
    best_index = np.full(num_tokens, -1, np.int64)
    for index, (start, length) in enumerate(windows):
        position = np.arange(start, start + length)
        score = np.minimum(position - start, start + length - 1 - position) + 0.01 * length
        better = score > best_score[start:start + length]  # strict: ties keep the earlier window
        best_score[start:start + length][better] = score[better]
        best_index[start:start + length][better] = index
    return best_index


def check_vocab(tokenizer, vocab_name="vocab"):
    missing = [t for t in SPECIAL_TOKENS if t not in tokenizer.vocab]
    if missing:
        raise SquadError(f"{vocab_name} lacks the BERT special tokens {', '.join(missing)}; "
                         "is it a BERT uncased vocab.txt?")


def convert_examples_to_features(examples, tokenizer, max_seq_length=MAX_SEQ_LENGTH,
                                 doc_stride=DOC_STRIDE, max_query_length=MAX_QUERY_LENGTH):
    """Build the :class:`FeatureSet` for ``examples`` (list of SquadExample)."""
    if doc_stride <= 0:
        raise SquadError(f"doc_stride must be positive, got {doc_stride}")
    if max_seq_length - max_query_length - 3 <= 0:
        raise SquadError(f"max_seq_length {max_seq_length} leaves no room for context after a "
                         f"query of up to {max_query_length} pieces plus [CLS]/[SEP]/[SEP]")
    check_vocab(tokenizer)
    cls_id, sep_id = tokenizer.vocab["[CLS]"], tokenizer.vocab["[SEP]"]

    rows = {name: [] for name in FeatureSet.ARRAY_NAMES}
    word_cache = {}       # context words repeat a lot across a dataset
    context_cache = {}    # questions of one paragraph share its doc_tokens list
    for example_index, example in enumerate(examples):
        query_ids = tokenizer.convert_tokens_to_ids(
            tokenizer.tokenize(example.question_text)[:max_query_length])
        key = id(example.doc_tokens)
        if key not in context_cache:
            context_cache.clear()  # paragraphs come in order: keep only the current one
            context_cache[key] = _tokenize_context(example.doc_tokens, tokenizer, word_cache)
        doc_ids, piece_to_word = context_cache[key]

        max_tokens_for_doc = max_seq_length - len(query_ids) - 3
        windows = doc_windows(len(doc_ids), max_tokens_for_doc, doc_stride)
        best_window = max_context_windows(windows, len(doc_ids))
        doc_offset = len(query_ids) + 2
        for span_index, (start, length) in enumerate(windows):
            ids = np.zeros(max_seq_length, np.int32)
            segments = np.zeros(max_seq_length, np.int32)
            mask = np.zeros(max_seq_length, np.int32)
            to_orig = np.full(max_seq_length, -1, np.int32)
            is_max = np.zeros(max_seq_length, bool)
            sequence = [cls_id, *query_ids, sep_id, *doc_ids[start:start + length], sep_id]
            ids[:len(sequence)] = sequence
            mask[:len(sequence)] = 1
            segments[doc_offset:len(sequence)] = 1
            to_orig[doc_offset:doc_offset + length] = piece_to_word[start:start + length]
            is_max[doc_offset:doc_offset + length] = best_window[start:start + length] == span_index
            for name, value in (("input_ids", ids), ("input_mask", mask),
                                ("segment_ids", segments), ("example_index", example_index),
                                ("doc_span_index", span_index), ("token_to_orig", to_orig),
                                ("token_is_max_context", is_max)):
                rows[name].append(value)
    return _stack(rows, max_seq_length, doc_stride, max_query_length)


def _tokenize_context(doc_tokens, tokenizer, word_cache):
    doc_ids = []
    piece_to_word = []
    for word_index, word in enumerate(doc_tokens):
        ids = word_cache.get(word)
        if ids is None:
            ids = word_cache[word] = tokenizer.convert_tokens_to_ids(tokenizer.tokenize(word))
        doc_ids.extend(ids)
        piece_to_word.extend([word_index] * len(ids))
    return doc_ids, piece_to_word


def _stack(rows, max_seq_length, doc_stride, max_query_length):
    def matrix(name, dtype):
        values = rows[name]
        return np.stack(values).astype(dtype) if values else np.zeros((0, max_seq_length), dtype)

    return FeatureSet(
        input_ids=matrix("input_ids", np.int32),
        input_mask=matrix("input_mask", np.int32),
        segment_ids=matrix("segment_ids", np.int32),
        example_index=np.asarray(rows["example_index"], np.int32),
        doc_span_index=np.asarray(rows["doc_span_index"], np.int32),
        token_to_orig=matrix("token_to_orig", np.int32),
        token_is_max_context=matrix("token_is_max_context", bool),
        max_seq_length=max_seq_length, doc_stride=doc_stride, max_query_length=max_query_length,
    )

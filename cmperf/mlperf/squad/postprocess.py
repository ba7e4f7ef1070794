"""Start/end logits per feature -> answer text per question (MLPerf reference rules).

For every question, each of its features contributes candidate spans built from
the ``n_best_size`` highest start and end logits; a span is kept only if both ends
lie in the context, the start position has its maximum context in this window,
end >= start and it is at most ``max_answer_length`` pieces long. Candidates are
ranked by start + end logit; the best one is turned back into original text
(WordPiece ``##`` joined, then aligned to the original words so casing,
accents and punctuation come from the paragraph). A question with no valid
candidate (or no logits at all) answers "empty", as the reference does.
"""
import numpy as np

from .tokenization import BasicTokenizer

N_BEST_SIZE = 20
MAX_ANSWER_LENGTH = 30
NO_ANSWER = "empty"


def best_indexes(logits, n_best_size):
    """Indexes of the ``n_best_size`` largest logits; ties keep the lower index first."""
    return np.argsort(-np.asarray(logits, np.float64), kind="stable")[:n_best_size].tolist()


def get_final_text(pred_text, orig_text, basic_tokenizer):
    """Map normalised prediction text back onto the span of original text it came from.

    ``orig_text`` is the original words joined by single spaces and may carry extra
    characters (e.g. "Smith's" for prediction "smith"). Both texts are aligned
    character by character with spaces removed; if that alignment fails, the
    whole ``orig_text`` is returned, as in the reference.
    """
    tok_text = " ".join(basic_tokenizer.tokenize(orig_text))
    start = tok_text.find(pred_text)
    if start == -1:
        return orig_text
    end = start + len(pred_text) - 1

    orig_ns_text, orig_ns_to_s = _strip_spaces(orig_text)
    tok_ns_text, tok_ns_to_s = _strip_spaces(tok_text)
    if len(orig_ns_text) != len(tok_ns_text):
        return orig_text
    tok_s_to_ns = {s: ns for ns, s in tok_ns_to_s.items()}

    orig_start = orig_ns_to_s.get(tok_s_to_ns.get(start))
    orig_end = orig_ns_to_s.get(tok_s_to_ns.get(end))
    if orig_start is None or orig_end is None:
        return orig_text
    return orig_text[orig_start:orig_end + 1]


def _strip_spaces(text):
    """Text without spaces, and a map from its character positions to the original ones."""
    chars = []
    ns_to_s = {}
    for i, ch in enumerate(text):
        if ch == " ":
            continue
        ns_to_s[len(chars)] = i
        chars.append(ch)
    return "".join(chars), ns_to_s


def detokenize(pieces):
    """WordPiece pieces -> normalised text: "##" continuations glued to the previous piece."""
    text = " ".join(pieces).replace(" ##", "").replace("##", "")
    return " ".join(text.split())


def predict_answers(examples, features, logits, tokenizer, n_best_size=N_BEST_SIZE,
                    max_answer_length=MAX_ANSWER_LENGTH):
    """{qas_id: answer text} for every example.

    ``features`` is the FeatureSet built from ``examples``; ``logits`` maps a feature
    index (= LoadGen sample index) to a ``(start_logits, end_logits)`` pair of
    arrays of length max_seq_length. Features without logits are skipped.
    ``tokenizer`` (a FullTokenizer over the same vocab) turns ids back into pieces.
    """
    basic = BasicTokenizer(do_lower_case=tokenizer.do_lower_case)
    features_of = {}
    for feature_index, example_index in enumerate(features.example_index.tolist()):
        features_of.setdefault(example_index, []).append(feature_index)

    predictions = {}
    for example_index, example in enumerate(examples):
        candidates = []
        for feature_index in features_of.get(example_index, ()):
            if feature_index not in logits:
                continue
            candidates.extend(_candidates(features, feature_index, logits[feature_index],
                                          n_best_size, max_answer_length))
        # Stable sort: equal scores keep feature/rank order, as the reference's sorted().
        candidates.sort(key=lambda c: c[0], reverse=True)
        predictions[example.qas_id] = (_span_text(example, features, candidates[0], tokenizer, basic)
                                       if candidates else NO_ANSWER)
    return predictions


def _candidates(features, feature_index, feature_logits, n_best_size, max_answer_length):
    start_logits, end_logits = (np.asarray(x, np.float64) for x in feature_logits)
    to_orig = features.token_to_orig[feature_index]
    is_max_context = features.token_is_max_context[feature_index]
    out = []
    ends = best_indexes(end_logits, n_best_size)
    for start in best_indexes(start_logits, n_best_size):
        if to_orig[start] < 0 or not is_max_context[start]:
            continue
        for end in ends:
            if to_orig[end] < 0 or end < start or end - start + 1 > max_answer_length:
                continue
            out.append((float(start_logits[start] + end_logits[end]), feature_index, start, end))
    return out


def _span_text(example, features, candidate, tokenizer, basic):
    """Original-text answer of one (score, feature, start, end) candidate.

    The reference builds a de-duplicated n-best list and answers with its head,
    which is always the text of the top-scoring candidate.
    """
    _score, feature_index, start, end = candidate
    pieces = tokenizer.convert_ids_to_tokens(features.input_ids[feature_index, start:end + 1])
    to_orig = features.token_to_orig[feature_index]
    orig_text = " ".join(example.doc_tokens[to_orig[start]:to_orig[end] + 1])
    return get_final_text(detokenize(pieces), orig_text, basic)

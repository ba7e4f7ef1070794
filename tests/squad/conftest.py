"""Small stand-in SQuAD data made by the tests: a tiny vocab and a tiny SQuAD v1.1 json.

The real dev-v1.1.json / vocab.txt / bert-large model cannot be downloaded here; the
files below use the same formats, and the answers are known by construction.
"""
import json

import pytest

from cmperf.mlperf.squad.tokenization import BasicTokenizer

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
# Words that only exist as WordPiece pieces in the tiny vocab (tests "##" handling).
PIECES = ["photo", "##synth", "##esis", "broad", "##cast", "##ing"]
SPLIT_WORDS = {"photosynthesis", "broadcasting"}

LONG_FILLER = ("The river flows past old mills and quiet farms while the town council "
               "debates new bridges over the water . ")

ARTICLES = [
    {
        "title": "Super_Bowl_50",
        "paragraphs": [{
            "context": "Super Bowl 50 was an American football game. The American Football "
                       "Conference champion Denver Broncos defeated the National Football "
                       "Conference champion Carolina Panthers 24\u201310 to earn their third "
                       "Super Bowl title. The game was played on February 7, 2016, at "
                       "Levi's Stadium in Santa Clara, California.",
            "qas": [
                {"id": "q-broncos", "question": "Which team won Super Bowl 50?",
                 "answers": [{"text": "Denver Broncos", "answer_start": 0}]},
                {"id": "q-date", "question": "When was the game played?",
                 "answers": [{"text": "February 7, 2016", "answer_start": 0},
                             {"text": "February 7", "answer_start": 0}]},
                {"id": "q-stadium", "question": "Where was Super Bowl 50 held?",
                 "answers": [{"text": "Levi's Stadium", "answer_start": 0}]},
            ],
        }],
    },
    {
        "title": "Plants",
        "paragraphs": [
            {
                "context": "Plants make sugar by photosynthesis, using light from the Sun. "
                           "Broadcasting of the Caf\u00e9 show began in 1999.",
                "qas": [
                    {"id": "q-process", "question": "How do plants make sugar?",
                     "answers": [{"text": "photosynthesis", "answer_start": 0}]},
                    {"id": "q-year", "question": "When did broadcasting of the show begin?",
                     "answers": [{"text": "1999", "answer_start": 0}]},
                ],
            },
            {
                # Long enough for several 384-token windows: the answer sits near the end.
                "context": LONG_FILLER * 40 + "The final bridge was designed by Ada Lovelace in 1843 .",
                "qas": [
                    {"id": "q-designer", "question": "Who designed the final bridge?",
                     "answers": [{"text": "Ada Lovelace", "answer_start": 0}]},
                ],
            },
        ],
    },
]


def _fix_answer_starts(articles):
    """Set answer_start to the real character offset, as in the published file."""
    for article in articles:
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                for answer in qa["answers"]:
                    answer["answer_start"] = paragraph["context"].index(answer["text"])
    return articles


def vocab_tokens(articles):
    """Every basic token of the texts is a whole-word vocab entry, except SPLIT_WORDS."""
    basic = BasicTokenizer()
    words = set()
    for article in articles:
        for paragraph in article["paragraphs"]:
            words.update(basic.tokenize(paragraph["context"]))
            for qa in paragraph["qas"]:
                words.update(basic.tokenize(qa["question"]))
    return SPECIAL + PIECES + sorted(words - SPLIT_WORDS)


@pytest.fixture
def squad_articles():
    return _fix_answer_starts(json.loads(json.dumps(ARTICLES)))


@pytest.fixture
def squad_json(tmp_path, squad_articles):
    path = tmp_path / "dev-tiny.json"
    path.write_text(json.dumps({"version": "1.1", "data": squad_articles}), encoding="utf-8")
    return path


@pytest.fixture
def vocab_file(tmp_path, squad_articles):
    path = tmp_path / "vocab.txt"
    path.write_text("\n".join(vocab_tokens(squad_articles)) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def features_dir(tmp_path, squad_json, vocab_file):
    from cmperf.mlperf.squad.preprocess import preprocess
    out = tmp_path / "features"
    preprocess(str(squad_json), str(vocab_file), str(out))
    return out


def _find(sequence, pattern):
    for i in range(len(sequence) - len(pattern) + 1):
        if sequence[i:i + len(pattern)] == pattern:
            return i
    return None


@pytest.fixture
def span_logits():
    """A stand-in model: logits that point at a given text in each feature.

    ``make(features, tokenizer, text_of_example)`` returns {feature index: (start, end)}
    where every window containing the WordPiece sequence of
    ``text_of_example(example_index)`` gets +10 at its first piece (start) and last
    piece (end) and 0 elsewhere; ``None`` text leaves the window flat (all zeros).
    """
    import numpy as np

    def make(features, tokenizer, text_of_example):
        logits = {}
        for row in range(len(features)):
            start = np.zeros(features.max_seq_length, np.float32)
            end = np.zeros(features.max_seq_length, np.float32)
            text = text_of_example(int(features.example_index[row]))
            if text is not None:
                target = tokenizer.convert_tokens_to_ids(tokenizer.tokenize(text))
                doc = np.flatnonzero(features.token_to_orig[row] >= 0)
                ids = features.input_ids[row].tolist()
                at = _find(ids[doc[0]:doc[-1] + 1], target)
                if at is not None:
                    start[doc[0] + at] = 10.0
                    end[doc[0] + at + len(target) - 1] = 10.0
            logits[row] = (start, end)
        return logits

    return make


@pytest.fixture
def write_accuracy_log():
    """Write a LoadGen-format mlperf_log_accuracy.json from {qsl_idx: (start, end)}."""
    import numpy as np

    def write(path, logits, dtype=np.float32):
        records = []
        for seq_id, (index, (start, end)) in enumerate(sorted(logits.items())):
            payload = np.stack([start, end], axis=-1).astype(dtype).tobytes()
            records.append({"seq_id": seq_id, "qsl_idx": index, "data": payload.hex().upper()})
        path.write_text(json.dumps(records), encoding="utf-8")
        return path

    return write


@pytest.fixture
def table_bert(tmp_path, vocab_file, make_table_bert):
    """The stand-in model file answering 'Denver Broncos' and 'Ada Lovelace' (2 of the 6 questions)."""
    return make_table_bert(tmp_path / "table-bert.onnx", vocab_file, ["denver", "ada"], ["broncos", "lovelace"])

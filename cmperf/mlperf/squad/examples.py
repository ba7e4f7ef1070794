"""Reading SQuAD v1.1 JSON into examples (one per question).

The context is split into "document words" on whitespace exactly as the MLPerf
reference ``read_squad_examples`` does (space, tab, CR, LF and U+202F); answers
are later projected back onto these words. Ground-truth answers are kept so the
evaluation can run from the same objects.
"""
import json
from dataclasses import dataclass, field

from .errors import SquadError


@dataclass
class SquadExample:
    qas_id: str
    question_text: str
    doc_tokens: list
    answers: list = field(default_factory=list)  # ground-truth answer texts


def is_squad_whitespace(ch):
    return ch in (" ", "\t", "\r", "\n") or ord(ch) == 0x202F


def split_context(text):
    """Whitespace-separated words of a paragraph (the reference's doc_tokens)."""
    words = []
    prev_is_whitespace = True
    for ch in text:
        if is_squad_whitespace(ch):
            prev_is_whitespace = True
        else:
            if prev_is_whitespace:
                words.append(ch)
            else:
                words[-1] += ch
            prev_is_whitespace = False
    return words


def load_squad_json(path):
    """The parsed SQuAD file's ``data`` list; clear errors for missing/bad files."""
    try:
        with open(path, encoding="utf-8") as f:
            document = json.load(f)
    except FileNotFoundError:
        raise SquadError(f"SQuAD json not found: {path}") from None
    except json.JSONDecodeError as e:
        raise SquadError(f"SQuAD json {path} is not valid JSON: {e}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise SquadError(f"cannot read SQuAD json {path}: {e}") from None
    if not isinstance(document, dict) or not isinstance(document.get("data"), list):
        raise SquadError(f"SQuAD json {path} has no 'data' list "
                         "(expected the dev-v1.1.json layout: {'version': ..., 'data': [...]})")
    return document["data"]


def read_squad_examples(path, max_examples=None):
    """Examples in file order (articles, paragraphs, questions); at most ``max_examples``."""
    data = load_squad_json(path)
    examples = []
    for a, article in enumerate(data):
        for p, paragraph in enumerate(_get(article, "paragraphs", list, path, f"data[{a}]")):
            where = f"data[{a}].paragraphs[{p}]"
            context = _get(paragraph, "context", str, path, where)
            doc_tokens = split_context(context)
            for q, qa in enumerate(_get(paragraph, "qas", list, path, where)):
                qa_where = f"{where}.qas[{q}]"
                if max_examples is not None and len(examples) >= max_examples:
                    return examples
                answers = [_get(ans, "text", str, path, f"{qa_where}.answers[{i}]")
                           for i, ans in enumerate(_get(qa, "answers", list, path, qa_where))]
                examples.append(SquadExample(
                    qas_id=str(_get(qa, "id", (str, int), path, qa_where)),
                    question_text=_get(qa, "question", str, path, qa_where),
                    doc_tokens=doc_tokens,
                    answers=answers,
                ))
    return examples


def _get(obj, key, kind, path, where):
    if not isinstance(obj, dict) or key not in obj:
        raise SquadError(f"SQuAD json {path}: {where} has no '{key}' field")
    value = obj[key]
    if not isinstance(value, kind):
        raise SquadError(f"SQuAD json {path}: {where}.{key} has the wrong type "
                         f"({type(value).__name__})")
    return value

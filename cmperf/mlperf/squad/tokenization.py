"""BERT tokenization (uncased): basic splitting, then greedy WordPiece.

Behaves like ``FullTokenizer`` of Google's BERT ``tokenization.py``, which the
MLPerf BERT reference uses to build its SQuAD features:

* basic step: drop NUL, U+FFFD and control characters, map whitespace to a space,
  put spaces around CJK ideographs, split on whitespace, then (uncased) lower-case
  and strip accents (NFD, drop combining marks), and split every punctuation
  character into its own token;
* WordPiece step: greedy longest-match-first against the vocab, continuation pieces
  prefixed with ``##``; a word with any unmatched rest, or longer than 200
  characters, becomes ``[UNK]`` as a whole.
"""
import functools
import unicodedata

from .errors import SquadError

UNK_TOKEN = "[UNK]"
MAX_INPUT_CHARS_PER_WORD = 200

# Code-point blocks the BERT reference treats as CJK ideographs (not Hangul or kana).
_CJK_RANGES = (
    (0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
    (0x2B740, 0x2B81F), (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F),
)


def load_vocab(path):
    """Read a BERT ``vocab.txt``: one token per line, the id is the line number.

    As in the reference, each line is stripped and a repeated token keeps its last
    id. Raises :class:`SquadError` for a missing/unreadable/empty file.
    """
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
    except FileNotFoundError:
        raise SquadError(f"vocab file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise SquadError(f"cannot read vocab file {path}: {e}") from None
    if lines and lines[-1] == "":
        lines.pop()  # the newline that ends the last line does not start a token
    vocab = {}
    for index, line in enumerate(lines):
        vocab[line.strip()] = index
    if not vocab:
        raise SquadError(f"vocab file {path} is empty")
    return vocab


def whitespace_split(text):
    """Split on runs of whitespace, dropping leading/trailing whitespace."""
    return text.split()


@functools.lru_cache(maxsize=65536)  # text is mostly a few thousand distinct chars
def is_whitespace(ch):
    if ch in (" ", "\t", "\n", "\r"):
        return True
    return unicodedata.category(ch) == "Zs"


@functools.lru_cache(maxsize=65536)  # text is mostly a few thousand distinct chars
def is_control(ch):
    if ch in ("\t", "\n", "\r"):
        return False  # counted as whitespace, not control
    return unicodedata.category(ch).startswith("C")


@functools.lru_cache(maxsize=65536)  # text is mostly a few thousand distinct chars
def is_punctuation(ch):
    cp = ord(ch)
    # All non-alphanumeric ASCII counts ("$", "^", "`" are symbols in Unicode).
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def is_cjk(cp):
    if cp < 0x3400:  # below every CJK block: the common case
        return False
    return any(lo <= cp <= hi for lo, hi in _CJK_RANGES)


class BasicTokenizer:
    """Whitespace/punctuation/CJK splitting with optional lower-casing and accent stripping."""

    def __init__(self, do_lower_case=True):
        self.do_lower_case = do_lower_case

    def tokenize(self, text):
        text = self._clean(text)
        text = self._space_cjk(text)
        pieces = []
        for token in whitespace_split(text):
            if self.do_lower_case:
                token = _strip_accents(token.lower())
            pieces.extend(_split_punctuation(token))
        return whitespace_split(" ".join(pieces))

    @staticmethod
    def _clean(text):
        out = []
        for ch in text:
            cp = ord(ch)
            if cp == 0 or cp == 0xFFFD or is_control(ch):
                continue
            out.append(" " if is_whitespace(ch) else ch)
        return "".join(out)

    @staticmethod
    def _space_cjk(text):
        return "".join(f" {ch} " if is_cjk(ord(ch)) else ch for ch in text)


def _strip_accents(text):
    return "".join(ch for ch in unicodedata.normalize("NFD", text)
                   if unicodedata.category(ch) != "Mn")


def _split_punctuation(token):
    """"don't!" -> ["don", "'", "t", "!"]: each punctuation char is its own piece."""
    pieces = []
    current = []
    for ch in token:
        if is_punctuation(ch):
            if current:
                pieces.append("".join(current))
                current = []
            pieces.append(ch)
        else:
            current.append(ch)
    if current:
        pieces.append("".join(current))
    return pieces


class WordpieceTokenizer:
    """Greedy longest-match-first sub-word splitting against a vocab."""

    def __init__(self, vocab, unk_token=UNK_TOKEN, max_input_chars_per_word=MAX_INPUT_CHARS_PER_WORD):
        self.vocab = vocab
        self.unk_token = unk_token
        self.max_input_chars_per_word = max_input_chars_per_word

    def tokenize(self, text):
        output = []
        for word in whitespace_split(text):
            output.extend(self._split_word(word))
        return output

    def _split_word(self, word):
        if len(word) > self.max_input_chars_per_word:
            return [self.unk_token]
        pieces = []
        start = 0
        while start < len(word):
            end = len(word)
            piece = None
            while start < end:
                candidate = word[start:end] if start == 0 else "##" + word[start:end]
                if candidate in self.vocab:
                    piece = candidate
                    break
                end -= 1
            if piece is None:
                return [self.unk_token]  # any unmatched rest makes the whole word unknown
            pieces.append(piece)
            start = end
        return pieces


class FullTokenizer:
    """Basic tokenization followed by WordPiece; converts tokens to ids and back."""

    def __init__(self, vocab, do_lower_case=True):
        if not isinstance(vocab, dict):
            vocab = load_vocab(vocab)
        self.vocab = vocab
        self.inv_vocab = {index: token for token, index in vocab.items()}
        self.do_lower_case = do_lower_case
        self.basic = BasicTokenizer(do_lower_case=do_lower_case)
        self.wordpiece = WordpieceTokenizer(vocab)

    def tokenize(self, text):
        return [piece for token in self.basic.tokenize(text)
                for piece in self.wordpiece.tokenize(token)]

    def convert_tokens_to_ids(self, tokens):
        try:
            return [self.vocab[t] for t in tokens]
        except KeyError as e:
            raise SquadError(f"token {e.args[0]!r} is not in the vocab") from None

    def convert_ids_to_tokens(self, ids):
        try:
            return [self.inv_vocab[int(i)] for i in ids]
        except KeyError as e:
            raise SquadError(f"token id {e.args[0]} is not in the vocab "
                             f"(vocab has {len(self.inv_vocab)} ids)") from None

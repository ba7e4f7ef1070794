"""`did you mean ...?` for a word the user mistyped: every candidate at the smallest edit distance.

difflib (what the messages used before) returns one match by a similarity ratio, so of two
candidates as close as each other one is picked and the other hidden: `--modle` named `--mode`
(one deletion) and not `--model` (one transposition). Here the distance is the optimal string
alignment distance (insert, delete, substitute, or swap two adjacent characters: one edit each),
every candidate at the smallest distance is offered, ordered by name, and nothing is offered
when the closest is too far for the length of the word. Pure and import-free: it runs only on an
error path, and stays off the warm path (tests/engine/test_warm_path.py).
"""


def osa_distance(a, b):
    """Edits from `a` to `b`: insertions, deletions, substitutions and adjacent transpositions
    (each once per substring: the optimal string alignment distance)."""
    if a == b:
        return 0
    if not a or not b:
        return len(a) or len(b)
    before, prev = None, list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], before[j - 2] + 1)
        before, prev = prev, cur
    return prev[-1]


def max_distance(word):
    """How far a candidate may be and still be offered: one edit per three characters, at least one,
    and never the whole word (a one-letter word matches nothing by substitution)."""
    return min(max(1, len(word) // 3), max(len(word) - 1, 0))


def closest(word, candidates, limit=None):
    """Every candidate at the smallest distance from `word` (case ignored), if that distance is within
    `limit` (default max_distance(word)); sorted by name, duplicates dropped. [] when none is close."""
    word = str(word)
    limit = max_distance(word) if limit is None else limit
    best, found = None, set()
    for cand in {str(c) for c in candidates}:
        d = osa_distance(word.lower(), cand.lower())
        if d > limit or (best is not None and d > best):
            continue
        if best is None or d < best:
            best, found = d, set()
        found.add(cand)
    return sorted(found)


def one_of(words):
    """`a`, `a or b`, `a, b or c`."""
    words = list(words)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def did_you_mean(word, candidates, prefix="", limit=None):
    """`did you mean --model or --mode?` (each candidate written as prefix + candidate), or "" when
    nothing is close."""
    close = closest(word, candidates, limit)
    return f"did you mean {one_of(prefix + c for c in close)}?" if close else ""

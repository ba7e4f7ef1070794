"""`did you mean ...?`: every candidate at the smallest edit distance, a swap of two letters is one edit."""
import pytest

from cmperf.core.suggest import closest, did_you_mean, osa_distance


@pytest.mark.parametrize("a,b,d", [
    ("model", "model", 0), ("modle", "model", 1),      # adjacent transposition: one edit
    ("modle", "mode", 1),                              # deletion
    ("mdoel", "mode", 2), ("scenrio", "scenario", 1), ("mode", "mdoe", 1),
    ("", "abc", 3), ("abc", "", 3), ("ca", "abc", 3),  # OSA: a swapped pair is not edited again
    ("kitten", "sitting", 3)])
def test_optimal_string_alignment_distance(a, b, d):
    assert osa_distance(a, b) == d == osa_distance(b, a)


def test_a_transposition_and_a_deletion_tie_and_both_are_offered():
    flags = ["mode", "model", "scenario", "target_qps"]
    assert closest("modle", flags) == ["mode", "model"]
    assert did_you_mean("modle", flags, "--") == "did you mean --mode or --model?"


def test_only_the_smallest_distance_is_offered():
    assert closest("mdoel", ["mode", "model"]) == ["model"]      # 1 (swap) beats 2
    assert closest("scenrio", ["scenario", "scenarios"]) == ["scenario"]
    assert did_you_mean("imagenett", ["imagenet", "openimages"]) == "did you mean imagenet?"


def test_three_or_more_ties_are_listed_by_name():
    assert did_you_mean("bat", ["cat", "rat", "bar", "bag"], "_") == "did you mean _bag, _bar, _cat or _rat?"


def test_case_is_ignored_and_the_candidate_is_written_as_defined():
    assert closest("RESNET50", ["resnet50", "retinanet"]) == ["resnet50"]


@pytest.mark.parametrize("word,candidates", [
    ("xyz", ["model", "mode"]),             # nothing in common
    ("backend_path", ["model", "mode"]),
    ("exec", ["execution_mode"]),           # a prefix is not a typo: 10 edits
    ("m", ["a", "mode"]),                   # one letter: no substitution offered
    ("qps", []),
])
def test_no_suggestion_when_nothing_is_close(word, candidates):
    assert closest(word, candidates) == [] and did_you_mean(word, candidates, "--") == ""


def test_the_cutoff_grows_with_the_word():
    assert closest("mdl", ["model"]) == []                        # 2 edits in 3 letters: too far
    assert closest("exectuion_mod", ["execution_mode"]) == ["execution_mode"]   # 2 edits in 13
    assert closest("modle", ["mode"], limit=0) == []

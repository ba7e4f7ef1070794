"""Variation semantics: groups, defaults, base, alias, combined, dynamic, exclusion, combos."""
import pytest

from cmperf.engine import variations as v
from cmperf.engine.errors import VariationError

META = {
    "default_variation": "fp32",
    "variations": {
        "fp32": {"group": "precision", "env": {"P": "fp32"}},
        "int8": {"group": "precision", "env": {"P": "int8"}},
        "cpu": {"group": "device", "default": True, "env": {"D": "cpu"}},
        "cuda": {"group": "device", "env": {"D": "cuda"}, "base": ["fp32"]},
        "gpu": {"alias": "cuda"},
        "not-default": {"group": "extra", "default": False},
        "onnx": {"group": "fw", "default": True},
        "onnx,int8": {"env": {"COMBINED": "yes"}},
        "batch_size.#": {"env": {"BS": "#"}},
        "fast": {"default_variations": {"device": "cuda"}},
    },
}


def names(requested, excluded=()):
    return v.resolve(META, requested, excluded).names


def test_defaults_only_for_groups_with_default_true():
    assert names([]) == ["fp32", "cpu", "onnx"]
    assert "not-default" not in names([])


def test_explicit_choice_replaces_group_default_and_default_variation():
    assert names(["int8"]) == ["int8", "cpu", "onnx"]


def test_base_and_alias():
    assert names(["gpu"]) == ["fp32", "cuda", "onnx"]


def test_default_variations_of_an_active_variation():
    assert "cuda" in names(["fast"]) and "cpu" not in names(["fast"])


def test_exclusion_blocks_defaults():
    assert names([], ["cpu"]) == ["fp32", "onnx"]


def test_combined_and_dynamic_variations_apply_their_env():
    resolved = v.resolve(META, ["int8", "batch_size.8"])
    meta = v.apply(META, resolved)
    assert meta["env"] == {"P": "int8", "BS": "8", "D": "cpu", "COMBINED": "yes"}
    assert resolved.combined == ["onnx,int8"]


def test_two_variations_of_one_group_is_an_error():
    with pytest.raises(VariationError, match="same group 'precision'"):
        names(["fp32", "int8"])


def test_invalid_combination_is_an_error():
    meta = {"variations": {"a": {}, "b": {}, "c": {}}, "invalid_variation_combinations": [["a", "b"], "b,c"]}
    assert v.resolve(meta, ["a", "c"]).names == ["a", "c"]
    with pytest.raises(VariationError, match="combination _a, _b is invalid"):
        v.resolve(meta, ["a", "b"])
    with pytest.raises(VariationError, match="combination _b, _c is invalid"):
        v.resolve(meta, ["c", "b"])


def test_valid_combinations_must_contain_one():
    meta = {"variations": {"a": {}, "b": {}, "c": {}}, "valid_variation_combinations": [["a", "b"]]}
    assert v.resolve(meta, ["a", "b"]).names == ["a", "b"]
    with pytest.raises(VariationError, match="none of the valid combinations"):
        v.resolve(meta, ["c"])


def test_unknown_variation_lists_the_available_ones():
    with pytest.raises(VariationError) as e:
        names(["fp64"])
    assert "_fp64" in str(e.value) and "_int8" in str(e.value)


def test_unknown_variation_through_cm(repo, cm):
    repo.script("vv", {"tags": ["vv"], "variations": {"one": {}, "two": {}}})
    r = cm("run", "script", "--tags=vv,_three", "-s")
    assert r["return"] == 16 and "_three" in r["error"] and "_one, _two" in r["error"]

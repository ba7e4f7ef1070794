"""Upstream's inline exploration syntax {{VAR{[...]}}} (cm run experiment ... -- cmd {{V{[..]}}})."""
import pytest

from cmperf.experiment.explore import ExploreError, expand, inline_specs, substitute

# the example of upstream's experiment README (VAR4 defined inline, VAR1 by --explore / cm-input.yaml)
TEMPLATE = ["echo", "--batch_size={{VAR1}}", "{{VAR4{['xx','yy','zz']}}}-x"]


def test_inline_values_join_the_cartesian_product_and_substitute():
    steps = expand({"VAR1": [1, 2]}, TEMPLATE)
    assert steps == [{"VAR1": a, "VAR4": b} for a in (1, 2) for b in ("xx", "yy", "zz")]
    assert substitute(TEMPLATE, {"VAR1": "2", "VAR4": "yy"}) == ["echo", "--batch_size=2", "yy-x"]


def test_inline_only_and_expressions():
    assert expand({}, ["run", "--b={{B{[2**i for i in range(3)]}}}", "--x={{B}}"]) == [{"B": 1}, {"B": 2}, {"B": 4}]
    assert inline_specs(["{{A{1,2}}}", "{{A{1,2}}}"]) == {"A": "1,2"}


@pytest.mark.parametrize("explore,tokens,message", [
    ({"B": [1]}, ["{{B{[1,2]}}}"], "defined by --explore.B and inline"),
    ({}, ["{{B{[1]}}}", "{{B{[2]}}}"], "two value lists"),
    ({}, ["{{B{[]}}}"], "has no values"),
    ({}, ["{{B{__import__('os')}}}"], "not allowed|unknown name"),
    ({}, ["plain"], "nothing to explore"),
])
def test_bad_inline_specs_are_clear_errors(explore, tokens, message):
    with pytest.raises(ExploreError, match=message):
        expand(explore, tokens)

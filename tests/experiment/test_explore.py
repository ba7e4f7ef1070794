"""Exploration specs: values, safe expressions, the cartesian product, substitution, bad input."""
import pytest

from cmperf.experiment.explore import ExploreError, expand, parse_values, safe_eval, substitute


@pytest.mark.parametrize("spec,values", [
    ("[1,2,4]", [1, 2, 4]),
    ("1,2,4", [1, 2, 4]),
    (["1", "2", "4"], [1, 2, 4]),              # cmind's --explore.X,=1,2,4
    ("range(1, 9, 3)", [1, 4, 7]),
    ("[2**i for i in range(4)]", [1, 2, 4, 8]),
    ("[b for b in range(8, 33, 8) if b != 24]", [8, 16, 32]),
    ("['onnxruntime', 'tf']", ["onnxruntime", "tf"]),
    ("onnxruntime,tf", ["onnxruntime", "tf"]),
    ("8", [8]),
    (16, [16]),
    ("[0.5, 1.0]", [0.5, 1.0]),
])
def test_value_specs(spec, values):
    assert parse_values("X", spec) == values


@pytest.mark.parametrize("spec,message", [
    ("[]", "has no values"),
    ("", "has no values"),
    ("range(5, 1)", "has no values"),
    ("[1, 2", "not a valid expression"),
    ("__import__('os').system('true')", "not allowed|unknown name"),
    ("open('/etc/passwd').read()", "not allowed"),
    ("[x for x in y]", "unknown name 'y'"),
    ("range(10**9)", "more than"),
    ("[1] * 10**8", "more than"),
    ("[1, 1]", "repeats a value"),
    ("[[1], [2]]", "not a number or a string"),
    ("1/0", "division by zero"),
])
def test_invalid_specs_are_clear_errors(spec, message):
    with pytest.raises(ExploreError, match=message):
        parse_values("BATCH", spec)


def test_error_names_the_variable():
    with pytest.raises(ExploreError, match=r"explored variable BATCH='\[\]' has no values"):
        expand({"BATCH": "[]"})
    with pytest.raises(ExploreError, match="a name is letters"):
        parse_values("bad-name", "[1]")
    with pytest.raises(ExploreError, match="nothing to explore"):
        expand({})


def test_cartesian_product_in_order():
    steps = expand({"BATCH": "[1,2]", "BACKEND": "onnxruntime,tf"})
    assert steps == [{"BATCH": 1, "BACKEND": "onnxruntime"}, {"BATCH": 1, "BACKEND": "tf"},
                     {"BATCH": 2, "BACKEND": "onnxruntime"}, {"BATCH": 2, "BACKEND": "tf"}]


def test_too_many_steps():
    with pytest.raises(ExploreError, match="more than the limit"):
        expand({"A": "range(200)", "B": "range(200)"})


def test_substitute():
    tokens = ["cm", "run", "script", "--batch_size={{BATCH}}", "--out={{ CM_EXPERIMENT_PATH }}/x"]
    assert substitute(tokens, {"BATCH": 4, "CM_EXPERIMENT_PATH": "/e/1"}) == \
        ["cm", "run", "script", "--batch_size=4", "--out=/e/1/x"]
    with pytest.raises(ExploreError, match=r"\{\{BACTH\}\} in the command has no value"):
        substitute(["--b={{BACTH}}"], {"BATCH": 1})


def test_safe_eval_has_no_attribute_access():
    with pytest.raises(ExploreError):
        safe_eval("(1).__class__")

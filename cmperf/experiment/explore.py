"""Exploration specs: variables and their values, their cartesian product, and substitution.

A value spec is a list (``[1, 2, 4]``), a comma list (``1,2,4``; cmind's ``--explore.X,=1,2,4``
gives a list of strings) or a Python expression over a small safe subset:
``range(1, 9)``, ``[2**i for i in range(6)]``, ``[b for b in range(8, 65, 8) if b != 24]``,
``["onnxruntime", "tf"]``. Expressions are evaluated by walking their syntax tree; only literals,
arithmetic, comparisons, comprehensions and a few pure builtins are allowed.
"""
import ast
import itertools
import operator
import re

MAX_STEPS = 10000
# {{NAME}}, or upstream's inline form {{NAME{VALUES}}} that also defines NAME's values in the command
# (e.g. {{BATCH{[1,2,4]}}} or {{B{['xx','yy']}}}); group 2 is the inline spec.
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\{(.*?)\}\s*)?\}\}")


class ExploreError(ValueError):
    """An exploration spec that cannot be expanded (the message names the variable)."""


_BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
           ast.Pow: operator.pow}
_CMPOPS = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
           ast.Gt: operator.gt, ast.GtE: operator.ge, ast.In: lambda a, b: a in b,
           ast.NotIn: lambda a, b: a not in b}
_FUNCS = {"range": range, "list": list, "min": min, "max": max, "abs": abs, "round": round, "int": int,
          "float": float, "str": str, "sorted": sorted, "len": len, "reversed": reversed}
_MAX_LEN = 100000


def _mul(a, b):
    if isinstance(a, (list, str)) or isinstance(b, (list, str)):
        n, seq = (b, a) if isinstance(a, (list, str)) else (a, b)
        if isinstance(n, int) and n * len(seq) > _MAX_LEN:
            raise ExploreError(f"a repeated sequence of more than {_MAX_LEN} items")
    return operator.mul(a, b)


def _pow(a, b):
    if isinstance(b, (int, float)) and abs(b) > 64:
        raise ExploreError(f"exponent {b} is too large")
    return operator.pow(a, b)


def _eval(node, names):
    if isinstance(node, ast.Expression):
        return _eval(node.body, names)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str, bool)):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_eval(e, names) for e in node.elts]
    if isinstance(node, ast.Name):
        if node.id in names:
            return names[node.id]
        raise ExploreError(f"unknown name {node.id!r}")
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        v = _eval(node.operand, names)
        return -v if isinstance(node.op, ast.USub) else v
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        op = {ast.Pow: _pow, ast.Mult: _mul}.get(type(node.op), _BINOPS[type(node.op)])
        return op(_eval(node.left, names), _eval(node.right, names))
    if isinstance(node, ast.Compare):
        left = _eval(node.left, names)
        for op, right_node in zip(node.ops, node.comparators):
            if type(op) not in _CMPOPS:
                raise ExploreError(f"operator {type(op).__name__} is not allowed")
            right = _eval(right_node, names)
            if not _CMPOPS[type(op)](left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.BoolOp):
        values = [_eval(v, names) for v in node.values]
        return all(values) if isinstance(node.op, ast.And) else any(values)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _FUNCS \
            and not node.keywords:
        args = [_eval(a, names) for a in node.args]
        value = _FUNCS[node.func.id](*args)
        if isinstance(value, range) and len(value) > _MAX_LEN:
            raise ExploreError(f"range of more than {_MAX_LEN} values")
        return list(value) if isinstance(value, (range, reversed)) else value
    if isinstance(node, ast.ListComp) and len(node.generators) == 1:
        gen = node.generators[0]
        if not isinstance(gen.target, ast.Name) or gen.is_async:
            raise ExploreError("a comprehension needs one plain loop variable")
        out = []
        for item in _eval(gen.iter, names):
            scope = {**names, gen.target.id: item}
            if all(_eval(cond, scope) for cond in gen.ifs):
                out.append(_eval(node.elt, scope))
        return out
    raise ExploreError(f"{type(node).__name__} is not allowed in an exploration expression")


def safe_eval(expression):
    """Evaluate a value-list expression without exec/eval; raise ExploreError on anything else."""
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as e:
        raise ExploreError(f"not a valid expression: {e.msg}") from None
    try:
        return _eval(tree, {})
    except ExploreError:
        raise
    except (TypeError, ValueError, ZeroDivisionError, OverflowError) as e:
        raise ExploreError(str(e)) from None


def _scalar(text):
    """'4' -> 4, '0.5' -> 0.5, anything else stays a string."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def parse_values(name, spec):
    """The list of values of one explored variable."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", str(name)):
        raise ExploreError(f"explored variable {name!r}: a name is letters, digits and '_'")
    try:
        if isinstance(spec, (list, tuple)):
            values = [_scalar(v.strip()) if isinstance(v, str) else v for v in spec]
        elif isinstance(spec, (int, float)) and not isinstance(spec, bool):
            values = [spec]
        elif isinstance(spec, str):
            text = spec.strip()
            if not text:
                values = []
            elif re.fullmatch(r"[^\[\](){}'\"]+", text) and "," in text or re.fullmatch(r"[\w.\-]+", text):
                values = [_scalar(v.strip()) for v in text.split(",") if v.strip()]   # 1,2,4 or 8
            else:
                values = safe_eval(text)
                values = list(values) if isinstance(values, (list, tuple)) else [values]
        else:
            raise ExploreError(f"unsupported spec of type {type(spec).__name__}")
    except ExploreError as e:
        raise ExploreError(f"explored variable {name}={spec!r}: {e}") from None
    if not values:
        raise ExploreError(f"explored variable {name}={spec!r} has no values")
    for v in values:
        if not isinstance(v, (int, float, str)) or isinstance(v, bool):
            raise ExploreError(f"explored variable {name}: value {v!r} is not a number or a string")
    if len(set(map(repr, values))) != len(values):
        raise ExploreError(f"explored variable {name}={spec!r} repeats a value")
    return values


def inline_specs(tokens):
    """{NAME: spec} of the {{NAME{spec}}} placeholders in the command tokens, in order of appearance.
    A name given two different inline specs is an error (which one would the user mean?)."""
    specs = {}
    for token in tokens:
        for m in PLACEHOLDER.finditer(token):
            name, spec = m.group(1), m.group(2)
            if spec is None:
                continue
            if name in specs and specs[name].strip() != spec.strip():
                raise ExploreError(f"{{{{{name}{{...}}}}}} is given two value lists: {specs[name]!r} and {spec!r}")
            specs[name] = spec
    return specs


def expand(explore, tokens=()):
    """The steps of an exploration: a list of {variable: value}, the cartesian product in the
    variables' order (the last variable changes fastest). Variables defined inline in the command
    tokens ({{NAME{[...]}}}) follow those of `explore`; one defined in both places is an error."""
    explore = dict(explore or {})
    for name, spec in inline_specs(tokens).items():
        if name in explore:
            raise ExploreError(f"explored variable {name} is defined by --explore.{name} and inline in the "
                               f"command ({{{{{name}{{{spec}}}}}}}): keep one")
        explore[name] = spec
    if not explore:
        raise ExploreError("nothing to explore: give at least one --explore.VAR=VALUES "
                           "or an inline {{VAR{[values]}}} in the command")
    names = list(explore)
    lists = [parse_values(n, explore[n]) for n in names]
    total = 1
    for values in lists:
        total *= len(values)
    if total > MAX_STEPS:
        raise ExploreError(f"{total} steps is more than the limit of {MAX_STEPS}")
    return [dict(zip(names, combo)) for combo in itertools.product(*lists)]


def substitute(tokens, values):
    """Replace {{NAME}} in every token; a placeholder without a value is an error (a typo would
    otherwise run the same command at every step)."""
    out = []
    for token in tokens:
        def repl(m):
            if m.group(1) not in values:
                raise ExploreError(f"{{{{{m.group(1)}}}}} in the command has no value; "
                                   f"defined: {', '.join(sorted(values))}")
            return str(values[m.group(1)])
        out.append(PLACEHOLDER.sub(repl, token))
    return out

"""Each op's generated code against its rule, bitwise, over every float; and the printer.

The compiler's code for a node comes from the op's own rules run on symbolic operands
(or, where they cannot run so, calls of the op's functions). Either way it must give
exactly what the rule gives: the same float, bit for bit, or the same error.
"""

from __future__ import annotations

import keyword
import math
import struct
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value, codegen, ops
from autograd.codegen import (
    BUILTINS,
    MAX_COMMENT,
    MAX_NAME,
    Branches,
    Expr,
    NodeCode,
    NodeWriter,
    NotSymbolicError,
    comment,
    identifier,
)
from autograd.ops import Op
from autograd.value import _new
from tests.strategies import OP_SHAPES, any_float, hostile_labels, op_points, real

TABLE = {name: entry for name, entry in vars(ops).items() if isinstance(entry, Op)}


def outcome(compute: Callable[[], Any]) -> tuple[str, str]:
    """What a computation gives, comparable bitwise: the repr of its number (repr keeps
    the sign of zero and every digit), or its error's type and message."""
    try:
        return ("value", repr(compute()))
    except Exception as error:
        return ("error", f"{type(error).__name__}: {error}")


def run(code: NodeCode, writer: NodeWriter, inputs: tuple[float, ...], out: float) -> tuple:
    """The code's forward and partials, evaluated on the inputs (and the node's value)."""
    names = [f"a{i}" for i in range(len(inputs) + 1)]
    scope = {**writer.namespace, **dict(zip(names, (*inputs, out), strict=True))}
    forward = outcome(lambda: eval(code.forward.fill(names), scope))
    if code.partials is None:
        assert code.partials_call is not None
        partials = outcome(lambda: eval(code.partials_call.fill(names), scope))
    else:
        partials = outcome(lambda: tuple(eval(t.fill(names), scope) for t in code.partials))
    return forward, partials


def test_every_op_of_the_table_has_a_shape_to_draw_points_for() -> None:
    assert set(TABLE) == set(OP_SHAPES)


@pytest.mark.parametrize("name", sorted(TABLE))
@given(data=st.data())
def test_each_ops_code_gives_bitwise_what_its_rules_give_on_every_float(
    name: str, data: st.DataObject
) -> None:
    op = TABLE[name]
    inputs, constants = data.draw(op_points(name))
    writer = NodeWriter(set())
    code = writer.code_for(op, len(inputs), constants, inputs)  # as the compiler takes it
    args = op.arguments(inputs, constants)
    value = outcome(lambda: op.forward(*args))
    if value[0] == "error":
        assert run(code, writer, inputs, math.nan)[0] == value
        return
    out = op.forward(*args)
    partials = outcome(lambda: tuple(op.local(*args, out)))
    assert run(code, writer, inputs, out) == (value, partials)


@pytest.mark.parametrize("name", ["DOT", "AFFINE", "LINEAR", "MEAN"])
@given(data=st.data())
def test_sums_stay_sums_so_the_code_is_bitwise_on_every_python(
    name: str, data: st.DataObject
) -> None:
    """From Python 3.12 sum() of floats is compensated: many ordinary numbers, whose
    rounding it would correct, tell a sum() call from unrolled additions."""
    op = TABLE[name]
    inputs, constants = data.draw(op_points(name, real(-10.0, 10.0), most=8))
    writer = NodeWriter(set())
    code = writer.write(op, len(inputs), constants)
    out = op.forward(*op.arguments(inputs, constants))
    assert run(code, writer, inputs, out)[0] == ("value", repr(out))


# The code as a learner reads it: a0, a1, ... are the inputs, the last name is the node.
READABLE = [
    ("MUL", 2, (), "a0 * a1", ("a1", "a0")),
    ("DIV", 2, (), "a0 / a1", ("1.0 / a1", "-a2 / a1")),
    ("RSUB_CONST", 1, (3.0,), "3.0 - a0", ("-1.0",)),
    ("DIV_CONST", 1, (4.0,), "a0 / 4.0", ("0.25",)),
    ("RPOW_CONST", 1, (2.0,), "rpow_const(a0, 2.0)", ("a1 * 0.6931471805599453",)),
    ("TANH", 1, (), "tanh(a0)", ("1.0 - a1 * a1",)),
    ("SIGMOID", 1, (), "sigmoid(a0)", ("a1 * (1.0 - a1)",)),
    ("RELU", 1, (), "0.0 if a0 <= 0 else a0", ("1.0 if a0 > 0 else 0.0",)),
    ("ABS", 1, (), "abs(a0)", ("1.0 if a0 > 0 else -1.0 if a0 < 0 else 0.0",)),
    ("SIN", 1, (), "sin(a0)", ("cos(a0)",)),
    ("COS", 1, (), "cos(a0)", ("-sin(a0)",)),
    ("EXP", 1, (), "exp(a0)", ("a1",)),
    ("LOG", 1, (), "log(a0)", ("1.0 / a0",)),
    # sqrt's rule tests its operand: on a float (and a symbol) a branch, on a Value a node
    ("SQRT", 1, (), "sqrt(a0)", ("inf if a0 == 0 else 0.5 / a1",)),
    ("POW_CONST", 1, (2.0,), "pow_const(a0, 2.0)", ("2.0 * a0",)),
    ("POW_CONST", 1, (0.0,), "pow_const(a0, 0.0)", ("0.0",)),
    ("AFFINE", 5, (), "sum((a0 * a2, a1 * a3)) + a4", ("a2", "a3", "a0", "a1", "1.0")),
    ("LINEAR", 2, (0.5, -2.0), "sum((a0 * 0.5, a1 * -2.0))", ("0.5", "-2.0")),
    ("MEAN", 3, (), "sum((a0, a1, a2)) / 3", ("0.3333333333333333",) * 3),
]


@pytest.mark.parametrize(
    ("name", "n", "constants", "forward", "partials"),
    READABLE,
    ids=[f"{r[0]}{list(r[2]) if r[2] else ''}" for r in READABLE],
)
def test_the_code_reads_as_the_rule_written_out(
    name: str, n: int, constants: tuple, forward: str, partials: tuple
) -> None:
    code = NodeWriter(set()).write(TABLE[name], n, constants)
    names = [f"a{i}" for i in range(n + 1)]
    assert code.forward.fill(names) == forward
    assert code.partials is not None
    assert tuple(t.fill(names) for t in code.partials) == partials


# -- the printer: precedence and grouping ----------------------------------------------------
BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "**": lambda a, b: a**b,
}
expressions = st.recursive(
    st.one_of(st.integers(0, 2), any_float.map(lambda x: ("number", x))),
    lambda inner: st.one_of(
        st.tuples(st.sampled_from(sorted(BINARY)), inner, inner),
        st.tuples(st.sampled_from(["neg", "abs"]), inner),
    ),
    max_leaves=8,
)


def evaluate(tree: Any, operands: list[Any]) -> Any:
    """The expression tree on floats, or on symbolic operands (then it prints itself)."""
    if isinstance(tree, int):
        return operands[tree]
    if tree[0] == "number":
        return tree[1]
    if tree[0] == "neg":
        return -evaluate(tree[1], operands)
    if tree[0] == "abs":
        return abs(evaluate(tree[1], operands))
    return BINARY[tree[0]](evaluate(tree[1], operands), evaluate(tree[2], operands))


@given(expressions, st.tuples(any_float, any_float, any_float))
def test_printed_expressions_group_exactly_as_they_were_computed(tree: Any, xs: tuple) -> None:
    """Brackets wherever Python would group otherwise: -x ** 2, a - (b - c), (-2.0) ** x."""
    branches = Branches(NodeWriter(set()), [])
    direct = outcome(lambda: evaluate(tree, list(xs)))
    try:
        printed = evaluate(tree, [branches.new(f"x{i}", 7) for i in range(3)])
    except ArithmeticError:  # a part made of numbers only is computed while printing
        assert direct[0] == "error"
        return
    except NotSymbolicError:  # such a part came out complex: no float to print
        assert direct[0] == "error" or "j" in direct[1]
        return
    if isinstance(printed, complex):  # numbers only, come out complex: no float to print
        assert "j" in direct[1]
        return
    source = printed.code if isinstance(printed, Expr) else repr(printed)
    scope = {"x0": xs[0], "x1": xs[1], "x2": xs[2], "inf": math.inf, "nan": math.nan}
    assert outcome(lambda: eval(source, scope)) == direct


# -- rules from outside the table: branches, loops, and float and Value paths that differ ---
def node_of(op: Op, *inputs: Value) -> Value:
    data = tuple(x.data for x in inputs)
    out = op.forward(*data)
    return _new(out, op, inputs, tuple(op.local(*data, out)), ())


CLIP = Op(
    "clip",
    lambda x: -1.0 if x < -1 else 1.0 if x > 1 else x,
    lambda x, out: (0.0 if x < -1 or x > 1 else 1.0,),
)


@given(any_float)
def test_a_rule_with_nested_branches_is_written_as_conditionals(x: float) -> None:
    writer = NodeWriter(set())
    code = writer.write(CLIP, 1, ())
    assert code.forward.fill(["a0", "a1"]) == "-1.0 if a0 < -1 else 1.0 if a0 > 1 else a0"
    assert code.partials is not None
    value = outcome(lambda: CLIP.forward(x))
    out = CLIP.forward(x)
    assert run(code, writer, (x,), out) == (value, outcome(lambda: CLIP.local(x, out)))


def _count_down(x: Any) -> Any:
    while 1.0 < x < 1e9:  # on a symbol the test never settles
        x = x / 2.0
    return x


def _twice_for_floats(x: Any) -> Any:
    return x * 2.0 if isinstance(x, float) else x * 3.0  # a float path unlike its Value path


@pytest.mark.parametrize(
    "op",
    [
        Op("countdown", _count_down, lambda x, out: (1.0,)),
        Op("odd", _twice_for_floats, lambda x, out: (2.0,)),
        Op("exp2", lambda x: math.exp(x) * 2.0, lambda x, out: (out,)),
    ],
    ids=["a loop on a symbolic test", "float and Value paths differ", "math wants a number"],
)
def test_a_rule_that_cannot_be_written_symbolically_is_called(op: Op) -> None:
    node = node_of(op, Value(2.5))
    writer = NodeWriter(set())
    code = writer.code(node)
    forward = code.forward.fill(["a0", "a1"])
    assert forward.endswith("(a0)") and writer.namespace[forward[:-4]] is op.forward
    assert run(code, writer, (2.5,), node.data)[0] == ("value", repr(node.data))


def test_a_rule_that_catches_an_overflow_is_called() -> None:
    """x ** y's slope is ±inf where y x^(y-1) overflows (``_total_power`` catches the
    OverflowError of ``**``): symbols refuse the float() it starts with, so it is called."""
    writer = NodeWriter(set())
    assert writer.write(ops.POW, 2, ()).partials is None
    code = writer.code_for(ops.POW, 2, (), [1.5, 2.0])
    assert code.partials_call is not None
    assert code.partials_call.fill(["a0", "a1", "a2"]) == "pow_value_local(a0, a1, a2)"
    partials = ops.POW.local(1e-200, -1.0, 1e200)
    assert partials[0] == -math.inf
    assert run(code, writer, (1e-200, -1.0), 1e200)[1] == ("value", repr(partials))


def test_each_kind_of_node_is_written_once() -> None:
    x = Value(1.0)
    a, b, c = x * 3.0, x * 3.0, x * -3.0
    writer = NodeWriter(set())
    assert writer.code(a) is writer.code(b)
    assert writer.code(a) is not writer.code(c)
    zero, negative_zero = x * 0.0, x * -0.0  # equal as floats, but not the same constant
    assert writer.code(zero).partials != writer.code(negative_zero).partials


def test_bound_names_never_take_a_name_the_program_uses() -> None:
    writer = NodeWriter({"tanh", "sigmoid"})
    code = writer.write(ops.TANH, 1, ())
    assert code.forward.fill(["a0", "a1"]) == "tanh_2(a0)"
    assert writer.namespace["tanh_2"] is math.tanh


@given(hostile_labels())
def test_a_name_from_any_text_is_a_name_the_code_can_never_use_for_itself(text: str) -> None:
    name = identifier(text)
    assert name.isidentifier() and not keyword.iskeyword(name)
    assert not name.startswith(("_", "g_", "d_")) and len(name) <= MAX_NAME
    assert identifier(name) == name  # a name made once stays as it is


@given(hostile_labels())
def test_a_comment_is_one_printable_line_of_bounded_length(text: str) -> None:
    shown = comment(text)
    assert shown.isprintable() and len(shown) <= MAX_COMMENT
    assert len(f"x = 1  # {shown}\n".splitlines()) == 1
    if text.isprintable() and len(text) <= MAX_COMMENT:
        assert shown == text  # a readable label is shown as it is


@given(hostile_labels())
def test_a_custom_functions_name_binds_under_a_name_the_code_does_not_use(text: str) -> None:
    def function(x: float) -> float:
        return x

    function.__name__ = text
    writer = NodeWriter({"x"})
    name = writer.bind(function, Op(text, function, lambda x, out: (1.0,)))
    assert name.isidentifier() and not keyword.iskeyword(name)
    assert name not in BUILTINS and name != "x" and writer.namespace[name] is function


def test_the_cache_of_verdicts_cannot_grow_past_its_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(codegen, "MAX_VERDICTS", 8)
    monkeypatch.setattr(codegen, "_VERDICTS", {})
    for k in range(20):  # each constant is another kind of node, checked at the edges
        NodeWriter(set()).code_for(ops.MUL_CONST, 1, (1.0 + k / 64,), [0.5])
        assert len(codegen._VERDICTS) == min(k + 1, 8)


# Every NaN of both signs, quiet and signaling, with small and large payloads.
NANS = [
    struct.unpack("<d", struct.pack("<Q", bits))[0]
    for bits in (
        0x7FF8000000000000,
        0xFFF8000000000000,
        0x7FF0000000000001,
        0xFFF0000000000001,
        0x7FF4000000000000,
        0x7FFFFFFFFFFFFFFF,
    )
]


def float_bits(x: float) -> bytes:
    return struct.pack("<d", x)


@given(st.one_of(st.floats(), st.sampled_from(NANS)))
def test_a_power_of_one_is_its_base_bitwise_for_every_float(x: float) -> None:
    """Why the code writes ``x`` for ``x ** 1.0`` and ``math.pow(x, 1.0)``."""
    assert float_bits(x**1.0) == float_bits(x) == float_bits(math.pow(x, 1.0))


def test_a_product_with_one_is_not_its_factor_for_a_signaling_nan() -> None:
    """Why ``x * 1.0`` stays as it is: the product quiets a signaling NaN."""
    signaling = NANS[2]
    assert float_bits(signaling * 1.0) != float_bits(signaling)


def test_the_code_of_a_power_of_one_is_its_base() -> None:
    writer = NodeWriter(set())
    x = Value(3.0)
    assert writer.code(x**1.0).forward.fill(["a0", "a1"]) == "a0"
    partial = writer.code(x**2).partials
    assert partial is not None and partial[0].fill(["a0", "a1"]) == "2.0 * a0"

"""Value as a Python object: construction, conversions, comparisons, identity, the graph it
records (ops, ordered inputs, local derivatives, dot's single node) and its memory."""

from __future__ import annotations

import gc
import math
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value, dot, grad, logsumexp, mean, no_grad, ops
from autograd.value import record
from tests.strategies import (
    away_from_zero,
    fractions,
    integers,
    plain_numbers,
    positive_bases,
    real,
    reals,
)

# -- construction ---------------------------------------------------------------------------


@given(number=st.one_of(integers, reals, fractions))
def test_real_numbers_are_stored_as_float(number: int | float | Fraction) -> None:
    v = Value(number)
    assert type(v.data) is float
    assert v.data == float(number)
    assert v.grad == 0.0
    assert v.label == ""


@pytest.mark.parametrize("name", ["float64", "float32", "int64", "int8", "uint16"])
def test_numpy_scalars_are_stored_as_float(name: str) -> None:
    np = pytest.importorskip("numpy")
    scalar = getattr(np, name)(3)
    v = Value(scalar)
    assert type(v.data) is float
    assert v.data == 3.0


@pytest.mark.parametrize(
    "bad", ["1.0", None, True, False, 1 + 2j, [1.0], (1.0,), {"data": 1.0}], ids=repr
)
def test_non_real_data_is_refused_saying_what_was_passed(bad: object) -> None:
    with pytest.raises(TypeError) as raised:
        Value(bad)
    message = str(raised.value)
    assert type(bad).__name__ in message
    assert repr(bad) in message


def test_label_is_kept_and_must_be_a_string() -> None:
    assert Value(1.0, label="w").label == "w"
    with pytest.raises(TypeError, match="label"):
        Value(1.0, label=3)


# -- conversion, display, comparison, identity --------------------------------------------------


@given(data=reals, grad_value=reals)
def test_repr_shows_label_data_and_grad(data: float, grad_value: float) -> None:
    v = Value(data, label="weight")
    v.grad = grad_value
    shown = repr(v)
    assert "weight" in shown
    assert repr(data) in shown
    assert repr(grad_value) in shown
    assert repr(data) in repr(Value(data))


@given(data=reals)
def test_float_gives_data(data: float) -> None:
    assert float(Value(data)) == data


@given(data=reals)
def test_item_gives_data_as_a_float(data: float) -> None:
    x = Value(data) * 1
    assert type(x.item()) is float and x.item() == data


@given(data=reals)
def test_detach_is_a_new_leaf_with_the_same_data_that_stops_gradients(data: float) -> None:
    x = Value(data, label="x")
    y = x * 3.0
    held = y.detach()
    assert held is not y and held.data == y.data
    assert held.op == "" and held.inputs == () and held.operation is None and held.grad == 0.0
    out = held * x  # d out / d x sees x once: the detached factor is a constant
    assert grad(out, [x]) == [held.data]
    held.data = 99.0  # a copy: the original node keeps its value
    assert y.data == data * 3.0


def test_a_value_can_be_weakly_referenced_and_is_freed_all_the_same() -> None:
    with cyclic_gc_off():
        node = Value(2.0) * 3
        ref = weakref.ref(node)
        cache = weakref.WeakKeyDictionary({node: "cached"})
        assert ref() is node and cache[node] == "cached"
        del node
        assert ref() is None and len(cache) == 0


@given(a=reals, b=reals)
def test_ordering_compares_data(a: float, b: float) -> None:
    x, y = Value(a), Value(b)
    assert (x < y, x <= y, x > y, x >= y) == (a < b, a <= b, a > b, a >= b)
    assert (x < b, x <= b, x > b, x >= b) == (a < b, a <= b, a > b, a >= b)
    assert (a < y, a <= y, a > y, a >= y) == (a < b, a <= b, a > b, a >= b)
    assert max(x, y).data == max(a, b)


@given(data=reals)
def test_equality_and_hash_are_identity(data: float) -> None:
    x, twin = Value(data), Value(data)
    assert x == x
    assert x != twin
    assert {x, twin, x} == {x, twin}
    assert len({x, twin}) == 2
    table = {x: "x", twin: "twin"}
    assert table[x] == "x"
    assert table[twin] == "twin"


OPERATORS: list[tuple[str, Callable]] = [
    ("+", lambda a, b: a + b),
    ("-", lambda a, b: a - b),
    ("*", lambda a, b: a * b),
    ("/", lambda a, b: a / b),
    ("**", lambda a, b: a**b),
]
each_operator = pytest.mark.parametrize(("name", "apply"), OPERATORS, ids=[o[0] for o in OPERATORS])


@each_operator
def test_numpy_scalar_on_the_left_gives_a_value(name: str, apply: Callable) -> None:
    np = pytest.importorskip("numpy")
    x = Value(3.0)
    out = apply(np.float64(2.0), x)
    assert isinstance(out, Value)
    assert out.data == apply(2.0, 3.0)
    assert out.inputs == (x,)


@each_operator
@pytest.mark.parametrize("bad", ["2", None, [2.0], 1j], ids=repr)
def test_operands_that_are_not_real_numbers_raise_type_error(
    name: str, apply: Callable, bad: object
) -> None:
    with pytest.raises(TypeError):
        apply(Value(2.0), bad)
    with pytest.raises(TypeError):
        apply(bad, Value(2.0))


# -- the graph a node records -----------------------------------------------------------------


def test_a_leaf_has_no_op_and_no_inputs() -> None:
    v = Value(1.0)
    assert (v.op_name, v.op_entry, v.inputs, v.local_grads, v.constants) == ("", None, (), (), ())


@pytest.mark.parametrize(
    ("make", "entry"),
    [
        (lambda x: x * 3.0, ops.MUL_CONST),
        (lambda x: 3.0 - x, ops.RSUB_CONST),
        (lambda x: x.tanh(), ops.TANH),
        (lambda x: dot([x], [x]), ops.DOT),
        (lambda x: x, None),
    ],
)
def test_op_name_is_the_entrys_name_and_the_older_names_say_the_same(make, entry) -> None:
    v = make(Value(0.5))
    assert v.op_entry is entry and v.op_name == (entry.name if entry else "")
    assert (v.op, v.operation) == (v.op_name, v.op_entry)  # kept for code that uses them
    with no_grad():
        held = make(Value(0.5))
    assert (held.op_name, held.op_entry, held.inputs) == ("", None, ())  # no graph, no op


@given(a=reals)
def test_a_times_a_keeps_both_edges(a: float) -> None:
    x = Value(a)
    square = x * x
    assert square.op == "*"
    assert square.inputs == (x, x)
    assert square.local_grads == (a, a)
    assert grad(square, [x]) == [2 * a]


@given(a=reals, b=reals)
def test_inputs_are_ordered_with_their_local_derivatives(a: float, b: float) -> None:
    x, y = Value(a), Value(b)
    for out, partials in [
        (x * y, (b, a)),
        (y * x, (a, b)),
        (x - y, (1.0, -1.0)),
        (y - x, (1.0, -1.0)),
    ]:
        assert out.local_grads == partials
    assert (x - y).inputs == (x, y)
    assert (y - x).inputs == (y, x)


@given(a=reals, c=plain_numbers)
def test_a_number_operand_is_not_a_node_but_the_nodes_constant(a: float, c: int | float) -> None:
    x = Value(a)
    for out, partial in [(x * c, float(c)), (c * x, float(c)), (x + c, 1.0), (c - x, -1.0)]:
        assert out.inputs == (x,)
        assert out.local_grads == (partial,)
        assert all(type(g) is float for g in out.local_grads)
        assert out.constants == (float(c),)
        assert all(type(k) is float for k in out.constants)


@given(a=positive_bases, c=away_from_zero(0.5, 4.0))
def test_every_op_with_a_constant_records_what_the_user_wrote(a: float, c: float) -> None:
    """Exactly one local derivative per input, the constant in its own place, the op as written."""
    x = Value(a, label="x")
    cases = [
        (x + c, ops.ADD_CONST, (1.0,)),
        (c + x, ops.ADD_CONST, (1.0,)),
        (x - c, ops.SUB_CONST, (1.0,)),
        (c - x, ops.RSUB_CONST, (-1.0,)),
        (x * c, ops.MUL_CONST, (c,)),
        (c * x, ops.MUL_CONST, (c,)),
        (x / c, ops.DIV_CONST, (1.0 / c,)),
        (c / x, ops.RDIV_CONST, (-(c / a) / a,)),
        (x**c, ops.POW_CONST, (c * a ** (c - 1),)),
        (abs(c) ** x, ops.RPOW_CONST, (abs(c) ** a * math.log(abs(c)),)),
    ]
    for out, op, partials in cases:
        assert out.operation is op
        assert out.inputs == (x,)
        assert out.local_grads == pytest.approx(partials, rel=1e-12)
        assert len(out.constants) == 1 and abs(out.constants[0]) == abs(c)
    assert (x - c).data == a - c  # subtraction, not the addition of -c
    assert (x - c).op == "-" and (c - x).op == "-" and (x / c).op == "/" and (x**3).op == "**"
    assert (c - x).operation.reflected and not (x - c).operation.reflected


def test_dot_keeps_its_constant_coefficients_as_constants() -> None:
    x = [Value(1.0), Value(2.0)]
    out = dot(x, [0.5, 3])
    assert out.operation is ops.LINEAR
    assert out.constants == (0.5, 3.0)
    assert out.local_grads == (0.5, 3.0)
    w, b = [Value(1.0), Value(-1.0)], Value(0.25)
    affine = dot(w, x, b)
    assert affine.operation is ops.AFFINE
    assert affine.inputs == (*w, *x, b)
    assert affine.local_grads == (1.0, 2.0, 1.0, -1.0, 1.0)
    assert dot(w, x).operation is ops.DOT


def test_each_op_records_its_name() -> None:
    x, y = Value(0.5), Value(2.0)
    made = {
        "+": x + y,
        "-": x - y,
        "*": x * y,
        "/": x / y,
        "**": x**y,
        "neg": -x,
        "exp": x.exp(),
        "log": x.log(),
        "tanh": x.tanh(),
        "sigmoid": x.sigmoid(),
        "relu": x.relu(),
        "sin": x.sin(),
        "cos": x.cos(),
        "sqrt": x.sqrt(),
        "abs": abs(x),
        "dot": dot([x], [y]),
        "mean": mean([x, y]),
        "logsumexp": logsumexp([x, y]),
    }
    assert {name: v.op for name, v in made.items()} == {name: name for name in made}


# -- dot: one node for a weighted sum ---------------------------------------------------------


@given(
    pairs=st.lists(st.tuples(reals, reals), min_size=1, max_size=6),
    bias=st.one_of(st.none(), reals),
)
def test_dot_is_one_node_whose_partials_are_the_other_side(
    pairs: list[tuple[float, float]], bias: float | None
) -> None:
    w = [Value(a) for a, _ in pairs]
    x = [Value(b) for _, b in pairs]
    b = None if bias is None else Value(bias)
    out = dot(w, x, b)
    bias_part = () if b is None else (b,)
    assert set(out.inputs) == {*w, *x, *bias_part}
    assert len(out.inputs) == len(w) + len(x) + len(bias_part)
    partial = dict(zip(out.inputs, out.local_grads, strict=True))
    assert [partial[wi] for wi in w] == [xi.data for xi in x]
    assert [partial[xi] for xi in x] == [wi.data for wi in w]
    if b is not None:
        assert partial[b] == 1.0
    assert all(v.op == "" for v in out.inputs)  # no hidden nodes in between


@given(coefficients=st.lists(reals, min_size=1, max_size=6), bias=st.one_of(st.none(), reals))
def test_dot_with_a_constant_side_gives_it_no_edges(
    coefficients: list[float], bias: float | None
) -> None:
    x = [Value(float(i)) for i in range(len(coefficients))]
    for out in (dot(coefficients, x, bias), dot(x, coefficients, bias)):
        assert out.inputs[: len(x)] == tuple(x)
        assert out.local_grads[: len(x)] == tuple(coefficients)
        assert len(out.inputs) == len(x) + (bias is not None)
        expected = math.fsum(
            [*(c * v.data for c, v in zip(coefficients, x, strict=True)), bias or 0.0]
        )
        assert out.data == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_dot_with_numbers_mixed_into_a_side_of_values() -> None:
    w, x, y = Value(1.5), Value(-2.0), Value(0.25)
    out = dot([w, 2.0], [x, y], bias=3)
    assert out.data == 1.5 * -2.0 + 2.0 * 0.25 + 3
    assert grad(out, [w, x, y]) == [-2.0, 1.5, 2.0]


def test_dot_with_constant_coefficients_and_numbers_mixed_into_the_value_side() -> None:
    x = Value(1.0)
    out = dot([1.0, 2.0], [x, 3.0])
    assert out.data == 7.0
    assert grad(out, [x]) == [1.0]


def test_dot_refuses_bad_arguments_saying_why() -> None:
    x = Value(1.0)
    with pytest.raises(ValueError, match=r"dot.*\(2 != 1\)"):
        dot([x, x], [1.0])
    with pytest.raises(TypeError, match="dot"):
        dot([1.0, 2.0], [3.0, 4.0])
    with pytest.raises(TypeError, match=r"dot weights\[1\].*str 'w'"):
        dot([x, "w"], [x, x])
    with pytest.raises(TypeError, match=r"dot bias.*list \[1\.0\]"):
        dot([x], [x], bias=[1.0])


# -- memory: a dropped graph is freed by reference counting, with no cycles ---------------------


@contextmanager
def cyclic_gc_off() -> Iterator[None]:
    """Switch the cycle collector off, so only reference counting can free anything."""
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def live_values() -> int:
    return sum(type(obj) is Value for obj in gc.get_objects())


def build_and_differentiate(n: int) -> Value:
    """A graph using every kind of node: shared inputs, dot, a backward, a second derivative."""
    x, y = Value(0.3, "x"), Value(-0.7, "y")
    out = x
    for _ in range(n):
        out = dot([out, y], [x, out], bias=(out * y).tanh()).sigmoid() + x.exp() / (2 + y**2)
    out.backward()
    (first,) = grad(out, [x], create_graph=True)
    with no_grad():
        second = grad(first, [x], create_graph=True)[0] * 2
    return first + second


def test_a_dropped_graph_is_freed_at_once_by_reference_counting() -> None:
    with cyclic_gc_off():
        before = live_values()
        graph = build_and_differentiate(20)
        assert live_values() > before + 100
        del graph
        assert live_values() == before


def test_a_graph_holds_no_reference_cycles() -> None:
    with cyclic_gc_off():
        gc.set_debug(gc.DEBUG_SAVEALL)  # whatever the collector finds stays in gc.garbage
        try:
            graph = build_and_differentiate(20)
            del graph
            gc.collect()
            in_cycles = [obj for obj in gc.garbage if isinstance(obj, Value)]
        finally:
            gc.set_debug(0)
            gc.garbage.clear()
    assert in_cycles == []


def test_deleting_a_long_chain_does_not_crash() -> None:
    """Freeing a deep chain must not recurse once per node (CPython's trashcan covers it)."""
    with cyclic_gc_off():
        before = live_values()
        out = Value(1.0)
        for _ in range(200_000):
            out = out * 1.0
        del out
        assert live_values() == before


# -- record: how every node is made -------------------------------------------------------------
METHOD_OPS = [op for op in ops.entries() if op.method]  # the ops a Value method makes


@pytest.mark.parametrize("op", METHOD_OPS, ids=lambda op: op.name)
@given(a=real(0.1, 10.0))
def test_record_makes_the_node_the_value_method_makes(op: ops.Op, a: float) -> None:
    x = Value(a)
    by_method, by_record = getattr(x, op.method)(), record(op, (x,))
    assert by_record.operation is op and by_record.inputs == (x,)
    assert repr(by_record.data) == repr(by_method.data)
    assert repr(by_record.local_grads) == repr(by_method.local_grads)
    with no_grad():
        assert record(op, (x,)).inputs == () and record(op, (x,)).data == by_method.data


@given(a=reals, c=reals)
def test_record_takes_constants_after_the_inputs_as_the_operators_do(a: float, c: float) -> None:
    x = Value(a)
    recorded, written = record(ops.SUB_CONST, (x,), (c,)), x - c
    assert (recorded.data, recorded.constants, recorded.local_grads) == (
        written.data,
        written.constants,
        written.local_grads,
    )


def test_record_runs_a_stand_in_rule_only_when_the_mode_records() -> None:
    x, y = Value(2.0), Value(3.0)
    calls: list[tuple[float, ...]] = []

    def local(*args_out: float) -> tuple[float, ...]:
        calls.append(args_out)
        return (1.0, 2.0)

    assert record(ops.MUL, (x, y), forward=lambda a, b: a - b, local=local).data == -1.0
    assert calls == [(2.0, 3.0, -1.0)]
    with no_grad():
        record(ops.MUL, (x, y), local=local)
    assert len(calls) == 1


def test_record_raises_a_math_error_naming_the_op_and_its_operands() -> None:
    with pytest.raises(ValueError, match=r"^log\(a=-1\.0\): defined for x > 0$"):
        record(ops.LOG, (Value(-1.0, label="a"),))
    with pytest.raises(ZeroDivisionError, match=r"^/\(x=1\.0, 0\.0\): division by zero$"):
        record(ops.DIV_CONST, (Value(1.0, label="x"),), (0.0,))


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_truth_is_the_truth_of_the_data_as_in_pytorch(x) -> None:
    """``if v:`` reads the number, as ``bool(torch.tensor(x))`` does: 0.0 and -0.0 are
    False, NaN and every other number True; while tracing it raises (tests/test_compiler.py)."""
    assert bool(Value(x)) is bool(x)
    assert bool(Value(x) * 1.0) is bool(x * 1.0)

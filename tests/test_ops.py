"""Every op against mathematics: forward values, first and second derivatives, errors, edges.

One table lists the cases: a name, how to build the op from Values (and plain numbers), a
reference written with ``math``, and the domain to draw points from (tests/strategies.py).
Each property below then runs over every case.
"""

from __future__ import annotations

import math
import operator
import struct
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import (
    Value,
    compile,
    detect_anomaly,
    dot,
    explain_backward,
    grad,
    gradient,
    jvp,
    logsumexp,
    mean,
    ops,
    sum_squares,
    topological_order,
)
from autograd import value as value_module
from autograd.codegen import NodeWriter
from autograd.gradients import data_choices
from autograd.names import formula, node_names, reading_order
from autograd.player import write_page
from autograd.viz import draw_dot
from tests.strategies import (
    any_finite,
    arguments,
    denominators,
    dot_arguments,
    exp_arguments,
    exponents,
    integer_exponents,
    kinked_arguments,
    log_arguments,
    negative_bases,
    plain_numbers,
    positive_bases,
    real,
    reals,
    reduction_arguments,
    sqrt_arguments,
    squash_arguments,
    trig_arguments,
)

ATOL, RTOL = 1e-5, 1e-4  # the issue's tolerances for derivatives where well conditioned


@dataclass(frozen=True)
class OpCase:
    """One op: ``build(values, constants)`` in the engine, ``reference(xs, constants)`` in math."""

    name: str
    build: Callable[[list[Value], tuple], Value]
    reference: Callable[[list[float], tuple], float]
    arguments: st.SearchStrategy[tuple[tuple[float, ...], tuple]]

    def __str__(self) -> str:
        return self.name


def scalar_case(
    name: str,
    build: Callable[..., Value],
    reference: Callable[..., float],
    points: st.SearchStrategy,
) -> OpCase:
    """A case whose build and reference take the variables, then the constants, as arguments."""
    return OpCase(name, lambda v, c: build(*v, *c), lambda x, c: reference(*x, *c), points)


def _dot_reference(weights: list[float], inputs: list[float], bias: list[float]) -> float:
    return math.fsum([*map(operator.mul, weights, inputs), *bias])


def _halves(xs: list) -> tuple[list, list, list]:
    """Both-sides-Values dot layout (weights..., inputs..., [bias]) split into its parts."""
    n = len(xs) // 2
    return xs[:n], xs[n : 2 * n], xs[2 * n :]


def _dot_cases(bias: bool) -> list[OpCase]:
    """dot with Values on both sides, Value weights and constant inputs, and the reverse."""
    suffix = " + b" if bias else ""

    def b(xs: list) -> object:
        return xs[-1] if bias else None

    return [
        OpCase(
            f"dot(w, x){suffix}",
            lambda v, c: dot(_halves(v)[0], _halves(v)[1], b(v)),
            lambda x, c: _dot_reference(*_halves(x)),
            dot_arguments(value_sides=2, bias=bias),
        ),
        OpCase(
            f"dot(w, const){suffix}",
            lambda v, c: dot(v[: len(c)], c, b(v)),
            lambda x, c: _dot_reference(x[: len(c)], list(c), x[len(c) :]),
            dot_arguments(value_sides=1, bias=bias),
        ),
        OpCase(
            f"dot(const, x){suffix}",
            lambda v, c: dot(c, v[: len(c)], b(v)),
            lambda x, c: _dot_reference(list(c), x[: len(c)], x[len(c) :]),
            dot_arguments(value_sides=1, bias=bias),
        ),
    ]


def _sigmoid_reference(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


OP_CASES = [
    scalar_case("x + y", operator.add, operator.add, arguments(reals, reals)),
    scalar_case("x + c", operator.add, operator.add, arguments(reals, constants=(plain_numbers,))),
    scalar_case(
        "c + x",
        lambda x, c: c + x,
        lambda x, c: c + x,
        arguments(reals, constants=(plain_numbers,)),
    ),
    scalar_case("x - y", operator.sub, operator.sub, arguments(reals, reals)),
    scalar_case("x - c", operator.sub, operator.sub, arguments(reals, constants=(plain_numbers,))),
    scalar_case(
        "c - x",
        lambda x, c: c - x,
        lambda x, c: c - x,
        arguments(reals, constants=(plain_numbers,)),
    ),
    scalar_case("x * y", operator.mul, operator.mul, arguments(reals, reals)),
    scalar_case("x * c", operator.mul, operator.mul, arguments(reals, constants=(plain_numbers,))),
    scalar_case(
        "c * x",
        lambda x, c: c * x,
        lambda x, c: c * x,
        arguments(reals, constants=(plain_numbers,)),
    ),
    scalar_case("x * x", lambda x: x * x, lambda x: x * x, arguments(reals)),
    scalar_case("x / y", operator.truediv, operator.truediv, arguments(reals, denominators)),
    scalar_case(
        "x / c", operator.truediv, operator.truediv, arguments(reals, constants=(denominators,))
    ),
    scalar_case(
        "c / x", lambda x, c: c / x, lambda x, c: c / x, arguments(denominators, constants=(reals,))
    ),
    scalar_case(
        "x ** c", operator.pow, math.pow, arguments(positive_bases, constants=(exponents,))
    ),
    scalar_case(
        "(-x) ** n",
        operator.pow,
        operator.pow,
        arguments(negative_bases, constants=(integer_exponents,)),
    ),
    scalar_case("x ** y", operator.pow, math.pow, arguments(positive_bases, exponents)),
    scalar_case("x ** x", lambda x: x**x, lambda x: x**x, arguments(positive_bases)),
    scalar_case(
        "c ** x",
        lambda x, c: c**x,
        lambda x, c: c**x,
        arguments(exponents, constants=(positive_bases,)),
    ),
    scalar_case("-x", operator.neg, operator.neg, arguments(reals)),
    scalar_case("exp", Value.exp, math.exp, arguments(exp_arguments)),
    scalar_case("log", Value.log, math.log, arguments(log_arguments)),
    scalar_case("tanh", Value.tanh, math.tanh, arguments(squash_arguments)),
    scalar_case("sigmoid", Value.sigmoid, _sigmoid_reference, arguments(squash_arguments)),
    scalar_case("relu", Value.relu, lambda x: max(x, 0.0), arguments(kinked_arguments)),
    scalar_case("sin", Value.sin, math.sin, arguments(trig_arguments)),
    scalar_case("cos", Value.cos, math.cos, arguments(trig_arguments)),
    scalar_case("sqrt", Value.sqrt, math.sqrt, arguments(sqrt_arguments)),
    scalar_case("abs", Value.abs, math.fabs, arguments(kinked_arguments)),
    scalar_case("abs()", abs, math.fabs, arguments(kinked_arguments)),
    scalar_case(
        "heaviside", Value.heaviside, lambda x: 1.0 if x > 0 else 0.0, arguments(kinked_arguments)
    ),
    scalar_case("sign", Value.sign, lambda x: math.copysign(1.0, x), arguments(kinked_arguments)),
    *_dot_cases(bias=False),
    *_dot_cases(bias=True),
    OpCase(
        "mean",
        lambda v, c: mean(v),
        lambda x, c: math.fsum(x) / len(x),
        reduction_arguments,
    ),
    OpCase(
        "logsumexp",
        lambda v, c: logsumexp(v),
        lambda x, c: math.log(math.fsum(map(math.exp, x))),
        reduction_arguments,
    ),
    OpCase(
        "sum_squares",
        lambda v, c: sum_squares(v),
        lambda x, c: math.fsum(xi * xi for xi in x),
        reduction_arguments,
    ),
]

each_op = pytest.mark.parametrize("case", OP_CASES, ids=str)


def assert_close(actual: float, expected: float, what: str) -> None:
    """|actual - expected| <= ATOL + RTOL * |expected|, the gradcheck criterion."""
    assert abs(actual - expected) <= ATOL + RTOL * abs(expected), (
        f"{what}: engine {actual!r}, finite differences {expected!r}"
    )


def central_difference(f: Callable[[list[float]], float], xs: list[float], i: int) -> float:
    """d f / d xs[i] by central differences, the step scaled to the point."""
    h = 1e-6 * max(1.0, abs(xs[i]))
    up, down = list(xs), list(xs)
    up[i] += h
    down[i] -= h
    return (f(up) - f(down)) / (up[i] - down[i])


def _leaves(xs: tuple[float, ...]) -> list[Value]:
    return [Value(x, label=f"x{i}") for i, x in enumerate(xs)]


def _first_derivatives(case: OpCase, xs: list[float], constants: tuple) -> list[float]:
    values = _leaves(tuple(xs))
    return grad(case.build(values, constants), values)


@each_op
@given(data=st.data())
def test_forward_matches_math(case: OpCase, data: st.DataObject) -> None:
    xs, constants = data.draw(case.arguments)
    out = case.build(_leaves(xs), constants)
    assert isinstance(out, Value)
    assert out.data == pytest.approx(case.reference(list(xs), constants), rel=1e-12, abs=1e-12)


@each_op
@given(data=st.data())
def test_first_derivative_matches_central_differences(case: OpCase, data: st.DataObject) -> None:
    xs, constants = data.draw(case.arguments)
    analytic = _first_derivatives(case, list(xs), constants)
    for i in range(len(xs)):
        numeric = central_difference(lambda p: case.reference(p, constants), list(xs), i)
        assert_close(analytic[i], numeric, f"d {case}/d x{i} at {xs}, constants {constants}")


@each_op
@given(data=st.data())
def test_second_derivative_matches_differences_of_the_first(
    case: OpCase, data: st.DataObject
) -> None:
    xs, constants = data.draw(case.arguments)
    values = _leaves(xs)
    first = grad(case.build(values, constants), values, create_graph=True)
    for i, first_i in enumerate(first):
        second = grad(first_i, values)
        for j in range(len(xs)):
            numeric = central_difference(
                lambda p, i=i: _first_derivatives(case, p, constants)[i], list(xs), j
            )
            assert_close(second[j], numeric, f"d2 {case}/d x{i} d x{j} at {xs}")


@each_op
@given(data=st.data())
def test_create_graph_gives_the_same_first_derivatives(case: OpCase, data: st.DataObject) -> None:
    """One rule serves both paths: the Value derivatives hold the float derivatives."""
    xs, constants = data.draw(case.arguments)
    values = _leaves(xs)
    out = case.build(values, constants)
    as_values = grad(out, values, create_graph=True)
    assert all(isinstance(g, Value) for g in as_values)
    assert [g.data for g in as_values] == pytest.approx(grad(out, values), rel=1e-12, abs=1e-15)


def _same_float(a: float, b: float) -> bool:
    """Bitwise equal: the same number with the same sign of zero, or both NaN."""
    return (a == b and math.copysign(1.0, a) == math.copysign(1.0, b)) or (a != a and b != b)


@each_op
@given(data=st.data())
def test_a_node_holds_everything_its_op_needs_to_be_evaluated_again(
    case: OpCase, data: st.DataObject
) -> None:
    """What a code generator needs: from the node alone, its op's forward and local rule
    give back exactly the node's value and its local derivatives, one per input."""
    xs, constants = data.draw(case.arguments)
    out = case.build(_leaves(xs), constants)
    op = out.operation
    assert op is not None
    assert len(out.local_grads) == len(out.inputs)
    assert all(type(c) is float for c in out.constants)
    args = op.arguments(tuple(x.data for x in out.inputs), out.constants)
    assert _same_float(op.forward(*args), out.data)
    again = op.local(*args, out.data)
    assert len(again) == len(out.inputs)
    assert all(_same_float(a, b) for a, b in zip(again, out.local_grads, strict=True))


# -- kinks and infinite slopes: the documented conventions at a single point --------------------
KINK_CASES = [
    ("relu at 0", Value.relu, 0.0, 0.0, 0.0),
    ("abs at 0", Value.abs, 0.0, 0.0, 0.0),
    ("abs at -0", Value.abs, -0.0, 0.0, 0.0),
    ("sqrt at 0", Value.sqrt, 0.0, 0.0, math.inf),
    ("x ** 0.5 at 0", lambda x: x**0.5, 0.0, 0.0, math.inf),
    ("x ** 1 at 0", lambda x: x**1, 0.0, 0.0, 1.0),
    ("x ** 0 at 0", lambda x: x**0, 0.0, 1.0, 0.0),
]


@pytest.mark.parametrize(
    ("name", "op", "x", "value", "slope"), KINK_CASES, ids=[c[0] for c in KINK_CASES]
)
def test_slopes_at_kinks_follow_the_documented_convention(
    name: str, op: Callable[[Value], Value], x: float, value: float, slope: float
) -> None:
    """Derivative 0 at the kink of relu and abs (as PyTorch); inf where the slope is vertical."""
    leaf = Value(x)
    out = op(leaf)
    out.backward()
    assert (out.data, leaf.grad) == (value, slope)


@pytest.mark.parametrize(
    ("name", "op", "x", "value", "slope"),
    [pytest.param(*case, id=case[0]) for case in KINK_CASES],
)
def test_create_graph_slopes_at_kinks_match_the_float_path(
    name: str, op: Callable[[Value], Value], x: float, value: float, slope: float
) -> None:
    leaf = Value(x)
    (first,) = grad(op(leaf), [leaf], create_graph=True)
    assert first.data == slope


# -- domain errors: the right exception, naming the op, the values and any labels ----------
ERROR_CASES = [
    ("log of 0", lambda: Value(0.0, "a").log(), ValueError, ["log", "a=0.0"]),
    ("log of x < 0", lambda: Value(-1.5, "a").log(), ValueError, ["log", "a=-1.5"]),
    ("log of -inf", lambda: Value(-math.inf).log(), ValueError, ["log", "-inf"]),
    ("sqrt of x < 0", lambda: Value(-2.25, "s").sqrt(), ValueError, ["sqrt", "s=-2.25"]),
    (
        "Value / Value 0",
        lambda: Value(1.5, "n") / Value(0.0, "d"),
        ZeroDivisionError,
        ["/", "n=1.5", "d=0.0"],
    ),
    ("Value / 0", lambda: Value(1.5, "n") / 0, ZeroDivisionError, ["/", "n=1.5", "0"]),
    ("number / Value 0", lambda: 3 / Value(0.0, "z"), ZeroDivisionError, ["/", "3", "z=0.0"]),
    (
        "0 ** negative",
        lambda: Value(0.0, "b") ** -2,
        (ValueError, ZeroDivisionError),
        ["**", "b=0.0", "-2"],
    ),
    (
        "0 ** negative Value",
        lambda: Value(0.0, "b") ** Value(-0.5, "e"),
        (ValueError, ZeroDivisionError),
        ["**", "b=0.0", "e=-0.5"],
    ),
    (
        "negative ** fraction",
        lambda: Value(-8.0, "b") ** 0.25,
        ValueError,
        ["**", "b=-8.0", "0.25"],
    ),
    (
        "negative number ** Value",
        lambda: (-2) ** Value(0.5, "e"),
        ValueError,
        ["**", "-2", "e=0.5"],
    ),
    ("0 ** negative Value", lambda: 0 ** Value(-2.0, "e"), ValueError, ["**", "0", "e=-2.0"]),
    (
        "negative Value ** Value",
        lambda: Value(-2.0, "b") ** Value(2.0, "e"),
        ValueError,
        ["**", "b=-2.0", "e=2.0"],
    ),
    ("exp overflow", lambda: Value(710.0, "big").exp(), OverflowError, ["exp", "big=710.0"]),
    ("exp overflow unlabelled", lambda: Value(1e308).exp(), OverflowError, ["exp", "1e+308"]),
]


@pytest.mark.parametrize(
    ("name", "make", "error", "fragments"), ERROR_CASES, ids=[c[0] for c in ERROR_CASES]
)
def test_domain_errors_name_the_op_the_values_and_labels(
    name: str, make: Callable[[], Value], error: type, fragments: list[str]
) -> None:
    with pytest.raises(error) as raised:
        make()
    message = str(raised.value)
    missing = [f for f in fragments if f not in message]
    assert not missing, f"{name}: {missing} not in {message!r}"


def test_exp_overflow_says_it_overflows() -> None:
    with pytest.raises(OverflowError, match="overflow"):
        Value(800.0).exp()


@pytest.mark.parametrize(
    "make",
    [lambda: Value(1e200) ** 2, lambda: 10 ** Value(400.0), lambda: Value(10.0) ** Value(400.0)],
    ids=["x ** c", "c ** x", "x ** y"],
)
def test_power_overflow_says_it_overflows(make: Callable[[], Value]) -> None:
    with pytest.raises(OverflowError, match="overflow"):
        make()


# -- tanh and sigmoid: finite and correct for every finite input -----------------------------
def _sigmoid_everywhere(x: float) -> float:
    """1 / (1 + e^-x) through tanh, which cannot overflow: 1/2 + tanh(x/2)/2."""
    return 0.5 + 0.5 * math.tanh(x / 2)


def _sigmoid_slope_everywhere(x: float) -> float:
    """e^-|x| / (1 + e^-|x|)^2, the exponent never positive."""
    e = math.exp(-abs(x))
    return e / (1.0 + e) ** 2


def _tanh_slope_everywhere(x: float) -> float:
    """sech^2 x = 4 e^-2|x| / (1 + e^-2|x|)^2, the exponent never positive."""
    e = math.exp(-2 * abs(x))
    return 4 * e / (1.0 + e) ** 2


SQUASHERS = [
    ("tanh", Value.tanh, math.tanh, _tanh_slope_everywhere),
    ("sigmoid", Value.sigmoid, _sigmoid_everywhere, _sigmoid_slope_everywhere),
]
each_squasher = pytest.mark.parametrize(
    ("name", "op", "value", "slope"), SQUASHERS, ids=[s[0] for s in SQUASHERS]
)


@each_squasher
@given(x=any_finite)
def test_squashers_are_finite_and_correct_for_every_finite_input(
    name: str, op: Callable, value: Callable, slope: Callable, x: float
) -> None:
    leaf = Value(x)
    out = op(leaf)
    (first,) = grad(out, [leaf], create_graph=True)
    (second,) = grad(first, [leaf])
    assert out.data == pytest.approx(value(x), rel=1e-12, abs=1e-15)
    assert first.data == pytest.approx(slope(x), rel=1e-9, abs=1e-15)
    assert math.isfinite(second)


@each_squasher
@pytest.mark.parametrize("x", [1e308, -1e308, 1e300, -745.0, 710.0, -710.0])
def test_squashers_at_the_ends_of_the_float_range(
    name: str, op: Callable, value: Callable, slope: Callable, x: float
) -> None:
    leaf = Value(x)
    out = op(leaf)
    out.backward()
    (first,) = grad(out, [leaf], create_graph=True)
    (second,) = grad(first, [leaf])
    assert out.data == pytest.approx(value(x), rel=1e-15, abs=1e-300)
    assert leaf.grad == pytest.approx(slope(x), abs=1e-300)
    assert second == pytest.approx(0.0, abs=1e-300)


# -- NaN and inf propagate as IEEE says ---------------------------------------------------------
nan, inf = math.nan, math.inf

PROPAGATION_CASES = [
    ("exp(nan)", lambda: Value(nan).exp(), nan),
    ("log(nan)", lambda: Value(nan).log(), nan),
    ("sqrt(nan)", lambda: Value(nan).sqrt(), nan),
    ("relu(nan)", lambda: Value(nan).relu(), nan),
    ("abs(nan)", lambda: Value(nan).abs(), nan),
    ("tanh(nan)", lambda: Value(nan).tanh(), nan),
    ("sigmoid(nan)", lambda: Value(nan).sigmoid(), nan),
    ("sin(nan)", lambda: Value(nan).sin(), nan),
    ("nan * 0", lambda: Value(nan) * 0, nan),
    ("nan ** 2", lambda: Value(nan) ** 2, nan),
    ("inf + 1", lambda: Value(inf) + 1, inf),
    ("inf - inf", lambda: Value(inf) - Value(inf), nan),
    ("inf * 0", lambda: Value(inf) * 0, nan),
    ("1 / inf", lambda: 1 / Value(inf), 0.0),
    ("exp(inf)", lambda: Value(inf).exp(), inf),
    ("exp(-inf)", lambda: Value(-inf).exp(), 0.0),
    ("log(inf)", lambda: Value(inf).log(), inf),
    ("sqrt(inf)", lambda: Value(inf).sqrt(), inf),
    ("tanh(-inf)", lambda: Value(-inf).tanh(), -1.0),
    ("sigmoid(inf)", lambda: Value(inf).sigmoid(), 1.0),
    ("sigmoid(-inf)", lambda: Value(-inf).sigmoid(), 0.0),
    ("relu(-inf)", lambda: Value(-inf).relu(), 0.0),
    ("abs(-inf)", lambda: Value(-inf).abs(), inf),
    ("(-inf) ** 2", lambda: Value(-inf) ** 2, inf),
    ("2 ** inf", lambda: 2 ** Value(inf), inf),
]


@pytest.mark.parametrize(
    ("name", "make", "expected"), PROPAGATION_CASES, ids=[c[0] for c in PROPAGATION_CASES]
)
def test_nan_and_inf_propagate(name: str, make: Callable[[], Value], expected: float) -> None:
    out = make()
    if math.isnan(expected):
        assert math.isnan(out.data)
    else:
        assert out.data == expected


def test_nan_reaches_the_gradient() -> None:
    x = Value(nan)
    (x.exp() * 2).backward()
    assert math.isnan(x.grad)


@pytest.mark.parametrize("x", [inf, -inf])
@pytest.mark.parametrize("op", [Value.sin, Value.cos], ids=["sin", "cos"])
def test_trig_of_infinity_is_nan_with_a_nan_slope(op: Callable[[Value], Value], x: float) -> None:
    """IEEE gives sin(inf) no value: NaN, never an error or a silent number."""
    leaf = Value(x)
    out = op(leaf)
    out.backward()
    assert math.isnan(out.data)
    assert math.isnan(leaf.grad)


def test_an_int_too_large_for_a_float_is_refused_naming_it() -> None:
    with pytest.raises(OverflowError, match=r"Value: 1000+ is too large for a float"):
        Value(10**400)


def test_an_operand_too_large_for_a_float_is_refused_naming_the_op() -> None:
    with pytest.raises(OverflowError, match=r"\*.*too large"):
        Value(1.0, "x") * 10**400


# -- logsumexp: one node, its partials the softmax, stable at the extremes ----------------------
def _softmax_in_floats(xs: list[float]) -> list[float]:
    top = max(xs)
    exps = [math.exp(x - top) for x in xs]
    return [e / math.fsum(exps) for e in exps]


@given(xs=st.lists(st.floats(-1e300, 1e300), min_size=1, max_size=8))
def test_logsumexp_is_finite_and_right_for_any_finite_logits(xs: list[float]) -> None:
    values = _leaves(tuple(xs))
    out = logsumexp(values)
    top = max(xs)
    assert math.isfinite(out.data)
    assert top <= out.data <= top + math.log(len(xs)) + 1e-12 * max(1.0, abs(top))
    expected = top + math.log(math.fsum(math.exp(x - top) for x in xs))
    assert out.data == pytest.approx(expected, rel=1e-15, abs=1e-15)
    partials = out.local_grads
    assert all(math.isfinite(p) and 0.0 <= p <= 1.0 for p in partials)
    assert math.fsum(partials) == pytest.approx(1.0, abs=1e-12)
    assert list(partials) == pytest.approx(_softmax_in_floats(xs), rel=1e-12, abs=1e-300)


@pytest.mark.parametrize(
    ("xs", "data", "partials"),
    [
        ([1e300, 1e300], 1e300, [0.5, 0.5]),  # equal and huge: the shift keeps them 1/n each
        ([-1e300, -1e300, -1e300], -1e300, [1 / 3] * 3),
        ([1e300, -1e300], 1e300, [1.0, 0.0]),  # a gap of 2e300: e^-2e300 rounds to 0, exactly
        ([0.0, -800.0], math.log1p(math.exp(-800.0)), [1.0, math.exp(-800.0)]),
        ([5.0], 5.0, [1.0]),
    ],
)
def test_logsumexp_at_the_extremes(xs: list[float], data: float, partials: list[float]) -> None:
    out = logsumexp(_leaves(tuple(xs)))
    assert out.data == pytest.approx(data, rel=1e-15)
    assert list(out.local_grads) == pytest.approx(partials, rel=1e-15)


def test_logsumexp_is_one_node_over_its_logits() -> None:
    xs = _leaves((0.5, -1.0, 2.0))
    out = logsumexp(xs)
    assert out.op == "logsumexp" and out.inputs == tuple(xs) and out.constants == ()
    assert all(x.op == "" for x in out.inputs)


@pytest.mark.parametrize(
    ("xs", "expected"),
    [([-inf, -inf], -inf), ([inf, 1.0], inf), ([nan, 1.0], nan), ([1.0, nan], nan)],
    ids=["all -inf", "+inf", "nan first", "nan last"],
)
def test_logsumexp_of_infinities_and_nan_follows_ieee(xs: list[float], expected: float) -> None:
    out = logsumexp(_leaves(tuple(xs)))
    assert _same_float(out.data, expected)


def test_logsumexp_takes_numbers_and_refuses_nothing() -> None:
    x = Value(1.0)
    assert logsumexp([x, 1]).data == pytest.approx(1.0 + math.log(2.0))
    with pytest.raises(ValueError, match="logsumexp: no values given"):
        logsumexp([])
    with pytest.raises(TypeError, match=r"logsumexp values\[1\] expects a real number"):
        logsumexp([x, "1"])


# -- the helpers rules are written with: one function on floats and on Values ------------------
RULE_HELPERS = [
    ("exp", ops.exp, exp_arguments),
    ("log", ops.log, log_arguments),
    ("sqrt", ops.sqrt, sqrt_arguments),
    ("tanh", ops.tanh, squash_arguments),
    ("sigmoid", ops.sigmoid, squash_arguments),
    ("sin", ops.sin, trig_arguments),
    ("cos", ops.cos, trig_arguments),
]


@pytest.mark.parametrize(
    ("name", "helper", "points"), RULE_HELPERS, ids=[h[0] for h in RULE_HELPERS]
)
@given(data=st.data())
def test_a_rule_helper_gives_a_float_for_a_float_and_a_node_for_a_value(
    name: str, helper: Callable, points: st.SearchStrategy[float], data: st.DataObject
) -> None:
    x = data.draw(points)
    leaf = Value(x)
    on_value = helper(leaf)
    assert type(helper(x)) is float
    assert isinstance(on_value, Value) and on_value.inputs == (leaf,) and on_value.op == name
    assert _same_float(on_value.data, helper(x))


# -- a new op: its entry and its Value method are all that every reader needs ----------------
LN2 = math.log(2.0)


def _exp2(x: Any) -> Any:
    """2 ** x on a float, ``x.exp2()`` on a Value: a helper as ops.py writes them."""
    return math.pow(2.0, x) if isinstance(x, float) else x.exp2()


# A throwaway unary op, written as an entry of ops.py is; its rule calls its own helper, so
# create_graph and compile read it through the Value method the entry names.
EXP2 = ops.Op(
    "exp2",
    lambda x: math.pow(2.0, x),
    lambda x, out: (LN2 * _exp2(x),),
    domain="overflows past 1024",
    method="exp2",
)


@contextmanager
def exp2_installed() -> Iterator[None]:
    """EXP2 in the op table and ``Value.exp2`` as value.py would write it, then neither."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ops, "EXP2", EXP2, raising=False)
        patch.setattr(Value, "exp2", lambda self: value_module._unary(EXP2, self), raising=False)
        yield


@given(a=real(-30.0, 30.0))
def test_a_new_unary_op_needs_only_its_entry_and_its_value_method(a: float) -> None:
    with exp2_installed():
        x = Value(a, label="x")
        y = x.exp2()
        y.backward()
        assert y.data == 2.0**a and x.grad == LN2 * 2.0**a  # backward: the entry's rule
        first = grad(x.exp2(), [x], create_graph=True)[0]  # create_graph: the rule on Values
        assert first.data == x.grad
        assert grad(first, [x])[0] == pytest.approx(LN2 * LN2 * 2.0**a, rel=1e-12)
        assert jvp(lambda v: v.exp2(), [a], [1.0])[1] == x.grad  # forward mode
        assert "exp2" in draw_dot(y).source  # the picture
        assert "dexp21/dx" in str(explain_backward(y))  # the printed steps name it exp21
        assert formula(y, node_names(reading_order(y))) == "exp2(x)"
        compiled = compile(lambda v: v.exp2() * v, a)  # compile: bitwise the interpreter
        w = Value(a)
        assert repr(compiled(a)) == repr((w.exp2() * w).data)
        code = NodeWriter(set()).code_for(EXP2, 1, (), [a])  # its rule, read as written
        assert code.partials is not None, "x.exp2() on a symbolic operand names no op"


def test_a_new_unary_op_is_on_the_page(tmp_path: Path) -> None:
    with exp2_installed():
        x = Value(0.5, label="x")
        page = write_page(x.exp2(), tmp_path / "page.html", forward=True).read_text()
        assert "exp21 = exp2(x) = 1.414" in page  # its forward step, named by the op
        assert 'id="n1_opname">exp2<' in page  # its picture


# -- a gradient graph is a function of its leaves: replayed on new data, it is rebuilt there --
def _bits(x: float) -> bytes:
    """A float's bits: equal bits are the same number, the same zero, the same NaN."""
    return struct.pack("<d", x)


def _kinked_pow(x: Value) -> Value:
    return x ** (x * 0.5 + 0.25)  # a Value exponent, at base 0 for x = 0


def _shifted_logsumexp(x: Value) -> Value:
    return logsumexp([x, x * 2.0, -x])  # the largest logit changes with the sign of x


REPLAYS = [
    ("relu(x) * x", lambda x: x.relu() * x, 1.0, [-2.0, 0.0, 3.0]),
    ("abs(x) * x", lambda x: abs(x) * x, 1.0, [-1.0, 0.0, -0.0, 2.0]),
    ("sqrt(x) * x", lambda x: x.sqrt() * x, 1.0, [0.0, 4.0]),
    ("x ** 0.5 * x", lambda x: x**0.5 * x, 1.0, [0.0, 9.0]),
    ("x ** 1.5", lambda x: x**1.5, 0.0, [0.0, 2.0]),
    ("x ** -1", lambda x: x**-1, 0.5, [1e-200, -1e-200, -2.0]),
    ("x ** (x/2 + 1/4)", _kinked_pow, 1.0, [0.0, 2.0]),
    ("logsumexp(x, 2x, -x)", _shifted_logsumexp, 1.0, [-30.0, 0.0, 400.0]),
]


@pytest.mark.parametrize(
    ("name", "f", "built_at", "replayed_at"), REPLAYS, ids=[r[0] for r in REPLAYS]
)
@pytest.mark.parametrize("order", [1, 2])
def test_a_compiled_gradient_graph_replays_what_rebuilding_it_gives(
    name: str, f: Callable[[Value], Value], built_at: float, replayed_at: list[float], order: int
) -> None:
    """Each rule with a special case (a kink, a vertical tangent, a shift, an overflow)
    builds it as a node on Values, so the graph computes it from the data it is given."""

    def derivative(x: Value) -> Value:
        d = f(x)
        for _ in range(order):
            (d,) = grad(d, [x], create_graph=True)
        return d

    x = Value(built_at)
    replay = compile(derivative(x))
    for point in replayed_at:
        x.data = point
        rebuilt = derivative(Value(point)).data
        assert _bits(replay()) == _bits(rebuilt), f"{name} at {point}"


def test_the_issues_examples_replay_right() -> None:
    x = Value(1.0)
    (g,) = grad(abs(x) * x, [x], create_graph=True)  # 2|x|
    step = compile(g)
    x.data = -1.0
    assert step() == 2.0
    x = Value(1.0)
    (g,) = grad(x.relu() * x, [x], create_graph=True)
    step = compile(g)
    x.data = -2.0
    assert step() == 0.0
    slope = compile(lambda t: gradient(lambda y: y.sqrt() * y)(t)[0], 1.0)
    assert _bits(slope(0.0)) == _bits(gradient(lambda y: y.sqrt() * y)(0.0)[0])


@each_op
@given(data=st.data())
def test_no_rule_of_the_table_branches_on_a_value(case: OpCase, data: st.DataObject) -> None:
    """On Values every rule builds nodes, never a choice made on the data (which
    gradients.data_choices would record and compile would refuse)."""
    xs, constants = data.draw(case.arguments)
    values = _leaves(xs)
    first = grad(case.build(values, constants), values, create_graph=True)
    seconds = [grad(d, values, create_graph=True) for d in first]
    for d in [*first, *(s for row in seconds for s in row)]:
        assert not any(v in data_choices for v in topological_order(d)), case


# -- x ** c where only its slope overflows: the value is the float, the slope ±inf ------------
OVERFLOWING_SLOPES = [(1e-200, -1.0), (-1e-200, -1.0), (5e-324, 0.01), (-1e-150, -2.0)]


@pytest.mark.parametrize(("x", "c"), OVERFLOWING_SLOPES)
def test_a_power_whose_slope_overflows_has_an_infinite_slope(x: float, c: float) -> None:
    leaf = Value(x)
    out = leaf**c
    assert out.data == math.pow(x, c)
    out.backward()
    # |c x^(c-1)| is past the floats (in logarithms); its sign is c's, times (-1)^(c-1) for x < 0
    assert math.log(abs(c)) + (c - 1) * math.log(abs(x)) > math.log(sys.float_info.max)
    negative = (c < 0) != (x < 0 and (c - 1) % 2 == 1)
    assert leaf.grad == (-math.inf if negative else math.inf)
    assert grad(out, [leaf], create_graph=True)[0].data == leaf.grad
    leaf.grad = 0.0
    replay = compile(out)
    assert replay() == out.data and leaf.grad == grad(out, [leaf])[0]  # compiled: the same
    traced = compile(lambda t: t**c, x)
    assert traced(x) == out.data
    with pytest.raises(FloatingPointError, match="inf"), detect_anomaly():
        (Value(x) ** c).backward()


# -- ** errors: one cause, the one that applies; 0 ** y has one answer -------------------------
@pytest.mark.parametrize(
    ("make", "cause", "not_said"),
    [
        (lambda: Value(-2.0) ** 0.5, "a negative base needs an integer exponent", "0 cannot"),
        (lambda: Value(0.0) ** -1, "0 cannot take a negative power", "negative base"),
        (lambda: Value(0.0) ** Value(-1.0), "0 cannot take a negative power", "base >= 0"),
        (lambda: Value(-1.0) ** Value(2.0), "a Value exponent needs a base >= 0", "0 cannot"),
        (lambda: (-2.0) ** Value(0.5), "a Value exponent needs a base >= 0", "0 cannot"),
        (lambda: 0.0 ** Value(-1.0), "0 cannot take a negative power", "base >= 0"),
    ],
)
def test_a_power_error_names_the_one_cause_that_applies(
    make: Callable[[], Value], cause: str, not_said: str
) -> None:
    with pytest.raises(ValueError) as raised:
        make()
    assert cause in str(raised.value) and not_said not in str(raised.value)


@pytest.mark.parametrize("y", [0.0, 0.5, 2.0])
def test_zero_to_a_value_power_is_one_answer_whichever_side_is_a_value(y: float) -> None:
    """0 ** y and Value(0) ** y: the same value, and the same slope in y (0, as PyTorch)."""
    exponent, base = Value(y), Value(0.0)
    constant_base = 0.0**exponent
    value_base = base**exponent
    assert _bits(constant_base.data) == _bits(value_base.data) == _bits(math.pow(0.0, y))
    assert grad(constant_base, [exponent]) == grad(value_base, [exponent]) == [0.0]

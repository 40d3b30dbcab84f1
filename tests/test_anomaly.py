"""Anomaly mode: the first non-finite value or gradient raises, naming the op and the line.

Each case below is a lambda written on one line, so the line that made the node is the
lambda's own first line, and every message is checked for the op, its operands with their
labels, and this file and that line.
"""

from __future__ import annotations

import gc
import math
import weakref
from collections.abc import Callable

import pytest
from hypothesis import given

from autograd import Value, detect_anomaly, dot, grad, mean, no_grad
from autograd.anomaly import _origins, origin
from nn import MLP
from tests.strategies import expression_dags

inf, nan = math.inf, math.nan


def line_of(make: Callable[..., object]) -> str:
    """'this file:line' of a one-line lambda, as messages name it."""
    return f"{__file__}:{make.__code__.co_firstlineno}"


# -- forward: an op whose result is not finite raises --------------------------------------------
NON_FINITE_RESULTS = [
    ("x * c overflows", lambda: Value(1e308, "x") * 10, ["*(x=1e+308, 10.0)", "inf"]),
    ("c * x", lambda: 10 * Value(1e308, "x"), ["*(x=1e+308, 10.0)", "inf"]),
    ("x + y", lambda: Value(1e308, "a") + Value(1e308, "b"), ["+(a=1e+308, b=1e+308)", "inf"]),
    ("x - y", lambda: Value(-1e308, "a") - Value(1e308, "b"), ["-(a=-1e+308, b=1e+308)", "-inf"]),
    ("c - x, reflected", lambda: 1 - Value(inf, "i"), ["-(1.0, i=inf)", "-inf"]),
    ("x / y", lambda: Value(1e308, "n") / Value(1e-10, "d"), ["/(n=1e+308, d=1e-10)", "inf"]),
    ("c / x, reflected", lambda: 1e308 / Value(0.5, "h"), ["/(1e+308, h=0.5)", "inf"]),
    ("x ** y", lambda: Value(inf, "b") ** Value(2.0, "e"), ["**(b=inf, e=2.0)", "inf"]),
    ("neg", lambda: -Value(inf, "i"), ["neg(i=inf)", "-inf"]),
    ("exp of inf", lambda: Value(inf, "i").exp(), ["exp(i=inf)", "inf"]),
    ("log of inf", lambda: Value(inf, "i").log(), ["log(i=inf)", "inf"]),
    ("sqrt of inf", lambda: Value(inf).sqrt(), ["sqrt(inf)", "inf"]),
    ("sin of inf", lambda: Value(inf, "angle").sin(), ["sin(angle=inf)", "nan"]),
    ("cos of nan", lambda: Value(nan, "angle").cos(), ["cos(angle=nan)", "nan"]),
    ("tanh of nan", lambda: Value(nan, "t").tanh(), ["tanh(t=nan)", "nan"]),
    ("sigmoid of nan", lambda: Value(nan, "s").sigmoid(), ["sigmoid(s=nan)", "nan"]),
    ("relu of nan", lambda: Value(nan, "r").relu(), ["relu(r=nan)", "nan"]),
    ("abs of -inf", lambda: abs(Value(-inf, "m")), ["abs(m=-inf)", "inf"]),
    ("inf * 0", lambda: Value(inf, "i") * 0, ["*(i=inf, 0.0)", "nan"]),
    ("dot", lambda: dot([Value(1e308, "w")], [Value(10.0, "x")]), ["dot(w=1e+308, x=10.0)"]),
    ("dot, constants", lambda: dot([Value(1e308, "w")], [10.0]), ["dot(w=1e+308, 10.0)"]),
    ("mean", lambda: mean([Value(1e308, "p"), Value(1e308, "q")]), ["mean(p=1e+308, q=1e+308)"]),
]


@pytest.mark.parametrize(
    ("name", "make", "fragments"), NON_FINITE_RESULTS, ids=[c[0] for c in NON_FINITE_RESULTS]
)
def test_a_non_finite_result_raises_naming_the_op_operands_labels_and_line(
    name: str, make: Callable[[], Value], fragments: list[str]
) -> None:
    with detect_anomaly(), pytest.raises(FloatingPointError) as raised:
        make()
    message = str(raised.value)
    missing = [f for f in [*fragments, "not a finite number", line_of(make)] if f not in message]
    assert not missing, f"{name}: {missing} not in {message!r}"


@pytest.mark.parametrize(
    ("name", "make", "fragments"), NON_FINITE_RESULTS, ids=[c[0] for c in NON_FINITE_RESULTS]
)
def test_off_the_same_results_are_silent_ieee_values(
    name: str, make: Callable[[], Value], fragments: list[str]
) -> None:
    assert not math.isfinite(make().data)


def test_the_message_quotes_the_source_line() -> None:
    x = Value(1e308, label="x")
    with detect_anomaly(), pytest.raises(FloatingPointError) as raised:
        y = x * 10  # the line the message quotes
        del y
    assert "y = x * 10  # the line the message quotes" in str(raised.value)
    assert "in test_the_message_quotes_the_source_line" in str(raised.value)


def test_the_line_is_the_innermost_one_outside_autograd() -> None:
    """A helper of the user's is the line that called the op, not the test that called it."""

    def overflow(v: Value) -> Value:
        return v * 1e308

    with detect_anomaly(), pytest.raises(FloatingPointError) as raised:
        overflow(Value(10.0))
    assert f"{__file__}:{overflow.__code__.co_firstlineno + 1} in overflow" in str(raised.value)


def test_domain_errors_keep_their_type_and_name_the_line_too() -> None:
    make = lambda: Value(0.0, "z").log()  # noqa: E731 (one line: its line is the op's)
    with detect_anomaly(), pytest.raises(ValueError) as raised:
        make()
    assert str(raised.value).startswith("log(z=0.0): defined for x > 0; at ")
    assert line_of(make) in str(raised.value)
    with pytest.raises(ValueError) as raised:
        make()
    assert str(raised.value) == "log(z=0.0): defined for x > 0"


def test_exp_overflow_stays_an_overflow_error() -> None:
    with detect_anomaly(), pytest.raises(OverflowError, match=r"exp\(big=710\.0\).*; at "):
        Value(710.0, "big").exp()


def test_under_no_grad_anomaly_mode_still_checks() -> None:
    with detect_anomaly(), no_grad():
        ok = Value(2.0) * 3
        with pytest.raises(FloatingPointError, match=r"\*\(1e\+308, 10\.0\)"):
            Value(1e308) * 10
    assert ok.data == 6.0
    assert ok.inputs == ()


# -- backward: a gradient that is not finite raises, naming the node -------------------------------


def test_an_infinite_local_derivative_names_the_node_its_op_and_line() -> None:
    with detect_anomaly():
        r = Value(0.0, label="r")
        make = lambda: r.sqrt()  # noqa: E731 (one line: its line is the op's)
        s = make()
        s.label = "s"
        loss = s * 2.0
        with pytest.raises(FloatingPointError) as raised:
            loss.backward()
    message = str(raised.value)
    for fragment in [
        "backward: the gradient of r=0.0 through input 0 of the sqrt node 's'",
        "is inf: local derivative inf × upstream gradient 2.0",
        f"made at {line_of(make)}",
    ]:
        assert fragment in message
    assert r.grad == 0.0  # nothing was added


def test_a_nan_gradient_is_caught() -> None:
    """inf × 0 in backward: a NaN that no forward value shows."""
    with detect_anomaly():
        r = Value(0.0, label="r")
        out = r.sqrt() * 0.0
        with pytest.raises(FloatingPointError, match=r"of r=0\.0 .* sqrt node .* is nan"):
            out.backward()
        with pytest.raises(FloatingPointError, match=r"is nan"):
            grad(out, [r])
    out.backward()  # off: IEEE arithmetic, silently
    assert math.isnan(r.grad)


def test_a_gradient_that_overflows_through_a_product_names_the_inner_node() -> None:
    with detect_anomaly():
        x = Value(1e-200, "x")
        y = x * 1e200
        y.label = "y"
        z = y * 1e200
        with pytest.raises(FloatingPointError) as raised:
            z.backward()
    assert "the gradient of x=1e-200 through input 0 of the * node 'y' (= 1.0) is inf" in str(
        raised.value
    )
    assert "local derivative 1e+200 × upstream gradient 1e+200" in str(raised.value)


def test_a_gradient_that_overflows_as_it_sums_says_so() -> None:
    with detect_anomaly():
        x = Value(1e-10, "x")
        total = x * 1e308 + x * 1e308
        with pytest.raises(FloatingPointError) as raised:
            total.backward()
    assert "the gradient so far 1e+308 + local 1e+308 × upstream 1.0" in str(raised.value)


def test_a_non_finite_seed_is_caught() -> None:
    with detect_anomaly():
        out = Value(2.0) * 3
        with pytest.raises(FloatingPointError, match="the seed gradient is nan"):
            out.backward(nan)


def test_a_graph_made_outside_anomaly_mode_is_checked_without_its_line() -> None:
    r = Value(0.0, "r")
    out = r.sqrt()
    with detect_anomaly(), pytest.raises(FloatingPointError) as raised:
        out.backward()
    assert "made outside detect_anomaly(), so its line is unknown" in str(raised.value)


def test_create_graph_in_anomaly_mode_checks_the_derivative_graph() -> None:
    """The derivative of sqrt at 0 is infinite: on the Value path it is an op's result."""
    with detect_anomaly():
        r = Value(0.0, "r")
        with pytest.raises(FloatingPointError, match="not a finite number"):
            grad(r.sqrt(), [r], create_graph=True)


# -- origins -----------------------------------------------------------------------------------


def test_each_node_made_in_anomaly_mode_remembers_its_line() -> None:
    x = Value(2.0, "x")
    with detect_anomaly():
        make = lambda: (x * 3).tanh()  # noqa: E731 (one line: its line is the op's)
        out = make()
        (first,) = grad(out, [x], create_graph=True)
        grad_line = first  # made by grad(create_graph=True), on the line above
    made = origin(out)
    assert made is not None
    assert (made.filename, made.lineno) == (__file__, make.__code__.co_firstlineno)
    assert made.function == "<lambda>"
    assert str(made) == f"{line_of(make)} in <lambda>: {made.source}"
    assert made.source.startswith("make = lambda: (x * 3).tanh()")
    inner = out.inputs[0]
    assert origin(inner) == made
    derivative_made = origin(grad_line)
    assert derivative_made is not None
    assert "grad(out, [x], create_graph=True)" in derivative_made.source
    assert origin(x) is None  # a leaf is the user's own, made by Value()


def test_through_nn_the_line_is_the_first_outside_autograd() -> None:
    model = MLP(2, [3, 1], seed=0)
    with detect_anomaly():
        out = model([0.5, -0.5])
    made = origin(out)
    assert made is not None
    assert made.filename.endswith(("nn/layers.py", "nn/module.py"))


def test_off_no_node_remembers_a_line() -> None:
    before = len(_origins)
    x = Value(1.0)
    out = (x * 2).exp() + dot([x], [x]) + mean([x, x])
    assert origin(out) is None
    assert len(_origins) == before


def test_the_table_of_lines_keeps_no_graph_alive() -> None:
    gc.collect()
    with detect_anomaly():
        x = Value(1.0)
        out = x
        for _ in range(100):
            out = (out * 0.5).tanh() + x
    before = len(_origins)
    alive = weakref.ref(out)
    del out
    assert alive() is None  # freed by reference counting, at once
    assert len(_origins) < before - 100


@given(case=expression_dags())
def test_anomaly_mode_changes_no_value_and_no_gradient(case) -> None:
    """Finite graphs never raise, and every value and gradient is bitwise the same."""
    dag, point = case
    plain = [Value(p) for p in point]
    out = dag(*plain)
    out.backward()
    with detect_anomaly():
        checked = [Value(p) for p in point]
        checked_out = dag(*checked)
        checked_out.backward()
        returned = grad(checked_out, checked)
    assert checked_out.data == out.data
    assert [x.grad for x in checked] == [x.grad for x in plain] == returned

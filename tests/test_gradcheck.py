"""gradcheck and gradgradcheck: they pass right derivatives, catch wrong ones and say where."""

from __future__ import annotations

import math
import re
from fractions import Fraction

import pytest
from hypothesis import given

from autograd import GradcheckError, Value, gradcheck, gradgradcheck
from autograd.gradcheck import parameter_names
from tests.strategies import nonzero_reals, reals


def square_cut(x: Value) -> Value:
    """x^2 with one factor taken out of the graph: its analytic derivative is x, not 2x."""
    return x * float(x)


def exp_by_its_tangent(x: Value) -> Value:
    """e^x as e^a (x - a + 1) at a = x: right values and slopes, but a flat slope graph.

    The factor e^a is a fresh leaf, so the first derivative is right at every point, while
    the graph of that derivative is a constant: its derivative is 0 instead of e^x.
    """
    return Value(math.exp(x.data)) * (x - x.data + 1.0)


def _reported(name: str, message: str) -> float:
    """The number printed after ``name`` in a GradcheckError message."""
    found = re.search(rf"{name} (\S+?)[ ,]", message)
    assert found, f"no {name} value in {message!r}"
    return float(found.group(1))


@given(a=reals, b=reals)
def test_gradcheck_and_gradgradcheck_pass_right_derivatives(a: float, b: float) -> None:
    def f(x: Value, y: Value) -> Value:
        return (x * y).tanh() + x**2 - (y / 4).sin() * x

    assert gradcheck(f, [a, b]) is True
    assert gradgradcheck(f, [Value(a, "a"), b]) is True


@given(a=nonzero_reals, b=reals)
def test_a_wrong_gradient_is_caught_naming_the_input_and_both_values(a: float, b: float) -> None:
    def f(y: Value, x: Value) -> Value:
        return y.sin() + square_cut(x)

    with pytest.raises(GradcheckError) as raised:
        gradcheck(f, [Value(b, "y"), Value(a, "x")])
    message = str(raised.value)
    assert "input 1 ('x')" in message
    assert _reported("analytic", message) == a
    assert _reported("numeric", message) == pytest.approx(2 * a, rel=1e-6)


@given(a=reals)
def test_a_first_derivative_with_a_wrong_graph_passes_gradcheck_only(a: float) -> None:
    def f(y: Value, x: Value) -> Value:
        return y**2 + exp_by_its_tangent(x)

    inputs = [Value(0.5, "y"), Value(a, "x")]
    assert gradcheck(f, inputs)
    with pytest.raises(GradcheckError) as raised:
        gradgradcheck(f, inputs)
    message = str(raised.value)
    assert "gradgradcheck" in message
    assert "input 1 ('x')" in message
    assert _reported("analytic", message) == 0.0
    assert _reported("numeric", message) == pytest.approx(math.exp(a), rel=1e-6)


def test_inputs_are_left_unchanged_whether_the_check_passes_or_fails() -> None:
    x = Value(1.5, "x")
    x.grad = 7.0
    inputs = [x, 2.0]
    assert gradcheck(lambda a, b: a * b, inputs)
    assert gradgradcheck(lambda a, b: a * b * a, inputs)
    with pytest.raises(GradcheckError):
        gradcheck(lambda a, b: square_cut(a) + b, inputs)
    with pytest.raises(GradcheckError):
        gradgradcheck(lambda a, b: exp_by_its_tangent(a) * b, inputs)
    assert inputs == [x, 2.0]
    assert (x.data, x.grad, x.label, x.inputs) == (1.5, 7.0, "x", ())


def test_tolerances_are_the_ones_given() -> None:
    """square_cut is off by |x|: within atol at x = 0.001 only when atol allows it."""
    with pytest.raises(GradcheckError):
        gradcheck(square_cut, [0.001])
    assert gradcheck(square_cut, [0.001], atol=2e-3)
    with pytest.raises(GradcheckError):
        gradcheck(square_cut, [100.0])
    assert gradcheck(square_cut, [100.0], rtol=0.6)


def test_a_non_finite_difference_fails_the_check() -> None:
    """f overflows beside the point: the numeric side is not a number, so nothing matches."""

    def f(x: Value) -> Value:
        return x * 1e308 * 10 if x.data > 1.0 else x * 1.0

    with pytest.raises(GradcheckError, match="numeric nan"):
        gradcheck(f, [1.0])


@pytest.mark.parametrize("check", [gradcheck, gradgradcheck])
def test_f_must_return_a_value(check) -> None:
    with pytest.raises(TypeError, match=r"gradcheck: f must return a Value, got float 3\.0"):
        check(lambda x: 3.0, [1.0])


@pytest.mark.parametrize("check", [gradcheck, gradgradcheck])
def test_inputs_must_be_numbers_or_values(check) -> None:
    with pytest.raises(TypeError, match=r"gradcheck inputs\[1\].*str 'b'"):
        check(lambda x, y: x * y, [1.0, "b"])


def test_an_unlabelled_input_is_named_after_the_parameter_of_f() -> None:
    def f(speed: Value, x: Value) -> Value:
        return speed * 2.0 + exp_by_its_tangent(x)

    with pytest.raises(GradcheckError, match=r"^gradcheck: d f/d input 0 \('speed'\) at"):
        gradcheck(lambda speed: square_cut(speed), [3.0])
    with pytest.raises(GradcheckError, match=r"d f/d input 1 \('x'\): gradcheck: d f/d input 1"):
        gradgradcheck(f, [1.0, 0.5])
    with pytest.raises(GradcheckError, match=r"d f/d input 0 \('v'\)"):
        gradcheck(square_cut, [Value(3.0, "v")])  # a label comes first
    with pytest.raises(GradcheckError, match=r"d f/d input 0 at"):
        gradcheck(lambda *xs: square_cut(xs[0]), [3.0])  # no name to take


@pytest.mark.parametrize("check", [gradcheck, gradgradcheck])
@pytest.mark.parametrize(
    ("name", "bad", "error", "says"),
    [
        ("eps", 0, ValueError, r"eps must be a finite number > 0, got 0"),
        ("eps", -1e-6, ValueError, r"eps must be a finite number > 0, got -1e-06"),
        ("eps", math.nan, ValueError, r"eps must be a finite number > 0, got nan"),
        ("eps", math.inf, ValueError, r"eps must be a finite number > 0, got inf"),
        ("eps", "1e-6", TypeError, r"eps expects a real number .* got str '1e-6'"),
        ("eps", True, TypeError, r"eps expects a real number .* got bool True"),
        ("atol", -1.0, ValueError, r"atol must be a finite number >= 0, got -1\.0"),
        ("atol", math.nan, ValueError, r"atol must be a finite number >= 0, got nan"),
        ("atol", None, TypeError, r"atol expects a real number .* got NoneType None"),
        ("rtol", math.inf, ValueError, r"rtol must be a finite number >= 0, got inf"),
        ("rtol", [1e-4], TypeError, r"rtol expects a real number .* got list"),
    ],
)
def test_a_bad_tolerance_is_refused_naming_it(check, name, bad, error, says) -> None:
    """eps = 0 divided by zero, a NaN or negative tolerance failed every check and an
    infinite one passed every check: each is refused before f runs (issue 16, bug 7)."""
    calls = []

    def f(x: Value) -> Value:
        calls.append(x)
        return x * x

    with pytest.raises(error, match=rf"^{check.__name__}: {says}"):
        check(f, [1.0], **{name: bad})
    assert calls == []


def test_zero_tolerances_and_exact_numbers_are_accepted() -> None:
    """atol = rtol = 0 asks for exact agreement: x * 2 has an exact central difference."""
    assert gradcheck(lambda x: x * 2, [1.0], eps=Fraction(1, 1024), atol=0, rtol=0)


def test_parameter_names_are_the_leading_positional_ones() -> None:
    def f(speed: Value, x: Value, /, y: Value, *rest: Value, z: Value) -> Value:
        return speed

    assert parameter_names(f) == ["speed", "x", "y"]
    assert parameter_names(lambda *xs: xs[0]) == []
    assert parameter_names(max) == []  # no signature to read

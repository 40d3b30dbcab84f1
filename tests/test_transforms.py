"""Function transforms against finite differences and against each other.

On random DAGs: jvp is the Jacobian times the tangent and vjp the cotangent times the
Jacobian (so u · jvp = vjp · t), value_and_grad and gradient match differences, the Hessian
is symmetric and the same by forward over reverse, reverse over reverse and reverse over
forward, the Jacobian the same in both modes. Then the rules every transform shares: each
argument its own variable, numbers in and numbers out, Values in and graphs out (so the
transforms nest), and a graph even inside no_grad().
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import (
    Value,
    grad,
    gradient,
    hessian,
    jacobian,
    jvp,
    no_grad,
    value_and_grad,
    vjp,
)
from tests.strategies import expression_dags, tangent_vectors, vector_dags
from tests.test_ops import assert_close, central_difference

REL, ABS = 1e-9, 1e-12  # two exact methods that sum the same products in another order


def _approx(expected: float) -> object:
    return pytest.approx(expected, rel=REL, abs=ABS)


def _dot(xs: Sequence[float], ys: Sequence[float]) -> float:
    return math.fsum(x * y for x, y in zip(xs, ys, strict=True))


def _numbers(f: Callable[..., Value]) -> Callable[[list[float]], float]:
    """f on plain floats, through fresh leaves."""
    return lambda point: f(*map(Value, point)).data


# -- jvp and vjp ----------------------------------------------------------------------------------


@given(data=st.data())
def test_jvp_is_the_jacobian_times_the_tangent(data: st.DataObject) -> None:
    f, point = data.draw(vector_dags())
    t = data.draw(tangent_vectors(len(point)))
    values, derivatives = jvp(f, point, t)
    assert values == [y.data for y in f(*map(Value, point))]
    assert derivatives == [_approx(_dot(row, t)) for row in jacobian(f)(*point)]


@given(data=st.data())
def test_vjp_is_the_cotangent_times_the_jacobian(data: st.DataObject) -> None:
    f, point = data.draw(vector_dags())
    outputs = len(f(*map(Value, point)))
    u = data.draw(tangent_vectors(outputs))
    values, cotangents = vjp(f, point, u)
    rows = jacobian(f)(*point)
    assert values == [y.data for y in f(*map(Value, point))]
    assert cotangents == [_approx(_dot(u, column)) for column in zip(*rows, strict=True)]


@given(data=st.data())
def test_jvp_and_vjp_agree(data: st.DataObject) -> None:
    """u · (J t) = (u J) · t: forward mode and reverse mode give the same bilinear form."""
    f, point = data.draw(vector_dags())
    t = data.draw(tangent_vectors(len(point)))
    _, forward = jvp(f, point, t)
    u = data.draw(tangent_vectors(len(forward)))
    _, reverse = vjp(f, point, u)
    assert _dot(u, forward) == _approx(_dot(reverse, t))


@given(case=expression_dags(), data=st.data())
def test_jvp_of_a_scalar_function_is_the_gradient_dot_the_tangent(case, data) -> None:
    dag, point = case
    t = data.draw(tangent_vectors(len(point)))
    value, derivative = jvp(dag, point, t)
    expected_value, gradients = value_and_grad(dag)(*point)
    assert value == expected_value
    assert derivative == _approx(_dot(gradients, t))


def test_vjp_of_a_scalar_function_scales_its_gradient() -> None:
    value, cotangents = vjp(lambda x, y: x * y, [2.0, 3.0], -2.0)
    assert (value, cotangents) == (6.0, [-6.0, -4.0])


# -- value_and_grad and gradient ------------------------------------------------------------------


@given(case=expression_dags())
def test_value_and_grad_matches_the_function_and_its_differences(case) -> None:
    dag, point = case
    value, gradients = value_and_grad(dag)(*point)
    assert value == dag(*map(Value, point)).data
    assert gradient(dag)(*point) == gradients
    for i, g in enumerate(gradients):
        assert_close(g, central_difference(_numbers(dag), point, i), f"d dag/d x{i}")


# -- hessian and jacobian -------------------------------------------------------------------------


@given(case=expression_dags(max_steps=6))
def test_the_hessian_is_symmetric_and_matches_differences_of_the_gradient(case) -> None:
    dag, point = case
    matrix = hessian(dag)(*point)
    n = len(point)
    assert all(len(row) == n for row in matrix) and len(matrix) == n
    for i in range(n):
        for j in range(n):
            assert matrix[i][j] == _approx(matrix[j][i])
            numeric = central_difference(lambda p, i=i: gradient(dag)(*p)[i], point, j)
            assert_close(matrix[i][j], numeric, f"d2 dag/d x{i} d x{j}")


@given(case=expression_dags(max_steps=6), data=st.data())
def test_three_ways_to_the_hessian_agree(case, data) -> None:
    """Forward over reverse (hessian), reverse over reverse and reverse over forward."""
    dag, point = case
    matrix = hessian(dag)(*point)
    reverse_over_reverse = jacobian(gradient(dag))(*point)
    assert matrix == [[_approx(h) for h in row] for row in reverse_over_reverse]
    t = data.draw(tangent_vectors(len(point)))
    reverse_over_forward = gradient(lambda *xs: jvp(dag, xs, t)[1])(*point)
    forward_over_reverse = jvp(gradient(dag), point, t)[1]
    hessian_t = [_dot(row, t) for row in matrix]
    assert reverse_over_forward == [_approx(h) for h in hessian_t]
    assert forward_over_reverse == [_approx(h) for h in hessian_t]


@given(data=st.data())
def test_the_jacobian_is_the_same_in_both_modes_and_matches_differences(
    data: st.DataObject,
) -> None:
    f, point = data.draw(vector_dags())
    reverse = jacobian(f)(*point)
    forward = jacobian(f, mode="forward")(*point)
    assert forward == [[_approx(d) for d in row] for row in reverse]
    for k, row in enumerate(reverse):
        for i, d in enumerate(row):
            numeric = central_difference(lambda p, k=k: f(*map(Value, p))[k].data, point, i)
            assert_close(d, numeric, f"d f{k}/d x{i}")


def test_a_function_returning_one_value_has_a_one_row_jacobian() -> None:
    assert jacobian(lambda x, y: x * y)(2.0, 3.0) == [[3.0, 2.0]]
    assert jacobian(lambda x, y: x * y, mode="forward")(2.0, 3.0) == [[3.0, 2.0]]


def test_known_derivatives() -> None:
    """f(x, y) = x² y + sin y at (3, 0.5), worked by hand."""

    def f(x: Value, y: Value) -> Value:
        return x**2 * y + y.sin()

    x, y = 3.0, 0.5
    assert value_and_grad(f)(x, y) == (pytest.approx(4.5 + math.sin(y)), [3.0, 9 + math.cos(y)])
    assert hessian(f)(x, y) == [[1.0, 6.0], [6.0, pytest.approx(-math.sin(y))]]
    assert jvp(f, [x, y], [1.0, 0.0])[1] == 3.0


# -- the rules the transforms share ----------------------------------------------------------


def test_numbers_in_numbers_out() -> None:
    def f(x: Value, y: Value) -> Value:
        return x * y.exp()

    results = [
        *jvp(f, [1, 0.5], [1, 0]),
        *vjp(f, [1, 0.5], 1),
        *value_and_grad(f)(1, 0.5),
        *hessian(f)(1, 0.5),
        *jacobian(lambda x, y: [f(x, y)])(1, 0.5),
    ]
    flat = [x for r in results for x in (r if isinstance(r, list) else [r])]
    assert all(type(x) is float for x in flat)


def test_values_in_graphs_out_connected_to_the_values_passed() -> None:
    a, b = Value(1.0, "a"), Value(0.5, "b")

    def f(x: Value, y: Value) -> Value:
        return x * y.exp()

    value, gradients = value_and_grad(f)(a, b)
    assert isinstance(value, Value) and all(isinstance(g, Value) for g in gradients)
    assert grad(value, [a, b]) == [math.exp(0.5), math.exp(0.5)]
    assert grad(gradients[0], [a, b]) == [0.0, math.exp(0.5)]  # d/d(a, b) of e^b
    (derivative,) = jvp(lambda x: x**3, [a], [1.0])[1:]
    assert isinstance(derivative, Value)
    assert grad(derivative, [a]) == [6.0]  # d/da 3a²


def test_transforms_nest() -> None:
    """gradient of gradient is the second derivative; of that, the third."""

    def second(f: Callable[[Value], Value]) -> Callable[[Value], Value]:
        return lambda x: gradient(lambda y: gradient(f)(y)[0])(x)[0]

    x = 0.7
    assert gradient(lambda y: gradient(Value.sin)(y)[0])(x) == [pytest.approx(-math.sin(x))]
    assert gradient(second(Value.sin))(x) == [pytest.approx(-math.cos(x))]
    assert gradient(second(Value.exp))(x) == [pytest.approx(math.exp(x))]
    third = gradient(lambda p, q: hessian(lambda u, v: u**3 * v)(p, q)[0][0])(2.0, 5.0)
    assert third == [pytest.approx(30.0), pytest.approx(12.0)]  # d/d(u, v) of 6 u v


def test_each_argument_is_its_own_variable() -> None:
    """The same Value passed twice, or one computed from another: partial derivatives."""
    x = Value(2.0, "x")
    assert [g.data for g in gradient(lambda a, b: a * b**2)(x, x)] == [4.0, 8.0]  # b², 2ab
    doubled = x * 2
    assert [g.data for g in gradient(lambda a, b: a + b)(x, doubled)] == [1.0, 1.0]
    assert [h.data for h in hessian(lambda a, b: a * a * b)(x, x)[0]] == [4.0, 4.0]
    assert jvp(lambda a, b: a * b, [x, x], [1.0, 0.0])[1].data == 2.0


def test_a_value_passed_in_keeps_its_label_for_error_messages() -> None:
    with pytest.raises(ValueError, match=r"log\(a=-1\.0\): defined for x > 0"):
        gradient(Value.log)(Value(-1.0, "a"))


def test_transforms_record_a_graph_inside_no_grad() -> None:
    def f(x: Value) -> Value:
        return x**3

    with no_grad():
        assert gradient(f)(2.0) == [12.0]
        assert hessian(f)(2.0) == [[12.0]]
        assert jvp(f, [2.0], [1.0]) == (8.0, 12.0)
        assert jacobian(lambda x: [f(x)], mode="forward")(2.0) == [[12.0]]


# -- bad input ----------------------------------------------------------------------------------


def test_a_function_must_return_values() -> None:
    with pytest.raises(TypeError, match=r"gradient: the output must be a Value, got float 3\.0"):
        gradient(lambda x: 3.0)(1.0)
    with pytest.raises(TypeError, match=r"jvp: f must return a Value or a non-empty list"):
        jvp(lambda x: [], [1.0], [1.0])
    with pytest.raises(TypeError, match=r"jacobian: output 1: the output must be a Value"):
        jacobian(lambda x: [x, 2.0])(1.0)
    with pytest.raises(RuntimeError, match=r"hessian: .*no_grad"):

        def untracked(x: Value) -> Value:
            with no_grad():
                return x * 2

        hessian(untracked)(1.0)


def test_tangents_and_cotangents_match_the_inputs_and_outputs() -> None:
    with pytest.raises(ValueError, match=r"jvp: tangents: expected 2, one per input, got 1"):
        jvp(lambda x, y: x * y, [1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match=r"vjp: cotangents: expected 2, one per output, got 3"):
        vjp(lambda x: [x, x], [1.0], [1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match=r"jvp: tangents\[0\] expects a real number.*str"):
        jvp(lambda x: x, [1.0], ["1"])
    with pytest.raises(TypeError, match=r"jvp: tangents must be a list of numbers, got float"):
        jvp(lambda x: x, [1.0], 1.0)  # type: ignore[arg-type]


def test_arguments_must_be_numbers_or_values() -> None:
    with pytest.raises(TypeError, match=r"gradient: argument 1 expects a real number.*str '2'"):
        gradient(lambda x, y: x * y)(1.0, "2")
    with pytest.raises(TypeError, match=r"jvp: inputs must be a list of numbers or Values"):
        jvp(lambda x: x, 1.0, [1.0])  # type: ignore[arg-type]


def test_jacobian_refuses_an_unknown_mode() -> None:
    with pytest.raises(ValueError, match=r"jacobian: mode must be 'reverse' or 'forward'"):
        jacobian(lambda x: [x], mode="sideways")  # type: ignore[arg-type]

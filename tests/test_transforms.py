"""Function transforms against finite differences and against each other.

On random DAGs: jvp is the Jacobian times the tangent and vjp the cotangent times the
Jacobian (so u · jvp = vjp · t), value_and_grad and gradient match differences, the Hessian
is symmetric and the same by forward over reverse, reverse over reverse and reverse over
forward, the Jacobian the same in both modes. Then the rules every transform shares: each
argument its own variable, numbers in and numbers out, Values in and graphs out (so the
transforms nest, also when an inner function closes over an outer variable), arguments
that are trees (nested lists) with derivatives of their shape, and a graph even inside
no_grad().
"""

from __future__ import annotations

import itertools
import math
import threading
from collections.abc import Callable, Sequence
from typing import cast

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
from autograd.gradcheck import parameter_names
from autograd.transforms import JACOBIAN_MODES, Derivative
from autograd.tree import flatten, leaf_paths, leaves, unflatten
from tests.strategies import as_trees, expression_dags, tangent_vectors, vector_dags
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


# One first derivative d/dt g(t) at a point, by each transform: reverse mode, then forward.
FIRST_DERIVATIVES: dict[str, Callable[[Callable[[Value], Value], float], Derivative]] = {
    "gradient": lambda g, t: gradient(g)(t)[0],
    "value_and_grad": lambda g, t: value_and_grad(g)(t)[1][0],
    "vjp": lambda g, t: vjp(g, [t], 1.0)[1][0],
    "jacobian": lambda g, t: jacobian(g)(t)[0][0],
    "jvp": lambda g, t: jvp(g, [t], [1.0])[1],
    "jacobian forward": lambda g, t: jacobian(g, mode="forward")(t)[0][0],
}
ORDERS = [
    transforms
    for order in (1, 2, 3)
    for transforms in itertools.product(sorted(FIRST_DERIVATIVES), repeat=order)
]


def _closing_over(
    transforms: Sequence[str],
    point: Sequence[float],
    body: Callable[..., Value],
    outer_factor: bool = False,
) -> Derivative:
    """∂^k body/∂t_1...∂t_k at ``point``, transform j taking d/dt_j: each inner transform is
    called with the plain number point[j] and closes over the outer t's. With
    ``outer_factor``, level j differentiates t_j × (the level inside), as in the issue."""

    def level(j: int, outer: list[Value]) -> Value:
        if j == len(transforms):
            return body(*outer)

        def g(t: Value) -> Value:
            inner = level(j + 1, [*outer, t])
            return t * inner if outer_factor else inner

        return cast(Value, FIRST_DERIVATIVES[transforms[j]](g, point[j]))

    return cast(Derivative, level(0, []))


def _separable(*ts: Value) -> Value:
    """sin(t_1) e^(t_2) cos(t_3): its mixed partial is cos(t_1) e^(t_2) (-sin(t_3))."""
    factors = [Value.sin, Value.exp, Value.cos]
    return math.prod((factor(t) for factor, t in zip(factors, ts, strict=False)), start=Value(1.0))


def _separable_mixed_partial(point: Sequence[float]) -> float:
    derivatives = [math.cos, math.exp, lambda t: -math.sin(t)]
    return math.prod(d(t) for d, t in zip(derivatives, point, strict=False))


POINT = (0.7, -0.4, 1.3)


@pytest.mark.parametrize("transforms", ORDERS, ids=" of ".join)
def test_an_inner_transform_keeps_the_outer_variables_it_closes_over(transforms) -> None:
    """Orders 1 to 3, every nesting of the first-derivative transforms, both modes: the
    inner ones are called with numbers and close over the outer variables (issue 16, bug 2:
    they returned floats, and the outer derivative dropped every term through them)."""
    result = _closing_over(transforms, POINT, _separable)
    assert type(result) is float  # numbers in, numbers out, at the top
    assert result == pytest.approx(_separable_mixed_partial(POINT[: len(transforms)]), rel=1e-12)


@pytest.mark.parametrize("transforms", ORDERS, ids=" of ".join)
def test_a_closed_over_variable_times_the_inner_derivative_matches_differences(transforms) -> None:
    """d/dt_1 of t_1 × (the inner levels), as in ``gradient(lambda x: x * gradient(lambda y:
    x * y)(2.0)[0])(1.0)``, against central differences of the level inside."""
    result = _closing_over(transforms, POINT, _separable, outer_factor=True)
    inner = transforms[1:]

    def outermost(point: list[float]) -> float:
        t = Value(point[0])
        return (t * _closing_over(inner, POINT[1:], lambda *ts: _separable(t, *ts), True)).data

    assert_close(cast(float, result), central_difference(outermost, [POINT[0]], 0), "d/dt1")


@pytest.mark.parametrize("outer", sorted(FIRST_DERIVATIVES))
@pytest.mark.parametrize("inner", sorted(FIRST_DERIVATIVES))
def test_the_issue_example_in_every_pair_of_transforms(outer, inner) -> None:
    """d/dx of x × d/dy (x y) = d/dx x² = 2x, at x = 1 (it returned 1)."""
    derivative = FIRST_DERIVATIVES[outer]
    value = derivative(lambda x: x * FIRST_DERIVATIVES[inner](lambda y: x * y, 2.0), 1.0)
    assert value == 2.0


@pytest.mark.parametrize("name", sorted(FIRST_DERIVATIVES))
def test_hessian_nests_inside_and_around_a_closure(name) -> None:
    """d/dx H_y(x y³) = d/dx 6 x y = 6 y, and H_x of d/dy (x³ y²) = d²/dx² 2 x³ y = 12 x y."""
    derivative = FIRST_DERIVATIVES[name]
    a, b = 0.5, 1.5
    assert derivative(lambda x: hessian(lambda y: x * y**3)(a)[0][0], b) == pytest.approx(6 * a)
    outer = hessian(lambda x: cast(Value, derivative(lambda y: x**3 * y**2, a)))(b)
    assert outer == [[pytest.approx(12 * a * b)]]


def test_a_third_derivative_through_jvp_with_an_outer_argument() -> None:
    """d³/dx³ x⁴ = 24 x by jvp of jvp of jvp (it raised "f must return a Value ... float")."""

    def d(g: Callable[[Value], Value]) -> Callable[[Value], Value]:
        return lambda x: cast(Value, jvp(g, [x], [1.0])[1])

    assert d(d(d(lambda x: x**4)))(Value(2.0)).data == 48.0
    assert jvp(d(d(lambda x: x**4)), [2.0], [1.0])[1] == 48.0


def test_inside_a_transform_the_results_are_values_even_for_a_constant() -> None:
    """The rule reads no graph: inside another transform, an inner result is a Value (a
    constant, here, so the outer derivative gets no term from it)."""
    kinds = []

    def outer_f(x: Value) -> Value:
        inner = gradient(lambda y: y * y)(3.0)[0]
        kinds.append(type(inner))
        return x * inner

    assert gradient(outer_f)(1.0) == [6.0]
    assert kinds == [Value]
    assert type(gradient(lambda y: y * y)(3.0)[0]) is float  # outside, numbers again


def test_a_value_closed_over_outside_every_transform_is_a_constant() -> None:
    """As a closed-over array in JAX: numbers out; pass the Value in to differentiate it."""
    w = Value(3.0, "w")
    assert gradient(lambda y: w * y)(2.0) == [3.0]
    _, (dy, dw) = value_and_grad(lambda y, v: v * y)(2.0, w)
    assert isinstance(dw, Value) and grad(dw, w) == (0.0,) and grad(dy, w) == (1.0,)


def test_the_count_of_running_transforms_is_per_thread_and_restored_after_an_error() -> None:
    seen = []

    def in_another_thread() -> None:
        seen.append(type(gradient(lambda y: y * y)(3.0)[0]))

    def outer_f(x: Value) -> Value:
        worker = threading.Thread(target=in_another_thread)
        worker.start()
        worker.join()
        return x * 2

    assert gradient(outer_f)(1.0) == [2.0]
    assert seen == [float]  # that thread runs no transform: numbers out
    with pytest.raises(ZeroDivisionError):
        gradient(lambda x: x / 0)(1.0)
    assert type(gradient(lambda y: y * y)(3.0)[0]) is float


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


# -- functions of trees: nested lists of numbers and Values (issue 17) -------------------------


def _flat_places(arguments: list[object]) -> list[tuple[int, tuple[int, ...]]]:
    """(argument, path inside it) of each leaf, in reading order: where a flat index goes."""
    return [(path[0], path[1:]) for path in leaf_paths(flatten(arguments)[1])]


def _at(tree: object, path: tuple[int, ...]) -> object:
    for i in path:
        tree = tree[i]  # type: ignore[index]
    return tree


def _of_leaves(f: Callable[..., object]) -> Callable[..., object]:
    """f as a function of tree arguments: the same graph, its inputs read off the leaves."""
    return lambda *trees: f(*leaves(list(trees)))


@given(case=expression_dags(), data=st.data())
def test_the_gradient_of_tree_arguments_has_their_shape_and_the_flat_numbers(case, data) -> None:
    dag, point = case
    arguments = data.draw(as_trees(point))
    value, gradients = value_and_grad(_of_leaves(dag))(*arguments)
    flat_value, flat = value_and_grad(dag)(*point)
    assert (value, leaves(gradients)) == (flat_value, flat)  # the same graph: bitwise
    assert flatten(gradients)[1] == flatten(arguments)[1]
    assert gradient(_of_leaves(dag))(*arguments) == gradients
    for k, (i, path) in enumerate(_flat_places(arguments)):
        numeric = central_difference(_numbers(dag), point, k)
        assert_close(cast(float, _at(gradients[i], path)), numeric, f"d dag/d x{i}{path}")


@given(case=expression_dags(max_steps=6), data=st.data())
def test_the_hessian_of_tree_arguments_is_a_tree_of_trees(case, data) -> None:
    """H[i][j][a...][b...] = ∂²f/∂x_i[a...]∂x_j[b...]: the flat Hessian's entry."""
    dag, point = case
    arguments = data.draw(as_trees(point))
    blocks = hessian(_of_leaves(dag))(*arguments)
    flat = hessian(dag)(*point)
    places = _flat_places(arguments)
    assert len(blocks) == len(arguments) and all(len(row) == len(arguments) for row in blocks)
    for p, (i, a) in enumerate(places):
        for q, (j, b) in enumerate(places):
            assert _at(_at(blocks[i][j], a), b) == flat[p][q]
    for i, x_i in enumerate(arguments):
        for j, x_j in enumerate(arguments):
            assert len(leaves(blocks[i][j])) == len(leaves([x_i])) * len(leaves([x_j]))


@given(data=st.data())
def test_the_jacobian_of_tree_arguments_in_both_modes(data: st.DataObject) -> None:
    """J[k][i][a...] = ∂f_k/∂x_i[a...], the flat Jacobian's entry, in both modes."""
    f, point = data.draw(vector_dags())
    arguments = data.draw(as_trees(point))
    flat = jacobian(f)(*point)
    for mode in JACOBIAN_MODES:
        matrix = jacobian(_of_leaves(f), mode=mode)(*arguments)
        assert len(matrix) == len(flat)
        for k, row in enumerate(matrix):
            assert flatten(row)[1] == flatten(arguments)[1]
            assert leaves(row) == [_approx(d) for d in flat[k]]


@given(data=st.data())
def test_jvp_and_vjp_of_tree_arguments_take_and_give_their_shapes(data: st.DataObject) -> None:
    f, point = data.draw(vector_dags())
    arguments = data.draw(as_trees(point))
    shape = flatten(arguments)[1]
    t = data.draw(tangent_vectors(len(point)))
    values, derivatives = jvp(_of_leaves(f), arguments, unflatten(shape, t))
    assert (values, derivatives) == jvp(f, point, t)
    u = data.draw(tangent_vectors(len(values)))
    values, cotangents = vjp(_of_leaves(f), arguments, u)
    flat_values, flat_cotangents = vjp(f, point, u)
    assert (values, leaves(cotangents)) == (flat_values, flat_cotangents)
    assert flatten(cotangents)[1] == shape


def test_functions_of_vectors_and_matrices() -> None:
    """The issue's example, a matrix, and f returning a tree: worked by hand."""
    assert value_and_grad(lambda v: v[0] * v[1])([1.0, 2.0]) == (2.0, [[2.0, 1.0]])
    assert hessian(lambda v: v[0] ** 2 * v[1])([1.0, 2.0])[0][0] == [[4.0, 2.0], [2.0, 0.0]]

    def affine(weights: list[list[Value]], b: Value) -> Value:  # W x + b at x = (1, 2), summed
        return sum((row[0] * 1.0 + row[1] * 2.0 for row in weights), start=b)

    assert gradient(affine)([[0.5, -1.0], [2.0, 3.0]], 0.5) == [[[1.0, 2.0], [1.0, 2.0]], 1.0]
    assert jacobian(lambda v: [v[0] * v[1], (v[0], [v[1] ** 2])])((2.0, 3.0)) == [
        [(3.0, 2.0)],
        ([(1.0, 0.0)], [[(0.0, 6.0)]]),
    ]
    assert jvp(lambda v: [v[0] * v[1], [v[0]]], [[1.0, 2.0]], [[1.0, 0.0]]) == (
        [2.0, [1.0]],
        [2.0, [1.0]],
    )
    assert vjp(lambda v: [v[0] * v[1], [v[0]]], [[1.0, 2.0]], [1.0, [1.0]]) == (
        [2.0, [1.0]],
        [[3.0, 1.0]],
    )


def test_a_tree_of_values_gives_a_tree_of_graphs_connected_to_them() -> None:
    a, b = Value(1.5, "a"), Value(-2.0, "b")
    (gradients,) = gradient(lambda v: v[0] * v[1][0] ** 2)([a, [b]])
    assert [g.data for g in leaves(gradients)] == [4.0, -6.0]  # b², 2ab
    assert grad(gradients[1][0], [a, b]) == [-4.0, 3.0]  # d/d(a, b) of 2ab
    mixed = gradient(lambda v: v[0] * v[1])([a, 2.0])[0]
    assert all(isinstance(g, Value) for g in mixed)


def test_a_closure_over_an_outer_variable_through_a_vector_argument() -> None:
    """d/dx Σ_i ∂/∂v_i (x v_0 v_1) at v = (2, 3) = d/dx x (3 + 2) = 5."""
    assert gradient(lambda x: sum(gradient(lambda v: x * v[0] * v[1])([2.0, 3.0])[0]))(1.0) == [5.0]


def test_tree_arguments_are_checked_leaf_by_leaf() -> None:
    with pytest.raises(TypeError, match=r"gradient: argument 0\[1\]\[0\] expects a real number"):
        gradient(lambda v: v[0])([1.0, ["a"]])
    with pytest.raises(ValueError, match=r"jvp: tangents\[0\] has the shape \[\*\], input 0 has"):
        jvp(lambda v: v[0], [[1.0, 2.0]], [[1.0]])
    with pytest.raises(TypeError, match=r"jvp: tangents\[0\]\[1\] expects a real number"):
        jvp(lambda v: v[0], [[1.0, 2.0]], [[1.0, None]])
    with pytest.raises(
        ValueError, match=r"vjp: cotangents\[1\] has the shape \*, output 1 has \[\*\]"
    ):
        vjp(lambda v: [v[0], [v[1]]], [[1.0, 2.0]], [1.0, 1.0])
    with pytest.raises(TypeError, match=r"jacobian: output 1\[0\]: the output must be a Value"):
        jacobian(lambda v: [v[0], [2.0]])([1.0])
    with pytest.raises(TypeError, match=r"f must return a Value or a non-empty list"):
        jacobian(lambda v: [[]])([1.0])


def test_a_transformed_function_takes_the_arguments_of_f() -> None:
    """Its signature is f's, so gradcheck names its inputs, and compile its arguments, after
    f's parameters; its own name still says what it is."""

    def f(speed: Value, time: Value) -> Value:
        return speed * time

    for transformed in (value_and_grad(f), gradient(f), hessian(f), jacobian(f)):
        assert parameter_names(transformed) == ["speed", "time"]
        assert "_of_f" in transformed.__name__
    assert parameter_names(gradient(gradient(f))) == ["speed", "time"]
    assert parameter_names(gradient(max)) == []  # no signature to read, no name


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

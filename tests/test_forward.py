"""Forward mode: tangents pushed with the nodes' own local derivatives, against reverse mode.

For every op and on random DAGs: the directional derivative equals the gradient (reverse
mode) dotted with the tangent and central differences along the tangent; with
``create_graph=True`` it is a graph whose gradient is the Hessian times the tangent, and
tangents pushed through a gradient's graph (forward over reverse) give the same.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable, Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import (
    Value,
    compile,
    detect_anomaly,
    directional_derivative,
    grad,
    no_grad,
    topological_order,
)
from autograd.forward import tangents
from tests.strategies import expression_dags, tangent_vectors
from tests.test_ops import OpCase, _leaves, assert_close, each_op

REL, ABS = 1e-9, 1e-12  # forward and reverse mode sum the same products in another order


def _dot(xs: Sequence[float], ys: Sequence[float]) -> float:
    return math.fsum(x * y for x, y in zip(xs, ys, strict=True))


def _hessian(out: Value, inputs: list[Value]) -> list[list[float]]:
    """Reverse over reverse: row i is the gradient of d out/d input i."""
    return [grad(g, inputs) for g in grad(out, inputs, create_graph=True)]


def _matrix_times(matrix: list[list[float]], vector: Sequence[float]) -> list[float]:
    return [_dot(row, vector) for row in matrix]


def _along(f_of_point, point: list[float], direction: list[float]) -> float:
    """d/dh f(point + h direction) at h = 0 by central differences: along the direction
    scaled to length 1 (largest component), with a step of 1e-6 of the point's size."""
    longest = max(map(abs, direction))
    if longest == 0:
        return 0.0
    unit = [d / longest for d in direction]
    h = 1e-6 * max(1.0, *map(abs, point))

    def at(step: float) -> float:
        return f_of_point([p + step * d for p, d in zip(point, unit, strict=True)])

    return longest * (at(h) - at(-h)) / (2 * h)


def _seeds(nodes: list[Value], direction: Sequence[object]) -> dict:
    return dict(zip(nodes, direction, strict=True))


def _approx(expected: float) -> object:
    return pytest.approx(expected, rel=REL, abs=ABS)


# -- every op ---------------------------------------------------------------------------------


def _op_point(case: OpCase, data: st.DataObject) -> tuple[list[Value], tuple, list[float]]:
    xs, constants = data.draw(case.arguments)
    return _leaves(xs), constants, data.draw(tangent_vectors(len(xs)))


@each_op
@given(data=st.data())
def test_every_op_forward_mode_equals_gradient_dot_tangent(
    case: OpCase, data: st.DataObject
) -> None:
    leaves, constants, t = _op_point(case, data)
    out = case.build(leaves, constants)
    forward = directional_derivative(out, _seeds(leaves, t))
    assert forward == _approx(_dot(grad(out, leaves), t))


@each_op
@given(data=st.data())
def test_every_op_forward_mode_matches_differences_along_the_tangent(
    case: OpCase, data: st.DataObject
) -> None:
    leaves, constants, t = _op_point(case, data)
    point = [x.data for x in leaves]
    forward = directional_derivative(case.build(leaves, constants), _seeds(leaves, t))
    numeric = _along(lambda p: case.reference(p, constants), point, t)
    assert_close(forward, numeric, f"d {case} along {t} at {point}")


@each_op
@given(data=st.data())
def test_every_op_tangent_graph_differentiates_to_the_hessian_times_the_tangent(
    case: OpCase, data: st.DataObject
) -> None:
    leaves, constants, t = _op_point(case, data)
    out = case.build(leaves, constants)
    seeds = _seeds(leaves, t)
    as_value = directional_derivative(out, seeds, create_graph=True)
    assert isinstance(as_value, Value)
    assert as_value.data == _approx(directional_derivative(out, seeds))
    hessian_t = _matrix_times(_hessian(out, leaves), t)
    assert grad(as_value, leaves) == [_approx(h) for h in hessian_t]  # reverse over forward
    over_reverse = [directional_derivative(g, seeds) for g in grad(out, leaves, create_graph=True)]
    assert over_reverse == [_approx(h) for h in hessian_t]  # forward over reverse


# -- random DAGs with shared subexpressions -----------------------------------------------------


def _dag_case(data: st.DataObject) -> tuple[list[Value], Value, list[float]]:
    dag, point = data.draw(expression_dags())
    inputs = [Value(x, label=f"x{i}") for i, x in enumerate(point)]
    return inputs, dag(*inputs), data.draw(tangent_vectors(len(point)))


@given(data=st.data())
def test_on_random_dags_forward_mode_equals_gradient_dot_tangent(data: st.DataObject) -> None:
    inputs, out, t = _dag_case(data)
    assert directional_derivative(out, _seeds(inputs, t)) == _approx(_dot(grad(out, inputs), t))


@given(data=st.data())
def test_on_random_dags_forward_mode_matches_differences_along_the_tangent(
    data: st.DataObject,
) -> None:
    dag, point = data.draw(expression_dags())
    t = data.draw(tangent_vectors(len(point)))
    inputs = [Value(x) for x in point]
    forward = directional_derivative(dag(*inputs), _seeds(inputs, t))
    numeric = _along(lambda p: dag(*map(Value, p)).data, point, t)
    assert_close(forward, numeric, f"d dag along {t} at {point}")


@given(data=st.data())
def test_on_random_dags_both_hessian_vector_products_agree_with_reverse_over_reverse(
    data: st.DataObject,
) -> None:
    inputs, out, t = _dag_case(data)
    seeds = _seeds(inputs, t)
    hessian_t = _matrix_times(_hessian(out, inputs), t)
    reverse_over_forward = grad(directional_derivative(out, seeds, create_graph=True), inputs)
    forward_over_reverse = [
        directional_derivative(g, seeds) for g in grad(out, inputs, create_graph=True)
    ]
    assert reverse_over_forward == [_approx(h) for h in hessian_t]
    assert forward_over_reverse == [_approx(h) for h in hessian_t]


@given(data=st.data())
def test_a_tangent_graph_is_linear_in_value_seeds(data: st.DataObject) -> None:
    """Seeded with Values u, out' = Σ ∂out/∂x_i u_i, so d out'/d u is the gradient."""
    inputs, out, t = _dag_case(data)
    directions = [Value(c, label=f"u{i}") for i, c in enumerate(t)]
    derivative = directional_derivative(out, _seeds(inputs, directions), create_graph=True)
    assert grad(derivative, directions) == [_approx(g) for g in grad(out, inputs)]


@given(data=st.data())
def test_several_outputs_get_the_tangents_each_would_get_alone(data: st.DataObject) -> None:
    inputs, out, t = _dag_case(data)
    seeds = _seeds(inputs, t)
    outputs = [out, *topological_order(out)[len(inputs) :: 2]]
    together = tangents(outputs, seeds)
    for y in outputs:
        assert together.get(y, 0.0) == directional_derivative(y, seeds)


@given(data=st.data())
def test_forward_mode_leaves_every_grad_untouched(data: st.DataObject) -> None:
    inputs, out, t = _dag_case(data)
    nodes = topological_order(out)
    for k, node in enumerate(nodes):
        node.grad = k + 0.5
    directional_derivative(out, _seeds(inputs, t))
    directional_derivative(out, _seeds(inputs, t), create_graph=True)
    assert [node.grad for node in nodes] == [k + 0.5 for k in range(len(nodes))]


# -- what a seed means ----------------------------------------------------------------------------


def test_a_seeded_node_is_an_independent_variable() -> None:
    """Seeding an interior node asks for the derivative with everything else held fixed."""
    a = Value(3.0, "a")
    x = a * 2.0  # computed from a, but seeded: a moving does not move x here
    out = a * x
    assert directional_derivative(out, {x: 1.0}) == 3.0  # ∂out/∂x = a
    assert directional_derivative(out, {a: 1.0}) == 12.0  # d out/da = x + a * 2 (x follows a)
    assert directional_derivative(out, {a: 1.0, x: 1.0}) == 6.0 + 3.0  # ∂/∂a = x, ∂/∂x = a


def test_a_graph_that_no_seed_reaches_has_derivative_zero() -> None:
    x, unused = Value(1.5), Value(2.0)
    out = x.exp()
    assert directional_derivative(out, {unused: 1.0}) == 0.0
    zero = directional_derivative(out, {unused: 1.0}, create_graph=True)
    assert isinstance(zero, Value)
    assert zero.data == 0.0
    assert directional_derivative(out, {}) == 0.0


def test_the_output_seeded_itself_has_its_seed() -> None:
    x = Value(2.0)
    assert directional_derivative(x, {x: -4.0}) == -4.0
    y = x * x
    assert directional_derivative(y, {y: 0.5, x: 1.0}) == 0.5


def test_one_forward_pass_gives_the_derivative_of_every_node() -> None:
    """The seed's chain x -> z = 3x -> y = z²: x' = 1 gives z' = 3 and y' = 6z = 18."""
    x = Value(1.0, "x")
    z = 3 * x
    y = z**2
    assert tangents([y], {x: 1.0}) == {x: 1.0, z: 3.0, y: 18.0}


def test_a_deep_chain_needs_no_recursion() -> None:
    length, factor = 20_000, 1.00001
    x = Value(0.5)
    out = x
    for _ in range(length):
        out = out * factor
    assert directional_derivative(out, {x: 1.0}) == pytest.approx(factor**length, rel=1e-9)
    tangent = directional_derivative(out * out, {x: 1.0}, create_graph=True)
    assert grad(tangent, [x]) == [pytest.approx(2 * factor ** (2 * length), rel=1e-9)]


def test_an_infinite_slope_meets_a_zero_tangent_as_reverse_mode_does() -> None:
    """sqrt at 0 records slope inf; a seed of 0 then gives NaN, as backward's inf * 0 does."""
    x = Value(0.0)
    out = x.sqrt()
    assert math.isnan(directional_derivative(out, {x: 0.0}))
    assert directional_derivative(out, {x: 1.0}) == math.inf == grad(out, [x])[0]


# -- anomaly mode ---------------------------------------------------------------------------------


def test_in_anomaly_mode_a_tangent_that_is_not_finite_names_the_node_and_line() -> None:
    with detect_anomaly():
        r = Value(0.0, label="r")
        make = lambda: r.sqrt()  # noqa: E731 (one line: its line is the op's)
        s = make()
        s.label = "s"
        out = s * 2.0
        with pytest.raises(FloatingPointError) as raised:
            directional_derivative(out, {r: 1.0})
        message = str(raised.value)
        assert message.startswith(
            "directional_derivative: the tangent of the sqrt node 's' (= 0.0) is inf: "
            "the sum of local derivative × input tangent, inf × 1.0 (detect_anomaly)"
        )
        assert f"made at {__file__}:{make.__code__.co_firstlineno}" in message
        # Building the tangent as a graph, the first op whose result is inf raises.
        with pytest.raises(FloatingPointError, match="not a finite number"):
            directional_derivative(out, {r: 1.0}, create_graph=True)
    assert directional_derivative(out, {r: 1.0}) == math.inf  # off: IEEE arithmetic, silently


def test_in_anomaly_mode_a_seed_that_is_not_finite_is_named() -> None:
    x = Value(1.0, label="x")
    with detect_anomaly(), pytest.raises(FloatingPointError, match=r"the seed of 'x' .* is nan"):
        directional_derivative(x * 2, {x: math.nan})


@given(data=st.data())
def test_anomaly_mode_changes_no_tangent(data: st.DataObject) -> None:
    inputs, out, t = _dag_case(data)
    seeds = _seeds(inputs, t)
    with detect_anomaly():
        checked = tangents([out], seeds)
    assert checked == tangents([out], seeds)


# -- bad input ------------------------------------------------------------------------------------


def test_seeds_must_be_a_mapping_of_values_to_numbers() -> None:
    x = Value(1.0, "x")
    out = x * 2
    with pytest.raises(TypeError, match=r"seeds must map Values to tangents.*list"):
        directional_derivative(out, [x])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"a seed's key must be a Value, got str"):
        directional_derivative(out, {"x": 1.0})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match=r"the seed of 'x' expects a real number.*str '1'"):
        directional_derivative(out, {x: "1"})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match=r"the seed of 'x' is a Value; .*create_graph=True"):
        directional_derivative(out, {x: Value(1.0)})


def test_the_output_must_be_a_value_with_a_graph() -> None:
    x = Value(1.0)
    with pytest.raises(TypeError, match=r"directional_derivative: the output must be a Value"):
        directional_derivative(2.0, {x: 1.0})  # type: ignore[arg-type]
    with no_grad():
        untracked = x * 2
    with pytest.raises(RuntimeError, match=r"directional_derivative: .*no_grad"):
        directional_derivative(untracked, {x: 1.0})


@pytest.mark.parametrize(
    ("f", "points"),
    [
        (lambda x: x.relu() * x, (-2.0, 0.0, 3.0)),
        (lambda x: abs(x) * x, (-2.0, 0.0, 3.0)),
        (lambda x: x.sqrt() * x, (0.0, 4.0)),
        (lambda x: x**0.5, (0.0, 4.0)),
    ],
    ids=["relu", "abs", "sqrt", "x ** 0.5"],
)
def test_a_tangent_graph_replays_on_new_data_what_rebuilding_it_gives(
    f: Callable[[Value], Value], points: tuple[float, ...]
) -> None:
    """Forward mode runs the same rules on Values: a kink's slope is a node of the graph."""
    x = Value(1.0)
    replay = compile(directional_derivative(f(x), {x: 1.0}, create_graph=True))
    for point in points:
        x.data = point
        fresh = Value(point)
        rebuilt = directional_derivative(f(fresh), {fresh: 1.0}, create_graph=True).data
        assert struct.pack("<d", replay()) == struct.pack("<d", rebuilt), point

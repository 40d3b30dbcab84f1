"""Differential fuzzing of the function transforms: nested, with closures, on random graphs.

Each case is a random expression DAG (``autograd.testing``'s strategy, every op of its
table, shared subexpressions) differentiated by transforms nested up to three deep, each
inner function closing over the outer variables and called with plain numbers: the shape
that silently dropped a term (issue 16, bug 2). Every result is compared with ``grad``
(``create_graph=True``) on the same graph built by hand, and with central finite
differences of the level inside. Then the Hessian by forward over reverse against reverse
over reverse, and the Jacobian in both modes, each inside an outer transform whose variable
the inner function closes over.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value, grad, gradient, hessian, jacobian
from tests.strategies import ExpressionDag, expression_dags
from tests.test_ops import assert_close, central_difference
from tests.test_transforms import FIRST_DERIVATIVES

transform_names = st.sampled_from(sorted(FIRST_DERIVATIVES))
# Random DAGs of two or three inputs: one for the outer variable, the rest for the inner
# functions; an input beyond the differentiated ones is a constant the innermost one reads.
dags = expression_dags(max_inputs=3).filter(lambda case: case[0].n_inputs >= 2)
REL = 1e-9  # the transforms and grad sum the same products, maybe in another order


def _by_transforms(transforms: Sequence[str], dag: ExpressionDag, point: list[float]) -> float:
    """Level j takes d/dt_j of t_j × (level j + 1), by ``transforms[j]``, at point[j], a
    plain number, closing over t_0 ... t_{j-1}; the innermost level is the dag itself."""
    k = len(transforms)

    def level(j: int, outer: list[Value]) -> Value:
        if j == k:
            return dag(*outer, *map(Value, point[k:]))

        def g(t: Value) -> Value:
            return t * level(j + 1, [*outer, t])

        return cast(Value, FIRST_DERIVATIVES[transforms[j]](g, point[j]))

    result = level(0, [])
    assert type(result) is float, "numbers in, numbers out at the top"
    return result


def _by_grad(dag: ExpressionDag, point: Sequence[float], k: int, first: int = 0) -> float:
    """The same derivative by ``grad`` on the graph built by hand, innermost level first;
    the levels from ``first`` on (t_0 ... t_{first-1} held at their points)."""
    ts = [Value(p) for p in point]
    derivative = dag(*ts)
    for t in reversed(ts[first:k]):
        (derivative,) = grad(t * derivative, [t], create_graph=True)
    return derivative.data


@given(case=dags, transforms=st.lists(transform_names, min_size=1, max_size=3))
def test_nested_transforms_closing_over_outer_variables_match_grad_and_differences(
    case: tuple[ExpressionDag, list[float]], transforms: list[str]
) -> None:
    dag, point = case
    k = min(len(transforms), dag.n_inputs)
    transforms = transforms[:k]
    result = _by_transforms(transforms, dag, point)
    assert result == pytest.approx(_by_grad(dag, point, k), rel=REL, abs=1e-12)

    def outermost(p: list[float]) -> float:  # t_0 × (the levels inside), in numbers
        return p[0] * _by_grad(dag, [p[0], *point[1:]], k, first=1)

    assert_close(result, central_difference(outermost, [point[0]], 0), " of ".join(transforms))


@given(case=dags, outer=transform_names)
def test_a_hessian_closing_over_an_outer_variable_forward_over_reverse_and_reverse_over_reverse(
    case: tuple[ExpressionDag, list[float]], outer: str
) -> None:
    """Inside an outer d/dx, the Hessian over the other inputs of a function closing over x,
    by ``hessian`` (forward over reverse) and ``jacobian(gradient)`` (reverse over
    reverse); the outer derivative of the Hessian's sum against ``grad`` three times."""
    dag, point = case
    x, rest = point[0], point[1:]
    found: list[tuple[list[list[float]], list[list[float]]]] = []

    def sum_of_hessian(t: Value) -> Value:
        def closing(*ys: Value) -> Value:
            return dag(t, *ys)

        by_forward = cast(list[list[Value]], hessian(closing)(*rest))
        by_reverse = cast(list[list[Value]], jacobian(gradient(closing))(*rest))
        found.append(([[h.data for h in row] for row in by_forward], _data(by_reverse)))
        return cast(Value, sum(h for row in by_forward for h in row))

    result = FIRST_DERIVATIVES[outer](sum_of_hessian, x)
    forward_over_reverse, reverse_over_reverse = found[0]
    assert forward_over_reverse == [
        [pytest.approx(h, rel=REL) for h in r] for r in reverse_over_reverse
    ]

    leaves = [Value(p) for p in point]
    out = dag(*leaves)
    first = grad(out, leaves[1:], create_graph=True)
    second = [grad(g, leaves[1:], create_graph=True) for g in first]
    total = cast(Value, sum(h for row in second for h in row))
    assert result == pytest.approx(grad(total, [leaves[0]])[0], rel=REL, abs=1e-12)


@given(case=dags, outer=transform_names)
def test_a_jacobian_closing_over_an_outer_variable_is_the_same_in_both_modes(
    case: tuple[ExpressionDag, list[float]], outer: str
) -> None:
    """Inside an outer d/dx, the Jacobian of (f, x f) over the other inputs, f closing over
    x, in reverse and forward mode; the outer derivative of its sum against ``grad``."""
    dag, point = case
    x, rest = point[0], point[1:]

    def sum_of_jacobians(t: Value) -> Value:
        def closing(*ys: Value) -> list[Value]:
            y = dag(t, *ys)
            return [y, t * y]

        reverse = cast(list[list[Value]], jacobian(closing)(*rest))
        forward = cast(list[list[Value]], jacobian(closing, mode="forward")(*rest))
        assert _data(forward) == [
            [pytest.approx(d, rel=REL, abs=1e-15) for d in r] for r in _data(reverse)
        ]
        return cast(
            Value, sum(d for row in reverse for d in row) + sum(d for row in forward for d in row)
        )

    result = FIRST_DERIVATIVES[outer](sum_of_jacobians, x)
    leaves = [Value(p) for p in point]
    y = dag(*leaves)
    rows = [grad(o, leaves[1:], create_graph=True) for o in (y, leaves[0] * y)]
    total = 2 * cast(Value, sum(d for row in rows for d in row))
    assert result == pytest.approx(grad(total, [leaves[0]])[0], rel=REL, abs=1e-12)


def _data(matrix: list[list[Value]]) -> list[list[float]]:
    return [[entry.data for entry in row] for row in matrix]

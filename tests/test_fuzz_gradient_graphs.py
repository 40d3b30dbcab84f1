"""Differential fuzzing of gradient graphs: compiled and replayed on new data, against the
graph rebuilt there; and forward mode against reverse mode.

A graph that ``grad(create_graph=True)`` builds is a function of its leaves, like any
other: compiled once, then replayed on new data (on both sides of every kink, and on
it), it must give bitwise what building the gradient again at that data gives, its
value and its own gradients (NaN compared by bits; where the rebuilt graph raises, the
replay raises too). The random DAGs use every op of the table, with kinks, vertical
tangents, a Value exponent at base 0 and the shift of logsumexp inside their domain,
to first, second and third order. The CI profile (``CI=true``, 300 examples) is what
found graphs replaying a branch chosen when they were built.
"""

from __future__ import annotations

import inspect
import math
import struct
from collections.abc import Callable

from hypothesis import given
from hypothesis import strategies as st

from autograd import (
    Value,
    compile,
    directional_derivative,
    explain_forward,
    grad,
    ops,
    topological_order,
)
from autograd.ops import Op
from tests.strategies import ALL_DAG_OPS, ExpressionDag, expression_dags, kink_points


def test_the_dags_and_their_gradient_graphs_use_every_op_of_the_table() -> None:
    """Each op of autograd.ops appears in some DAG step or in its first or second
    derivative's graph (the slopes with special cases appear only there)."""
    used: set[int] = set()
    for step in ALL_DAG_OPS.values():
        for point in (0.5, -0.5):
            xs = [Value(point * (i + 1)) for i in range(len(inspect.signature(step).parameters))]
            out = step(*xs)
            first = grad(out, xs, create_graph=True)
            graphs = [out, *first, *(g for d in first for g in grad(d, xs, create_graph=True))]
            used |= {id(v.operation) for g in graphs for v in topological_order(g)}
    table = {name for name, entry in vars(ops).items() if isinstance(entry, Op)}
    assert {name for name in table if id(getattr(ops, name)) not in used} == set()


def _bits(x: float) -> bytes:
    return struct.pack("<d", x)


def _outcome(compute: Callable[[], list[float]]) -> list[bytes] | None:
    """The value's bits, then the gradients' bits (a NaN's sign bit aside: the compiled
    backward writes -g where backward() computes -1.0 * g, issue 16's bug 7, which
    compile's own fix makes equal); None where the computation raises (an op outside its
    domain: x ** y's slope of the slope at base 0 raises, built or replayed alike)."""
    try:
        value, *gradients = compute()
    except (ArithmeticError, ValueError):
        return None
    return [_bits(value), *(_bits(abs(g) if math.isnan(g) else g) for g in gradients)]


def _derivative(dag: ExpressionDag, xs: list[Value], path: list[int]) -> Value:
    """d^k dag / dx_path[0] ... dx_path[k-1], each derivative a graph (create_graph)."""
    d = dag(*xs)
    for i in path:
        d = grad(d, xs, create_graph=True)[i % len(xs)]
    return d


def _rebuilt(dag: ExpressionDag, point: list[float], path: list[int]) -> list[float]:
    """The derivative built afresh at ``point``: its value, then its gradient."""
    xs = [Value(p) for p in point]
    d = _derivative(dag, xs, path)
    return [d.data, *grad(d, xs)]


@given(
    dag_and_point=expression_dags(max_inputs=3, max_steps=8, kinks=True),
    path=st.lists(st.integers(0, 2), min_size=1, max_size=3),
    data=st.data(),
)
def test_a_compiled_gradient_graph_replays_what_rebuilding_it_gives(
    dag_and_point: tuple[ExpressionDag, list[float]], path: list[int], data: st.DataObject
) -> None:
    dag, point = dag_and_point
    n = len(point)
    xs = [Value(p) for p in point]
    try:
        d = _derivative(dag, xs, path)
    except (ArithmeticError, ValueError):  # the DAG leaves an op's domain at this point
        return
    replay = compile(d)
    news = [[-p for p in point], [0.0] * n, data.draw(kink_points(n)), data.draw(kink_points(n))]
    for new in news:
        for x, p in zip(xs, new, strict=True):
            x.data, x.grad = p, 0.0

        def replayed() -> list[float]:
            return [replay(), *(x.grad for x in xs)]

        rebuilt = _outcome(lambda new=new: _rebuilt(dag, new, path))
        assert _outcome(replayed) == rebuilt, f"order {len(path)} at {new}, built at {point}"


def _close(a: float, b: float, scale: float = 1.0) -> bool:
    """Within 1e-9 relative to the larger, or to ``scale`` (the largest term summed: terms
    added in another order cancel differently), or both NaN, or equal infinities."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b), scale)


def _largest_tangent(root: Value, seeds: dict[Value, float]) -> float:
    """The largest finite tangent of any node below ``root``: near a pole of a slope
    (sqrt at 1e-70) terms of 1e34 cancel, so the sum is known only to that scale."""
    tangents = (abs(d.tangent) for d in explain_forward(root, seeds))
    return max((t for t in tangents if math.isfinite(t)), default=0.0)


@given(
    dag_and_point=expression_dags(max_inputs=3, max_steps=8, kinks=True),
    data=st.data(),
)
def test_forward_mode_agrees_with_reverse_mode_on_kinked_graphs(
    dag_and_point: tuple[ExpressionDag, list[float]], data: st.DataObject
) -> None:
    """First order, and second order through create_graph in both modes (forward over
    reverse against reverse over forward), on DAGs with kinks: the same rules, read two
    ways, give the same numbers up to the order of the sums."""
    dag, point = dag_and_point
    point = data.draw(st.one_of(st.just(point), kink_points(len(point))))
    tangent = data.draw(st.lists(st.floats(-2.0, 2.0), min_size=len(point), max_size=len(point)))
    xs = [Value(p) for p in point]
    try:
        out = dag(*xs)
        seeds = dict(zip(xs, tangent, strict=True))
        forward = directional_derivative(out, seeds)
        gradients = grad(out, xs, create_graph=True)
        reverse = sum(g.data * t for g, t in zip(gradients, tangent, strict=True))
        hvp_forward = grad(directional_derivative(out, seeds, create_graph=True), xs)
        hvp_reverse = [directional_derivative(g, seeds) for g in gradients]
    except (ArithmeticError, ValueError):
        return
    assert _close(forward, reverse, _largest_tangent(out, seeds)), (forward, reverse)
    for a, b, g in zip(hvp_forward, hvp_reverse, gradients, strict=True):
        assert _close(a, b, _largest_tangent(g, seeds)), (hvp_forward, hvp_reverse)

"""Backpropagation: topological order, the chain rule, accumulation, ``grad`` and depth."""

from __future__ import annotations

import math

import pytest
from hypothesis import given

from autograd import Value, engine, grad, gradcheck, gradgradcheck, topological_order
from tests.strategies import ExpressionDag, expression_dags, reals, scales


def _evaluate(case: tuple[ExpressionDag, list[float]]) -> tuple[list[Value], Value]:
    dag, point = case
    inputs = [Value(x, label=f"x{i}") for i, x in enumerate(point)]
    return inputs, dag(*inputs)


def _reachable(root: Value) -> set[Value]:
    """Every node ``root`` depends on, by a plain graph search (independent of the engine's)."""
    seen, frontier = {root}, [root]
    while frontier:
        for child in frontier.pop().inputs:
            if child not in seen:
                seen.add(child)
                frontier.append(child)
    return seen


# -- topological order ------------------------------------------------------------------------


@given(case=expression_dags())
def test_topological_order_lists_each_reachable_node_once_after_its_inputs(case) -> None:
    _, out = _evaluate(case)
    order = topological_order(out)
    assert order[-1] is out
    assert len(order) == len(set(order))
    assert set(order) == _reachable(out)
    position = {node: k for k, node in enumerate(order)}
    assert all(position[child] < position[node] for node in order for child in node.inputs)


@given(expression_dags(), expression_dags())
def test_topological_order_of_several_roots_lists_each_shared_node_once(first, second) -> None:
    _, a = _evaluate(first)
    _, b = _evaluate(second)
    shared = a * b  # a node above both, and each root again on its own
    for roots in ((a, b), (a, shared, b, a)):
        order = topological_order(*roots)
        assert len(order) == len(set(order))
        assert set(order) == set().union(*map(_reachable, roots))
        position = {node: k for k, node in enumerate(order)}
        assert all(position[child] < position[node] for node in order for child in node.inputs)
    assert topological_order(a, b) == topological_order(a * b)[:-1]  # as one node's inputs


@given(case=expression_dags())
def test_the_chain_rule_steps_summed_are_the_engines_gradients_bitwise(case) -> None:
    _, out = _evaluate(case)
    grads = dict.fromkeys(topological_order(out), 0.0)
    grads[out] = 1.0
    edges = list(engine.chain_rule_steps(out))
    for node, position, child, local in edges:
        assert node.inputs[position] is child and node.local_grads[position] == local
        grads[child] += local * grads[node]  # each node complete before its edges run
    assert [repr(g) for g in grads.values()] == [
        repr(g) for g in engine.float_gradients(out, 1.0).values()
    ]
    assert len(edges) == sum(len(v.inputs) for v in topological_order(out))


def test_expression_dags_share_subexpressions() -> None:
    """The DAG strategy does what it promises: some node feeds more than one other node."""
    dag = ExpressionDag(1, (("tanh", (0,)), ("mul", (1, 0))))
    x = Value(0.5)
    out = dag(x)
    users: dict[Value, int] = {}
    for node in topological_order(out):
        for child in node.inputs:
            users[child] = users.get(child, 0) + 1
    assert users[x] >= 3  # tanh, mul and the output's mean


# -- the chain rule ---------------------------------------------------------------------------


@given(a=reals)
def test_seed_chain_rule_x_to_z_to_y(a: float) -> None:
    """x -> z -> y: dy/dx = dy/dz * dz/dx, each factor readable off the graph."""
    x = Value(a, "x")
    z = x.sin()
    y = z.exp()
    y.backward()
    dy_dz, dz_dx = z.grad, z.local_grads[0]
    assert x.grad == dy_dz * dz_dx
    assert dy_dz == pytest.approx(math.exp(math.sin(a)), rel=1e-12)
    assert dz_dx == pytest.approx(math.cos(a), rel=1e-12, abs=1e-15)


@given(x=reals, w1=reals, b1=reals, w2=reals, b2=reals, target=reals)
def test_seed_backward_steps_for_a_two_layer_sigmoid_network(
    x: float, w1: float, b1: float, w2: float, b2: float, target: float
) -> None:
    """The seed's backward pass, step by step, on one neuron per layer with MSE loss."""
    W1, B1, W2, B2 = Value(w1), Value(b1), Value(w2), Value(b2)  # noqa: N806 (the seed's names)
    Z1 = W1 * x + B1  # noqa: N806
    A1 = Z1.sigmoid()  # noqa: N806
    Z2 = W2 * A1 + B2  # noqa: N806
    A2 = Z2.sigmoid()  # noqa: N806
    loss = (A2 - target) ** 2
    loss.backward()
    a1, a2 = A1.data, A2.data
    d_a2 = 2 * (a2 - target)
    d_z2 = d_a2 * a2 * (1 - a2)
    d_a1 = w2 * d_z2
    d_z1 = d_a1 * a1 * (1 - a1)
    expected = {
        A2: d_a2,
        Z2: d_z2,
        W2: d_z2 * a1,
        B2: d_z2,
        A1: d_a1,
        Z1: d_z1,
        W1: d_z1 * x,
        B1: d_z1,
    }
    for node, value in expected.items():
        assert node.grad == pytest.approx(value, rel=1e-12, abs=1e-300)


def test_third_derivative() -> None:
    """Derivatives of derivatives: d3/dx3 x^4 = 24x, d3/dx3 e^(2x) = 8 e^(2x)."""
    x = Value(1.5)
    for f, third in [(x**4, 24 * 1.5), ((2 * x).exp(), 8 * math.exp(3.0))]:
        (d1,) = grad(f, [x], create_graph=True)
        (d2,) = grad(d1, [x], create_graph=True)
        (d3,) = grad(d2, [x])
        assert d3 == pytest.approx(third, rel=1e-12)


# -- random DAGs with shared subexpressions -----------------------------------------------------


@given(case=expression_dags())
def test_random_dags_pass_gradcheck(case) -> None:
    dag, point = case
    assert gradcheck(dag, point)


@given(case=expression_dags(max_steps=6))
def test_random_dags_pass_gradgradcheck(case) -> None:
    dag, point = case
    assert gradgradcheck(dag, point)


@given(case=expression_dags())
def test_backward_and_grad_agree(case) -> None:
    inputs, out = _evaluate(case)
    returned = grad(out, inputs)
    as_values = grad(out, inputs, create_graph=True)
    out.backward()
    assert [x.grad for x in inputs] == returned
    assert [g.data for g in as_values] == pytest.approx(returned, rel=1e-12, abs=1e-15)


# -- accumulation semantics --------------------------------------------------------------------


@given(case=expression_dags())
def test_a_second_backward_exactly_doubles_every_grad(case) -> None:
    _, out = _evaluate(case)
    nodes = topological_order(out)
    out.backward()
    first = [node.grad for node in nodes]
    out.backward()
    assert [node.grad for node in nodes] == [2 * g for g in first]


def test_no_micrograd_tripling_on_a_chain() -> None:
    """x -> y -> z: in-place accumulation during the pass would leave x.grad at 3x, not 2x."""
    x = Value(0.5, "x")
    y = x * 3.0
    z = y * 5.0
    z.backward()
    z.backward()
    assert (z.grad, y.grad, x.grad) == (2.0, 10.0, 30.0)


@given(a=reals, b=reals)
def test_two_losses_sharing_a_subgraph_sum_their_gradients(a: float, b: float) -> None:
    x, w = Value(a, "x"), Value(b, "w")
    shared = (x * w).tanh()
    first_loss, second_loss = shared * 2.0 + x, (shared - w) ** 2
    expected = [
        g1 + g2
        for g1, g2 in zip(
            grad(first_loss, [x, w, shared]), grad(second_loss, [x, w, shared]), strict=True
        )
    ]
    first_loss.backward()
    second_loss.backward()
    assert [x.grad, w.grad, shared.grad] == expected


@given(case=expression_dags())
def test_zero_grad_is_the_reset(case) -> None:
    _, out = _evaluate(case)
    nodes = topological_order(out)
    out.backward()
    first = [node.grad for node in nodes]
    out.backward()
    for node in nodes:
        node.zero_grad()
    assert all(node.grad == 0.0 for node in nodes)
    out.backward()
    assert [node.grad for node in nodes] == first


def test_zero_grad_resets_only_its_own_node() -> None:
    x = Value(2.0)
    y = x * x
    y.backward()
    y.zero_grad()
    assert (y.grad, x.grad) == (0.0, 4.0)


@given(case=expression_dags(), seed=scales)
def test_backward_gradient_scales_every_grad(case, seed: float) -> None:
    """Seeded with a power of two, every grad scales exactly."""
    _, out = _evaluate(case)
    nodes = topological_order(out)
    out.backward()
    unit = [node.grad for node in nodes]
    for node in nodes:
        node.zero_grad()
    out.backward(gradient=seed)
    assert [node.grad for node in nodes] == [seed * g for g in unit]


def test_backward_refuses_a_gradient_that_is_not_a_number() -> None:
    with pytest.raises(TypeError, match=r"backward gradient.*str '1'"):
        Value(1.0).backward(gradient="1")


# -- depth: no recursion anywhere ------------------------------------------------------------


def _scaling_chain(x: Value, length: int, factor: float) -> list[Value]:
    """x, x c, x c^2, ...: a chain of ``length`` multiplications, every node kept."""
    chain = [x]
    for _ in range(length):
        chain.append(chain[-1] * factor)
    return chain


def test_a_deep_chain_needs_no_recursion() -> None:
    """Far deeper than the recursion limit, for backward, grad and a second derivative."""
    length, factor = 20_000, 1.00001
    x = Value(0.5)
    out = _scaling_chain(x, length, factor)[-1]
    out = out * out  # second derivative 2 c^(2n)
    out.backward()
    (first,) = grad(out, [x], create_graph=True)
    (second,) = grad(first, [x])
    assert x.grad == pytest.approx(2 * 0.5 * factor ** (2 * length), rel=1e-9)
    assert first.data == x.grad
    assert second == pytest.approx(2 * factor ** (2 * length), rel=1e-9)


@pytest.mark.slow
def test_a_million_node_chain() -> None:
    length, factor, middle = 1_000_000, 1.0000001, 500_000
    x = Value(2.0)
    chain = _scaling_chain(x, length, factor)
    root, halfway = chain[-1], chain[middle]
    del chain  # from here the nodes hold each other up: only x, halfway and root are named
    root.backward()
    assert x.grad == pytest.approx(factor**length, rel=1e-9)
    assert halfway.grad == pytest.approx(factor ** (length - middle), rel=1e-9)
    assert grad(root, [x]) == [x.grad]
    assert len(topological_order(root)) == length + 1
    del root, halfway  # freeing 500,000-deep chains must not overflow the C stack either


# -- the checked loop (anomaly mode's) -----------------------------------------------------------


@given(case=expression_dags())
def test_the_checked_loop_gives_the_same_gradients_and_calls_nothing_when_finite(case) -> None:
    _, out = _evaluate(case)
    calls: list[tuple] = []
    checked = engine.float_gradients(out, 1.0, lambda *args: calls.append(args))
    assert checked == engine.float_gradients(out, 1.0)
    assert calls == []


def test_the_checked_loop_reports_each_gradient_that_is_not_finite_before_storing_it() -> None:
    """With a handler that does not raise, the pass goes on: each bad term is reported."""
    x = Value(0.0, "x")
    s = x.sqrt()
    out = s * 3.0 + x
    calls: list[tuple] = []
    grads = engine.float_gradients(out, 2.0, lambda *args: calls.append(args))
    product = out.inputs[0]
    assert calls == [(s, 0, 6.0, 2.0)]  # into x (gradient so far 2.0, from + x): inf × 6
    assert grads[x] == math.inf
    assert (grads[product], grads[s]) == (2.0, 6.0)
    seeds: list[tuple] = []
    engine.float_gradients(out, math.nan, lambda *args: seeds.append(args))
    assert seeds[0] == (out, None, seeds[0][2], 0.0) and math.isnan(seeds[0][2])

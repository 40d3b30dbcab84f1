"""explain_backward replays the engine's chain rule step by step, and the steps add up.

On random DAGs the steps' contributions sum to the engine's gradients; on the seed's
two-layer sigmoid network they line up with the seed's hand derivation, Step 1 to Step 8.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict

import pytest
from hypothesis import given

from autograd import Value, dot, grad, topological_order
from autograd.names import format_number, term
from autograd.trace import explain_backward
from tests.strategies import expression_dags, reals


def evaluate(dag_and_point) -> Value:
    dag, point = dag_and_point
    return dag(*(Value(p) for p in point))


@given(expression_dags())
def test_contributions_sum_to_the_engines_gradients(dag_and_point):
    out = evaluate(dag_and_point)
    nodes = topological_order(out)
    totals: dict[Value, float] = defaultdict(float)
    totals[out] = 1.0
    for step in explain_backward(out):
        totals[step.input] += step.contribution
    # The steps replay the engine's additions in its order, so the sums agree exactly.
    assert [totals[v] for v in nodes] == grad(out, nodes)


@given(expression_dags())
def test_one_step_per_edge_each_after_its_output_has_its_whole_gradient(dag_and_point):
    out = evaluate(dag_and_point)
    nodes = topological_order(out)
    steps = list(explain_backward(out))
    edges = Counter((v, i) for v in nodes for i in range(len(v.inputs)))
    assert Counter((s.output, s.position) for s in steps) == edges
    engine = dict(zip(nodes, grad(out, nodes), strict=True))
    for k, step in enumerate(steps):
        assert step.input is step.output.inputs[step.position]
        assert step.local == step.output.local_grads[step.position]
        assert step.upstream == engine[step.output]  # the output's gradient is complete
        assert all(s.input is not step.output for s in steps[k:])  # nothing flows in later


@given(expression_dags(), reals)
def test_explaining_leaves_every_grad_untouched(dag_and_point, sentinel):
    out = evaluate(dag_and_point)
    nodes = topological_order(out)
    for v in nodes:
        v.grad = sentinel
    explain_backward(out)
    assert all(v.grad == sentinel for v in nodes)


def test_a_step_reads_as_the_chain_rule_with_its_numbers():
    x = Value(1.0, label="x")
    z = 3 * x
    z.label = "z"
    y = z**2
    y.label = "y"
    dy_dz, dz_dx = 2 * z.data, 3.0
    trace = explain_backward(y)
    first, second = (
        f"z.grad += dy/dz ({format_number(dy_dz)}) * y.grad (1) = {format_number(dy_dz)}",
        f"x.grad += dz/dx ({format_number(dz_dx)}) * z.grad ({format_number(dy_dz)})"
        f" = {format_number(dz_dx * dy_dz)}",
    )
    assert [str(step) for step in trace] == [first, second]
    assert str(trace).splitlines() == [
        "y.grad = 1 (the seed)",
        f"Step 1: {first}, so z.grad = {format_number(dy_dz)}",
        f"Step 2: {second}, so x.grad = {format_number(dz_dx * dy_dz)}",
    ]


def test_a_step_says_what_the_grad_becomes_beside_what_it_adds():
    """a feeds two ops: its second step adds 2 to the 1 already there, so a.grad = 3."""
    a = Value(1.0, label="a")
    mul1 = a * 2.0
    out = mul1 + a
    lines = str(explain_backward(out)).splitlines()
    assert lines[1:] == [
        "Step 1: mul1.grad += dadd1/dmul1 (1) * add1.grad (1) = 1, so mul1.grad = 1",
        "Step 2: a.grad += dadd1/da (1) * add1.grad (1) = 1, so a.grad = 1",
        "Step 3: a.grad += dmul1/da (2) * mul1.grad (1) = 2, so a.grad = 3",
    ]


@given(expression_dags())
def test_each_steps_total_is_the_gradient_so_far_ending_at_the_engines(dag_and_point):
    out = evaluate(dag_and_point)
    trace = explain_backward(out)
    last = {step.input: total for step, total in zip(trace, trace.totals(), strict=True)}
    for step, total, line in zip(trace, trace.totals(), trace.lines()[1:], strict=True):
        assert line.endswith(f", so {term(step.input_name)}.grad = {format_number(total)}")
    engine = grad(out, list(last))
    assert [last[v] for v in last] == engine  # bitwise: the engine's additions, in its order


def test_an_input_used_twice_gets_a_step_per_argument():
    a = Value(1.5, label="a")
    square = a * a
    square.label = "s"
    steps = list(explain_backward(square))
    assert [(s.input, s.position) for s in steps] == [(a, 0), (a, 1)]
    assert [str(s).split(" (")[0] for s in steps] == [
        "a.grad += ds/da [arg 0]",
        "a.grad += ds/da [arg 1]",
    ]
    assert sum(s.contribution for s in steps) == 2 * a.data


def test_a_leaf_has_only_the_seed():
    x = Value(2.0, label="x")
    trace = explain_backward(x)
    assert len(trace) == 0
    assert str(trace) == "x.grad = 1 (the seed)"


def test_a_name_that_reads_as_an_expression_is_put_in_parentheses():
    x = Value(2.0, label="x")
    diff = x - 1.0
    diff.label = "x - 1"
    square = diff * diff
    square.label = "(x - 1)^2"
    loss = square * 0.5
    loss.label = "(x - 1)^2 / 2"
    trace = explain_backward(loss)
    lines = [str(trace).splitlines()[0]] + [str(step) for step in trace]
    assert lines[0] == "((x - 1)^2 / 2).grad = 1 (the seed)"
    assert lines[1].startswith("((x - 1)^2).grad += d((x - 1)^2 / 2)/d((x - 1)^2) (0.5)")
    assert lines[2].startswith("(x - 1).grad += d((x - 1)^2)/d(x - 1) [arg 0] (1)")
    assert lines[-1].startswith("x.grad += d(x - 1)/dx (1) * (x - 1).grad")


def test_a_name_already_in_parentheses_keeps_them_once():
    a, b = Value(1.0, label="(a + b)"), Value(2.0, label="(a) - (b)")
    out = a * b
    out.label = "out"
    assert [str(s).split(" +=")[0] for s in explain_backward(out)] == [
        "(a + b).grad",
        "((a) - (b)).grad",
    ]


def test_print_and_ipython_show_the_same_steps():
    x = Value(1.0, label="x")
    y = (x * 3).tanh()
    trace = explain_backward(y)
    shown = []

    class Printer:  # the part of IPython's pretty printer that _repr_pretty_ uses
        def text(self, text: str) -> None:
            shown.append(text)

    trace._repr_pretty_(Printer(), cycle=False)
    assert shown == [str(trace)]


def test_the_output_must_be_a_value():
    with pytest.raises(TypeError, match=r"explain_backward: .* got float 1\.0"):
        explain_backward(1.0)


# -- the seed's two-layer network ------------------------------------------------------------
def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def test_the_seed_networks_steps_follow_the_seeds_derivation():
    """Z1 = W1 X + b1, A1 = sigmoid(Z1), Z2 = W2 A1 + b2, A2 = sigmoid(Z2), Loss = (A2 - y)^2."""
    x, y = [0.5, -1.0], 1.0
    w1_data, b1_data = [[0.3, -0.2], [0.8, 0.1]], [0.05, -0.4]
    w2_data, b2_data = [0.6, -0.7], 0.2

    w1 = [
        [Value(w, label=f"W1[{j}][{k}]") for k, w in enumerate(row)]
        for j, row in enumerate(w1_data)
    ]
    b1 = [Value(b, label=f"b1[{j}]") for j, b in enumerate(b1_data)]
    w2 = [Value(w, label=f"W2[0][{j}]") for j, w in enumerate(w2_data)]
    b2 = Value(b2_data, label="b2[0]")
    z1 = [dot(w1[j], x, b1[j]) for j in range(2)]
    a1 = [z.sigmoid() for z in z1]
    z2 = dot(w2, a1, b2)
    a2 = z2.sigmoid()
    loss = (a2 - y) ** 2

    # The seed's quantities, computed with math alone.
    a1_data = [
        sigmoid(sum(w * xi for w, xi in zip(w1_data[j], x, strict=True)) + b1_data[j])
        for j in range(2)
    ]
    a2_data = sigmoid(sum(w * a for w, a in zip(w2_data, a1_data, strict=True)) + b2_data)
    dloss_da2 = 2 * (a2_data - y)  # Step 1
    da2_dz2 = a2_data * (1 - a2_data)  # Step 2
    delta2 = dloss_da2 * da2_dz2  # Step 3 (the seed's delta2 drops the factor 2)
    dloss_da1 = [w * delta2 for w in w2_data]  # Step 5
    da1_dz1 = [a * (1 - a) for a in a1_data]  # Step 6
    delta1 = [g * d for g, d in zip(dloss_da1, da1_dz1, strict=True)]  # Step 7

    steps = list(explain_backward(loss))
    close = pytest.approx
    # Steps 1-3: down from the output: Loss -> (A2 - y) -> A2 -> Z2.
    assert steps[0].local == close(dloss_da2)
    assert steps[1].input is a2 and steps[1].contribution == close(dloss_da2)
    assert steps[2].input is z2
    assert (steps[2].local, steps[2].contribution) == (close(da2_dz2), close(delta2))
    by_input = {s.input: s for s in steps}
    # Step 4: dLoss/dW2 = delta2 A1, dLoss/db2 = delta2; Step 5: dLoss/dA1 = W2 delta2.
    assert [by_input[w].contribution for w in w2] == close([delta2 * a for a in a1_data])
    assert by_input[b2].contribution == close(delta2)
    assert [by_input[a].contribution for a in a1] == close(dloss_da1)
    # Steps 6-7: dA1/dZ1 = A1 (1 - A1), so dLoss/dZ1 = delta1.
    assert [by_input[z].local for z in z1] == close(da1_dz1)
    assert [by_input[z].contribution for z in z1] == close(delta1)
    # Step 8: dLoss/dW1 = delta1 X^T, dLoss/db1 = delta1.
    for j in range(2):
        assert [by_input[w].contribution for w in w1[j]] == close([delta1[j] * xi for xi in x])
        assert by_input[b1[j]].contribution == close(delta1[j])
    # The order: each layer's parameters come after the gradient that reaches them.
    position = {s.input: k for k, s in enumerate(steps)}
    assert position[z2] < min(position[w] for w in w2) < min(position[z] for z in z1)
    assert max(position[z] for z in z1) < max(position[w] for row in w1 for w in row)

"""The dual-number view: every node's value and tangent, as forward mode computes them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value, directional_derivative, explain_backward, explain_forward
from autograd.forward import tangents
from autograd.names import formula, node_names, reading_order
from tests.strategies import expression_dags, node_labels, tangent_vectors


def _seed_chain() -> tuple[Value, Value, Value]:
    """The seed's chain x -> z = 3x -> y = z², labelled as the derivation names it."""
    x = Value(1.0, label="x")
    z = 3 * x
    y = z**2
    z.label, y.label = "z", "y"
    return x, z, y


def test_the_seed_chain_reads_as_dual_numbers() -> None:
    x, _, y = _seed_chain()
    assert str(explain_forward(y, {x: 1.0})).splitlines() == [
        "x = 1 + 1ε (seed)",
        "z = x * 3 = 3 + 3ε: z' = dz/dx (3) * x' (1)",
        "y = z ** 2 = 9 + 18ε: y' = dy/dz (6) * z' (3)",
    ]


def test_every_input_of_a_node_shows_its_term_and_fixed_leaves_say_so() -> None:
    a, b = Value(2.0, "a"), Value(-1.0, "b")
    out = a * a + b
    out.label = "out"
    lines = str(explain_forward(out, {a: 1.0})).splitlines()
    assert lines == [
        "a = 2 + 1ε (seed)",
        "mul1 = a * a = 4 + 4ε: mul1' = dmul1/da [arg 0] (2) * a' (1)"
        " + dmul1/da [arg 1] (2) * a' (1)",
        "b = -1 + 0ε (held fixed)",
        "out = mul1 + b = 3 + 4ε: out' = dout/dmul1 (1) * mul1' (4) + dout/db (1) * b' (0)",
    ]


def test_a_negative_tangent_is_written_with_a_minus() -> None:
    x = Value(0.5, "x")
    y = -x
    y.label = "y"
    last = str(explain_forward(y, {x: 2.0})).splitlines()[-1]
    assert last == "y = neg(x) = -0.5 - 2ε: y' = dy/dx (-1) * x' (2)"


@given(data=st.data())
def test_each_row_is_forward_modes_tangent_and_the_sum_of_its_terms(data: st.DataObject) -> None:
    dag, point = data.draw(expression_dags())
    inputs = [Value(p, label=f"x{i}") for i, p in enumerate(point)]
    out = dag(*inputs)
    seeds = dict(zip(inputs, data.draw(tangent_vectors(len(inputs))), strict=True))
    trace = explain_forward(out, seeds)
    found = tangents([out], seeds)
    assert [row.node for row in trace] == reading_order(out)
    assert trace.tangent == directional_derivative(out, seeds)
    for row in trace:
        assert row.value == row.node.data
        assert row.tangent == found.get(row.node, 0.0)
        assert row.seeded == (row.node in seeds)
        if row.terms:
            total = sum(term.local * term.input_tangent for term in row.terms)
            assert row.tangent == pytest.approx(total, rel=1e-12, abs=1e-300)
            assert [term.input for term in row.terms] == list(row.node.inputs)
            assert [term.local for term in row.terms] == list(row.node.local_grads)


@given(data=st.data())
def test_names_match_the_backward_trace_and_the_picture(data: st.DataObject) -> None:
    dag, point = data.draw(expression_dags())
    labels = data.draw(st.lists(node_labels, min_size=len(point), max_size=len(point)))
    inputs = [Value(p, label=label) for p, label in zip(point, labels, strict=True)]
    out = dag(*inputs)
    trace = explain_forward(out, {inputs[0]: 1.0})
    names = node_names(reading_order(out))
    assert [row.name for row in trace] == [names[row.node] for row in trace]
    assert [row.formula for row in trace] == [formula(row.node, names) for row in trace]
    assert trace.root_name == explain_backward(out).root_name == names[out]


def test_explain_forward_leaves_every_grad_untouched() -> None:
    x, z, y = _seed_chain()
    y.backward()
    before = [x.grad, z.grad, y.grad]
    explain_forward(y, {x: 1.0})
    assert [x.grad, z.grad, y.grad] == before


def test_compound_names_are_put_in_parentheses_in_the_sums() -> None:
    a = Value(1.0, label="a")
    b = a * 2
    b.label = "2 a"
    c = b.exp()
    c.label = "c"
    last = str(explain_forward(c, {a: 1.0})).splitlines()[-1]
    e, two_e = f"{c.data:.4g}", f"{2 * c.data:.4g}"
    assert last == f"c = exp((2 a)) = {e} + {two_e}ε: c' = dc/d(2 a) ({e}) * (2 a)' (2)"


def test_a_trace_is_a_sequence_of_rows() -> None:
    _, z, y = _seed_chain()
    trace = explain_forward(y, {z: 1.0})  # seeding z: x is held fixed, y' = dy/dz
    assert len(trace) == 3
    assert [row.name for row in trace] == ["x", "z", "y"]
    assert (trace[0].tangent, trace[1].tangent, trace.tangent) == (0.0, 1.0, 6.0)
    assert str(trace[1]) == "z = 3 + 1ε (seed)"


def test_explain_forward_refuses_what_is_not_a_value() -> None:
    with pytest.raises(TypeError, match=r"explain_forward: the output must be a Value"):
        explain_forward(3.0, {})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"explain_forward: a seed's key must be a Value"):
        explain_forward(Value(1.0), {1.0: 1.0})  # type: ignore[dict-item]

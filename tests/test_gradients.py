"""The gradient API of autograd.gradients: ``grad`` returns d(output)/d(input) and leaves
every ``.grad`` as it was; one Value for inputs gives a tuple of one, as in PyTorch.

``backward`` (and accumulation into ``.grad``) is the engine's loop: tests/test_engine.py.
"""

from __future__ import annotations

import pytest
from hypothesis import given

from autograd import Value, grad, topological_order
from tests.strategies import expression_dags
from tests.test_engine import _evaluate


@given(case=expression_dags())
def test_grad_leaves_every_grad_untouched(case) -> None:
    _, out = _evaluate(case)
    nodes = topological_order(out)
    for k, node in enumerate(nodes):
        node.grad = float(k) + 0.5
    grad(out, nodes)
    grad(out, nodes, create_graph=True)
    assert [node.grad for node in nodes] == [float(k) + 0.5 for k in range(len(nodes))]


def test_grad_of_an_unreached_input_is_zero() -> None:
    x, unused = Value(1.5), Value(-2.0, "unused")
    out = x.exp()
    assert grad(out, [x, unused])[1] == 0.0
    zero = grad(out, [x, unused], create_graph=True)[1]
    assert isinstance(zero, Value)
    assert zero.data == 0.0
    assert grad(zero, [unused]) == [0.0]


def test_grad_of_the_output_itself_is_one() -> None:
    x = Value(3.0)
    out = x * x
    assert grad(out, [out, x]) == [1.0, 6.0]


def test_grad_refuses_what_is_not_a_value() -> None:
    x = Value(1.0)
    with pytest.raises(TypeError, match=r"grad: the output must be a Value, got float 1\.0"):
        grad(1.0, [x])
    with pytest.raises(TypeError, match=r"grad: inputs\[1\] must be a Value, got float 2\.0"):
        grad(x * 2, [x, 2.0])


def test_grad_with_one_value_for_inputs_gives_a_tuple_of_one() -> None:
    """As ``torch.autograd.grad(y, x)``: ``(dx,) = grad(y, x)`` (issue 16: it raised)."""
    x = Value(3.0, "x")
    y = x * x + x
    assert grad(y, x) == (7.0,)
    (dx,) = grad(y, x, create_graph=True)
    assert isinstance(dx, Value) and dx.data == 7.0
    assert grad(dx, x) == (2.0,)
    assert grad(y, (x,)) == [7.0] and grad(y, iter([x])) == [7.0]  # a sequence: a list


def test_grad_refuses_inputs_that_are_neither_a_value_nor_a_list() -> None:
    x = Value(1.0)
    with pytest.raises(
        TypeError, match=r"grad: inputs must be a Value or a list of Values, got float"
    ):
        grad(x * 2, 1.0)  # type: ignore[call-overload]


@given(case=expression_dags())
def test_a_gradient_graph_reads_only_the_leaves_of_the_function(case) -> None:
    """create_graph=True records no leaf of its own (the seed 1 is a number, not a leaf), so a
    gradient is a function of the graph's leaves alone, as compile replays it (issue 17)."""
    inputs, out = _evaluate(case)
    for g in grad(out, inputs, create_graph=True):
        found = {node for node in topological_order(g) if not node.inputs}
        assert found <= set(inputs) or found == {g}  # g alone: a constant derivative
    assert grad(out, [out], create_graph=True)[0].data == 1.0


def test_backward_into_a_grad_of_none_starts_it_as_pytorch_does() -> None:
    """``p.grad = None`` is PyTorch's way to clear a gradient: backward then sets it."""
    w, x = Value(3.0), Value(2.0)
    w.grad = None  # type: ignore[assignment]
    (w * x).backward()
    assert (w.grad, x.grad) == (2.0, 3.0)
    (w * x).backward()
    assert w.grad == 4.0

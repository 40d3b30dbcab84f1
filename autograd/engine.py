"""Backpropagation: a topological order of the graph, then one generic chain-rule loop."""

from __future__ import annotations

from collections.abc import Sequence

from autograd.grad_mode import enable_grad
from autograd.value import Number, Value, _as_float


def topological_order(root: Value) -> list[Value]:
    """Every node ``root`` depends on, each after all of its inputs (``root`` last).

    Iterative depth-first search, so a chain of any length works; each edge is visited
    once. A node is pushed again behind a ``None`` marker: when the marker comes off the
    stack, all of the node's inputs are already in ``order``.
    """
    order: list[Value] = []
    seen: set[Value] = set()
    stack: list = [root]
    push, pop, emit, mark = stack.append, stack.pop, order.append, seen.add
    while stack:
        node = pop()
        if node is None:
            emit(pop())
        elif node not in seen:
            mark(node)
            if node._inputs:
                push(node)
                push(None)
                for child in node._inputs:
                    if child not in seen:
                        push(child)
            else:
                emit(node)
    return order


def backward(root: Value, gradient: Number = 1.0) -> None:
    """Add d(root)/d(node) * gradient into ``.grad`` of every node ``root`` depends on.

    This pass's gradients are computed on their own first, then added, so a second call
    exactly doubles every ``.grad`` and only ``zero_grad`` resets them.
    """
    _check_root(root, "backward")
    grads = _float_gradients(root, _as_float(gradient, "backward gradient"))
    for node, g in grads.items():
        node.grad += g


def grad(output: Value, inputs: Sequence[Value], create_graph: bool = False) -> list:
    """d(output)/d(input) for each input, leaving every ``.grad`` untouched.

    An input that ``output`` does not depend on gets 0. With ``create_graph=True`` the
    gradients are Values built from the same local rules, so they can be differentiated
    again: ``grad(grad(f, [x], create_graph=True)[0], [x])`` is f''(x).
    """
    _check_root(output, "grad")
    inputs = list(inputs)
    for i, x in enumerate(inputs):
        if not isinstance(x, Value):
            raise TypeError(f"grad: inputs[{i}] must be a Value, got {type(x).__name__} {x!r}")
    if not create_graph:
        grads = _float_gradients(output, 1.0)
        return [grads.get(x, 0.0) for x in inputs]
    with enable_grad():
        value_grads = _value_gradients(output)
        return [value_grads[x] if x in value_grads else Value(0.0) for x in inputs]


def _float_gradients(root: Value, seed: float) -> dict[Value, float]:
    """The chain rule over floats: child.grad += local * node.grad, in reverse order."""
    order = topological_order(root)
    grads = dict.fromkeys(order, 0.0)
    grads[root] = seed
    for node in reversed(order):
        g = grads[node]
        for child, local in zip(node._inputs, node._locals):
            grads[child] += local * g
    return grads


def _value_gradients(root: Value) -> dict[Value, Value]:
    """The same loop over Values: each term is recorded, so the result is a graph too."""
    grads: dict[Value, Value] = {root: Value(1.0)}
    for node in reversed(topological_order(root)):
        g = grads[node]
        for child, local in zip(node._inputs, _value_locals(node)):
            term = g if type(local) is float and local == 1.0 else local * g
            grads[child] = grads[child] + term if child in grads else term
    return grads


def _value_locals(node: Value) -> tuple:
    """The node's local derivatives as Values (or constants), from its op's rule."""
    op = node._op
    if op is None or op.constant_local:
        return node._locals
    args = (*node._inputs, *node._locals[len(node._inputs) :])
    return op.local(*(op.split(args) if op.split else args), node)


def _check_root(root: object, where: str) -> None:
    if not isinstance(root, Value):
        raise TypeError(f"{where}: the output must be a Value, got {type(root).__name__} {root!r}")

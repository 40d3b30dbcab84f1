"""Backpropagation: a topological order of the graph, then one generic chain-rule loop.

The engine works on the shape of a node, not on its class: anything with ``_inputs``
(the nodes it was made from) and ``_locals`` (one d(node)/d(input) per input) and a
``grad``. So it imports nothing from ``autograd`` and every module can import it.
"""

from __future__ import annotations

from typing import Any, Protocol


class Node(Protocol):
    """What the engine reads of a node: its inputs, their local derivatives, its grad."""

    grad: float
    _inputs: tuple[Any, ...]
    _locals: tuple[Any, ...]


def topological_order(root: Node) -> list[Any]:
    """Every node ``root`` depends on, each after all of its inputs (``root`` last).

    Iterative depth-first search, so a chain of any length works; each edge is visited
    once. A node is pushed again behind a ``None`` marker: when the marker comes off the
    stack, all of the node's inputs are already in ``order``.
    """
    order: list[Any] = []
    seen: set[Any] = set()
    stack: list[Any] = [root]
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


def float_gradients(root: Node, seed: float) -> dict[Any, float]:
    """d(root)/d(node) * seed for every node ``root`` depends on, in one reverse pass.

    The chain rule over floats: for each node in reverse topological order and each of its
    inputs, ``grads[input] += local * grads[node]``. No ``.grad`` is touched.
    """
    order = topological_order(root)
    grads = dict.fromkeys(order, 0.0)
    grads[root] = seed
    for node in reversed(order):
        g = grads[node]
        # One partial per input by construction; zip(..., strict=...) would cost a keyword
        # call per node on the hottest loop of the library.
        for child, local in zip(node._inputs, node._locals):  # noqa: B905
            grads[child] += local * g
    return grads


def accumulate(root: Node, seed: float) -> None:
    """Add this pass's gradients into ``.grad`` of every node reached (``backward()``).

    The pass is computed on its own first, then added, so a second call exactly doubles
    every ``.grad`` and only ``zero_grad`` resets them.
    """
    for node, g in float_gradients(root, seed).items():
        node.grad += g

"""Backpropagation: a topological order of the graph, then one generic chain-rule loop.

The engine works on the shape of a node, not on its class: anything with ``_inputs``
(the nodes it was made from) and ``_locals`` (one d(node)/d(input) per input) and a
``grad``. So it imports nothing from ``autograd`` and every module can import it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from math import isfinite
from typing import Any, Protocol


class Node(Protocol):
    """What the engine reads of a node: its inputs, their local derivatives, its grad."""

    grad: float
    _inputs: tuple[Any, ...]
    _locals: tuple[Any, ...]


def topological_order(*roots: Node) -> list[Any]:
    """Every node the roots depend on, each after all of its inputs (one root: it is last).

    Iterative depth-first search, so a chain of any length works; each edge is visited
    once, and a node shared by several roots appears once. A node is pushed again behind
    a ``None`` marker: when the marker comes off the stack, all of the node's inputs are
    already in ``order``. (Several roots are taken as the inputs of one node would be.)
    """
    order: list[Any] = []
    seen: set[Any] = set()
    stack: list[Any] = list(roots)
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


def chain_rule_steps(*roots: Node) -> Iterator[tuple[Any, int, Any, Any]]:
    """The chain-rule steps of a backward pass from ``roots``, in the engine's order:
    the nodes in reverse topological order, each node's inputs in order. A step is
    (node, position, input, local): ``grads[input] += local * grads[node]``, ``position``
    the input's index in the node's inputs (``a * a`` has two steps into ``a``).

    The one walk every reader of the backward follows (the printed steps, the page, the
    compiled code). The engine's own loops below are this walk written inline, to pay no
    generator step per edge on the library's hottest path.
    """
    for node in reversed(topological_order(*roots)):
        for position, (child, local) in enumerate(zip(node._inputs, node._locals, strict=True)):
            yield node, position, child, local


# Called with (node, position, upstream, so_far) when input ``position`` of ``node`` would
# get a gradient that is not finite: so_far + local * upstream. Position None: the seed.
NonFiniteHandler = Callable[[Any, "int | None", float, float], None]


def float_gradients(
    root: Node, seed: float, on_non_finite: NonFiniteHandler | None = None
) -> dict[Any, float]:
    """d(root)/d(node) * seed for every node ``root`` depends on, in one reverse pass.

    The chain rule over floats: for each node in reverse topological order and each of its
    inputs, ``grads[input] += local * grads[node]``. No ``.grad`` is touched. With
    ``on_non_finite`` (anomaly mode), every gradient is checked before it is added.
    """
    order = topological_order(root)
    grads = dict.fromkeys(order, 0.0)
    grads[root] = seed
    if on_non_finite is not None:
        _checked_chain_rule(root, order, grads, on_non_finite)
        return grads
    for node in reversed(order):  # chain_rule_steps(root), inline: this is the hot loop
        g = grads[node]
        # One partial per input by construction; zip(..., strict=...) would cost a keyword
        # call per node on the hottest loop of the library.
        for child, local in zip(node._inputs, node._locals):  # noqa: B905
            grads[child] += local * g
    return grads


def _checked_chain_rule(
    root: Node, order: list[Any], grads: dict[Any, float], on_non_finite: NonFiniteHandler
) -> None:
    """The loop of ``float_gradients``, calling ``on_non_finite`` before a gradient that is
    not finite is stored. Kept apart so that the usual loop pays nothing for the checks."""
    if not isfinite(grads[root]):
        on_non_finite(root, None, grads[root], 0.0)
    for node in reversed(order):  # chain_rule_steps(root), inline as above
        g = grads[node]
        for position, (child, local) in enumerate(zip(node._inputs, node._locals, strict=True)):
            so_far = grads[child]
            total = so_far + local * g
            if not isfinite(total):
                on_non_finite(node, position, g, so_far)
            grads[child] = total


def accumulate(root: Node, seed: float, on_non_finite: NonFiniteHandler | None = None) -> None:
    """Add this pass's gradients into ``.grad`` of every node reached (``backward()``).

    The pass is computed on its own first, then added, so a second call exactly doubles
    every ``.grad`` and only ``zero_grad`` resets them. ``on_non_finite``: as above.
    """
    for node, g in float_gradients(root, seed, on_non_finite).items():
        try:  # free when nothing is raised (CPython 3.11+)
            node.grad += g
        except TypeError:  # grad None (after ``p.grad = None``): no gradient yet, as PyTorch
            if node.grad is not None:
                raise
            node.grad = g

"""Forward mode: push tangents from seeded nodes to the outputs, with the nodes' own derivatives.

Reverse mode (``grad``) gives one output's derivative with respect to every input in one
backward pass. Forward mode gives every node's derivative along one direction in one
forward pass: seed some nodes with a tangent (how fast each moves: x' = 1 for d/dx), then,
in topological order, each node's tangent is the chain rule read forwards,

    node' = Σ d(node)/d(input_i) × input_i'

with the local derivatives the node recorded when it was made. So there is no second table
of derivatives: forward and reverse mode read the same numbers off the same graph. With
``create_graph=True`` the local rule is evaluated again on the Values (the op table's same
entry, as ``grad(create_graph=True)`` does) and the tangents are Values, differentiable
again; that and forward-over-reverse (tangents pushed through a gradient's graph) give
Hessian-vector products. Inside ``detect_anomaly()`` the first tangent that is not finite
raises ``FloatingPointError``, naming the node, its op and the line that made it, as a
gradient does in backward.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from math import isfinite
from operator import attrgetter
from typing import Literal, overload

from autograd import anomaly
from autograd.engine import topological_order
from autograd.grad_mode import enable_grad, is_anomaly_enabled
from autograd.gradients import value_locals, watching_branches
from autograd.ops import Partials
from autograd.value import Number, Value, as_float, check_has_graph

Tangent = float | Value
Seeds = Mapping[Value, Number | Value]


@overload
def directional_derivative(
    output: Value, seeds: Seeds, create_graph: Literal[False] = False
) -> float: ...
@overload
def directional_derivative(output: Value, seeds: Seeds, create_graph: Literal[True]) -> Value: ...
@overload
def directional_derivative(output: Value, seeds: Seeds, create_graph: bool) -> Tangent: ...
def directional_derivative(output: Value, seeds: Seeds, create_graph: bool = False) -> Tangent:
    """d(output) along the seeds: Σ d(output)/d(node) × seed over the seeded nodes, in one pass.

    ``seeds`` maps nodes to their tangents, e.g. ``{x: 1.0}`` for d(output)/dx. A seeded node
    is an independent variable: its tangent is its seed, whatever it was computed from. A
    graph that does not depend on any seed has derivative 0. Every ``.grad`` stays untouched.
    With ``create_graph=True`` the result is a Value that can be differentiated again (and
    seeds may be Values).
    """
    found = tangents([output], seeds, create_graph, "directional_derivative")
    return as_result(found.get(output, 0.0), create_graph)


def tangents(
    outputs: Sequence[Value], seeds: Seeds, create_graph: bool = False, where: str = "tangents"
) -> dict[Value, Tangent]:
    """The tangent of every node the outputs depend on that depends on a seed (the rest are 0).

    One forward pass in topological order; ``where`` names the caller in error messages.
    With ``create_graph=True`` a tangent is a Value, or a float where it is a constant.
    """
    for root in outputs:
        check_has_graph(root, where)
    start = _checked_seeds(seeds, create_graph, where)
    seeded = set(start) if is_anomaly_enabled() else None
    order = topological_order(*outputs)
    if not create_graph:
        found = _push(order, start, _recorded_locals)
    else:
        with enable_grad(), watching_branches():
            found = _push(order, start, value_locals)
    if seeded is not None:
        _check_finite(order, found, seeded, where)
    return found


def as_result(tangent: Tangent, create_graph: bool) -> Tangent:
    """A tangent as the caller asked for it: a Value with ``create_graph``, else a float."""
    if create_graph and not isinstance(tangent, Value):
        return Value(tangent)
    return tangent


_recorded_locals: Callable[[Value], Partials] = attrgetter("_locals")


def _push(
    order: list[Value], found: dict[Value, Tangent], partials: Callable[[Value], Partials]
) -> dict[Value, Tangent]:
    """The forward chain-rule loop: node' = Σ local × input' over the inputs that move."""
    for node in order:
        if node in found or not node._inputs:  # a seed keeps its seed; a leaf stays fixed
            continue
        total: Tangent | None = None
        for child, local in zip(node._inputs, partials(node), strict=True):
            moving = found.get(child)
            if moving is None:
                continue
            term = moving if type(local) is float and local == 1.0 else local * moving
            total = term if total is None else total + term
        if total is not None:
            found[node] = total
    return found


def _check_finite(
    order: list[Value], found: dict[Value, Tangent], seeded: set[Value], where: str
) -> None:
    """In anomaly mode: FloatingPointError for the first node whose tangent is not finite,
    naming the node, its op, the terms of its tangent and the line that made it."""
    for node in order:
        tangent = found.get(node)
        if tangent is None or isfinite(float(tangent)):
            continue
        name = f"{node.label!r} " if node.label else ""
        if node in seeded:
            raise FloatingPointError(
                f"{where}: the seed of {name}(= {node.data!r}) is {float(tangent)!r}, "
                "not finite (detect_anomaly)"
            )
        terms = ", ".join(
            f"{float(local)!r} × {float(found[child])!r}"
            for child, local in zip(node._inputs, node._locals, strict=True)
            if child in found
        )
        raise FloatingPointError(
            f"{where}: the tangent of the {node.op_name} node {name}(= {node.data!r}) is "
            f"{float(tangent)!r}: the sum of local derivative × input tangent, {terms} "
            f"(detect_anomaly); the node was {anomaly.made_at(node)}"
        )


def _checked_seeds(seeds: Seeds, create_graph: bool, where: str) -> dict[Value, Tangent]:
    """The seeds as a fresh dict of node -> float (or Value, with ``create_graph``)."""
    if not isinstance(seeds, Mapping):
        raise TypeError(
            f"{where}: seeds must map Values to tangents, e.g. {{x: 1.0}}; "
            f"got {type(seeds).__name__} {seeds!r}"
        )
    checked: dict[Value, Tangent] = {}
    for node, tangent in seeds.items():
        if not isinstance(node, Value):
            raise TypeError(f"{where}: a seed's key must be a Value, got {type(node).__name__}")
        name = f" {node.label!r}" if node.label else ""
        if isinstance(tangent, Value):
            if not create_graph:
                raise TypeError(
                    f"{where}: the seed of{name or ' a node'} is a Value; pass a number, or "
                    "create_graph=True to get a tangent that depends on it"
                )
            checked[node] = tangent
        else:
            checked[node] = as_float(tangent, f"{where}: the seed of{name or ' a node'}")
    return checked

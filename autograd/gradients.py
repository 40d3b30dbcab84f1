"""The gradient API: ``backward()`` into ``.grad``, and ``grad()``, which returns them.

Both run the engine's chain-rule loop. With ``create_graph=True``, ``grad`` evaluates each
node's local rule again on the Values themselves (the op table's same entry), so the
gradients are graphs too and can be differentiated again.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Literal, overload

from autograd import engine
from autograd.grad_mode import enable_grad, special_mode, tracing
from autograd.ops import Partials
from autograd.value import (
    Number,
    Value,
    check_has_graph,
    gradient_check,
    rule_error,
)

# Partials that a local rule computed from a choice it made on the data, while it ran on
# Values: it compared a Value or took bool() of one (a custom rule's ``if x > 0``). The
# gradient graph holds that choice as a constant, right for this data only, so
# ``compile`` refuses a graph holding one of these nodes, naming the op (the value).
# The library's own rules make no such choice: their special cases are ops (ops.HEAVISIDE...).
data_choices: weakref.WeakKeyDictionary[Value, str] = weakref.WeakKeyDictionary()


def backward(root: Value, gradient: Number = 1.0) -> None:
    """Add d(root)/d(node) * gradient into ``.grad`` of every node ``root`` depends on.

    This pass's gradients are computed on their own first, then added, so a second call
    exactly doubles every ``.grad`` and only ``zero_grad`` resets them.
    """
    check_has_graph(root, "backward")
    root.backward(gradient)


@overload
def grad(output: Value, inputs: Value, create_graph: Literal[False] = False) -> tuple[float]: ...
@overload
def grad(output: Value, inputs: Value, create_graph: Literal[True]) -> tuple[Value]: ...
@overload
def grad(
    output: Value, inputs: Sequence[Value], create_graph: Literal[False] = False
) -> list[float]: ...
@overload
def grad(output: Value, inputs: Sequence[Value], create_graph: Literal[True]) -> list[Value]: ...
@overload
def grad(
    output: Value, inputs: Value | Sequence[Value], create_graph: bool
) -> list[float] | list[Value] | tuple[float] | tuple[Value]: ...
def grad(
    output: Value, inputs: Value | Sequence[Value], create_graph: bool = False
) -> list[float] | list[Value] | tuple[float] | tuple[Value]:
    """d(output)/d(input) for each input, leaving every ``.grad`` untouched.

    An input that ``output`` does not depend on gets 0. With ``create_graph=True`` the
    gradients are Values built from the same local rules, so they can be differentiated
    again: ``grad(grad(f, [x], create_graph=True)[0], [x])`` is f''(x). One Value for
    ``inputs`` gives a tuple of one, as ``torch.autograd.grad`` does: ``(dx,) = grad(y, x)``.
    """
    check_has_graph(output, "grad")
    if isinstance(inputs, Value):
        return tuple(grad(output, [inputs], create_graph))  # type: ignore[return-value]
    if isinstance(inputs, str) or not isinstance(inputs, Iterable):
        raise TypeError(
            f"grad: inputs must be a Value or a list of Values, "
            f"got {type(inputs).__name__} {inputs!r}"
        )
    inputs = list(inputs)
    for i, x in enumerate(inputs):
        if not isinstance(x, Value):
            raise TypeError(f"grad: inputs[{i}] must be a Value, got {type(x).__name__} {x!r}")
    if not create_graph:
        grads = engine.float_gradients(output, 1.0, gradient_check())
        return [grads.get(x, 0.0) for x in inputs]
    with enable_grad():
        value_grads = _value_gradients(output)
        found = [value_grads.get(x, 0.0) for x in inputs]
        return [g if isinstance(g, Value) else Value(g) for g in found]


def _value_gradients(root: Value) -> dict[Value, Value | float]:
    """The chain-rule loop over Values: each term is recorded, so the result is a graph too.

    The seed is the number 1, not a leaf, and a factor 1 is left out of a term: so the
    gradient's graph holds no node for the seed (no ``g * 1.0``, no leaf that a compiled
    listing would show as a weight), and a gradient that does not depend on the inputs
    stays a number until ``grad`` returns it as a Value.
    """
    grads: dict[Value, Value | float] = {root: 1.0}
    with watching_branches():
        for node in reversed(engine.topological_order(root)):
            g = grads[node]
            for child, local in zip(node._inputs, value_locals(node), strict=True):
                term = _times(local, g)
                grads[child] = grads[child] + term if child in grads else term
    return grads


def _times(local: Value | float, g: Value | float) -> Value | float:
    """local × g, without multiplying by a 1 (x × 1 is x, bit for bit)."""
    if type(local) is float and local == 1.0:
        return g
    if type(g) is float and g == 1.0:
        return local
    return local * g


def value_locals(node: Value) -> Partials:
    """The node's local derivatives evaluated on its Values: the op's rule, run again.

    Partials that do not depend on the inputs come back as floats (the 1 of ``+``). If
    the rule raises, the error names the op and its operands; if it branches on a Value,
    its partials are recorded in ``data_choices``.
    """
    op = node._op
    if op is None or not node._inputs:
        return ()
    mode = special_mode()
    counter = mode.tracing if mode else None
    if type(counter) is not _BranchCounter:  # a call of its own: watch this one rule
        with watching_branches():
            return value_locals(node)
    before = counter.count
    try:
        partials = op.local(*op.arguments(node._inputs, node.constants), node)
    except Exception as exc:
        raise rule_error(op, (*node._inputs, *node.constants), exc, on_values=True) from exc
    if counter.count != before:
        return tuple(_chosen(p, op.name) for p in partials)
    return partials


class _BranchCounter:
    """The tracing hook while rules run on Values: counts comparisons and bool() of a
    Value (a loop over many nodes installs one for all of them, see watching_branches)."""

    __slots__ = ("count",)

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, v: Value, test: str, other: object) -> None:
        self.count += 1


@contextmanager
def watching_branches() -> Iterator[None]:
    """Inside, ``value_locals`` notices a rule that branches on a Value (instead of the
    compiler's trace refusing it: compile then refuses the graph, naming the op)."""
    with tracing(_BranchCounter()):
        yield


def _chosen(partial: Any, op_name: str) -> Value:
    """A new node for a partial the rule chose on the data (a Value times 1, bitwise the
    same; a number as a leaf), recorded in ``data_choices``."""
    node = partial * 1.0 if isinstance(partial, Value) else Value(partial)
    data_choices[node] = op_name
    return node

"""Custom ops: define an op the way the library defines its own, then call it on Values.

``CustomOp(name, forward, local, domain="")`` is an entry like those of the op table
(``autograd/ops.py``), and is one: ``forward(*args)`` maps the operands' floats to a float,
``local(*args, out)`` gives one partial derivative per input. Write the rule with arithmetic
and the helpers of ``autograd.ops`` (``exp``, ``log``, ``sqrt``, ``sin``, ``cos``, ``tanh``,
``sigmoid``), which work on floats and on Values, so that one rule serves ``backward()``
(floats) and ``grad(create_graph=True)`` (Values). Not ``math.exp`` and friends in the rule:
they turn a Value into a float, and every derivative above the first would silently be
lost (``gradgradcheck`` catches that).

Calling the entry, ``softplus(x)``, makes a node that records it, so every reader of a
graph (backward, grad, forward mode, the picture, the trace) treats it as a built-in op.
Unlike the built-in rules, a custom one is checked as it runs: its forward must give a
real number and its rule one real number per input. A forward that raises is reported
with the op's ``domain``; a rule that raises is reported as the rule's failure (naming
the op, its operands and labels, and what it raised), on floats and on Values alike.

A rule with a branch on an operand (``1.0 if x > 0 else 0.0``) is fine on floats, and
``compile`` writes the branch out. On Values (``grad(create_graph=True)``, forward mode)
the branch is taken once, when the gradient graph is built, so that graph is right for
that data only: its partials are recorded (``gradients.data_choices``) and ``compile``
refuses the graph, naming the op. Write such a branch with ``ops.heaviside`` or ``ops.sign``
(``ops.heaviside(x)`` is 1 for x > 0, else 0), which on a Value make a node that takes the
branch on whatever data it is given, as the library's relu and abs do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from autograd.ops import Op, OperandLayout, Partials, inputs_then_constants
from autograd.value import (
    Number,
    Operand,
    Value,
    as_float,
    as_values,
    describe_call,
    is_real_number,
    record,
    rule_error,
)


class CustomOp(Op):
    """An op of your own: ``CustomOp(name, forward, local, domain="")``, then ``op(x, ...)``.

    ``name`` shows in pictures, traces and errors; ``domain`` says which operands are valid,
    in the message of the error the forward raises outside it (``ValueError``,
    ``ZeroDivisionError``; an ``OverflowError`` says the result overflows). ``arguments`` lays
    a node's inputs and constants out as the rules take them, as for ``ops.DOT``; by
    default the inputs, then the constants.
    """

    def __new__(
        cls,
        name: str,
        forward: Callable[..., float],
        local: Callable[..., Partials],
        domain: str = "",
        *,
        arguments: OperandLayout = inputs_then_constants,
    ) -> CustomOp:
        op = super().__new__(cls, name, forward, local, domain, arguments=arguments)
        if not isinstance(op.name, str) or not op.name:
            raise TypeError(f"CustomOp: name must be a non-empty str, got {op.name!r}")
        for role in ("forward", "local", "arguments"):
            if not callable(getattr(op, role)):
                raise TypeError(f"CustomOp {op.name!r}: {role} must be callable")
        if not isinstance(op.domain, str):
            raise TypeError(f"CustomOp {op.name!r}: domain must be a str, got {op.domain!r}")
        return op

    def __call__(self, *operands: Operand, constants: Iterable[Number] = ()) -> Value:
        """The node for this op applied to ``operands``: each one is an input (a number
        becomes a leaf), and ``constants`` are plain numbers the rules take after them."""
        if not operands:
            raise TypeError(f"{self.name}: needs at least one operand")
        inputs = as_values(operands, f"{self.name} operand")
        consts = tuple(as_float(c, f"{self.name} constants[{i}]") for i, c in enumerate(constants))
        shown = inputs + consts

        def checked_forward(*args: Any) -> float:
            return _checked_value(self.forward(*args), self, shown)

        def checked_local(*args_out: Any) -> Partials:
            try:
                partials = self.local(*args_out)
            except Exception as exc:  # the rule failed, not the forward: say so
                raise rule_error(self, shown, exc, on_values=False) from exc
            return _checked_partials(partials, self, shown, len(inputs))

        return record(self, inputs, consts, forward=checked_forward, local=checked_local)


def _checked_value(out: Any, op: Op, operands: tuple[Any, ...]) -> float:
    """The forward's result as a float, or a TypeError naming the call."""
    if not is_real_number(out):
        raise TypeError(
            f"{describe_call(op, operands)}: its forward returned {type(out).__name__} {out!r}, "
            "not a real number"
        )
    return float(out)


def _checked_partials(partials: Any, op: Op, operands: tuple[Any, ...], n_inputs: int) -> Partials:
    """The rule's partials as floats, one per input, or a TypeError naming the call."""
    if not isinstance(partials, (tuple, list)) or len(partials) != n_inputs:
        raise TypeError(
            f"{describe_call(op, operands)}: its local rule must return a tuple of "
            f"{n_inputs} partial derivative(s), one per input; got {partials!r}"
        )
    for i, p in enumerate(partials):
        if not is_real_number(p):
            raise TypeError(
                f"{describe_call(op, operands)}: partial {i} of its local rule is "
                f"{type(p).__name__} {p!r}, not a real number"
            )
    return tuple(map(float, partials))

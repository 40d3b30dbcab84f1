"""The backward pass as a list of chain-rule steps, in the order the engine runs them.

Backpropagation visits the nodes in reverse topological order and, for each input of a
node, adds ``local * node.grad`` into the input's gradient. ``explain_backward`` replays
that loop on the side (every ``.grad`` stays untouched) and records each term, so
``print(explain_backward(loss))`` reads like a derivation written by hand::

    loss.grad = 1 (the seed)
    Step 1: diff.grad += dloss/ddiff (-0.4) * loss.grad (1) = -0.4, so diff.grad = -0.4
    Step 2: A2.grad += ddiff/dA2 (1) * diff.grad (-0.4) = -0.4, so A2.grad = -0.4
    ...

Nodes without a label get a readable name from their op and a count (``mul1``,
``tanh2``, ``leaf1``); ``autograd.viz`` uses the same names, so the printed steps and the
drawn graph match.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from autograd.engine import chain_rule_steps
from autograd.names import format_number, node_names, reading_order, term
from autograd.value import Value


@dataclass(frozen=True)
class ChainRuleStep:
    """One term of the chain rule: ``input.grad += local * upstream``.

    ``upstream`` is the output's gradient, complete by the time the engine reaches it;
    ``position`` is the input's index in ``output.inputs`` (``a * a`` has two steps into
    ``a``, at positions 0 and 1).
    """

    output: Value
    input: Value
    position: int
    local: float
    upstream: float
    output_name: str
    input_name: str
    shared: bool  # the input appears more than once among the output's inputs

    @property
    def contribution(self) -> float:
        """What this step adds to the input's gradient."""
        return self.local * self.upstream

    def __str__(self) -> str:
        """The term alone: ``a.grad += dmul1/da (2) * mul1.grad (1) = 2``."""
        out, inp = term(self.output_name), term(self.input_name)
        where = f" [arg {self.position}]" if self.shared else ""
        return (
            f"{inp}.grad += d{out}/d{inp}{where} ({format_number(self.local)})"
            f" * {out}.grad ({format_number(self.upstream)}) = {format_number(self.contribution)}"
        )

    def explain(self, total: float) -> str:
        """The step as every reader writes it: the term, then what the input's gradient
        becomes, ``a.grad += dmul1/da (2) * mul1.grad (1) = 2, so a.grad = 3``."""
        return f"{self}, so {term(self.input_name)}.grad = {format_number(total)}"


@dataclass(frozen=True)
class BackwardTrace:
    """The steps of one backward pass from ``root``; ``str()`` numbers them, one a line."""

    root: Value
    root_name: str
    steps: tuple[ChainRuleStep, ...]

    def __iter__(self) -> Iterator[ChainRuleStep]:
        return iter(self.steps)

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, index: int) -> ChainRuleStep:
        return self.steps[index]

    def totals(self) -> tuple[float, ...]:
        """Each step's input's gradient once that step is added: the engine's additions, in
        its order, so a node's last total is its ``.grad`` from this pass, bitwise."""
        grads = {self.root: 1.0}
        totals = []
        for step in self.steps:
            grads[step.input] = total = grads.get(step.input, 0.0) + step.contribution
            totals.append(total)
        return tuple(totals)

    def lines(self) -> list[str]:
        """The seed, then ``Step k: ...`` for every step, as ``print`` and the page show them."""
        seed = [f"{term(self.root_name)}.grad = 1 (the seed)"]
        steps = zip(self.steps, self.totals(), strict=True)
        return seed + [f"Step {i}: {s.explain(t)}" for i, (s, t) in enumerate(steps, start=1)]

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """IPython's plain text is what ``print`` shows: the numbered steps."""
        printer.text(str(self))

    def _repr_html_(self) -> str | None:
        """Jupyter shows the trace as the step-through player (``autograd.player``), or as
        its text when Graphviz's ``dot`` is missing or the graph is too large to draw."""
        from autograd.player import notebook_html  # rendering loads only when shown

        return notebook_html(self)


def explain_backward(root: Value) -> BackwardTrace:
    """The chain-rule steps ``root.backward()`` would run, in its order; no ``.grad`` changes.

    Each node's gradient is seeded with 1 at ``root``; then for every node in reverse
    topological order and every input of that node, one step adds the local derivative
    times the node's gradient into the input's gradient. Summing the steps' contributions
    per node gives exactly the engine's gradients.
    """
    if not isinstance(root, Value):
        raise TypeError(
            f"explain_backward: the output must be a Value, got {type(root).__name__} {root!r}"
        )
    names = node_names(reading_order(root))
    grads = dict.fromkeys(names, 0.0)
    grads[root] = 1.0
    steps = []
    uses: Counter[Value] = Counter()
    for node, position, child, local in chain_rule_steps(root):
        if position == 0:  # a node's first edge: count its inputs once
            uses = Counter(node.inputs)
        step = ChainRuleStep(
            output=node,
            input=child,
            position=position,
            local=local,
            upstream=grads[node],
            output_name=names[node],
            input_name=names[child],
            shared=uses[child] > 1,
        )
        grads[child] += step.contribution
        steps.append(step)
    return BackwardTrace(root=root, root_name=names[root], steps=tuple(steps))

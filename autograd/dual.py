"""Forward mode as dual numbers: each node's value and tangent, ``a + b ε``, in order.

A dual number a + b ε (where ε² = 0) carries a value a and a tangent b, how fast the value
moves when the seeded inputs move (x' = 1 asks for d/dx). Since f(a + b ε) = f(a) + f'(a) b ε,
evaluating a graph on dual numbers is forward-mode differentiation. ``explain_forward(root,
seeds)`` shows that evaluation node by node, in topological order, each tangent written as
the sum the chain rule makes of it, with the local derivatives the node recorded (the same
numbers ``explain_backward`` prints and the picture shows by its edges)::

    x = 1 + 1ε (seed)
    z = 3 * x = 3 + 3ε: z' = dz/dx (3) * x' (1)
    y = z ** 2 = 9 + 18ε: y' = dy/dz (6) * z' (3)

The tangents are ``autograd.forward``'s, so the last line's is ``directional_derivative``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from autograd.forward import Seeds, tangents
from autograd.names import format_number, formula, node_names, reading_order, term
from autograd.value import Value


@dataclass(frozen=True)
class TangentTerm:
    """One term of a node's tangent: ``d node/d input × input'``."""

    input: Value
    input_name: str
    position: int  # the input's index in ``node.inputs``
    local: float
    input_tangent: float
    shared: bool  # the input appears more than once among the node's inputs

    def text(self, node_name: str) -> str:
        """``d node/d input (local) * input' (tangent)``, as the node named ``node_name``."""
        out, inp = term(node_name), term(self.input_name)
        where = f" [arg {self.position}]" if self.shared else ""
        return (
            f"d{out}/d{inp}{where} ({format_number(self.local)})"
            f" * {inp}' ({format_number(self.input_tangent)})"
        )


@dataclass(frozen=True)
class DualNumber:
    """A node evaluated on dual numbers: its value, its tangent and how the tangent arose."""

    node: Value
    name: str
    formula: str  # how the node is computed from its inputs' names (its name for a leaf)
    value: float
    tangent: float
    seeded: bool  # the tangent was given: the node is an independent variable
    terms: tuple[TangentTerm, ...]  # empty for a seed and for a leaf

    def __str__(self) -> str:
        number = _dual(self.value, self.tangent)
        if self.seeded:
            return f"{self.name} = {number} (seed)"
        if not self.terms:
            return f"{self.name} = {number} (held fixed)"
        terms = " + ".join(t.text(self.name) for t in self.terms)
        return f"{self.name} = {self.formula} = {number}: {term(self.name)}' = {terms}"


@dataclass(frozen=True)
class ForwardTrace:
    """Every node ``root`` depends on as a dual number, in reading order (each after its
    inputs); ``str()`` writes one a line."""

    root: Value
    root_name: str
    rows: tuple[DualNumber, ...]

    @property
    def tangent(self) -> float:
        """The root's tangent: its derivative along the seeds."""
        return self.rows[-1].tangent

    def __iter__(self) -> Iterator[DualNumber]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: int) -> DualNumber:
        return self.rows[index]

    def __str__(self) -> str:
        return "\n".join(map(str, self.rows))


def explain_forward(root: Value, seeds: Seeds) -> ForwardTrace:
    """Each node of ``root``'s graph as value + tangent ε, seeded by ``seeds`` (``{x: 1.0}``).

    A seed's tangent is given; a leaf that is not seeded is held fixed (tangent 0); every
    other node's tangent is Σ d node/d input × input' over its inputs. Nodes are named and
    ordered as ``explain_backward`` and the picture name them. No ``.grad`` changes.
    """
    found = tangents([root], seeds, where="explain_forward")
    order = reading_order(root)
    names = node_names(order)
    rows = []
    for node in order:
        uses = Counter(node.inputs)
        seeded = node in seeds
        terms = (
            ()
            if seeded
            else tuple(
                TangentTerm(
                    input=child,
                    input_name=names[child],
                    position=position,
                    local=local,
                    input_tangent=float(found.get(child, 0.0)),
                    shared=uses[child] > 1,
                )
                for position, (child, local) in enumerate(
                    zip(node.inputs, node.local_grads, strict=True)
                )
            )
        )
        tangent = float(found.get(node, 0.0))
        shown = formula(node, names)
        rows.append(DualNumber(node, names[node], shown, node.data, tangent, seeded, terms))
    return ForwardTrace(root=root, root_name=names[root], rows=tuple(rows))


def _dual(value: float, tangent: float) -> str:
    """``a + bε`` in at most four significant digits, with the tangent's sign as the operator."""
    sign = "-" if tangent < 0 else "+"
    return f"{format_number(value)} {sign} {format_number(abs(tangent))}ε"

"""Readable names for the nodes of a graph, shared by every reader that shows one.

The printed backward steps (``autograd.trace``), the picture (``autograd.viz``) and the
step-through page (``autograd.player``) name a node the same way: its label, or its op's
name and a count (``mul1``, ``tanh2``, ``leaf1``), and print numbers with
``format_number``: four significant digits, more where four would round a value to a whole
number it is not. Generated names count in reading order (``reading_order``), so the
first neuron of a layer gets ``dot1``, the second ``dot2``.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from math import isfinite
from typing import Any

from autograd.value import Value

_MAX_COEFFICIENTS = 4  # a dot's constant coefficients shown in its op's label
_COMPOUND = re.compile(r"[\s+\-*/^]")  # a name holding these reads as an expression


def format_number(x: float) -> str:
    """``x`` in at most four significant digits: 2.0 -> '2', 2/3 -> '0.6667', -0.0 -> '0'.

    A number that four digits would show as a whole number it is not is written as that
    whole number and what it is off by, in two digits: tanh(-8) is ``-1 + 2.3e-07``, not
    ``-1`` beside a local derivative of 4.5e-07 that only a value short of -1 can have.
    """
    text = f"{x:.4g}"
    if text == "-0":
        return "0"
    whole = float(text)
    if "e" in text or not whole.is_integer() or whole == x or not isfinite(x):
        return text
    off = x - whole  # exact: x and whole are within a factor 2 of each other
    return f"{text} {'+' if off > 0 else '-'} {abs(off):.2g}"


class DefaultLabel(str):
    """A label a library gives the nodes it builds (``nn``'s ``Z1[0]``, ``Loss``).

    It reads as any label, but a label the user sets on another node takes its name first
    (``node_names``). Made once per layer, not per node: labelling costs one store.
    """

    __slots__ = ()


# Characters that would break a name across lines, reorder the text around it, or that
# no page or picture can hold (a lone surrogate, a noncharacter such as U+FFFE, which XML
# refuses): shown as their escape, ``\n``, ``\u2028``.
_HIDDEN = frozenset(("Cc", "Cf", "Cs", "Cn", "Zl", "Zp"))


def one_line(text: str) -> str:
    """``text`` as it can be shown on one line of any reader: newlines, line separators,
    other control and format characters spelled as escapes (``a\nb`` -> ``a\\nb``)."""
    if text.isprintable():  # the usual case, checked at C speed
        return text
    return "".join(
        c.encode("unicode_escape").decode() if unicodedata.category(c) in _HIDDEN else c
        for c in text
    )


def reading_order(*roots: Value) -> list[Value]:
    """Every node the roots depend on, inputs first, each node's inputs taken left to right
    (and the roots from the first; a node shared by several appears once).

    A topological order, the one a person reading the expression follows: in
    ``dot(W1[0], x) ... dot(W1[1], x)`` the first neuron comes before the second.
    (The engine's order may visit inputs in another order; backward does not care.)
    Iterative, so a chain of any length works.
    """
    order: list[Value] = []
    seen: set[Value] = set()
    # The roots are walked as the inputs of a node above them all (None, never emitted).
    stack: list[tuple[Value | None, Iterator[Value]]] = [(None, iter(roots))]
    while stack:
        node, inputs = stack[-1]
        for child in inputs:
            if child not in seen:
                seen.add(child)
                stack.append((child, iter(child.inputs)))
                break
        else:
            stack.pop()
            if node is not None:
                order.append(node)
    return order


def node_names(order: Sequence[Value]) -> dict[Value, str]:
    """A unique, readable name for each node: its label, or its op's name and a count.

    Names are given in the order of ``order`` (pass ``reading_order(root)``), so the same
    graph always gets the same names. A label the user set claims its name first, then a
    ``DefaultLabel`` a library gave; a repeated label gets a suffix (``w``, ``w#2``); a
    generated name never takes a name some node carries as its label. Every name is on
    one line (``one_line``).
    """
    labels = {v: one_line(v.label) for v in order if v.label}
    names: dict[Value, str] = {}
    taken: set[str] = set()
    for given in (False, True):  # the user's labels, then the defaults
        for v, label in labels.items():
            if isinstance(v.label, DefaultLabel) is given and label not in taken:
                names[v] = label
                taken.add(label)
    reserved = set(labels.values())
    counts: Counter[str] = Counter()
    for v in order:
        if v in names:
            continue
        label = labels.get(v, "")
        base = f"{label}#" if label else _word(v)
        counts[base] = max(counts[base], 1 if label else 0)  # a label's copies from #2
        name = ""
        while not name or name in taken or name in reserved:
            counts[base] += 1
            name = f"{base}{counts[base]}"
        taken.add(name)
        names[v] = name
    return {v: names[v] for v in order}


def _word(node: Value) -> str:
    """The op as a word, so that generated names read as identifiers: ``mul``, ``tanh``."""
    op = node.op_entry
    return (op.word or op.name) if op else "leaf"


def op_label(node: Value) -> str:
    """The op as a picture writes it, with its plain-number operands where they were
    written: ``* 3``, ``** 2``, ``- 3``, ``3 -`` (for ``3 - x``), ``dot (0.5, -1)``."""
    op = node.op_entry
    if op is None:
        return ""
    name, constants = one_line(op.name), node.constants
    if not constants:
        return name
    if op.notation == "weighted sum":  # the constant coefficients, shortened past a few
        shown = [format_number(c) for c in constants[:_MAX_COEFFICIENTS]]
        more = ", …" if len(constants) > _MAX_COEFFICIENTS else ""
        return f"{name} ({', '.join(shown)}{more})"
    numbers = " ".join(_operand(c) for c in constants)
    return f"{numbers} {name}" if op.reflected else f"{name} {numbers}"


def term(name: str) -> str:
    """``name`` as one term of a formula, ``d out / d in`` or ``name.grad``: in parentheses
    when it holds spaces or operators (``(A2 - y).grad``, not ``A2 - y.grad``)."""
    return f"({name})" if _COMPOUND.search(name) and not _enclosed(name) else name


def _enclosed(name: str) -> bool:
    """Whether ``name`` is one parenthesised whole: ``(a - b)``, but not ``(a) - (b)``."""
    depth = 0
    for i, char in enumerate(name):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and i < len(name) - 1:
            return False
    return name.startswith("(") and depth == 0


def formula(node: Value, names: dict[Value, str]) -> str:
    """How ``node`` is computed, written with its inputs' names and its constants:
    ``x * y``, ``3 - x``, ``tanh(n)``, ``W[0]·0.5 + W[1]·(-1) + b``."""
    op = node.op_entry
    if op is None:
        return names[node]
    # The op's own layout of its operands (weighted sums: (w, x, b)), here laid out as text.
    constants: tuple[Any, ...] = tuple(_operand(c) for c in node.constants)
    operands = op.arguments(tuple(term(names[x]) for x in node.inputs), constants)
    if op.notation == "weighted sum":
        w, x, b = operands
        return " + ".join([f"{a}·{c}" for a, c in zip(w, x, strict=True)] + list(b))
    if op.notation == "infix" and len(operands) == 2:
        first, second = reversed(operands) if op.reflected else operands
        return f"{first} {op.name} {second}"
    return f"{one_line(op.name)}({', '.join(_flat(operands))})"


def _flat(operands: tuple[Any, ...]) -> list[str]:
    """The operands as one list, where an op's layout groups some in tuples (a custom op's
    ``arguments`` may, as the weighted sums' does)."""
    return [text for a in operands for text in (a if isinstance(a, tuple) else (a,))]


def _operand(c: float) -> str:
    """A constant as an operand: in parentheses when negative, ``x * (-1)``."""
    text = format_number(c)
    return f"({text})" if text.startswith("-") else text


_QUANTITY = re.compile(r"(?P<kind>[WbZA])(?P<layer>[1-9]\d*)(?P<index>(?:\[\d+\])*)(?:#\d+)?")


class Derivation:
    """Which of the derivation's quantities a node's finished gradient is, read from the
    names ``nn`` gives (``Z2``, ``A1[0]``, ``W1[0][1]``): the last layer's are Steps 1 to
    4, a hidden layer's Steps 5 to 8, as in the README's table "The derivation". The
    step-through page and the matrix listing of ``compile(..., vectorize=True)`` say it."""

    def __init__(self, names: Iterable[str], root: str) -> None:
        found = [m for name in names if (m := _QUANTITY.fullmatch(name))]
        self.last = max((int(m["layer"]) for m in found if m["kind"] in "ZA"), default=0)
        self.single = {int(m["layer"]) for m in found if m["kind"] == "Z" and not m["index"]}
        self.activated = {int(m["layer"]) for m in found if m["kind"] == "A"}
        self.loss = term(root)

    def quantity(self, name: str, additions: int = 1) -> str:
        """``Step 3: δ2 = dLoss/dZ2 = ...`` for a name of the derivation, else ''; a
        parameter's gradient of ``additions`` > 1 examples is their sum."""
        found = _QUANTITY.fullmatch(name)
        if not found or not self.last:
            return ""
        kind, k, index = found["kind"], int(found["layer"]), found["index"]
        d, output = f"d{self.loss}/d", k == self.last
        row, column = index[: index.find("]") + 1], index[index.find("]") + 1 :]
        delta = f"δ{k}" if k in self.single else f"δ{k}{row}"
        if kind == "A":
            if output:
                return f"Step 1: {d}A{k}{index}"
            return f"Step 5: {d}A{k}{index} = (W{k + 1}ᵀ δ{k + 1}){index}"
        if kind == "Z":
            step = 3 if output else 7
            if k not in self.activated:
                return f"Step {step}: {delta} = {d}Z{k}{index}"
            a, z = f"A{k}{index}", f"Z{k}{index}"
            return f"Step {step}: {delta} = {d}{z} = {d}{a} · d{a}/d{z} (Step {step - 1})"
        step = 4 if output else 8
        summed = f", summed over {additions} examples" if additions > 1 else ""
        if kind == "b":
            return f"Step {step}: {d}b{k}{index} = {delta}{summed}"
        source = f"A{k - 1}" if k > 1 else "X"
        return f"Step {step}: {d}W{k}{index} = {delta} · {source}{column}{summed}"

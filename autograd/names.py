"""Readable names for the nodes of a graph, shared by every reader that shows one.

The printed backward steps (``autograd.trace``), the picture (``autograd.viz``) and any
other reader name a node the same way: its label, or its op's name and a count
(``mul1``, ``tanh2``, ``leaf1``), and print numbers in at most four significant digits.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from autograd.value import Value

# Operator symbols spelled as words, so generated names read as identifiers.
_OP_WORDS = {"+": "add", "-": "sub", "*": "mul", "/": "div", "**": "pow"}


def format_number(x: float) -> str:
    """``x`` in at most four significant digits: 2.0 -> '2', 2/3 -> '0.6667', -0.0 -> '0'."""
    text = f"{x:.4g}"
    return "0" if text == "-0" else text


def node_names(order: Sequence[Value]) -> dict[Value, str]:
    """A unique, readable name for each node: its label, or its op's name and a count.

    Names are given in the order of ``order``, so the same graph always gets the same
    names. A repeated label gets a suffix (``w``, ``w#2``); a generated name never takes
    a name some node carries as its label.
    """
    labels = {v.label for v in order if v.label}
    taken: set[str] = set()
    counts: Counter[str] = Counter()
    names: dict[Value, str] = {}
    for v in order:
        if v.label and v.label not in taken:
            name = v.label
        else:
            base = f"{v.label}#" if v.label else _OP_WORDS.get(v.op, v.op or "leaf")
            counts[base] = max(counts[base], 1 if v.label else 0)  # a label's copies from #2
            name = ""
            while not name or name in taken or name in labels:
                counts[base] += 1
                name = f"{base}{counts[base]}"
        taken.add(name)
        names[v] = name
    return names

"""The grouping pass: a traced graph's scalar nodes put together as arrays.

``compile(f, *examples, vectorize=True)`` writes a graph as NumPy code over a batch (see
``autograd.matrix``). This pass decides what each array holds. Nodes of one op that do
not depend on each other and whose operands line up become one group:

- the weighted sums of a layer, which read the same input vector with weights of their
  own, are one matrix group, ``Z = W @ X + b`` (W's rows are the neurons' weights);
- nodes of one kind (op, arity, constants) at the same depth of the graph are one
  element-wise group, their operands gathered from the groups that hold them: a layer's
  activations applied to its weighted sums are ``A = sigmoid(Z)``.

Every other node is a group of one, a scalar line applied element-wise across the batch,
so every graph that compiles compiles this way. Examples are the arrays' second axis:
a group of k nodes that depends on the arguments is a (k, batch) array; one that depends
only on the weights is (k, 1). A weighted sum is a matrix product only where its op's
own rules say so: its local rule, run on symbols (``autograd.codegen``), must give each
weight's partial as its input and each input's as its weight (and 1 for the bias), and
its forward must be the sum of products at the node's numbers.
"""

from __future__ import annotations

import ast
import math
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from autograd.codegen import NodeWriter, Template, identifier
from autograd.names import format_number
from autograd.ops import Op
from autograd.value import Value

_INDEXED = re.compile(r"^(.+?)((\[\d+\])+)$")  # W1[0][1] -> W1, [0][1]
_WORDS = {"+": "add", "-": "sub", "*": "mul", "/": "div", "**": "pow"}


@dataclass(eq=False)
class Group:
    """Nodes held in one array, one row per node (``rows``), in reading order.

    ``kind`` is "argument" (a parameter of the compiled function), "weights" (every leaf
    read from ``.data``, as one column), "matrix" (weighted sums, ``W @ X + b``),
    "reduction" (one node summing a term of each input, ``Σ x²``, over its ``inputs``)
    or "elementwise". A matrix group's ``weights`` are its k rows of n leaves, ``biases`` its
    k bias leaves (or none) and ``inputs`` the n nodes they all read.
    """

    name: str
    rows: list[Value]
    kind: str
    batched: bool
    op: Op | None = None
    constants: tuple[float, ...] = ()
    weights: list[list[Value]] = field(default_factory=list)
    biases: list[Value] = field(default_factory=list)
    inputs: list[Value] = field(default_factory=list)
    needs_grad: bool = False
    level: int = 0
    # a reduction's code: each input's term, each input's partial (holes __hX for the
    # input, __hout for the node), and the divisor of the sum (a mean's n) or None
    reduction: tuple[str, str, float | None] | None = None

    def __repr__(self) -> str:
        return f"<group {self.name}: {self.kind}, {len(self.rows)} rows>"


@dataclass
class Grouping:
    """A graph's groups in an order that computes every operand before its use."""

    groups: list[Group]
    where: dict[Value, tuple[Group, int]]  # each node's group and row
    weights: Group  # every leaf read from .data, the column _w
    matrix_names: dict[Group, tuple[str, str]]  # a matrix group's W and b variables
    seconds: float  # how long the pass took

    def operands(self, group: Group, position: int) -> list[Value]:
        """The nodes a group's rows read at one input position."""
        return [v._inputs[position] for v in group.rows]


def group_nodes(
    order: Sequence[Value],
    reading: Sequence[Value],
    arguments: Sequence[Sequence[Value]],
    parameters: Sequence[str],
    leaves: Sequence[Value],
    readable: dict[Value, str],
    needs_grad: dict[Value, bool],
    writer: NodeWriter,
    reserved: set[str],
) -> Grouping:
    """Group the nodes of a traced graph (``order``: topological; ``reading``: reading
    order; ``arguments``: each parameter's leaves; ``leaves``: those read from .data)."""
    started = time.perf_counter()
    argument_of = {v: k for k, row in enumerate(arguments) for v in row}
    batched: dict[Value, bool] = {}
    level: dict[Value, int] = {}
    for v in order:
        if not v._inputs:
            batched[v], level[v] = v in argument_of, 0
        else:
            batched[v] = any(batched[x] for x in v._inputs)
            level[v] = 1 + max(level[x] for x in v._inputs)
    weight_leaves = set(leaves)
    position = {v: i for i, v in enumerate(reading)}
    keyed: dict[tuple[Any, ...], Group] = {}
    layouts: dict[tuple[int, int], tuple[tuple[int, ...], ...] | None] = {}
    for v in reading:
        if not v._inputs:
            continue
        op = v._op
        assert op is not None
        layout_key = (id(op), len(v._inputs))
        if layout_key not in layouts:
            layouts[layout_key] = _matrix_layout(writer, v)
        layout = layouts[layout_key]
        matrix = layout is not None and _is_matrix_row(v, layout, weight_leaves)
        reduction = None if matrix else _reduction(writer, v)
        if matrix:
            assert layout is not None
            w, x, b = layout
            inputs = tuple(v._inputs[i] for i in x)
            key: tuple[Any, ...] = ("matrix", id(op), len(b), *map(id, inputs))
        elif reduction is not None:
            key, inputs = ("reduction", v), v._inputs
        else:
            key = ("elementwise", id(op), len(v._inputs), *map(repr, v.constants), level[v])
            key += (batched[v],)
        group = keyed.get(key)
        if group is None:
            kind = "matrix" if matrix else "elementwise" if reduction is None else "reduction"
            group = keyed[key] = Group("", [], kind, batched[v], op, v.constants, level=level[v])
            if matrix or reduction is not None:
                group.inputs = list(inputs)
            group.reduction = reduction
        group.rows.append(v)
        if matrix:
            assert layout is not None
            w, x, b = layout
            group.weights.append([v._inputs[i] for i in w])
            group.biases.extend(v._inputs[i] for i in b)
    computed = sorted(keyed.values(), key=lambda g: (g.level, position[g.rows[0]]))
    argument_groups = [
        Group(p, list(row), "argument", True) for p, row in zip(parameters, arguments, strict=True)
    ]
    weights = Group("_w", _weight_layout(computed, leaves), "weights", False)
    groups = [*argument_groups, weights, *computed]
    where = {v: (g, i) for g in groups for i, v in enumerate(g.rows)}
    for g in computed:  # a sum does not care for its terms' order: read them as stored
        if g.kind == "reduction" and len(set(g.inputs)) == len(g.inputs):
            g.inputs.sort(key=lambda v: (groups.index(where[v][0]), where[v][1]))
    for g in groups:
        g.needs_grad = g.kind != "argument" and any(needs_grad.get(v, False) for v in g.rows)
    matrix_names = _name_groups(computed, readable, reserved | {g.name for g in argument_groups})
    return Grouping(groups, where, weights, matrix_names, time.perf_counter() - started)


def _matrix_layout(writer: NodeWriter, node: Value) -> tuple[tuple[int, ...], ...] | None:
    """Where a weighted-sum op keeps its weights, inputs and bias among a node's inputs,
    if its local rule is a weighted sum's: d/dw_i = x_i, d/dx_i = w_i, d/db = 1."""
    op, n = node._op, len(node._inputs)
    assert op is not None
    if node.constants:
        return None
    try:
        layout = op.arguments(tuple(range(n)), ())
    except Exception:
        return None
    if not (isinstance(layout, tuple) and len(layout) == 3):
        return None
    w, x, b = layout
    if not all(isinstance(part, tuple) for part in layout) or not w or len(w) != len(x):
        return None
    if len(b) > 1 or sorted((*w, *x, *b)) != list(range(n)):
        return None
    code = writer.code_for(op, n, (), [v.data for v in node._inputs])
    if code.partials is None:
        return None
    partials = code.partials

    def hole(template: Template, index: int) -> bool:
        return template.pieces == ("", index, "")

    pairs = zip(w, x, strict=True)
    if not all(hole(partials[wi], xi) and hole(partials[xi], wi) for wi, xi in pairs):
        return None
    if b and partials[b[0]].pieces != ("1.0",):
        return None
    return w, x, b


def _reduction(writer: NodeWriter, node: Value) -> tuple[str, str, float | None] | None:
    """A node whose op sums one term per input (``sum((x0 * x0, x1 * x1))``, a mean's
    ``sum((x0, x1)) / 2``) and whose partial by each input is one template of that input
    (``x0 + x0``): the term, the partial and the divisor, as read from its op's code."""
    op, n = node._op, len(node._inputs)
    assert op is not None
    if op.forward_code is None or n < 2:
        return None
    code = writer.code_for(op, n, node.constants, [x.data for x in node._inputs])
    if code.partials is None:
        return None
    holes = [f"__h{i}" for i in range(n)] + ["__hout"]
    text = code.forward.fill(holes)
    divisor = None
    mean = re.fullmatch(r"(.*) / (\d+)", text)
    if mean is not None:
        text, divisor = mean[1], float(mean[2])
    if not (text.startswith("sum((") and text.endswith("))")):
        return None
    terms = text[len("sum((") : -len("))")].rstrip(",").split(", ")
    if len(terms) != n:
        return None
    first = code.partials[0].pieces
    if any(isinstance(p, int) and p not in (0, n) for p in first):
        return None  # input 0's partial reads another input
    for i, t in enumerate(code.partials):
        if t.pieces != tuple(i if isinstance(p, int) and p == 0 else p for p in first):
            return None
    partial = re.sub(r"\b__h0\b", "__hX", code.partials[0].fill(holes))
    term = _one_input(terms)
    if term is None:
        return None
    try:
        ast.parse(term, mode="eval")
    except SyntaxError:  # a comma inside a term: not one term per input
        return None
    return term, partial, divisor


def _one_input(texts: list[str]) -> str | None:
    """The template (hole ``__hX``) that each of ``texts`` is, for its own input; None
    when they are not one template or read another input."""
    template = re.sub(r"\b__h0\b", "__hX", texts[0])
    for i, text in enumerate(texts):
        own = re.sub(rf"\b__h{i}\b", "__hX", text)
        if own != template or re.search(r"\b__h\d", own):
            return None
    return template


def _is_matrix_row(v: Value, layout: tuple[tuple[int, ...], ...], weights: set[Value]) -> bool:
    """Whether node ``v`` is one row of a matrix product: its weights and bias are leaves
    read from .data, and its value is the sum of products (plus the bias) it should be."""
    w, x, b = layout
    inputs = v._inputs
    if not all(inputs[i] in weights for i in (*w, *b)):
        return False
    terms = [inputs[wi].data * inputs[xi].data for wi, xi in zip(w, x, strict=True)]
    terms += [inputs[i].data for i in b]
    if not all(map(math.isfinite, terms)) or not math.isfinite(v.data):
        return False
    return abs(v.data - math.fsum(terms)) <= 1e-9 * (math.fsum(map(abs, terms)) + 1e-300)


def _weight_layout(groups: list[Group], leaves: Sequence[Value]) -> list[Value]:
    """The leaves read from .data, in the order of the column ``_w``: each matrix group's
    weights row by row, then its biases, so each is one slice; then the other leaves."""
    placed: dict[Value, None] = {}
    for g in groups:
        if g.kind == "matrix":
            for v in (*(w for row in g.weights for w in row), *g.biases):
                placed.setdefault(v)
    for v in leaves:
        placed.setdefault(v)
    return list(placed)


def _name_groups(
    groups: list[Group], readable: dict[Value, str], taken: set[str]
) -> dict[Group, tuple[str, str]]:
    """Names from the labels: Z1[0], Z1[1] are Z1; an unlabelled layer reading weights
    W1[j][i] is Z1, its activation A1; a lone node keeps its own name. Returns each matrix
    group's names for its weight matrix and bias vector (W1, b1)."""
    used = set(taken)

    def claim(base: str) -> str:
        base = identifier(base)
        name, count = base, 1
        while name in used:
            count += 1
            name = f"{base}_{count}"
        used.add(name)
        return name

    matrix_names: dict[Group, tuple[str, str]] = {}
    activation_of: dict[Group, str] = {}
    for g in groups:
        base = _labelled_base(g.rows, readable)
        if g.kind == "matrix":
            w_base = _common_base([readable[w] for row in g.weights for w in row], False) or "W"
            b_base = _common_base([readable[b] for b in g.biases], False) or "b"
            layer = w_base[1:] if w_base.startswith("W") else ""
            g.name = claim(base or f"Z{layer}")
            matrix_names[g] = (claim(w_base), claim(b_base) if g.biases else "")
            if layer and not base:
                activation_of[g] = f"A{layer}"
        else:
            lone = readable[g.rows[0]] if len(g.rows) == 1 else None
            g.name = claim(base or lone or _op_word(g))
    # an unlabelled layer's activation: the unary group that reads its whole Z, named A1
    for g in groups:
        if g.kind != "elementwise" or len(g.rows[0]._inputs) != 1:
            continue
        source = [v._inputs[0] for v in g.rows]
        for z, a in activation_of.items():
            if source == z.rows and _labelled_base(g.rows, readable) is None:
                used.discard(g.name)
                g.name = claim(a)
    return matrix_names


def _labelled_base(rows: list[Value], readable: dict[Value, str]) -> str | None:
    """The name the rows' labels share, if every row is labelled."""
    if not all(v.label for v in rows):
        return None
    return _common_base([readable[v] for v in rows])


def _common_base(names: list[str], lone: bool = True) -> str | None:
    """The name shared by indexed names (W1[0][0], W1[0][1] -> W1), or (``lone``) a lone
    node's own name; None when they share none."""
    if len(names) == 1 and lone:
        return names[0]
    bases = set()
    for name in names:
        match = _INDEXED.match(name)
        if match is None:
            return None
        bases.add(match[1])
    return bases.pop() if len(bases) == 1 else None


def _op_word(g: Group) -> str:
    assert g.op is not None
    word = _WORDS.get(g.op.name, g.op.name)
    if g.constants and len(g.constants) == 1:
        return f"{word}_{format_number(g.constants[0])}"
    return word

"""Array code for a grouped graph: the derivation's matrix form, one line per equation.

``autograd.vectorize`` puts a traced graph's nodes into groups; this module writes each
group as one line of NumPy code over the batch (the examples along the second axis),
forward then backward:

- a matrix group is ``Z1 = W1 @ X + b1``, and its chain-rule steps are the weighted sum's
  partials in matrix form: ``g_W1 = g_Z1 @ X.T`` (d/dw_i = x_i, summed over the batch),
  ``g_b1 = g_Z1.sum(axis=1, keepdims=True)`` (d/db = 1), ``g_X = W1.T @ g_Z1`` (d/dx_i = w_i);
- an element-wise group is its op's code from the op table, as the scalar compiler writes
  it (``autograd.codegen``), on arrays: a rule's branch ``a if test else b`` becomes
  ``where(test, a, b)``, and a call of one of the table's math functions its NumPy twin
  (``exp``, ``sigmoid``, ...; logsumexp's and its softmax's, shifted by the largest
  operand as the float rules are, over the stacked operands). A function with no twin (a
  custom op's) is applied element by element, on floats, and its line says so.

Operands gathered from several groups are stacked; gradients go back to the rows they
came from (``np.add.at`` where a row is read more than once).
"""

from __future__ import annotations

import ast
import itertools
import math
import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograd import ops, tree
from autograd.codegen import NodeWriter, Template
from autograd.names import Derivation
from autograd.value import Value
from autograd.vectorize import Group, Grouping

# Names the generated code uses for itself; no group may take one.
HELPERS = frozenset(
    {"where", "maximum", "zeros", "full", "np", "_stack", "_w", "_g", "_B", "_seed", "_out"}
)
_PLACEHOLDER = re.compile(r"\b__h(\d+)\b")
_WRITES = re.compile(r"g_(?P<name>\w+)(?:\[[^\]]*\])? \+?= ")  # a line writing a gradient


def _sigmoid(x: Any) -> Any:
    """1 / (1 + e^-x) on an array, without overflow: ``ops._sigmoid``'s two branches."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _shifted(xs: Sequence[Any]) -> tuple[Any, Any, Any]:
    """A logsumexp group's operands (one array per input, a row per node) stacked along a
    new first axis, with ``ops._logsumexp``'s shift: the largest operand of each node and
    example, e^(x - largest), and its sum. An infinite largest makes inf - inf, which NumPy
    flags, so the scalar code runs that batch (as it takes ``_logsumexp``'s own branch)."""
    stacked = np.stack(np.broadcast_arrays(*xs))
    top = stacked.max(axis=0)
    exps = np.exp(stacked - top)
    return top, exps, exps.sum(axis=0)


def _logsumexp(*xs: Any) -> Any:
    """``ops._logsumexp`` on arrays: log Σ e^x_i, shifted by the largest x (finite for
    logits of ±1e300, exact where they differ hugely: e^(x - max) underflows to 0)."""
    top, _, total = _shifted(xs)
    return top + np.log(total)


def _softmax(*xs_out: Any) -> Any:
    """``ops._softmax``'s float path on arrays, with the same shift: e^x_i / Σ e^x_j,
    indexed by input as the rule's tuple of partials is. (The rule's Value path,
    e^(x_i - out), reads no shift from the data but loses every digit where the logits
    are huge and tied, e^(1e300 - (1e300 + log 2)) = 1, so it is not the one copied.)"""
    _, exps, total = _shifted(xs_out[:-1])
    return exps / total


# The table's math functions and their NumPy twins (same values, to an ulp or so; the sums
# of logsumexp and its softmax are added in another order, to about 1e-15 relative).
_TWINS: dict[int, Callable[..., Any]] = {
    id(math.exp): np.exp,
    id(math.log): np.log,
    id(math.sqrt): np.sqrt,
    id(math.tanh): np.tanh,
    id(math.pow): np.power,
    id(ops._sigmoid): _sigmoid,
    id(ops.sin): np.sin,
    id(ops.cos): np.cos,
    id(abs): np.abs,
    id(ops._logsumexp): _logsumexp,
    id(ops._softmax): _softmax,
}


def elementwise(function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` of floats applied to arrays element by element (broadcast), giving
    an array, or a tuple of arrays where it gives a tuple (a local rule's partials)."""

    def each(*args: Any) -> Any:
        items, shape_of = tree.flatten(args)
        arrays = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in items))
        shape = arrays[0].shape
        columns = [a.ravel().tolist() for a in arrays]
        results = [function(*tree.unflatten(shape_of, row)) for row in zip(*columns, strict=True)]
        if results and isinstance(results[0], tuple):
            return tuple(
                np.array([r[i] for r in results], dtype=float).reshape(shape)
                for i in range(len(results[0]))
            )
        return np.array(results, dtype=float).reshape(shape)

    return each


def _stack(*parts: Any) -> Any:
    """Rows from several groups as one array, a (k, 1) part widened to the batch."""
    width = max(p.shape[1] for p in parts)
    return np.concatenate([np.broadcast_to(p, (p.shape[0], width)) for p in parts])


class _Where(ast.NodeTransformer):
    """``a if test else b`` -> ``where(test, a, b)``. In a factor (``factor``: a partial,
    which multiplies a gradient), ``1.0 if test else 0.0`` is the test itself: an array
    of booleans multiplies as ones and zeros, exactly."""

    def __init__(self, factor: bool = False) -> None:
        self.factor = factor

    def visit_IfExp(self, node: ast.IfExp) -> Any:
        self.generic_visit(node)
        if self.factor and _is(node.body, 1.0) and _is(node.orelse, 0.0):
            return node.test
        if (clamped := _clamped_at_zero(node)) is not None:  # relu's rule, in one pass
            call = ast.Call(ast.Name("maximum", ast.Load()), [clamped, ast.Constant(0.0)], [])
            return ast.copy_location(call, node)
        call = ast.Call(ast.Name("where", ast.Load()), [node.test, node.body, node.orelse], [])
        return ast.copy_location(call, node)


def _clamped_at_zero(node: ast.IfExp) -> ast.Name | None:
    """x in ``0.0 if x <= 0 else x``, which ``maximum(x, 0.0)`` computes exactly, float for
    float (0.0 for -0.0, NaN for NaN), in one pass over the array instead of two."""
    test = node.test
    if not (
        _is(node.body, 0.0)
        and isinstance(node.orelse, ast.Name)
        and isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == node.orelse.id
        and [type(op) for op in test.ops] == [ast.LtE]
        and isinstance(zero := test.comparators[0], ast.Constant)
        and type(zero.value) in (int, float)
        and zero.value == 0
    ):
        return None
    return node.orelse


def _is(node: ast.expr, number: float) -> bool:
    """Whether ``node`` is the float literal ``number`` (1.0, not 1 nor True; 0.0, not -0.0)."""
    return (
        isinstance(node, ast.Constant)
        and type(node.value) is float
        and repr(node.value) == repr(number)
    )


def _on_arrays(template: Template, n: int, factor: bool) -> tuple[str, bool]:
    """A node template as array source with placeholders ``__h0`` ... for its holes, and
    whether it reads any operand."""
    source = template.fill([f"__h{i}" for i in range(n + 1)])
    tree_ = _Where(factor).visit(ast.parse(source, mode="eval"))
    text = ast.unparse(ast.fix_missing_locations(tree_))
    return text, bool(_PLACEHOLDER.search(text))


def _factor(text: str) -> str:
    """``text`` as the left factor of a product: bracketed when it is a sum or a test."""
    top = ast.parse(text, mode="eval").body
    loose = isinstance(top, (ast.Compare, ast.BoolOp, ast.IfExp, ast.Lambda)) or (
        isinstance(top, ast.BinOp) and isinstance(top.op, (ast.Add, ast.Sub))
    )
    return f"({text})" if loose else text


def _filled(template: str, operand: str, node: str, factor: bool) -> str:
    """A reduction's template (``__hX``: the input, ``__hout``: the node) on arrays."""
    text = re.sub(r"\b__hX\b", operand, re.sub(r"\b__hout\b", node, template))
    where = _Where(factor).visit(ast.parse(text, mode="eval"))
    return ast.unparse(ast.fix_missing_locations(where))


def _atom(text: str) -> str:
    """``text`` bracketed unless it is a name, a call, an index or an attribute."""
    top = ast.parse(text, mode="eval").body
    atomic = isinstance(top, (ast.Name, ast.Call, ast.Subscript, ast.Attribute))
    return text if atomic else f"({text})"


class MatrixEmitter:
    """Writes one grouped graph as a NumPy function ``batch(<parameters>, _B, _w, _seed)``:
    the arguments as (n, batch) arrays, the weights as the column ``_w``, and ``_seed``
    giving the outputs' gradients from their values; returns the outputs and ``_g``, the
    weights' gradients summed over the batch."""

    def __init__(
        self,
        grouping: Grouping,
        writer: NodeWriter,
        outputs: Sequence[Value],
        readable: dict[Value, str],
    ) -> None:
        self.grouping, self.writer, self.outputs = grouping, writer, list(outputs)
        self.readable = readable
        self._temps = itertools.count(1)
        self._started: set[Group] = set()
        self._aliased: set[Group] = set()
        self._templates: dict[tuple[Any, ...], tuple[str, bool]] = {}
        self._operands: dict[Group, list[str]] = {}  # the operands' variables, per group
        self._weight_parts: list[tuple[list[int], str, str]] = []  # rows, gradient, comment
        self.root = self._shown(self.outputs) if len(self.outputs) == 1 else "out"
        self.inputs: list[str] = []
        self.forward: list[str] = []
        self.backward: list[str] = []
        self._write()

    # -- the source ----------------------------------------------------------------------------
    def source(self, parameters: Sequence[str]) -> str:
        body = [
            "# inputs: the weights' current .data, as matrices (the column _w)",
            *self.inputs,
            "# forward: one line per equation, the examples along the second axis",
            *self.forward,
            "# backward: the chain rule a group at a time, a weighted sum's in matrix form",
            *self.backward,
        ]
        lines = [f"def batch({', '.join([*parameters, '_B', '_w', '_seed'])}):"]
        return "\n".join(lines + [f"    {line}" for line in body]) + "\n"

    def namespace(self) -> dict[str, Any]:
        """What the generated code calls, by the names it calls it."""
        names: dict[str, Any] = {}
        for name, bound in self.writer.namespace.items():
            if name == "__builtins__":  # none, as the scalar code's; but NumPy's C code
                names[name] = {"__import__": __import__}  # imports through the caller's
            elif isinstance(bound, float):
                names[name] = bound
            else:
                names[name] = _TWINS.get(id(bound)) or elementwise(bound)
        helpers = {"where": np.where, "maximum": np.maximum, "zeros": np.zeros, "full": np.full}
        helpers["np"] = np
        return {**names, **helpers, "_stack": _stack}

    # -- writing ---------------------------------------------------------------------------------
    def _write(self) -> None:
        groups = self.grouping.groups
        for g in groups:
            if g.kind == "matrix":
                self._matrix_forward(g)
            elif g.kind == "elementwise":
                self._elementwise_forward(g)
            elif g.kind == "reduction":
                self._reduction_forward(g)
        out = self._operand(self.outputs, self.forward)
        self._scatter(self.outputs, f"_seed({out})", True, "  # the outputs' seeds")
        for g in reversed(groups):
            if g.needs_grad and g in self._started:
                if g.kind == "matrix":
                    self._matrix_backward(g)
                elif g.kind == "elementwise":
                    self._elementwise_backward(g)
                elif g.kind == "reduction":
                    self._reduction_backward(g)
        self._derivation_steps()
        self._weight_gradients()
        self.backward.append(f"return {out}, _g")

    def _derivation_steps(self) -> None:
        """The derivation's step on the line that finishes each of its quantities, where
        the groups are named as ``nn`` names a network's nodes: ``# Step 3: δ2 = dLoss/dZ2
        = ...``, and a matrix line's own note numbered, ``# Step 4: dLoss/dW2 = δ2 A1ᵀ``."""
        names = [g.name for g in self.grouping.groups]
        names += [name for pair in self.grouping.matrix_names.values() for name in pair]
        story = Derivation(names, self.root)
        finished = {}  # a gradient's name -> the last line that writes it
        for i, line in enumerate(self.backward):
            if written := _WRITES.match(line):
                finished[written["name"]] = i
        for name, i in finished.items():
            quantity = story.quantity(name)
            if not quantity:
                continue
            code, _, note = self.backward[i].partition("  # ")
            if " = " in note:  # a matrix line's own equation, in the matrix form
                note = f"{quantity.partition(':')[0]}: {note}"
            else:
                note = quantity if note in quantity else f"{note}; {quantity}"
            self.backward[i] = f"{code}  # {note}"

    def _weight_gradients(self) -> None:
        """``_g``: the weights' gradients, in the order of ``_w``. The rows that one
        contribution alone fills (a matrix group's W and b: they were laid out for it)
        are stacked as one array; the others are added to it."""
        size = len(self.grouping.weights.rows)
        pieces: dict[int, tuple[int, str]] = {}  # start -> (stop, part)
        taken: set[int] = set()
        rest = []
        for rows, part, note in self._weight_parts:
            contiguous = rows == list(range(rows[0], rows[0] + len(rows)))
            if contiguous and not note and taken.isdisjoint(rows):
                pieces[rows[0]] = (rows[-1] + 1, part)
                taken.update(rows)
            else:
                rest.append((rows, part, note))
        stacked, at = [], 0
        for start in sorted(pieces):
            stop, part = pieces[start]
            if start > at:
                stacked.append(f"zeros(({start - at}, 1))")
            stacked.append(part)
            at = stop
        if at < size and stacked:
            stacked.append(f"zeros(({size - at}, 1))")
        self.backward.append("# the weights' gradients, in the order of _w")
        if not stacked:
            self.backward.append("_g = zeros(_w.shape)")
        elif len(stacked) == 1:
            self.backward.append(f"_g = {stacked[0]}.copy()")
        else:
            self.backward.append(f"_g = np.concatenate(({', '.join(stacked)}))")
        weights = self.grouping.weights
        for rows, part, note in rest:
            self._add_rows("_g", weights, rows, part, note)

    def _rows(self, g: Group, index: list[int]) -> str:
        """The rows ``index`` of group ``g``'s array."""
        if index == list(range(len(g.rows))):
            return g.name
        if index == list(range(index[0], index[0] + len(index))):
            return f"{g.name}[{index[0]}:{index[-1] + 1}]"
        return f"{g.name}[{index!r}]"

    def _segments(self, nodes: Sequence[Value]) -> list[tuple[Group, list[int], int]]:
        """``nodes`` as runs of rows of one group each: (group, rows, offset in nodes)."""
        found: list[tuple[Group, list[int], int]] = []
        for k, v in enumerate(nodes):
            g, i = self.grouping.where[v]
            if found and found[-1][0] is g:
                found[-1][1].append(i)
            else:
                found.append((g, [i], k))
        return found

    def _operand(self, nodes: Sequence[Value], lines: list[str]) -> str:
        """An expression for the array of ``nodes``' values; one gathered from several
        places is computed once, into a variable of its own (a line of ``lines``)."""
        parts = [self._rows(g, index) for g, index, _ in self._segments(nodes)]
        if len(parts) == 1 and "[[" not in parts[0]:
            return parts[0]
        name = f"_x{next(self._temps)}"
        gathered = parts[0] if len(parts) == 1 else "_stack(" + ", ".join(parts) + ")"
        lines.append(f"{name} = {gathered}")
        return name

    def _template(
        self, template: Template, n: int, names: Sequence[str], factor: bool = False
    ) -> tuple[str, bool]:
        key = (template.pieces, n, factor)
        if key not in self._templates:
            self._templates[key] = _on_arrays(template, n, factor)
        text, reads = self._templates[key]
        return _PLACEHOLDER.sub(lambda m: names[int(m[1])], text), reads

    def _elementwise_forward(self, g: Group) -> None:
        assert g.op is not None
        first = g.rows[0]
        n = len(first._inputs)
        code = self.writer.code_for(g.op, n, g.constants, [x.data for x in first._inputs])
        names = [self._operand(self.grouping.operands(g, p), self.forward) for p in range(n)]
        self._operands[g] = names
        text, reads = self._template(code.forward, n, [*names, g.name])
        if not reads:
            text = f"full(({len(g.rows)}, {'_B' if g.batched else 1}), {text})"
        note = f"  # {g.op.name}" if g.op.name.isidentifier() and g.op.name not in text else ""
        self.forward.append(f"{g.name} = {text}{self._per_element(text) or note}")

    def _elementwise_backward(self, g: Group) -> None:
        assert g.op is not None
        first = g.rows[0]
        n = len(first._inputs)
        code = self.writer.code_for(g.op, n, g.constants, [x.data for x in first._inputs])
        names = [*self._operands[g], g.name]
        gradient = f"g_{g.name}"
        wanted = [p for p in range(n) if self._wants(self.grouping.operands(g, p))]
        if code.partials is None and wanted:
            assert code.partials_call is not None
            call, _ = self._template(code.partials_call, n, names)
            self.backward.append(f"d_{g.name} = {call}{self._per_element(call)}")
        for p in wanted:
            if code.partials is None:
                partial = f"d_{g.name}[{p}]"
            else:
                partial, _ = self._template(code.partials[p], n, names, factor=True)
            if partial == "1.0":
                term = gradient
            elif partial == "-1.0":
                term = f"-{gradient}"
            else:
                term = f"{_factor(partial)} * {gradient}"
            operand = self.grouping.operands(g, p)
            note = f"  # d{self._shown(g.rows)}/d{self._shown(operand)}"
            self._scatter(operand, term, g.batched, note)

    def _reduction_forward(self, g: Group) -> None:
        assert g.reduction is not None
        term, _, divisor = g.reduction
        x = self._operand(g.inputs, self.forward)
        self._operands[g] = [x]
        text = _filled(term, x, g.name, factor=False)
        total = f"{_atom(text)}.sum(axis=0, keepdims=True)"
        mean = "" if divisor is None else f" / {divisor!r}"
        note = f"  # {g.op.name}" if g.op is not None and g.op.name.isidentifier() else ""
        self.forward.append(f"{g.name} = {total}{mean}{note}")

    def _reduction_backward(self, g: Group) -> None:
        assert g.reduction is not None
        _, partial, _ = g.reduction
        (x,) = self._operands[g]
        if not self._wants(g.inputs):
            return
        text = _filled(partial, x, g.name, factor=True)
        gradient = f"g_{g.name}"
        if "__hX" not in partial:  # the same partial for every input: one row each
            gradient = f"{gradient}.repeat({len(g.inputs)}, axis=0)"
        term = gradient if text == "1.0" else f"{_factor(text)} * {gradient}"
        note = f"  # d{self._shown(g.rows)}/d{self._shown(g.inputs)}"
        self._scatter(g.inputs, term, g.batched, note)

    def _matrix_forward(self, g: Group) -> None:
        weights = self.grouping.weights
        w_name, b_name = self.grouping.matrix_names[g]
        k, n = len(g.rows), len(g.inputs)
        w_rows = [self.grouping.where[w][1] for row in g.weights for w in row]
        self.inputs.append(f"{w_name} = {self._rows(weights, w_rows)}.reshape({k}, {n})")
        if g.biases:
            b_rows = [self.grouping.where[b][1] for b in g.biases]
            self.inputs.append(f"{b_name} = {self._rows(weights, b_rows)}")
        x = self._operand(g.inputs, self.forward)
        self._operands[g] = [x]
        bias = f" + {b_name}" if g.biases else ""
        self.forward.append(f"{g.name} = {w_name} @ {x}{bias}")

    def _matrix_backward(self, g: Group) -> None:
        w_name, b_name = self.grouping.matrix_names[g]
        (x,) = self._operands[g]
        layer = re.fullmatch(r"Z(\d+)", g.name)
        delta = f"δ{layer[1]}" if layer else f"g_{g.name}"
        shown_x = self._shown(g.inputs)
        where = self.grouping.where
        self.backward.append(
            f"g_{w_name} = g_{g.name} @ {x}.T  # d{self.root}/d{w_name} = {delta} {shown_x}ᵀ"
        )
        w_rows = [where[w][1] for row in g.weights for w in row]
        self._add_to_weights(w_rows, f"g_{w_name}.reshape(-1, 1)")
        if g.biases:
            self.backward.append(
                f"g_{b_name} = g_{g.name}.sum(axis=1, keepdims=True)"
                f"  # d{self.root}/d{b_name} = Σ {delta}"
            )
            self._add_to_weights([where[b][1] for b in g.biases], f"g_{b_name}")
        if self._wants(g.inputs):
            note = f"  # d{self.root}/d{shown_x} = {w_name}ᵀ {delta}"
            self._scatter(g.inputs, f"{w_name}.T @ g_{g.name}", g.batched, note)

    def _shown(self, nodes: Sequence[Value]) -> str:
        """How a comment names an array of nodes: its group's name, or its rows."""
        segments = self._segments(nodes)
        whole = len(segments) == 1 and segments[0][1] == list(range(len(segments[0][0].rows)))
        if whole and (len(nodes) > 1 or not nodes[0].label):
            return segments[0][0].name
        if len(nodes) == 1:
            name = self.readable[nodes[0]]
            return f"({name})" if " " in name else name
        shown = [self.readable[v] for v in nodes]
        if len(shown) > 4:
            shown = [*shown[:2], "...", shown[-1]]
        return "[" + ", ".join(shown) + "]"

    def _per_element(self, text: str) -> str:
        """A comment for code that calls a function with no NumPy twin (a custom op's):
        ``elementwise`` applies it to one number at a time, in Python."""
        called = {m[1] for m in re.finditer(r"\b(\w+)\(", text)}
        slow = sorted(
            name
            for name in called
            if callable(bound := self.writer.namespace.get(name)) and id(bound) not in _TWINS
        )
        return f"  # {', '.join(slow)}: element by element, in Python" if slow else ""

    def _wants(self, nodes: Sequence[Value]) -> bool:
        return any(g.needs_grad for g, _, _ in self._segments(nodes))

    # -- gradients back to their rows -----------------------------------------------------------
    def _add_to_weights(self, rows: list[int], part: str, note: str = "") -> None:
        """A contribution to the weights' gradients, added when they are put together."""
        self._weight_parts.append((rows, part, note))

    def _add_rows(self, target: str, g: Group, rows: list[int], part: str, note: str = "") -> None:
        if len(set(rows)) < len(rows):
            self.backward.append(f"np.add.at({target}, {rows!r}, {part}){note}")
        elif rows == list(range(len(g.rows))):
            if target == "_g":
                self.backward.append(f"_g += {part}{note}")
            else:
                self.backward.append(f"{target} = {target} + {part}{note}")
                self._aliased.discard(g)
        else:
            self.backward.append(f"{target}{self._rows(g, rows)[len(g.name) :]} += {part}{note}")

    def _scatter(self, nodes: Sequence[Value], term: str, batched: bool, note: str) -> None:
        """Add ``term``, the gradient of the array of ``nodes`` ((k, batch) when
        ``batched``), into each node's group's gradient (summed over the batch for a
        group of the weights alone)."""
        segments = [s for s in self._segments(nodes) if s[0].needs_grad]
        if not segments:
            return
        if len(self._segments(nodes)) > 1:
            temp = f"_t{next(self._temps)}"
            self.backward.append(f"{temp} = {term}{note}")
            term, note = temp, ""
        single = len(self._segments(nodes)) == 1
        for g, rows, offset in segments:
            part = term if single else f"{term}[{offset}:{offset + len(rows)}]"
            if batched and not g.batched:
                part = f"{_atom(part)}.sum(axis=1, keepdims=True)"
            if g is self.grouping.weights:
                self._add_to_weights(rows, part, note)
                continue
            target = f"g_{g.name}"
            whole = rows == list(range(len(g.rows)))
            if g not in self._started:
                self._started.add(g)
                if whole:
                    self.backward.append(f"{target} = {part}{note}")
                    if re.fullmatch(r"-?[\w.]+(\[[\d:]+\])?", part) and not part.startswith("-"):
                        self._aliased.add(g)  # the same array as another gradient
                    continue
                width = "_B" if g.batched else "1"
                self.backward.append(f"{target} = zeros(({len(g.rows)}, {width}))")
            elif g in self._aliased and not whole:
                self.backward.append(f"{target} = {target}.copy()")
                self._aliased.discard(g)
            self._add_rows(target, g, rows, part, note)

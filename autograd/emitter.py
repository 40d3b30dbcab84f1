"""The emitter of ``autograd.compile``: a graph written out as lines of Python.

``compiler`` traces a graph (the front end) and wraps the generated functions (the API);
this module writes their source. ``Program`` holds one graph's variables, one readable
name per node (``autograd.names``), and its lines: the forward in reading order, one
chain-rule step per line in the order ``backward()`` takes them (``g_x += y * g_z``), and
the write-back of each leaf's gradient into its ``.grad``. Each line's expression comes
from ``autograd.codegen``, which writes a node from its op entry. Every name the code uses
for itself begins with ``_`` or is bound in its namespace (``codegen.BUILTINS``); a name
made from a label never does either, and a label reaches the source only in a comment
escaped to one line (``codegen.comment``).
"""

from __future__ import annotations

import builtins
import itertools
import linecache
import weakref
from collections.abc import Callable, Sequence
from typing import Any

from autograd.codegen import (
    ATOM,
    GRADIENT,
    PARTIALS,
    PRODUCT,
    RESERVED,
    NodeCode,
    NodeWriter,
    comment,
    identifier,
)
from autograd.engine import chain_rule_steps, topological_order
from autograd.grad_mode import TracingError
from autograd.gradients import data_choices
from autograd.names import node_names, reading_order
from autograd.value import Value, is_real_number

_serial = itertools.count(1)


class Program:
    """A graph as lines of Python: the forward, the backward and the write-back.

    ``outputs`` are seeded by the backward; ``arguments`` are leaves that the compiled
    function takes as parameters (they need no gradient); every other leaf is read from
    its ``.data`` and receives its gradient in ``.grad``.
    """

    def __init__(self, outputs: list[Value], arguments: list[Value], max_nodes: int | None):
        order = topological_order(*outputs)
        if max_nodes is not None and len(order) > max_nodes:
            raise ValueError(
                f"compile: the graph has {len(order):,} nodes, more than max_nodes="
                f"{max_nodes:,}: CPython compiles generated code at about 10^5 lines a "
                "second, holding every line as a syntax tree meanwhile, so this would take "
                "minutes and gigabytes. Pass max_nodes=None to compile it anyway, or run "
                "it with backward()."
            )
        _refuse_data_choices(order)
        self.order, self.outputs, self.arguments = order, outputs, arguments
        # The forward runs in reading order, the order an expression's nodes are made in
        # (so a replay meets a failing node where the interpreter would), and the first
        # neuron's lines come first. The backward keeps the engine's order.
        self.reading = reading_order(*outputs)
        is_argument = set(arguments)
        self.leaves = _leaves_by_first_use(self.reading, outputs, is_argument)
        in_graph = set(order)
        unused = [a for a in arguments if a not in in_graph]
        self.readable = node_names(self.reading + unused)  # for the comments: W1[0][1]
        self.names, self.notes = _variable_names(self.reading + unused, self.readable)
        # A node needs a gradient when one of the leaves that receive gradients is below it.
        needs: dict[Value, bool] = {}
        for v in order:
            needs[v] = any(needs[x] for x in v._inputs) if v._inputs else v not in is_argument
        self.needs_grad = needs
        self.writer = NodeWriter(set(self.names.values()))
        self.writer.namespace["_number"] = _number  # a batch's checks of its numbers
        self.code: dict[Value, NodeCode] = {v: self.writer.code(v) for v in order if v._inputs}

    def name(self, v: Value) -> str:
        return self.names[v]

    def shown(self, v: Value) -> str:
        """The node's readable name in a comment: ``W1[0][1]``, ``(A2 - y)``."""
        name = self.readable[v]
        return f"({name})" if " " in name else name

    def _with_note(self, line: str, v: Value) -> str:
        note = self.notes.get(v)
        return f"{line}  # {comment(note)}" if note else line

    def read_leaves(self) -> list[str]:
        """One line per leaf that is read from its ``.data``."""
        return [
            self._with_note(f"{self.names[v]} = _leaves[{i}].data", v)
            for i, v in enumerate(self.leaves)
        ]

    def forward(self) -> list[str]:
        """One line per computed node, in topological order."""
        lines = []
        for v in self.reading:
            if v._inputs:
                holes = [*map(self.name, v._inputs), self.names[v]]
                lines.append(
                    self._with_note(f"{self.names[v]} = {self.code[v].forward.fill(holes)}", v)
                )
        return lines

    def start_gradients(self) -> list[str]:
        """The leaves' gradients start at 0.0, as the engine's do."""
        return [f"{GRADIENT}{self.names[v]} = 0.0" for v in self.leaves]

    def backward(self, seeds: Sequence[str]) -> list[str]:
        """One line per chain-rule step, in the engine's order: reverse topological order,
        each node's inputs in order, ``g_input += d(node)/d(input) * g_node``."""
        lines: list[str] = []
        started = set(self.leaves)  # their gradients exist from start_gradients()

        def add(v: Value, term: str, note: str) -> None:
            g = f"{GRADIENT}{self.names[v]}"
            negated = term.startswith("-1.0 * ") and term[7:].isidentifier()
            if v not in started:
                started.add(v)
                lines.append(f"{g} = {term}{note}")
            elif negated:  # g + -1.0 * t is g - t, bitwise (a NaN keeps its sign)
                lines.append(f"{g} -= {term[7:]}{note}")
            else:
                lines.append(f"{g} += {term}{note}")

        for output, seed in zip(self.outputs, seeds, strict=True):
            if self.needs_grad[output]:
                add(output, seed, "")
        partials: list[tuple[str, int]] = []
        needs, name, shown = self.needs_grad, "", ""
        for v, position, x, _ in chain_rule_steps(*self.outputs):
            if position == 0:  # the node's partials, as expressions or one call of its rule
                if not needs[v]:
                    partials = []
                    continue
                name, shown, code = self.names[v], self.shown(v), self.code[v]
                holes = [*map(self.name, v._inputs), name]
                if code.partials is None:
                    assert code.partials_call is not None
                    if any(needs[i] for i in v._inputs):
                        lines.append(f"{PARTIALS}{name} = {code.partials_call.fill(holes)}")
                    partials = [(f"{PARTIALS}{name}[{i}]", ATOM) for i in range(len(v._inputs))]
                else:
                    partials = [(t.fill(holes), t.precedence) for t in code.partials]
            if not partials or not needs[x]:
                continue
            partial, precedence = partials[position]
            note = f"  # {comment(f'd{shown}/d{self.shown(x)}')}"
            if partial == "1.0":  # 1.0 * g is g, bitwise
                add(x, f"{GRADIENT}{name}", note)
            elif partial == "-1.0":  # -1.0 * g, not -g: the NaN's sign bit as backward's
                add(x, f"-1.0 * {GRADIENT}{name}", note)
            else:
                factor = partial if precedence >= PRODUCT else f"({partial})"
                add(x, f"{factor} * {GRADIENT}{name}", note)
        return lines

    def write_back(self) -> list[str]:
        """Each leaf's gradient added into its ``.grad``, once."""
        return [
            f"_leaves[{i}].grad += {GRADIENT}{self.names[v]}" for i, v in enumerate(self.leaves)
        ]

    def returned(self) -> str:
        names = [self.names[v] for v in self.outputs]
        return names[0] if len(names) == 1 else f"({', '.join(names)},)"

    def graph_source(self, write_nodes: bool) -> str:
        """``replay(_leaves, _seed, _nodes)``: the whole graph, seeded with ``_seed``."""
        body = [
            *_section("inputs: each leaf's current .data", self.read_leaves()),
            *_section("forward: one line per node, in topological order", self.forward()),
            "# backward: one chain-rule step per line, in the order backward() takes them",
            *self.start_gradients(),
            *self.backward(["_seed"]),
            "# each leaf's gradient added into its .grad, as backward() does",
            *self.write_back(),
        ]
        if write_nodes:
            body += ["# every node's value and gradient written back", *self.node_writes()]
        body.append(f"return {self.returned()}")
        return _function_source("replay", ["_leaves", "_seed", "_nodes"], body)

    def call_source(self) -> str:
        """``call(*arguments, _leaves)``: one call of a traced function, outputs seeded 1."""
        return _function_source(
            "call",
            [*(self.names[a] for a in self.arguments), "_leaves"],
            [
                *_section("inputs: the weights' current .data", self.read_leaves()),
                *_section("forward: one line per node, in topological order", self.forward()),
                "# backward: one chain-rule step per line, in the order backward() takes them",
                *self.start_gradients(),
                *self.backward(["1.0"] * len(self.outputs)),
                "# each weight's gradient added into its .grad, as backward() does",
                *self.write_back(),
                f"return {self.returned()}",
            ],
        )

    def node_writes(self) -> list[str]:
        """Every computed node's value and gradient written into it (``write_nodes``)."""
        lines = []
        for i, v in enumerate(self.order):
            if v._inputs:  # a leaf's data is the input, its gradient already written back
                name = self.names[v]
                lines += [f"_nodes[{i}].data = {name}", f"_nodes[{i}].grad += {GRADIENT}{name}"]
        return lines

    def build(self, source: str, function: str, title: str) -> Callable[..., Any]:
        """Compile ``source`` and return its function ``function``; tracebacks show the
        generated lines (the source is registered with linecache while it is in use)."""
        filename = f"<chainrule compiled {comment(title)} #{next(_serial)}>"
        namespace = dict(self.writer.namespace)
        exec(builtins.compile(source, filename, "exec"), namespace)
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        made: Callable[..., Any] = namespace[function]
        weakref.finalize(made, linecache.cache.pop, filename, None)
        return made

    def batch_source(self, kind: str, pattern: str, one_output: bool) -> str:
        """``batch`` (each example seeded with ``_seed``) or ``seeded`` (the forward over
        the batch, ``_seed(outputs)`` the seeds, then the backward), over ``_examples``
        unpacked by the target ``pattern`` (``(x, [y_0, y_1])``); ``one_output``: the
        traced function returned one Value."""
        checks = [
            f"{n} = {n} if type({n}) is float else _number({n})"
            for n in (self.names[a] for a in self.arguments)
        ]
        forward = [*checks, *self.forward()]
        outputs = self.returned()
        n_out = len(self.outputs)
        head = [*self.read_leaves()]
        if kind == "batch":
            body = [
                *head,
                *self.start_gradients(),
                "_outputs = []",
                f"for {pattern} in _examples:",
                *_indent(
                    [*forward, *self.backward(["_seed"] * n_out), f"_outputs.append({outputs})"]
                ),
            ]
        else:  # forward over the batch, the seeds from the outputs, then backward
            read = set(self.leaves)
            tape = ", ".join(self.names[v] for v in self.order if v not in read)
            tape = f"({tape},)"
            seeds = ["_s"] if one_output else [f"_s[{k}]" for k in range(n_out)]
            body = [
                *head,
                "_outputs = []",
                "_tapes = []",
                f"for {pattern} in _examples:",
                *_indent([*forward, f"_tapes.append({tape})", f"_outputs.append({outputs})"]),
                "_seeds = _seed(_outputs)",
                *self.start_gradients(),
                f"for {tape}, _s in zip(_tapes, _seeds):",
                *_indent(self.backward(seeds)),
            ]
        body += [*self.write_back(), "return _outputs"]
        return _function_source(kind, ["_examples", "_seed", "_leaves"], body)


def _leaves_by_first_use(
    order: list[Value], outputs: list[Value], arguments: set[Value]
) -> list[Value]:
    """The leaves read from ``.data``, in the order the forward lines first use them."""
    leaves: dict[Value, None] = {}
    for v in order:
        for x in v._inputs:
            if not x._inputs and x not in arguments:
                leaves.setdefault(x)
    for v in outputs:
        if not v._inputs and v not in arguments:
            leaves.setdefault(v)
    return list(leaves)


def _variable_names(
    nodes: list[Value], readable: dict[Value, str]
) -> tuple[dict[Value, str], dict[Value, str]]:
    """A unique Python name for each node, from its readable name (``autograd.names``),
    and the original label where the name had to change."""
    taken = set(RESERVED)
    names, notes = {}, {}
    for v in nodes:
        base = name = identifier(readable[v])
        count = 1
        while name in taken:
            count += 1
            name = f"{base}_{count}"
        taken.add(name)
        names[v] = name
        if v.label and v.label != name:
            notes[v] = v.label
    return names, notes


def _function_source(name: str, parameters: Sequence[str], body: Sequence[str]) -> str:
    return "\n".join([f"def {name}({', '.join(parameters)}):", *(f"    {b}" for b in body)]) + "\n"


def _section(title: str, lines: list[str]) -> list[str]:
    return [f"# {title}", *lines] if lines else []


def _indent(lines: list[str]) -> list[str]:
    return [f"    {line}" for line in lines or ["pass"]]


def _number(x: Any) -> float:
    """A batch's input as a float (ints, NumPy scalars); anything else fails here and is
    then explained, example by example, by the arguments' check."""
    if not is_real_number(x):
        raise TypeError(f"not a number: {x!r}")
    return float(x)


def _refuse_data_choices(order: list[Value]) -> None:
    """A TracingError if the graph holds a partial that a local rule chose on the data
    (``gradients.data_choices``): replayed on other data, it would be a wrong number."""
    if not data_choices:
        return
    for v in order:
        op_name = data_choices.get(v)
        if op_name is not None:
            raise TracingError(
                f"compile: the graph holds a derivative of the op {op_name!r} whose local rule "
                "branched on a Value when grad(create_graph=True) or forward mode ran it: "
                "the branch taken is a constant of the graph, right for that data only. "
                "Write the branch with autograd.ops.heaviside or sign (on a Value each makes a "
                "node, which takes the branch on whatever data it is given), or rebuild the "
                "gradient for each input."
            )

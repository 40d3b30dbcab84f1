"""autograd.compile: trace a graph once, replay it as generated straight-line Python.

Most graphs people train keep their structure from step to step: the same network, the
same loss, new numbers. ``compile`` writes such a graph out as one plain Python function,
every node a local variable, that performs exactly the float operations of the
interpreter (``backward()``), in the same order, so it gives bitwise the same values and
gradients without building a single node. Its source (``.source``) is the chain rule
written out: the forward lines in topological order, then one line per chain-rule step,
``g_x += y * g_z``, in the order ``backward()`` takes them.

Two entry points:

- ``compile(root)``: the graph below a Value. Calling the result recomputes every value
  from the leaves' current ``.data``, adds d(root)/d(leaf) into every leaf's ``.grad`` (as
  ``backward()`` does) and returns the root's new value; with ``write_nodes=True`` every
  node's ``.data`` and ``.grad`` are written too, so the graph can still be drawn.
- ``compile(f, *example_args)``: ``f`` traced once on the example arguments (numbers, or
  nested sequences of numbers). The arguments become the parameters of the compiled
  function; the Values ``f`` reads from outside (a model's weights) are read from their
  ``.data`` at each call and receive their gradients in ``.grad``. ``.batch(*columns)``
  runs the per-example body in a loop inside the generated code, the weights and their
  gradients held in local variables across the batch and written back once.

A Python branch on a Value while tracing (``if v < 0``, ``bool(v)``) raises
``TracingError`` naming the line, instead of baking one outcome in; ops with kinks (relu,
abs) branch inside their own rules and compile. What ``f`` computes from ``.data`` or
``float(v)`` is a constant of the compiled code, as are numbers it reads from outside.
"""

from __future__ import annotations

import builtins
import inspect
import itertools
import keyword
import linecache
import re
import time
import unicodedata
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, Literal, NoReturn, cast, overload

from autograd import value as value_module
from autograd.codegen import ATOM, PRODUCT, RESERVED, NodeCode, NodeWriter
from autograd.engine import topological_order
from autograd.grad_mode import enable_grad
from autograd.names import node_names, reading_order
from autograd.value import (
    _MATH_ERRORS,
    Number,
    Value,
    _as_float,
    _domain_error,
    check_has_graph,
    is_real_number,
)

if TYPE_CHECKING:
    from autograd.matrix import VectorizedFunction

# CPython compiles generated code at roughly 100,000 lines a second, with a graph's lines
# held as a syntax tree meanwhile: past this many nodes, compiling takes minutes.
MAX_NODES = 300_000
_PACKAGE = Path(__file__).resolve().parent
_serial = itertools.count(1)


class TracingError(TypeError):
    """A function being traced branched on a Value's data (``if v < 0``, ``bool(v)``)."""


# -- what a compiled function takes and returns ----------------------------------------------
Shape = Any  # None for a number, else a tuple (or list) of shapes for a sequence


def _is_sequence(x: object) -> bool:
    return not isinstance(x, (str, bytes)) and hasattr(x, "__len__") and hasattr(x, "__iter__")


def _shape_of(example: Any, where: str) -> Shape:
    """The shape of an example argument: a number, or a sequence of shapes."""
    if is_real_number(example):
        return None
    if _is_sequence(example):
        return tuple(_shape_of(item, f"{where}[{i}]") for i, item in enumerate(example))
    raise TypeError(
        f"compile: argument {where} must be a number or a sequence of numbers, "
        f"got {type(example).__name__} {example!r}"
    )


def _flatten(arg: Any, shape: Shape, where: str, out: list[float]) -> None:
    """Append the numbers of ``arg`` to ``out``, checking it has the traced shape."""
    if shape is None:
        if type(arg) is float:
            out.append(arg)
        elif is_real_number(arg):
            out.append(_as_float(arg, where))
        else:
            raise TypeError(f"{where} must be a number, got {type(arg).__name__} {arg!r}")
        return
    if not _is_sequence(arg):
        raise TypeError(
            f"{where} must be a sequence of {len(shape)}, as traced, "
            f"got {type(arg).__name__} {arg!r}"
        )
    if len(arg) != len(shape):
        raise ValueError(f"{where} must hold {len(shape)} items, as traced, got {len(arg)}")
    for i, (item, inner) in enumerate(zip(arg, shape, strict=True)):
        _flatten(item, inner, f"{where}[{i}]", out)


def _leaves_shaped(numbers: Iterator[float], shape: Shape, label: str) -> Any:
    """Fresh leaf Values for the numbers, nested as ``shape`` (labelled ``x``, ``x[0]``)."""
    if shape is None:
        return Value(next(numbers), label=label)
    return [_leaves_shaped(numbers, inner, f"{label}[{i}]") for i, inner in enumerate(shape)]


def _outputs_of(result: Any, where: str, out: list[Value]) -> Shape:
    """Collect the output Values of a traced call; return the shape to rebuild it with."""
    if isinstance(result, Value):
        check_has_graph(result, "compile")
        out.append(result)
        return None
    if isinstance(result, (list, tuple)):
        shapes = [_outputs_of(r, f"{where}[{i}]", out) for i, r in enumerate(result)]
        return tuple(shapes) if isinstance(result, tuple) else shapes
    raise TypeError(
        f"compile: {where} must be a Value or a list of Values, "
        f"got {type(result).__name__} {result!r}"
    )


def _rebuild(numbers: Iterator[float], shape: Shape) -> Any:
    if shape is None:
        return next(numbers)
    return type(shape)(_rebuild(numbers, inner) for inner in shape)


# -- tracing -------------------------------------------------------------------------------------
@contextmanager
def _tracing(function_name: str) -> Iterator[None]:
    """While the body runs, a comparison or bool() on a Value raises TracingError."""

    def refuse(v: Value, test: str, other: object) -> None:
        shown = f"bool({_describe(v)})" if test == "bool" else f"{_describe(v)} {test} {other!r}"
        raise TracingError(
            f"compile: {shown} while tracing {function_name}, {_user_line()}: a Python branch "
            "on a Value would bake the traced example's outcome into the compiled code. "
            "Use an op that branches inside the graph (relu, abs), or compile one function "
            "per branch."
        )

    token = value_module.tracing_hook.set(refuse)
    try:
        yield
    finally:
        value_module.tracing_hook.reset(token)


def _describe(v: Value) -> str:
    return f"Value {v.label!r} ({v.data!r})" if v.label else f"a Value ({v.data!r})"


def _user_line() -> str:
    """Where the user's code asked: the first frame outside this package (and the
    package's own frame that made the test, when that is where it happened)."""
    frame: FrameType | None = inspect.currentframe()
    inside = ""
    while frame is not None and Path(frame.f_code.co_filename).resolve().parent == _PACKAGE:
        file = Path(frame.f_code.co_filename).name
        if not inside and file not in ("compiler.py", "value.py"):
            inside = f" (in autograd/{file}:{frame.f_lineno})"
        frame = frame.f_back
    if frame is None:
        return "at an unknown line"
    filename, line = frame.f_code.co_filename, frame.f_lineno
    text = linecache.getline(filename, line).strip()
    return f"at {filename}:{line}" + (f" ({text})" if text else "") + inside


# -- the program ---------------------------------------------------------------------------------
def _identifier(text: str) -> str:
    """``text`` as a Python name: ``W1[0][1]`` -> ``W1_0_1``, ``A2 - y`` -> ``A2_y``."""
    text = unicodedata.normalize("NFKC", text)  # Python reads names in this form
    name = re.sub(r"\W+", "_", text).strip("_")
    if not name.isidentifier():
        name = re.sub(r"[^0-9A-Za-z_]+", "_", name).strip("_")
    if not name:
        return "v"
    if name[0].isdigit() or name.startswith(("g_", "d_")):  # g_ and d_ name gradients
        name = f"v{name}" if name[0].isdigit() else f"v_{name}"
    return f"{name}_" if keyword.iskeyword(name) else name


class _Outputs:
    """A stand-in root above several outputs, so one topological order covers them all
    (the engine and ``reading_order`` read nothing of a node but its inputs)."""

    grad = 0.0
    _locals: tuple[float, ...] = ()

    def __init__(self, outputs: Sequence[Value]) -> None:
        self.inputs = self._inputs = tuple(outputs)


class _Program:
    """A graph as lines of Python: the forward, the backward and the write-back.

    ``outputs`` are seeded by the backward; ``arguments`` are leaves that the compiled
    function takes as parameters (they need no gradient); every other leaf is read from
    its ``.data`` and receives its gradient in ``.grad``.
    """

    def __init__(self, outputs: list[Value], arguments: list[Value], max_nodes: int | None):
        root: Any = outputs[0] if len(outputs) == 1 else _Outputs(outputs)
        order = topological_order(root)
        if root is not outputs[0]:
            order.pop()
        if max_nodes is not None and len(order) > max_nodes:
            raise ValueError(
                f"compile: the graph has {len(order):,} nodes, more than max_nodes="
                f"{max_nodes:,}: CPython compiles generated code at about 10^5 lines a "
                "second, holding every line as a syntax tree meanwhile, so this would take "
                "minutes and gigabytes. Pass max_nodes=None to compile it anyway, or run "
                "it with backward()."
            )
        self.order, self.outputs, self.arguments = order, outputs, arguments
        # The forward may take any topological order: this one visits inputs in argument
        # order, so the first neuron's lines come first. The backward keeps the engine's.
        self.reading = _reading_order(outputs)
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
        self.code: dict[Value, NodeCode] = {v: self.writer.code(v) for v in order if v._inputs}

    def name(self, v: Value) -> str:
        return self.names[v]

    def shown(self, v: Value) -> str:
        """The node's readable name in a comment: ``W1[0][1]``, ``(A2 - y)``."""
        name = self.readable[v]
        return f"({name})" if " " in name else name

    def _with_note(self, line: str, v: Value) -> str:
        note = self.notes.get(v)
        return f"{line}  # {note}" if note else line

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
        return [f"g_{self.names[v]} = 0.0" for v in self.leaves]

    def backward(self, seeds: Sequence[str]) -> list[str]:
        """One line per chain-rule step, in the engine's order: reverse topological order,
        each node's inputs in order, ``g_input += d(node)/d(input) * g_node``."""
        lines: list[str] = []
        started = set(self.leaves)  # their gradients exist from start_gradients()

        def add(v: Value, term: str, note: str) -> None:
            g = f"g_{self.names[v]}"
            negated = term.startswith("-") and term[1:].isidentifier()
            if v not in started:
                started.add(v)
                lines.append(f"{g} = {term}{note}")
            elif negated:
                lines.append(f"{g} -= {term[1:]}{note}")
            else:
                lines.append(f"{g} += {term}{note}")

        for output, seed in zip(self.outputs, seeds, strict=True):
            if self.needs_grad[output]:
                add(output, seed, "")
        for v in reversed(self.order):
            if not v._inputs or not self.needs_grad[v]:
                continue
            name, code = self.names[v], self.code[v]
            holes = [*map(self.name, v._inputs), name]
            partials: list[tuple[str, int]]
            if code.partials is None:
                assert code.partials_call is not None
                if any(self.needs_grad[x] for x in v._inputs):
                    lines.append(f"d_{name} = {code.partials_call.fill(holes)}")
                partials = [(f"d_{name}[{i}]", ATOM) for i in range(len(v._inputs))]
            else:
                partials = [(t.fill(holes), t.precedence) for t in code.partials]
            for x, (partial, precedence) in zip(v._inputs, partials, strict=True):
                if not self.needs_grad[x]:
                    continue
                note = f"  # d{self.shown(v)}/d{self.shown(x)}"
                if partial == "1.0":  # 1.0 * g is g, bitwise
                    add(x, f"g_{name}", note)
                elif partial == "-1.0":
                    add(x, f"-g_{name}", note)
                else:
                    factor = partial if precedence >= PRODUCT else f"({partial})"
                    add(x, f"{factor} * g_{name}", note)
        return lines

    def write_back(self) -> list[str]:
        """Each leaf's gradient added into its ``.grad``, once."""
        return [f"_leaves[{i}].grad += g_{self.names[v]}" for i, v in enumerate(self.leaves)]

    def returned(self) -> str:
        names = [self.names[v] for v in self.outputs]
        return names[0] if len(names) == 1 else f"({', '.join(names)},)"

    def build(self, source: str, function: str, title: str) -> Callable[..., Any]:
        """Compile ``source`` and return its function ``function``; tracebacks show the
        generated lines (the source is registered with linecache while it is in use)."""
        filename = f"<chainrule compiled {title} #{next(_serial)}>"
        namespace = dict(self.writer.namespace)
        exec(builtins.compile(source, filename, "exec"), namespace)
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        made: Callable[..., Any] = namespace[function]
        weakref.finalize(made, linecache.cache.pop, filename, None)
        return made


def _reading_order(outputs: list[Value]) -> list[Value]:
    """``names.reading_order`` below every output (the stand-in above them left out)."""
    if len(outputs) == 1:
        return reading_order(outputs[0])
    return reading_order(cast(Value, _Outputs(outputs)))[:-1]


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
        base = name = _identifier(readable[v])
        count = 1
        while name in taken:
            count += 1
            name = f"{base}_{count}"
        taken.add(name)
        names[v] = name
        if v.label and v.label != name:
            notes[v] = v.label
    return names, notes


def _function(name: str, parameters: Sequence[str], body: Sequence[str]) -> str:
    return "\n".join([f"def {name}({', '.join(parameters)}):", *(f"    {b}" for b in body)]) + "\n"


def _section(comment: str, lines: list[str]) -> list[str]:
    return [f"# {comment}", *lines] if lines else []


# -- compile(root) ------------------------------------------------------------------------------
class CompiledGraph:
    """The graph below a root Value as one generated Python function; call it to replay.

    ``compiled()`` recomputes every value from the leaves' current ``.data``, adds
    d(root)/d(leaf) * gradient into each leaf's ``.grad`` and returns the root's value,
    bitwise what the interpreter's forward and ``backward(gradient)`` give.
    """

    def __init__(self, root: Value, write_nodes: bool, max_nodes: int | None) -> None:
        check_has_graph(root, "compile")
        started = time.perf_counter()
        program = _Program([root], [], max_nodes)
        body = [
            *_section("inputs: each leaf's current .data", program.read_leaves()),
            *_section("forward: one line per node, in topological order", program.forward()),
            "# backward: one chain-rule step per line, in the order backward() takes them",
            *program.start_gradients(),
            *program.backward(["_seed"]),
            "# each leaf's gradient added into its .grad, as backward() does",
            *program.write_back(),
        ]
        if write_nodes:
            body += ["# every node's value and gradient written back", *_node_writes(program)]
        body.append(f"return {program.returned()}")
        self.source = _function("replay", ["_leaves", "_seed", "_nodes"], body)
        self._replay = program.build(self.source, "replay", root.label or "graph")
        self.leaves = tuple(program.leaves)
        self.names = program.names  # each node's variable in the source
        self.node_count = len(program.order)
        self._order = program.order
        self._nodes = tuple(program.order) if write_nodes else ()
        self.compile_seconds = time.perf_counter() - started

    def __call__(self, gradient: Number = 1.0) -> float:
        """Replay forward and backward; the root's new value."""
        seed = _as_float(gradient, "compiled graph: gradient")
        try:
            result: float = self._replay(self.leaves, seed, self._nodes)
        except Exception as failure:
            _raise_as_interpreter(self._order, failure)
        return result

    def __repr__(self) -> str:
        return f"<compiled graph: {self.node_count} nodes, {len(self.leaves)} leaves>"


def _node_writes(program: _Program) -> list[str]:
    lines = []
    for i, v in enumerate(program.order):
        if v._inputs:  # a leaf's data is the input, its gradient already written back
            name = program.names[v]
            lines += [f"_nodes[{i}].data = {name}", f"_nodes[{i}].grad += g_{name}"]
    return lines


def _raise_as_interpreter(order: list[Value], failure: Exception) -> NoReturn:
    """Evaluate the graph as the interpreter's ops would, and raise their error."""
    data: dict[Value, float] = {}
    for v in order:
        if not v._inputs:
            data[v] = v.data
            continue
        op = v._op
        assert op is not None
        inputs = tuple(data[x] for x in v._inputs)
        try:
            args = op.arguments(inputs, v.constants)
            data[v] = out = op.forward(*args)
            op.local(*args, out)
        except _MATH_ERRORS as exc:
            shown = (*(Value(d, x.label) for d, x in zip(inputs, v._inputs, strict=True)),)
            raise _domain_error(op, (*shown, *v.constants), exc) from None
    raise RuntimeError(
        f"compile: the compiled code raised {type(failure).__name__}: {failure} where the "
        "interpreter does not; please report this"
    ) from failure


# -- compile(f, *example_args) --------------------------------------------------------------------
class CompiledFunction:
    """``f`` traced once and written as generated Python; call it as you would call ``f``.

    ``compiled(*args)`` returns ``f``'s value for these numbers, as floats shaped as ``f``
    returned its Values, and adds the gradients of its outputs into the ``.grad`` of the
    Values ``f`` read from outside (the weights): bitwise what ``f(*args).backward()``
    gives. ``compiled.batch(*columns, seed=...)`` does the same for many examples in one
    call.
    """

    def __init__(
        self, function: Callable[..., Any], examples: tuple[Any, ...], max_nodes: int | None
    ) -> None:
        started = time.perf_counter()
        self._function = function
        self._title = getattr(function, "__qualname__", type(function).__name__)
        self.parameters = _parameter_names(function, len(examples))
        self._shapes = [_shape_of(x, p) for x, p in zip(examples, self.parameters, strict=True)]
        numbers: list[float] = []
        for x, shape, p in zip(examples, self._shapes, self.parameters, strict=True):
            _flatten(x, shape, p, numbers)
        traced = self._leaves(numbers)
        arguments = [v for arg in traced for v in _flat_values(arg)]
        with enable_grad(), _tracing(self._title):
            result = function(*traced)
        outputs: list[Value] = []
        self._output_shape = _outputs_of(result, f"the value of {self._title}", outputs)
        if not outputs:
            raise TypeError(f"compile: {self._title} returned no Value, got {result!r}")
        program = _Program(outputs, arguments, max_nodes)
        self._program = program
        self.leaves = tuple(program.leaves)
        self.node_count = len(program.order)
        names = [program.names[a] for a in arguments]
        self.source = _function(
            "call",
            [*names, "_leaves"],
            [
                *_section("inputs: the weights' current .data", program.read_leaves()),
                *_section("forward: one line per node, in topological order", program.forward()),
                "# backward: one chain-rule step per line, in the order backward() takes them",
                *program.start_gradients(),
                *program.backward(["1.0"] * len(outputs)),
                "# each weight's gradient added into its .grad, as backward() does",
                *program.write_back(),
                f"return {program.returned()}",
            ],
        )
        stream = iter(names)
        self._pattern = ", ".join(_pattern(stream, s) for s in self._shapes)
        self._variants: dict[str, Callable[..., Any]] = {}
        self.compile_seconds = time.perf_counter() - started

    def __call__(self, *args: Any) -> Any:
        numbers = self._numbers(args)
        call = self._variant("call")
        try:
            values = call(*numbers, self.leaves)
        except Exception as failure:
            self._raise_as_interpreter([args], failure)
        return self._shaped(values)

    def batch(
        self, *columns: Sequence[Any], seed: Number | Callable[[list[Any]], Any] = 1.0
    ) -> list[Any]:
        """``f`` on every example, one per row of the columns (one column per parameter).

        Returns the outputs, one per example. Each example's outputs are seeded with
        ``seed`` in the backward, so the weights' ``.grad`` receive the gradient of
        ``seed * (sum of every output)``: ``seed=1 / len(batch)`` for a mean. ``seed`` may
        instead be a function of the outputs returning one seed per example (a sequence
        of seeds for several outputs), such as a loss's gradient: the backward then runs
        after it. The sum over the batch is taken in another order than one graph of the
        whole batch would take it: equal to about 1e-15 relative, not bitwise.
        """
        if len(columns) != len(self.parameters):
            raise TypeError(
                f"{self._title}.batch: takes {len(self.parameters)} columns "
                f"({', '.join(self.parameters)}), got {len(columns)}"
            )
        try:
            examples = list(zip(*columns, strict=True))
        except (TypeError, ValueError):
            lengths = [len(c) if _is_sequence(c) else None for c in columns]
            raise ValueError(
                f"{self._title}.batch: each column must be a sequence with one item per "
                f"example, got lengths {lengths}"
            ) from None
        if callable(seed):
            run = self._variant("seeded")
            seeds: Any = _SeedsOf(seed, self._output_shape, self._title)
        else:
            run = self._variant("batch")
            seeds = _as_float(seed, f"{self._title}.batch: seed")
        try:
            outputs: list[Any] = run(examples, seeds, self.leaves)
        except _SeedError as error:
            raise error.error from None
        except Exception as failure:
            self._raise_as_interpreter(examples, failure)
        if self._output_shape is None:
            return outputs
        return [self._shaped(o) for o in outputs]

    def __repr__(self) -> str:
        return f"<compiled {self._title}: {self.node_count} nodes, {len(self.leaves)} weights>"

    # -- the batch variants, written when first used ------------------------------------------
    def _variant(self, kind: str) -> Callable[..., Any]:
        """The generated function for one kind of call, compiled on first use (its time
        is added to ``compile_seconds``)."""
        made = self._variants.get(kind)
        if made is None:
            started = time.perf_counter()
            source = self.source if kind == "call" else self._batch_source(kind)
            made = self._variants[kind] = self._program.build(source, kind, self._title)
            self.compile_seconds += time.perf_counter() - started
        return made

    def _batch_source(self, kind: str) -> str:
        program = self._program
        checks = [
            f"{n} = {n} if type({n}) is float else _number({n})"
            for n in (program.names[a] for a in program.arguments)
        ]
        program.writer.namespace["_number"] = _number
        forward = [*checks, *program.forward()]
        outputs = program.returned()
        n_out = len(program.outputs)
        head = [*program.read_leaves()]
        if kind == "batch":
            body = [
                *head,
                *program.start_gradients(),
                "_outputs = []",
                f"for {self._pattern}, in _examples:",
                *_indent(
                    [*forward, *program.backward(["_seed"] * n_out), f"_outputs.append({outputs})"]
                ),
            ]
        else:  # forward over the batch, the seeds from the outputs, then backward
            read = set(program.leaves)
            tape = ", ".join(program.names[v] for v in program.order if v not in read)
            tape = f"({tape},)"
            one = self._output_shape is None  # a single Value: its seed is a number
            seeds = ["_s"] if one else [f"_s[{k}]" for k in range(n_out)]
            body = [
                *head,
                "_outputs = []",
                "_tapes = []",
                f"for {self._pattern}, in _examples:",
                *_indent([*forward, f"_tapes.append({tape})", f"_outputs.append({outputs})"]),
                "_seeds = _seed(_outputs)",
                *program.start_gradients(),
                f"for {tape}, _s in zip(_tapes, _seeds):",
                *_indent(program.backward(seeds)),
            ]
        body += [*program.write_back(), "return _outputs"]
        return _function(kind, ["_examples", "_seed", "_leaves"], body)

    # -- arguments, results and errors ---------------------------------------------------------
    def _numbers(self, args: tuple[Any, ...]) -> list[float]:
        if len(args) != len(self.parameters):
            raise TypeError(
                f"{self._title} (compiled) takes {len(self.parameters)} arguments "
                f"({', '.join(self.parameters)}), got {len(args)}"
            )
        numbers: list[float] = []
        for arg, shape, name in zip(args, self._shapes, self.parameters, strict=True):
            _flatten(arg, shape, f"{self._title}: argument {name}", numbers)
        return numbers

    def _leaves(self, numbers: list[float]) -> list[Any]:
        stream = iter(numbers)
        return [
            _leaves_shaped(stream, s, p) for s, p in zip(self._shapes, self.parameters, strict=True)
        ]

    def _shaped(self, values: Any) -> Any:
        if self._output_shape is None:
            return values
        flat = values if isinstance(values, tuple) else (values,)
        return _rebuild(iter(flat), self._output_shape)

    def _raise_as_interpreter(
        self, examples: Sequence[tuple[Any, ...]], failure: Exception
    ) -> NoReturn:
        """Check each example's arguments, then run ``f`` on it as interpreted Values:
        the first error the interpreter raises is raised, as it is."""
        for i, args in enumerate(examples):
            numbers = self._numbers(tuple(args))
            try:
                with enable_grad():
                    self._function(*self._leaves(numbers))
            except Exception as error:
                if len(examples) > 1 and hasattr(error, "add_note"):
                    error.add_note(f"(in example {i} of the batch)")
                raise error from None
        raise RuntimeError(
            f"compile: the compiled {self._title} raised {type(failure).__name__}: {failure} "
            "where the interpreter does not; please report this"
        ) from failure


def _indent(lines: list[str]) -> list[str]:
    return [f"    {line}" for line in lines or ["pass"]]


def _parameter_names(function: Callable[..., Any], count: int) -> list[str]:
    """The names of ``function``'s first ``count`` positional parameters (``x``, ``t``)."""
    try:
        parameters = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        parameters = []
    names = []
    for i in range(count):
        p = parameters[min(i, len(parameters) - 1)] if parameters else None
        if p is None or p.kind in (p.KEYWORD_ONLY, p.VAR_KEYWORD):
            names.append(f"arg{i}")
        elif p.kind is p.VAR_POSITIONAL:
            names.append(f"{p.name}{i - parameters.index(p)}")
        elif i < len(parameters):
            names.append(p.name)
        else:
            names.append(f"arg{i}")
    return names


def _flat_values(arg: Any) -> list[Value]:
    if isinstance(arg, Value):
        return [arg]
    return [v for item in arg for v in _flat_values(item)]


def _pattern(names: Iterator[str], shape: Shape) -> str:
    """An unpacking target with the argument's shape: ``(x_0, x_1,)``."""
    if shape is None:
        return next(names)
    return "(" + "".join(f"{_pattern(names, inner)}, " for inner in shape) + ")"


def _number(x: Any) -> float:
    """A batch's input as a float (ints, NumPy scalars); anything else fails here and is
    then explained, example by example, by the arguments' check."""
    if not is_real_number(x):
        raise TypeError(f"not a number: {x!r}")
    return float(x)


class _SeedError(Exception):
    """An error of the user's seed function, to be raised as it is."""

    def __init__(self, error: Exception) -> None:
        self.error = error


class _SeedsOf:
    """The user's seed function, its result checked: for each example, seeds shaped as
    its outputs (a number for a single Value), flattened for the generated backward."""

    def __init__(self, function: Callable[[list[Any]], Any], shape: Shape, title: str):
        self.function, self.shape, self.title = function, shape, title

    def __call__(self, outputs: list[Any]) -> list[Any]:
        try:
            seeds = list(self.function(outputs))
            if len(seeds) != len(outputs):
                raise ValueError(
                    f"{self.title}.batch: the seed function must return one seed per example "
                    f"({len(outputs)}), got {len(seeds)}"
                )
            checked: list[Any] = []
            for i, seed in enumerate(seeds):
                flat: list[float] = []
                _flatten(seed, self.shape, f"{self.title}.batch: seed[{i}]", flat)
                checked.append(flat[0] if self.shape is None else tuple(flat))
            return checked
        except Exception as error:
            raise _SeedError(error) from None


# -- the entry point ------------------------------------------------------------------------------
@overload
def compile(
    target: Value, /, *, write_nodes: bool = False, max_nodes: int | None = MAX_NODES
) -> CompiledGraph: ...
@overload
def compile(
    target: Callable[..., Any],
    /,
    *example_args: Any,
    max_nodes: int | None = MAX_NODES,
    vectorize: Literal[False] = False,
) -> CompiledFunction: ...
@overload
def compile(
    target: Callable[..., Any],
    /,
    *example_args: Any,
    max_nodes: int | None = MAX_NODES,
    vectorize: Literal[True],
) -> VectorizedFunction: ...
@overload
def compile(
    target: Callable[..., Any],
    /,
    *example_args: Any,
    max_nodes: int | None = MAX_NODES,
    vectorize: bool,
) -> CompiledFunction | VectorizedFunction: ...
def compile(
    target: Value | Callable[..., Any],
    /,
    *example_args: Any,
    write_nodes: bool = False,
    max_nodes: int | None = MAX_NODES,
    vectorize: bool = False,
) -> CompiledGraph | CompiledFunction | VectorizedFunction:
    """Write a graph out as generated Python, to replay it without building nodes.

    ``compile(root)`` compiles the graph below a Value (see ``CompiledGraph``);
    ``write_nodes=True`` makes each replay also write every node's ``.data`` and ``.grad``.
    ``compile(f, *example_args)`` traces ``f`` on the example arguments, numbers or nested
    sequences of numbers (see ``CompiledFunction``). Graphs of more than ``max_nodes``
    nodes raise ValueError (None: no limit). ``vectorize=True`` writes ``f`` as NumPy code
    over a batch, a layer's weighted sums one matrix product (see ``autograd.matrix``).
    """
    if vectorize:
        if not callable(target) or isinstance(target, Value):
            raise TypeError("compile: vectorize is for a function, compile(f, *example_args)")
        from autograd.matrix import VectorizedFunction  # NumPy loads here, and only here

        return VectorizedFunction(target, example_args, max_nodes)
    if isinstance(target, Value):
        if example_args:
            raise TypeError("compile(root) takes no example arguments: they are a function's")
        return CompiledGraph(target, write_nodes, max_nodes)
    if callable(target):
        if write_nodes:
            raise TypeError("compile(f): write_nodes is for a graph, compile(root)")
        return CompiledFunction(target, example_args, max_nodes)
    raise TypeError(
        f"compile: expects a Value or a function, got {type(target).__name__} {target!r}"
    )

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
  nested lists or tuples of numbers). The arguments become the parameters of the compiled
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

import inspect
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Literal, NoReturn, overload

from autograd import tree
from autograd.anomaly import caller
from autograd.arguments import (
    SeedError,
    SeedsOf,
    Shape,
    as_tree,
    leaf_names,
    numbers_of,
    shape_of,
)
from autograd.emitter import Program
from autograd.grad_mode import TracingError, enable_grad, tracing
from autograd.gradcheck import parameter_names
from autograd.tree import TreeDef
from autograd.value import (
    Number,
    Value,
    as_float,
    check_has_graph,
    describe,
    record,
)

if TYPE_CHECKING:
    from autograd.matrix import VectorizedFunction

# CPython compiles generated code at roughly 100,000 lines a second, with a graph's lines
# held as a syntax tree meanwhile: past this many nodes, compiling takes minutes.
MAX_NODES = 300_000


# -- tracing -------------------------------------------------------------------------------------
@contextmanager
def _tracing(function_name: str) -> Iterator[None]:
    """While the body runs, a comparison or bool() on a Value raises TracingError."""

    def refuse(v: Value, test: str, other: object) -> None:
        shown = f"bool({describe(v)})" if test == "bool" else f"({describe(v)}) {test} {other!r}"
        raise TracingError(
            f"compile: {shown} while tracing {function_name}, at {caller()}: a Python branch "
            "on a Value would bake the traced example's outcome into the compiled code. "
            "Use an op that branches inside the graph (relu, abs), or compile one function "
            "per branch."
        )

    with tracing(refuse):
        yield


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
        program = Program([root], [], max_nodes)
        self.source = program.graph_source(write_nodes)
        self._replay = program.build(self.source, "replay", root.label or "graph")
        self.leaves = tuple(program.leaves)
        self.names = program.names  # each node's variable in the source
        self.node_count = len(program.order)
        self._reading = program.reading  # the order the forward runs in
        self._nodes = tuple(program.order) if write_nodes else ()
        self.compile_seconds = time.perf_counter() - started

    def __call__(self, gradient: Number = 1.0) -> float:
        """Replay forward and backward; the root's new value."""
        seed = as_float(gradient, "compiled graph: gradient")
        try:
            result: float = self._replay(self.leaves, seed, self._nodes)
        except Exception as failure:
            _raise_as_interpreter(self._reading, failure)
        return result

    def __repr__(self) -> str:
        return f"<compiled graph: {self.node_count} nodes, {len(self.leaves)} leaves>"


def _raise_as_interpreter(order: list[Value], failure: Exception) -> NoReturn:
    """Evaluate the graph as the interpreter's ops would, and raise their error."""
    data: dict[Value, float] = {}
    for v in order:
        if not v._inputs:
            data[v] = v.data
            continue
        op = v._op
        assert op is not None
        shown = tuple(Value(data[x], x.label) for x in v._inputs)
        with enable_grad():  # the rule runs too, as the interpreter ran it
            data[v] = record(op, shown, v.constants).data
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
        _check_examples(function, examples, self._title)
        named = parameter_names(function)
        self.parameters = [named[i] if i < len(named) else f"arg{i}" for i in range(len(examples))]
        self._trees = [tree.flatten(as_tree(x))[1] for x in examples]  # each one's shape
        self._shapes = list(map(shape_of, self._trees))
        traced = self._leaves(self._numbers(examples, "compile: argument "))
        arguments: list[Value] = tree.leaves(traced)
        with enable_grad(), _tracing(self._title):
            result = function(*traced)
        outputs, self._output_tree = tree.flatten(result)
        for k, y in enumerate(outputs):
            if not isinstance(y, Value):
                where = "" if y is result else f" (output {k})"
                raise TypeError(
                    f"compile: the value of {self._title}{where} must be a Value or a list of "
                    f"Values, got {type(y).__name__} {y!r}"
                )
            check_has_graph(y, "compile")
        if not outputs:
            raise TypeError(f"compile: {self._title} returned no Value, got {result!r}")
        program = Program(outputs, arguments, max_nodes)
        self._program = program
        self.leaves = tuple(program.leaves)
        self.node_count = len(program.order)
        self.source = program.call_source()
        names = [program.names[a] for a in arguments]  # an example's target: (t, [x_0, x_1])
        target = tree.unflatten(TreeDef("tuple", tuple(self._trees)), names)
        self._pattern = repr(target).replace("'", "")  # names hold no quotes
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
            lengths = [len(c) if hasattr(c, "__len__") else None for c in columns]
            raise ValueError(
                f"{self._title}.batch: each column must be a sequence with one item per "
                f"example, got lengths {lengths}"
            ) from None
        if callable(seed):
            run = self._variant("seeded")
            seeds: Any = SeedsOf(seed, self._output_tree, self._title)
        else:
            run = self._variant("batch")
            seeds = as_float(seed, f"{self._title}.batch: seed")
        try:
            outputs: list[Any] = run(examples, seeds, self.leaves)
        except SeedError as error:
            raise error.error from None
        except Exception as failure:
            self._raise_as_interpreter(examples, failure)
        if self._output_tree.kind == "leaf":
            return outputs
        return [self._shaped(o) for o in outputs]

    def __repr__(self) -> str:
        return f"<compiled {self._title}: {self.node_count} nodes, {len(self.leaves)} weights>"

    # -- what another reader of the compiled function needs (autograd.matrix) ------------------
    @property
    def program(self) -> Program:
        """The traced graph's program: its nodes in order, its arguments, leaves and writer."""
        return self._program

    @property
    def title(self) -> str:
        """``f``'s name, as error messages and generated filenames show it."""
        return self._title

    @property
    def argument_shapes(self) -> list[Shape]:
        """Each parameter's traced shape: None for a number, else a tuple of its items'."""
        return list(self._shapes)

    @property
    def output_tree(self) -> TreeDef:
        """The shape of ``f``'s result, as ``autograd.tree`` flattened it."""
        return self._output_tree

    def argument_numbers(self, args: Sequence[Any]) -> list[float]:
        """One example's arguments as the flat floats the code takes; TypeError or
        ValueError, as a call raises it, where one is not of the traced shape."""
        return self._numbers(args)

    def shaped_outputs(self, values: Sequence[float]) -> Any:
        """One example's flat output values shaped as ``f`` returned its Values."""
        return self._shaped(values)

    # -- the batch variants, written when first used ------------------------------------------
    def _variant(self, kind: str) -> Callable[..., Any]:
        """The generated function for one kind of call, compiled on first use (its time
        is added to ``compile_seconds``)."""
        made = self._variants.get(kind)
        if made is None:
            started = time.perf_counter()
            one_output = self._output_tree.kind == "leaf"
            source = (
                self.source
                if kind == "call"
                else self._program.batch_source(kind, self._pattern, one_output)
            )
            made = self._variants[kind] = self._program.build(source, kind, self._title)
            self.compile_seconds += time.perf_counter() - started
        return made

    # -- arguments, results and errors ---------------------------------------------------------
    def _numbers(self, args: Sequence[Any], where: str = "") -> list[float]:
        """The arguments' numbers, flat; TypeError or ValueError naming one that is wrong."""
        if len(args) != len(self.parameters):
            raise TypeError(
                f"{self._title} (compiled) takes {len(self.parameters)} arguments "
                f"({', '.join(self.parameters)}), got {len(args)}"
            )
        where = where or f"{self._title}: argument "
        numbers: list[float] = []
        for arg, shape, name in zip(args, self._shapes, self.parameters, strict=True):
            numbers += numbers_of(arg, shape, where + name)
        return numbers

    def _leaves(self, numbers: list[float]) -> list[Any]:
        """Fresh leaves for the numbers, shaped as the arguments (labelled ``x``, ``x[0]``)."""
        stream = iter(numbers)
        trees = []
        for treedef, name in zip(self._trees, self.parameters, strict=True):
            leaves = [Value(next(stream), label=path) for path in leaf_names(treedef, name)]
            trees.append(tree.unflatten(treedef, leaves))
        return trees

    def _shaped(self, values: Any) -> Any:
        if self._output_tree.kind == "leaf":
            return values
        return tree.unflatten(self._output_tree, values)

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


def _check_examples(function: Callable[..., Any], examples: tuple[Any, ...], title: str) -> None:
    """TypeError unless ``function`` can be called on the example arguments (where its
    signature can be read): tracing needs one example per parameter."""
    try:
        inspect.signature(function).bind(*examples)
    except ValueError:  # no signature to read (some builtins): the call will tell
        return
    except TypeError as error:
        wanted = "needs example arguments" if not examples else "needs other example arguments"
        raise TypeError(
            f"compile({title}) {wanted}: compile(f, *example_args) traces f once, called "
            f"on one example per parameter (numbers or nested lists of numbers), e.g. "
            f"compile(f, 1.0, 2.0); got {len(examples)} ({error})"
        ) from None


def _check_max_nodes(max_nodes: object) -> None:
    if max_nodes is not None and (type(max_nodes) is not int or max_nodes < 1):
        raise TypeError(
            "compile: max_nodes must be a whole number of nodes, at least 1 (or None for no "
            f"limit), got {type(max_nodes).__name__} {max_nodes!r}"
        )


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
    lists or tuples of numbers (see ``CompiledFunction``). Graphs of more than ``max_nodes``
    nodes raise ValueError (None: no limit). ``vectorize=True`` writes ``f`` as NumPy code
    over a batch, a layer's weighted sums one matrix product (see ``autograd.matrix``).
    """
    _check_max_nodes(max_nodes)
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

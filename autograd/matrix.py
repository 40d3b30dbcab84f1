"""compile(f, *examples, vectorize=True): a traced function replayed as NumPy over a batch.

The function is traced once, as ``compile(f, *examples)`` traces it (that scalar compiled
function is kept, as ``.scalar``); ``autograd.vectorize`` groups its nodes (a layer's
weighted sums one matrix product, its activations one element-wise op) and
``autograd.matrix_emitter`` writes the groups as array code, the examples along the
second axis. ``.source`` is that code: the derivation's matrix form, named from labels.

``batch(*columns, seed=...)`` runs it: the weights are read from their Values' ``.data``
into one array, the gradients summed over the batch are added back into their ``.grad``
once, so optimizers, checkpoints and the PyTorch bridge see what they always see. Floats
are added in another order than the interpreter's: values and gradients equal the scalar
compiled batch's to about 1e-12 relative, not bitwise.

Batches smaller than ``min_batch`` run the scalar compiled code instead (faster there:
a NumPy call costs about a microsecond whatever its size), as does a single call
``f(*args)``. Where NumPy flags a floating-point problem (a log of a negative, an
overflow), or an element-wise rule raises, the batch is run again by the scalar code,
which gives the interpreter's values or raises its error, naming the node.
"""

from __future__ import annotations

import builtins
import itertools
import linecache
import time
import weakref
from collections.abc import Callable, Sequence
from typing import Any

from autograd import tree
from autograd.arguments import SeedError, SeedsOf
from autograd.codegen import RESERVED
from autograd.compiler import CompiledFunction
from autograd.value import Number, as_float

try:
    import numpy as np
except ImportError:  # NumPy is the optional extra "fast"
    np = None  # type: ignore[assignment]

Update = Callable[[Any, Any], Any]  # (weights, gradients) -> new weights, as NumPy columns
MIN_BATCH = 16  # below this many examples, the scalar compiled code is faster
_LISTS = (list, tuple)  # columns a small batch hands to the scalar code as they are
_serial = itertools.count(1)


class VectorizedFunction:
    """``f`` traced once and written as NumPy code over a batch; see the module's doc.

    ``batch(*columns, seed=...)`` is ``CompiledFunction.batch``'s, computed as arrays;
    ``f(*args)`` runs one example through the scalar compiled code. ``.source`` is the
    matrix program, ``.scalar`` the scalar compiled function (its ``.source`` the scalar
    lines), ``.groups`` the groups found, ``grouping_seconds`` the grouping pass's time.
    """

    def __init__(
        self, function: Callable[..., Any], examples: tuple[Any, ...], max_nodes: int | None
    ) -> None:
        if np is None:
            raise ModuleNotFoundError(
                "compile(..., vectorize=True) writes NumPy code, and NumPy is not installed: "
                "pip install chainrule[fast]"
            )
        from autograd.matrix_emitter import HELPERS, MatrixEmitter  # these import NumPy,
        from autograd.vectorize import group_nodes  # so only once it is known to be there

        started = time.perf_counter()
        self.scalar = scalar = CompiledFunction(function, examples, max_nodes)
        program = scalar.program
        self.parameters = scalar.parameters
        shapes = scalar.argument_shapes
        counts = [len(tree.leaves(shape)) for shape in shapes]
        flat = iter(program.arguments)
        arguments = [[next(flat) for _ in range(n)] for n in counts]
        writer = program.writer  # each kind of node's code, already written for .scalar
        clash = sorted(HELPERS & set(writer.namespace))
        if clash:
            raise ValueError(
                f"compile(..., vectorize=True): an op's function is named {clash[0]!r}, a name "
                "the array code keeps for NumPy's; rename the function"
            )
        grouping = group_nodes(
            program.order,
            program.reading,
            arguments,
            self.parameters,
            program.leaves,
            program.readable,
            program.needs_grad,
            writer,
            set(RESERVED) | HELPERS | set(writer.namespace),
        )
        self.grouping_seconds = grouping.seconds
        self.groups = grouping.groups
        self.leaves = tuple(grouping.weights.rows)
        emitter = MatrixEmitter(grouping, writer, program.outputs, program.readable)
        self.source = emitter.source(self.parameters)
        self._run = _build(self.source, emitter.namespace(), scalar.title)
        self._counts = counts
        self._dims = [_dims(shape) for shape in shapes]
        self._outputs = len(program.outputs)
        self.node_count = scalar.node_count
        self.min_batch = MIN_BATCH
        self.fallbacks = 0  # batches the scalar code ran instead (NumPy flagged a problem)
        self._seconds = time.perf_counter() - started - scalar.compile_seconds

    @property
    def compile_seconds(self) -> float:
        """Tracing, grouping and writing both programs, and compiling them (the scalar
        code's batch variants as they are first used)."""
        return self.scalar.compile_seconds + self._seconds

    def __call__(self, *args: Any) -> Any:
        return self.scalar(*args)

    def __repr__(self) -> str:
        return (
            f"<vectorized {self.scalar.title}: {self.node_count} nodes in "
            f"{len(self.groups)} groups, {len(self.leaves)} weights>"
        )

    def batch(
        self,
        *columns: Sequence[Any],
        seed: Number | Callable[[list[Any]], Any] = 1.0,
        update: Update | None = None,
    ) -> list[Any]:
        """``f`` on every example (one per row of the columns), the weights' gradients of
        ``seed * (sum of every output)`` added into their ``.grad``; ``seed`` may be a
        function of the outputs giving one seed per example, as for
        ``CompiledFunction.batch``.

        ``update(weights, gradients) -> new weights`` (NumPy columns, in the order of
        ``.leaves``) fuses an optimizer's step into the call: the weights' ``.data`` are
        written once with its result and their ``.grad`` are left as they were; SGD is
        ``update=lambda w, g: w - lr * g``.
        """
        first: Any = columns[0] if columns else None
        if update is None and type(first) in _LISTS and len(first) < self.min_batch:
            return self.scalar.batch(*columns, seed=seed)  # a small batch: the scalar code
        arrays = self._arrays(columns)
        if arrays is None:  # a small batch, or columns the scalar code should explain
            return self._scalar_batch(columns, seed, update)
        size = arrays[0].shape[1] if arrays else len(columns[0])
        given: list[Any] = []
        seeds = self._seeds(seed, size, given)
        w = self._weights()
        try:
            with np.errstate(all="raise", under="ignore"):
                out, gradients = self._run(*arrays, size, w, seeds)
        except SeedError as error:
            raise error.error from None
        except Exception:  # NumPy flagged a problem: the scalar code decides what it is
            self.fallbacks += 1
            again = seed if not given else (lambda _outputs: given[0])
            return self._scalar_batch(columns, again, update)
        if update is None:
            for v, g in zip(self.leaves, gradients.ravel().tolist(), strict=True):
                v.grad += g
        else:
            self._write_update(update, w, gradients)
        return self._per_example(out, size)

    def _scalar_batch(self, columns: Sequence[Any], seed: Any, update: Update | None) -> list[Any]:
        """The batch run by the scalar compiled code (its gradients gathered for
        ``update``, the ``.grad`` left as they were)."""
        lists = [c.tolist() if isinstance(c, np.ndarray) else c for c in columns]
        if update is None:
            found: list[Any] = self.scalar.batch(*lists, seed=seed)
            return found
        saved = [v.grad for v in self.leaves]
        for v in self.leaves:
            v.grad = 0.0
        try:
            outputs: list[Any] = self.scalar.batch(*lists, seed=seed)
            gradients = np.array([v.grad for v in self.leaves], dtype=float).reshape(-1, 1)
        finally:
            for v, g in zip(self.leaves, saved, strict=True):
                v.grad = g
        w = self._weights()
        self._write_update(update, w, gradients)
        return outputs

    def _weights(self) -> Any:
        """The weights' current ``.data``, as the column ``_w``."""
        # A list comprehension: about twice as fast as list(map(attrgetter("data"), ...))
        # here (6 µs for 337 Values), since it reads the slot without a call per Value.
        return np.array([v.data for v in self.leaves], dtype=float).reshape(-1, 1)

    def _write_update(self, update: Update, w: Any, gradients: Any) -> None:
        new = np.asarray(update(w, gradients), dtype=float)
        if new.shape != w.shape:
            raise ValueError(
                f"{self.scalar.title}.batch: update must return the new weights shaped as "
                f"the weights it was given, {w.shape}, got {new.shape}"
            )
        for v, x in zip(self.leaves, new.ravel().tolist(), strict=True):
            v.data = x

    # -- arguments, seeds, results ------------------------------------------------------------
    def _arrays(self, columns: Sequence[Sequence[Any]]) -> list[Any] | None:
        """Each parameter's column as an (n, batch) array of floats; None when the batch
        is small or a column is not numbers of the traced shape."""
        if len(columns) != len(self.parameters):
            return None
        try:
            sizes = {len(c) for c in columns}
        except TypeError:
            return None
        if len(sizes) != 1:
            return None
        size = sizes.pop()
        if size < max(self.min_batch, 1):
            return None
        arrays = []
        for column, count, dims in zip(columns, self._counts, self._dims, strict=True):
            try:
                a = np.asarray(column)
            except (TypeError, ValueError):
                return None
            if a.dtype.kind not in "fiu" or a.size != size * count or a.shape[0] != size:
                return None
            if dims is not None and a.shape[1:] != dims:  # [[1, 2]] for a traced [1, 2]
                return None
            arrays.append(a.reshape(size, count).T.astype(float, copy=False))
        if None in self._dims:  # a ragged traced shape: the scalar code checks an example
            try:
                self.scalar.argument_numbers([c[0] for c in columns])
            except (TypeError, ValueError):
                return None
        return arrays

    def _seeds(self, seed: Any, size: int, given: list[Any]) -> Callable[[Any], Any]:
        """``_seed`` of the generated code: the outputs' gradients from their values."""
        if not callable(seed):
            number = as_float(seed, f"{self.scalar.title}.batch: seed")
            return lambda out: np.full((self._outputs, size), number)

        def record(outputs: list[Any]) -> list[Any]:
            seeds: list[Any] = list(seed(outputs))
            given.append(seeds)  # kept, in case the scalar code must run the batch again
            return seeds

        check = SeedsOf(record, self.scalar.output_tree, self.scalar.title)

        def from_function(out: Any) -> Any:
            checked = check(self._per_example(out, size))  # SeedError: the user's error
            return np.array(checked, dtype=float).reshape(size, self._outputs).T

        return from_function

    def _per_example(self, out: Any, size: int) -> list[Any]:
        if out.shape[1] != size:  # outputs that depend on the weights alone
            out = np.broadcast_to(out, (self._outputs, size))
        if self.scalar.output_tree.kind == "leaf":
            return list(out[0].tolist())
        return [self.scalar.shaped_outputs(row) for row in out.T.tolist()]


def _dims(shape: Any) -> tuple[int, ...] | None:
    """A traced argument's shape as an array's (``(2,)`` for a pair of numbers), or None
    where its items differ in shape."""
    if shape is None:
        return ()
    inner = {_dims(item) for item in shape}
    if len(inner) > 1 or None in inner:
        return None
    item: tuple[int, ...] = inner.pop() or () if inner else ()
    return (len(shape), *item)


def _build(source: str, namespace: dict[str, Any], title: str) -> Callable[..., Any]:
    """Compile the generated source; tracebacks show its lines (registered with
    linecache while the function lives)."""
    filename = f"<chainrule vectorized {title} #{next(_serial)}>"
    exec(builtins.compile(source, filename, "exec"), namespace)
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    made: Callable[..., Any] = namespace["batch"]
    weakref.finalize(made, linecache.cache.pop, filename, None)
    return made

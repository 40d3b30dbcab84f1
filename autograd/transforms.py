"""Function transforms in the style of JAX, for functions of Values and of trees of them.

``jvp(f, inputs, tangents)`` (forward mode) and ``vjp(f, inputs, cotangents)`` (reverse mode)
evaluate ``f`` and one directional derivative; ``value_and_grad(f)``, ``gradient(f)``,
``hessian(f)`` and ``jacobian(f)`` turn ``f`` into the function that returns its derivatives.
Each is a few lines over ``grad`` and ``autograd.forward``.

They share three rules:

- ``f`` is called with one fresh Value per argument, so a derivative is the partial
  derivative with respect to that argument, even when two arguments hold the same Value.
- Numbers in, numbers out, outside any other transform: called with plain numbers, they
  return floats. Called with Values, or from inside the ``f`` of another transform, they
  return Values built with ``create_graph=True``, connected to every Value they depend on,
  so the transforms nest: whether the inner one is passed the outer variable,
  ``gradient(lambda x: gradient(f)(x)[0])(2.0)`` is f''(2), or closes over it:
  ``gradient(lambda x: x * gradient(lambda y: x * y)(2.0)[0])(1.0)`` is d(x·x)/dx = 2.

  Why "inside another transform" and not the arguments' types: an inner transform's
  arguments cannot show what its ``f`` closes over, and a float result would cut the outer
  variable out of the graph, silently dropping a term of the outer derivative. A context
  variable counts the transforms running (per thread and task, as ``no_grad``'s mode), so
  the rule costs nothing and the type of a result never depends on what ``f`` computes.
  (Reading the result's graph for Values other than the transform's own leaves was the
  other candidate; it cannot tell an outer variable from a leaf an inner transform made
  for its own numbers, so every outer result of a nest would have become a Value.)
  A Value that ``f`` closes over outside every transform is a constant, as a closed-over
  array is in JAX: to differentiate with respect to it, pass it as an argument.

- An argument may be a tree, a nested list or tuple of numbers and Values (a weight matrix,
  a batch; ``autograd.tree``), and a derivative with respect to it has its shape, as in
  JAX: ``gradient(f)(W, b)`` is ``[dW, db]``, dW shaped as W. ``f`` may return a tree of
  Values too (``jvp`` and ``vjp`` give its values and tangents in its shape). So, for
  arguments x_0, x_1, ... and outputs y (a Value, or a tree of them):

  - ``gradient(f)(*xs)[i]`` and ``vjp``'s result ``[i]`` are shaped as x_i;
  - ``jacobian(f)(*xs)`` is shaped as the outputs (a list of one for a single Value), each
    output's entry being its gradient, a list over the arguments: ``J[k][i]`` is
    ∂y_k/∂x_i, shaped as x_i;
  - ``hessian(f)(*xs)[i][j]`` is ∂²f/∂x_i∂x_j: shaped as x_i, each leaf shaped as x_j (for
    vectors, ``hessian(f)(v)[0][0][a][b]`` = ∂²f/∂v_a∂v_b, the familiar square matrix).

  With numbers for arguments every shape is the flat one: ``J[k][i]`` and ``H[i][j]`` are
  numbers, the matrices of the textbook.

They record a graph even inside ``no_grad()``: a transform's result does not depend on the
mode around it (as in ``torch.func``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Literal, TypeVar, cast

from autograd import forward
from autograd.grad_mode import enable_grad
from autograd.gradients import grad
from autograd.tree import LEAF, TreeDef, flatten, leaf_paths, unflatten
from autograd.value import Value, as_float, check_has_graph, dot

Derivative = float | Value  # a float, or a Value when nested (Values in, or inside a transform)
Tree = Any  # a number or a Value, or a list or tuple of trees; derivatives take its shape
Scalar = Callable[..., Value]
Vector = Callable[..., Any]  # returns a Value or a tree of Values
JACOBIAN_MODES = ("reverse", "forward")


def jvp(f: Vector, inputs: Sequence[Tree], tangents: Sequence[Tree]) -> tuple[Tree, Tree]:
    """(f(*inputs), its derivative along ``tangents``): forward mode, one pass for any n inputs.

    The derivative is Σ_i ∂f/∂input_i × tangents[i], the Jacobian times the tangent vector;
    ``tangents[i]`` has the shape of ``inputs[i]``, and both results the shape of what ``f``
    returns (a Value: two scalars; a list of Values: two lists).
    """
    with _transform() as inside:
        args = _arguments(inputs, "jvp", inside)
        direction = _like(tangents, args.shape, "jvp: tangents", "input")
        nested = args.nested or _any_value(direction)
        outputs = _outputs(f(*args.trees), "jvp")
        seeds = dict(zip(args.leaves, direction, strict=True))
        derivatives = _along(outputs.leaves, seeds, nested, "jvp")
        return outputs.shaped(_results(outputs.leaves, nested)), outputs.shaped(derivatives)


def vjp(f: Vector, inputs: Sequence[Tree], cotangents: Tree) -> tuple[Tree, list[Tree]]:
    """(f(*inputs), ``cotangents`` times its Jacobian): reverse mode, one pass for any n outputs.

    The result's entry i, shaped as ``inputs[i]``, is Σ_k cotangents[k] × ∂f_k/∂input_i;
    ``cotangents`` has the shape of what ``f`` returns: for one Value, it is one number and
    the result is the gradient scaled by it.
    """
    with _transform() as inside:
        args = _arguments(inputs, "vjp", inside)
        outputs = _outputs(f(*args.trees), "vjp")
        weights = _like(
            [cotangents] if outputs.single else cotangents,
            outputs.as_list,
            "vjp: cotangents",
            "output",
        )
        nested = args.nested or _any_value(weights)
        derivatives = grad(dot(weights, outputs.leaves), args.leaves, create_graph=nested)
        values = outputs.shaped(_results(outputs.leaves, nested))
        return values, args.shaped(list(derivatives))


def value_and_grad(f: Scalar) -> Callable[..., tuple[Tree, list[Tree]]]:
    """``f`` -> the function returning (f(*xs), [∂f/∂x_0, ∂f/∂x_1, ...]), from one backward
    pass; ∂f/∂x_i has the shape of x_i."""

    def value_and_grad_of_f(*xs: Tree) -> tuple[Tree, list[Tree]]:
        return _value_and_grad(f, xs, "value_and_grad")

    return _taking_the_arguments_of(f, value_and_grad_of_f)


def gradient(f: Scalar) -> Callable[..., list[Tree]]:
    """``f`` -> the function returning its gradient [∂f/∂x_0, ∂f/∂x_1, ...], each shaped as
    its argument (not ``grad``, which differentiates a graph already built: ``gradient``
    transforms a function)."""

    def gradient_of_f(*xs: Tree) -> list[Tree]:
        return _value_and_grad(f, xs, "gradient")[1]

    return _taking_the_arguments_of(f, gradient_of_f)


def hessian(f: Scalar) -> Callable[..., list[list[Tree]]]:
    """``f`` -> the function returning its Hessian, H[i][j] = ∂²f/∂x_i∂x_j, as a list of rows
    (for tree arguments, H[i][j] is shaped as x_i with each leaf shaped as x_j).

    Forward over reverse: the gradient is built once as a graph (``create_graph=True``), then
    one forward pass per input leaf pushes e_j through it and gives column j.
    """

    def hessian_of_f(*xs: Tree) -> list[list[Tree]]:
        with _transform() as inside:
            args = _arguments(xs, "hessian", inside)
            out = _scalar(f(*args.trees), "hessian")
            gradients = grad(out, args.leaves, create_graph=True)
            columns = [_along(gradients, {x: 1.0}, args.nested, "hessian") for x in args.leaves]
        return args.blocks(_rows(columns, len(gradients)))

    return _taking_the_arguments_of(f, hessian_of_f)


def jacobian(f: Vector, mode: Literal["reverse", "forward"] = "reverse") -> Callable[..., Any]:
    """``f`` (returning Values) -> the function returning J[k][i] = ∂f_k/∂x_i.

    ``mode="reverse"`` takes one backward pass per output (a row each); ``mode="forward"``
    one forward pass per input leaf (a column each): the same matrix, at the cost of
    whichever is fewer. A Value returned alone counts as a list of one; J is shaped as the
    outputs, each entry a list over the arguments, each shaped as its argument.
    """
    if mode not in JACOBIAN_MODES:
        raise ValueError(f"jacobian: mode must be 'reverse' or 'forward', got {mode!r}")

    def jacobian_of_f(*xs: Tree) -> Any:
        with _transform() as inside:
            args = _arguments(xs, "jacobian", inside)
            outputs = _outputs(f(*args.trees), "jacobian")
            if mode == "reverse":
                rows = [
                    list(grad(y, args.leaves, create_graph=args.nested)) for y in outputs.leaves
                ]
            else:
                columns = [
                    _along(outputs.leaves, {x: 1.0}, args.nested, "jacobian") for x in args.leaves
                ]
                rows = _rows(columns, len(outputs.leaves))
        return outputs.as_list_shaped([args.shaped(row) for row in rows])

    return _taking_the_arguments_of(f, jacobian_of_f)


def _value_and_grad(f: Scalar, xs: Sequence[Tree], where: str) -> tuple[Tree, list[Tree]]:
    with _transform() as inside:
        args = _arguments(xs, where, inside)
        out = _scalar(f(*args.trees), where)
        gradients = grad(out, args.leaves, create_graph=args.nested)
        return _results([out], args.nested)[0], args.shaped(list(gradients))


T = TypeVar("T", bound=Callable[..., Any])


def _taking_the_arguments_of(f: Callable[..., Any], transformed: T) -> T:
    """``transformed``, marked as taking f's arguments (``__wrapped__``), so that
    ``inspect.signature`` reads f's parameters through it: gradcheck's messages and compile's
    listing name ``gradient(f)``'s arguments after f's (``x``, ``y``), not ``xs``."""
    return cast(T, functools.update_wrapper(transformed, f, assigned=(), updated=()))


# How many transforms are running in this thread or task: their ``f`` may close over their
# variables, so a transform called inside one returns Values (see the module docstring).
_running: ContextVar[int] = ContextVar("chainrule_transforms_running", default=0)


@contextmanager
def _transform() -> Iterator[bool]:
    """A transform's body: a graph is recorded whatever the mode, and one more transform
    runs. Yields whether another transform encloses this one."""
    enclosing = _running.get()
    token = _running.set(enclosing + 1)
    try:
        with enable_grad():
            yield enclosing > 0
    finally:
        _running.reset(token)


@dataclass(frozen=True)
class _Arguments:
    """What ``f`` is called with: each argument's tree with a fresh Value for each leaf."""

    leaves: list[Value]  # the fresh Values, in reading order over every argument
    shape: TreeDef  # the arguments' shape: a list of one tree per argument
    nested: bool  # whether the results are Values

    @property
    def trees(self) -> list[Tree]:
        return cast(list[Tree], unflatten(self.shape, self.leaves))

    def shaped(self, per_leaf: Sequence[Any]) -> list[Tree]:
        """One item per input leaf, as one tree per argument, each shaped as its argument."""
        return cast(list[Tree], unflatten(self.shape, per_leaf))

    def blocks(self, matrix: list[list[Any]]) -> list[list[Tree]]:
        """A matrix over the input leaves as blocks [i][j]: shaped as argument i, each of
        its leaves a tree shaped as argument j (for number arguments, the matrix itself)."""
        arguments = self.shape.children
        rows = [  # each row as a list of runs, run j shaped as argument j
            [unflatten(x_j, run) for x_j, run in zip(arguments, _runs(row, arguments), strict=True)]
            for row in matrix
        ]
        return [
            [unflatten(x_i, [row[j] for row in rows_i]) for j in range(len(arguments))]
            for x_i, rows_i in zip(arguments, _runs(rows, arguments), strict=True)
        ]


def _runs(items: Sequence[Any], shapes: Sequence[TreeDef]) -> list[Sequence[Any]]:
    """``items`` cut into consecutive runs, one per shape, each as long as its leaves."""
    runs, start = [], 0
    for shape in shapes:
        runs.append(items[start : start + shape.num_leaves])
        start += shape.num_leaves
    return runs


@dataclass(frozen=True)
class _Outputs:
    """What ``f`` returned: its Values in reading order, and its shape."""

    leaves: list[Value]
    shape: TreeDef
    single: bool  # f returned one Value, not a tree of them

    @property
    def as_list(self) -> TreeDef:
        """The shape, a single Value counted as a list of one."""
        return TreeDef("list", (LEAF,)) if self.single else self.shape

    def shaped(self, per_output: Sequence[Any]) -> Tree:
        return unflatten(self.shape, per_output)

    def as_list_shaped(self, per_output: Sequence[Any]) -> Tree:
        return unflatten(self.as_list, per_output)


def _arguments(xs: Sequence[Tree], where: str, inside: bool) -> _Arguments:
    """One fresh Value per leaf of the arguments; the results are Values (nested) when a
    transform encloses this one (``inside``) or any leaf is a Value.

    A number becomes a leaf. A Value becomes ``x * 1.0``, a new node (so each argument is
    its own variable) whose derivative 1 connects it to ``x`` (so an outer transform can
    differentiate through it); multiplying by 1 changes no float, not even -0.0.
    """
    if isinstance(xs, (Value, str)) or not isinstance(xs, Sequence):
        raise TypeError(f"{where}: inputs must be a list of numbers or Values, got {xs!r}")
    found, shape = flatten(list(xs))
    fresh = []
    for x, path in zip(found, leaf_paths(shape), strict=True):
        if isinstance(x, Value):
            copy = x * 1.0
            copy.label = x.label
            fresh.append(copy)
        else:
            fresh.append(Value(as_float(x, f"{where}: {_place('argument', path)}")))
    return _Arguments(fresh, shape, inside or _any_value(found))


def _like(tree: Any, shape: TreeDef, what: str, per: str) -> list[Any]:
    """The leaves of a tangent or cotangent tree, numbers or Values, after checking that it
    has ``shape``: one item per input (or output), each shaped as it."""
    if isinstance(tree, (Value, str)) or not isinstance(tree, Sequence):
        raise TypeError(f"{what} must be a list of numbers, got {type(tree).__name__} {tree!r}")
    if len(tree) != len(shape.children):
        raise ValueError(f"{what}: expected {len(shape.children)}, one per {per}, got {len(tree)}")
    found, given = flatten(list(tree))
    for i, (expected, actual) in enumerate(zip(shape.children, given.children, strict=True)):
        if actual != expected:
            raise ValueError(
                f"{what}[{i}] has the shape {actual}, {per} {i} has {expected}: "
                f"one number for each number of the {per}"
            )
    return [
        t if isinstance(t, Value) else as_float(t, f"{what}{_index(path)}")
        for t, path in zip(found, leaf_paths(shape), strict=True)
    ]


def _outputs(out: Any, where: str) -> _Outputs:
    """What ``f`` returned as its Values in reading order, and its shape."""
    if isinstance(out, Value):
        return _Outputs([_scalar(out, where)], LEAF, True)
    found, shape = flatten(out)
    if not isinstance(out, (list, tuple)) or not found:
        raise TypeError(
            f"{where}: f must return a Value or a non-empty list of Values, "
            f"got {type(out).__name__} {out!r}"
        )
    checked = [
        _scalar(y, f"{where}: {_place('output', path)}")
        for y, path in zip(found, leaf_paths(shape), strict=True)
    ]
    return _Outputs(checked, shape, False)


def _index(path: tuple[int, ...]) -> str:
    """A leaf's place for messages: ``[1][0]``."""
    return "".join(f"[{i}]" for i in path)


def _place(what: str, path: tuple[int, ...]) -> str:
    """``argument 1``, and ``argument 1[0][2]`` for a leaf inside argument 1."""
    return f"{what} {path[0]}{_index(path[1:])}"


def _along(outputs: Sequence[Value], seeds: forward.Seeds, nested: bool, where: str) -> list[Any]:
    """Each output's derivative along the seeds, from one forward pass."""
    found = forward.tangents(outputs, seeds, create_graph=nested, where=where)
    return [forward.as_result(found.get(y, 0.0), nested) for y in outputs]


def _rows(columns: list[list[Any]], n_rows: int) -> list[list[Any]]:
    """A matrix given as its columns, as a list of rows."""
    return [[column[k] for column in columns] for k in range(n_rows)]


def _any_value(items: Sequence[Any]) -> bool:
    return any(isinstance(item, Value) for item in items)


def _scalar(out: Any, where: str) -> Value:
    """``out`` if it is a Value with a graph; otherwise the error ``grad`` would give."""
    check_has_graph(out, where)
    return cast(Value, out)


def _results(outputs: Sequence[Value], nested: bool) -> list[Any]:
    """Values as the caller gets them: the Values themselves when nested, else floats."""
    return list(outputs) if nested else [y.data for y in outputs]

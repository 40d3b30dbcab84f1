"""Function transforms in the style of JAX, for functions of scalar Values.

``jvp(f, inputs, tangents)`` (forward mode) and ``vjp(f, inputs, cotangents)`` (reverse mode)
evaluate ``f`` and one directional derivative; ``value_and_grad(f)``, ``gradient(f)``,
``hessian(f)`` and ``jacobian(f)`` turn ``f`` into the function that returns its derivatives.
Each is a few lines over ``grad`` and ``autograd.forward``.

They share two rules:

- ``f`` is called with one fresh Value per argument, so a derivative is the partial
  derivative with respect to that argument, even when two arguments hold the same Value.
- Numbers in, numbers out: called with plain numbers, they return floats. Called with
  Values (as an outer transform calls an inner one), they return Values built with
  ``create_graph=True`` and connected to the Values passed, so the transforms nest:
  ``gradient(lambda x: gradient(f)(x)[0])(2.0)`` is f''(2).

They record a graph even inside ``no_grad()``: a transform's result does not depend on the
mode around it (as in ``torch.func``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal, cast, overload

from autograd import forward
from autograd.grad_mode import enable_grad
from autograd.gradients import grad
from autograd.value import Operand, Value, as_float, check_has_graph, dot

Derivative = float | Value  # a float, or a Value when the arguments were Values
Scalar = Callable[..., Value]
Vector = Callable[..., Sequence[Value]]
JACOBIAN_MODES = ("reverse", "forward")


@overload
def jvp(
    f: Scalar, inputs: Sequence[Operand], tangents: Sequence[Operand]
) -> tuple[Derivative, Derivative]: ...
@overload
def jvp(
    f: Vector, inputs: Sequence[Operand], tangents: Sequence[Operand]
) -> tuple[list[Derivative], list[Derivative]]: ...
def jvp(f: Callable[..., Any], inputs: Sequence[Operand], tangents: Sequence[Operand]) -> Any:
    """(f(*inputs), its derivative along ``tangents``): forward mode, one pass for any n inputs.

    The derivative is Σ_i ∂f/∂input_i × tangents[i], the Jacobian times the tangent vector;
    ``f`` returns a Value (then both are scalars) or a list of Values (then both are lists).
    """
    with enable_grad():
        args, nested = _arguments(inputs, "jvp")
        direction = _vector(tangents, len(args), "jvp: tangents", "input")
        nested = nested or any(isinstance(t, Value) for t in direction)
        outputs, single = _outputs(f(*args), "jvp")
        seeds = dict(zip(args, direction, strict=True))
        derivatives = _along(outputs, seeds, nested, "jvp")
        values = [_result(y, nested) for y in outputs]
    return (values[0], derivatives[0]) if single else (values, derivatives)


@overload
def vjp(
    f: Scalar, inputs: Sequence[Operand], cotangents: Operand
) -> tuple[Derivative, list[Derivative]]: ...
@overload
def vjp(
    f: Vector, inputs: Sequence[Operand], cotangents: Sequence[Operand]
) -> tuple[list[Derivative], list[Derivative]]: ...
def vjp(f: Callable[..., Any], inputs: Sequence[Operand], cotangents: Any) -> Any:
    """(f(*inputs), ``cotangents`` times its Jacobian): reverse mode, one pass for any n outputs.

    The result's entry i is Σ_k cotangents[k] × ∂f_k/∂input_i; for an ``f`` that returns one
    Value, ``cotangents`` is one number and the result is its gradient scaled by it.
    """
    with enable_grad():
        args, nested = _arguments(inputs, "vjp")
        outputs, single = _outputs(f(*args), "vjp")
        vector = [cotangents] if single else cotangents
        weights = _vector(vector, len(outputs), "vjp: cotangents", "output")
        nested = nested or any(isinstance(u, Value) for u in weights)
        derivatives = list(grad(dot(weights, outputs), args, create_graph=nested))
        values = [_result(y, nested) for y in outputs]
    return (values[0] if single else values), derivatives


def value_and_grad(f: Scalar) -> Callable[..., tuple[Derivative, list[Derivative]]]:
    """``f`` -> the function returning (f(*xs), [∂f/∂x_0, ∂f/∂x_1, ...]), from one backward pass."""

    def value_and_grad_of_f(*xs: Operand) -> tuple[Derivative, list[Derivative]]:
        return _value_and_grad(f, xs, "value_and_grad")

    return value_and_grad_of_f


def gradient(f: Scalar) -> Callable[..., list[Derivative]]:
    """``f`` -> the function returning its gradient [∂f/∂x_0, ∂f/∂x_1, ...] (not ``grad``,
    which differentiates a graph already built: ``gradient`` transforms a function)."""

    def gradient_of_f(*xs: Operand) -> list[Derivative]:
        return _value_and_grad(f, xs, "gradient")[1]

    return gradient_of_f


def hessian(f: Scalar) -> Callable[..., list[list[Derivative]]]:
    """``f`` -> the function returning its Hessian, H[i][j] = ∂²f/∂x_i∂x_j, as a list of rows.

    Forward over reverse: the gradient is built once as a graph (``create_graph=True``), then
    one forward pass per argument pushes e_j through it and gives column j.
    """

    def hessian_of_f(*xs: Operand) -> list[list[Derivative]]:
        with enable_grad():
            args, nested = _arguments(xs, "hessian")
            gradients = grad(_scalar(f(*args), "hessian"), args, create_graph=True)
            columns = [_along(gradients, {arg: 1.0}, nested, "hessian") for arg in args]
        return _rows(columns, len(gradients))

    return hessian_of_f


def jacobian(
    f: Vector, mode: Literal["reverse", "forward"] = "reverse"
) -> Callable[..., list[list[Derivative]]]:
    """``f`` (returning a list of Values) -> the function returning J[k][i] = ∂f_k/∂x_i.

    ``mode="reverse"`` takes one backward pass per output (a row each); ``mode="forward"``
    one forward pass per argument (a column each): the same matrix, at the cost of whichever
    is fewer. A Value returned alone counts as a list of one.
    """
    if mode not in JACOBIAN_MODES:
        raise ValueError(f"jacobian: mode must be 'reverse' or 'forward', got {mode!r}")

    def jacobian_of_f(*xs: Operand) -> list[list[Derivative]]:
        with enable_grad():
            args, nested = _arguments(xs, "jacobian")
            outputs, _ = _outputs(f(*args), "jacobian")
            if mode == "reverse":
                return [list(grad(y, args, create_graph=nested)) for y in outputs]
            columns = [_along(outputs, {arg: 1.0}, nested, "jacobian") for arg in args]
        return _rows(columns, len(outputs))

    return jacobian_of_f


def _value_and_grad(
    f: Scalar, xs: Sequence[Operand], where: str
) -> tuple[Derivative, list[Derivative]]:
    with enable_grad():
        args, nested = _arguments(xs, where)
        out = _scalar(f(*args), where)
        return _result(out, nested), list(grad(out, args, create_graph=nested))


def _along(
    outputs: Sequence[Value], seeds: forward.Seeds, nested: bool, where: str
) -> list[Derivative]:
    """Each output's derivative along the seeds, from one forward pass."""
    found = forward.tangents(outputs, seeds, create_graph=nested, where=where)
    return [forward.as_result(found.get(y, 0.0), nested) for y in outputs]


def _rows(columns: list[list[Derivative]], n_rows: int) -> list[list[Derivative]]:
    """A matrix given as its columns, as a list of rows."""
    return [[column[k] for column in columns] for k in range(n_rows)]


def _arguments(xs: Sequence[Operand], where: str) -> tuple[list[Value], bool]:
    """One fresh Value per argument, and whether any argument was a Value.

    A number becomes a leaf. A Value becomes ``x * 1.0``, a new node (so each argument is
    its own variable) whose derivative 1 connects it to ``x`` (so an outer transform can
    differentiate through it); multiplying by 1 changes no float, not even -0.0.
    """
    if isinstance(xs, (Value, str)) or not isinstance(xs, Sequence):
        raise TypeError(f"{where}: inputs must be a list of numbers or Values, got {xs!r}")
    args = []
    for i, x in enumerate(xs):
        if isinstance(x, Value):
            copy = x * 1.0
            copy.label = x.label
            args.append(copy)
        else:
            args.append(Value(as_float(x, f"{where}: argument {i}")))
    return args, any(isinstance(x, Value) for x in xs)


def _vector(vector: Any, n: int, what: str, per: str) -> list[Operand]:
    """A tangent or cotangent vector: n numbers or Values, one per input (or output)."""
    if isinstance(vector, (Value, str)) or not isinstance(vector, Sequence):
        raise TypeError(f"{what} must be a list of numbers, got {type(vector).__name__} {vector!r}")
    if len(vector) != n:
        raise ValueError(f"{what}: expected {n}, one per {per}, got {len(vector)}")
    return [
        t if isinstance(t, Value) else as_float(t, f"{what}[{i}]") for i, t in enumerate(vector)
    ]


def _outputs(out: Any, where: str) -> tuple[list[Value], bool]:
    """What ``f`` returned as a list of Values, and whether it was a single Value."""
    if isinstance(out, Value):
        return [_scalar(out, where)], True
    if isinstance(out, (list, tuple)) and out:
        return [_scalar(y, f"{where}: output {k}") for k, y in enumerate(out)], False
    raise TypeError(
        f"{where}: f must return a Value or a non-empty list of Values, "
        f"got {type(out).__name__} {out!r}"
    )


def _scalar(out: Any, where: str) -> Value:
    """``out`` if it is a Value with a graph; otherwise the error ``grad`` would give."""
    check_has_graph(out, where)
    return cast(Value, out)


def _result(out: Value, nested: bool) -> Derivative:
    """A value as the caller gets it: the Value itself when nested, else its float."""
    return out if nested else out.data

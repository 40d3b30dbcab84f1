"""Check analytic gradients against central finite differences.

Public API for users' own tests: ``gradcheck(f, inputs)`` compares ``grad`` of ``f`` with
(f(x + eps) - f(x - eps)) / (2 eps) for each input; ``gradgradcheck`` does the same for
every first derivative, so it checks the second derivatives.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Sequence

from autograd.gradients import grad
from autograd.value import Number, Value, as_float

Function = Callable[..., Value]


class GradcheckError(AssertionError):
    """An analytic derivative disagrees with its finite-difference estimate."""


def gradcheck(
    f: Function,
    inputs: Sequence[Number | Value],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-4,
) -> bool:
    """True when every d f/d input matches central differences within atol + rtol * |numeric|.

    ``f`` takes one Value per input and returns a Value. ``inputs`` (numbers or Values)
    are left unchanged: ``f`` runs on fresh leaves holding the same data and labels (an
    input without a label gets the name of ``f``'s parameter). Raises ``GradcheckError``
    naming the first input that disagrees. ``eps`` must be a finite number > 0, ``atol`` and
    ``rtol`` finite numbers >= 0 (a TypeError or ValueError names the one that is not).
    """
    _check_tolerances(eps, atol, rtol, "gradcheck")
    points, labels = _points(f, inputs)
    leaves = [Value(p, label) for p, label in zip(points, labels, strict=True)]
    analytic = grad(_call(f, leaves), leaves)
    for i, a in enumerate(analytic):
        n = _central_difference(f, points, i, eps)
        if not abs(a - n) <= atol + rtol * abs(n):
            raise GradcheckError(
                f"gradcheck: d f/d {_input_name(i, labels)} at {points}: "
                f"analytic {a!r}, numeric {n!r} (atol={atol}, rtol={rtol})"
            )
    return True


def gradgradcheck(
    f: Function,
    inputs: Sequence[Number | Value],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-4,
) -> bool:
    """``gradcheck`` on each first derivative of ``f``: checks every second derivative."""
    _check_tolerances(eps, atol, rtol, "gradgradcheck")
    points, labels = _points(f, inputs)
    named = [Value(p, label) for p, label in zip(points, labels, strict=True)]
    for j in range(len(inputs)):

        def first_derivative(*xs: Value, j: int = j) -> Value:
            return grad(_call(f, list(xs)), xs, create_graph=True)[j]

        try:
            gradcheck(first_derivative, named, eps, atol, rtol)
        except GradcheckError as exc:
            raise GradcheckError(
                f"gradgradcheck, derivative of d f/d {_input_name(j, labels)}: {exc}"
            ) from None
    return True


def _points(f: Function, inputs: Sequence[Number | Value]) -> tuple[list[float], list[str]]:
    """The inputs' floats, and a name for each: its label, else f's parameter name, else ''."""
    points, labels = [], []
    parameters = parameter_names(f)
    for i, x in enumerate(inputs):
        if isinstance(x, Value):
            points.append(x.data)
            labels.append(x.label)
        else:
            points.append(as_float(x, f"gradcheck inputs[{i}]"))
            labels.append("")
        if not labels[i] and i < len(parameters):
            labels[i] = parameters[i]
    return points, labels


def parameter_names(f: Callable[..., object]) -> list[str]:
    """The names of f's leading positional parameters (none for ``*args`` or a builtin):
    what messages and listings call f's arguments (gradcheck here, compile's listing)."""
    try:
        parameters = inspect.signature(f).parameters.values()
    except (TypeError, ValueError):
        return []
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    names = []
    for parameter in parameters:
        if parameter.kind not in positional:
            break
        names.append(parameter.name)
    return names


def _check_tolerances(eps: object, atol: object, rtol: object, where: str) -> None:
    """A TypeError for a tolerance that is no real number, a ValueError for one out of range:
    a step of 0 divides by zero, a NaN or negative one compares false, an infinite one
    passes every derivative."""
    for name, value, least in (("eps", eps, "> 0"), ("atol", atol, ">= 0"), ("rtol", rtol, ">= 0")):
        number = as_float(value, f"{where}: {name}")
        if not math.isfinite(number) or number < 0 or (number == 0 and least == "> 0"):
            raise ValueError(f"{where}: {name} must be a finite number {least}, got {value!r}")


def _input_name(i: int, labels: list[str]) -> str:
    """How messages name input i: ``input 1 ('x')``, or ``input 1`` without a name."""
    return f"input {i} ({labels[i]!r})" if labels[i] else f"input {i}"


def _call(f: Function, xs: list[Value]) -> Value:
    out = f(*xs)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: f must return a Value, got {type(out).__name__} {out!r}")
    return out


def _central_difference(f: Function, points: list[float], i: int, eps: float) -> float:
    def f_at(shift: float) -> float:
        shifted = list(points)
        shifted[i] += shift
        return _call(f, [Value(p) for p in shifted]).data  # with a graph: f may call grad

    plus, minus = f_at(eps), f_at(-eps)
    if not (math.isfinite(plus) and math.isfinite(minus)):
        return math.nan
    return (plus - minus) / (2 * eps)

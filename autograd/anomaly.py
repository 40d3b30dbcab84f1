"""Anomaly mode's records and errors: where each node was made, and what was not finite.

Anomaly mode (autograd.grad_mode) makes every op remember the user's source line that
called it: the innermost frame outside the autograd package, so a line of the user's
code (or of ``nn``), never one of ours. Errors in anomaly mode name that line. The lines
are kept in a table keyed weakly by node, so a node carries nothing extra for it and the
table never keeps a graph alive. This module knows a node only by its public fields
(``data``, ``label``, ``op_name``, ``inputs``, ``local_grads``), so it imports nothing of
autograd; its callers pass in how to describe an operand.
"""

from __future__ import annotations

import linecache
import os
import sys
from collections.abc import Callable
from math import isfinite
from typing import Any, NamedTuple, NoReturn
from weakref import WeakKeyDictionary

_PACKAGE_DIR = os.path.dirname(__file__) + os.sep


class Origin(NamedTuple):
    """A source line that called into autograd: file, line number and function."""

    filename: str
    lineno: int
    function: str

    @property
    def source(self) -> str:
        """The text of the line, stripped ('' when the file cannot be read)."""
        return linecache.getline(self.filename, self.lineno).strip()

    def __str__(self) -> str:
        where = f"{self.filename}:{self.lineno} in {self.function}"
        source = self.source
        return f"{where}: {source}" if source else where


def caller() -> Origin:
    """The line that called into autograd: the innermost frame outside the package."""
    frame = sys._getframe(1)
    while frame.f_code.co_filename.startswith(_PACKAGE_DIR) and frame.f_back is not None:
        frame = frame.f_back
    return Origin(frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name)


_origins: WeakKeyDictionary[Any, Origin] = WeakKeyDictionary()


def remember_origin(node: Any) -> None:
    """Record that ``node`` is being made by the line that called into autograd."""
    _origins[node] = caller()


def origin(node: Any) -> Origin | None:
    """Where ``node`` was made, if anomaly mode was on when it was; else None."""
    return _origins.get(node)


def made_at(node: Any) -> str:
    """'made at FILE:LINE in FUNCTION: SOURCE', or why the line is unknown (for messages)."""
    where = origin(node)
    if where is None:
        return "made outside detect_anomaly(), so its line is unknown"
    return f"made at {where}"


def not_finite(call: str, out: float) -> FloatingPointError:
    """The error for an op whose result ``out`` is inf or NaN; ``call`` shows the op applied
    to its operands."""
    return FloatingPointError(
        f"{call} = {out!r}, not a finite number (detect_anomaly); at {caller()}"
    )


def non_finite_gradient(
    describe: Callable[[Any], str], node: Any, position: int | None, upstream: float, so_far: float
) -> NoReturn:
    """Raise FloatingPointError for the gradient that input ``position`` of ``node`` would
    get (so_far + local * upstream), naming the node, its op and the line that made it.
    ``describe`` shows the input; with it bound, this is the engine's non-finite handler."""
    if position is None:
        raise FloatingPointError(f"backward: the seed gradient is {upstream!r}, not finite")
    local = node.local_grads[position]
    term = local * upstream
    if isfinite(term):
        how = f"the gradient so far {so_far!r} + local {local!r} × upstream {upstream!r}"
    else:
        how = f"local derivative {local!r} × upstream gradient {upstream!r}"
    name = f"{node.label!r} " if node.label else ""
    raise FloatingPointError(
        f"backward: the gradient of {describe(node.inputs[position])} through input "
        f"{position} of the {node.op_name} node {name}(= {node.data!r}) is {so_far + term!r}: "
        f"{how} (detect_anomaly); the node was {made_at(node)}"
    )

"""Where each node was made, remembered while ``detect_anomaly()`` is on.

Anomaly mode (autograd.grad_mode) makes every op remember the user's source line that
called it: the innermost frame outside the autograd package, so a line of the user's
code (or of ``nn``), never one of ours. Errors in anomaly mode name that line. The lines
are kept in a table keyed weakly by node, so a node carries nothing extra for it and the
table never keeps a graph alive.
"""

from __future__ import annotations

import linecache
import os
import sys
from typing import Any, NamedTuple
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

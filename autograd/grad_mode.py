"""Whether ops record a graph: on by default, off inside ``no_grad()``.

The mode lives in a context variable, so each thread (and each asyncio task) has its own
and a ``with no_grad():`` in one never switches recording off in another.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ContextDecorator
from contextvars import ContextVar, Token
from typing import Any

_enabled: ContextVar[bool] = ContextVar("chainrule_grad_enabled", default=True)


# is_grad_enabled() is True when new ops record their inputs and local derivatives. It is
# the context variable's own getter, as every op calls it.
is_grad_enabled: Callable[[], bool] = _enabled.get


class _GradMode(ContextDecorator):
    """Set the grad mode inside a ``with`` block or a decorated function, then restore it."""

    _mode: bool

    def __init__(self) -> None:
        self._tokens: list[Token[bool]] = []

    def __enter__(self) -> None:
        self._tokens.append(_enabled.set(self._mode))

    def __exit__(self, *exc: Any) -> None:
        _enabled.reset(self._tokens.pop())

    def _recreate_cm(self) -> _GradMode:
        return type(self)()  # a decorated function gets a fresh context per call


class no_grad(_GradMode):  # noqa: N801 (named like the statement it stands for, as in PyTorch)
    """Ops inside record no graph: for parameter updates and evaluation."""

    _mode = False


class enable_grad(_GradMode):  # noqa: N801
    """Ops inside record a graph, even within ``no_grad()``."""

    _mode = True

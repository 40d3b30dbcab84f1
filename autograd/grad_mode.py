"""Whether ops record a graph: on by default, off inside ``no_grad()``.

The mode lives in a context variable, so each thread (and each asyncio task) has its own
and a ``with no_grad():`` in one never switches recording off in another.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ContextDecorator
from contextvars import ContextVar
from typing import Any, TypeVar

_enabled: ContextVar[bool] = ContextVar("chainrule_grad_enabled", default=True)
# The modes that the open ``with`` blocks of this context will restore, innermost last.
# Blocks nest within a context, so one stack serves every instance, thread and task.
_outer_modes: ContextVar[tuple[bool, ...]] = ContextVar("chainrule_outer_modes", default=())
F = TypeVar("F", bound=Callable[..., Any])


# is_grad_enabled() is True when new ops record their inputs and local derivatives. It is
# the context variable's own getter, as every op calls it.
is_grad_enabled: Callable[[], bool] = _enabled.get


class _GradMode(ContextDecorator):
    """Set the grad mode inside a ``with`` block or a decorated function, then restore it.

    Usable as ``with no_grad():``, ``@no_grad()`` and ``@no_grad``. What each ``with`` must
    restore is kept per context (per thread, per asyncio task), not on the instance, so one
    instance (a decorated function's) may be entered from several threads at once.
    """

    _mode: bool

    def __new__(cls, func: F | None = None) -> Any:
        if func is None:
            return super().__new__(cls)
        if not callable(func):
            raise TypeError(
                f"{cls.__name__}() takes no arguments, or decorates a function; "
                f"got {type(func).__name__} {func!r}"
            )
        return cls()(func)  # @no_grad without parentheses

    def __init__(self, func: F | None = None) -> None:
        pass  # __new__ handled func; an instance keeps no state of its own

    def __enter__(self) -> None:
        _outer_modes.set((*_outer_modes.get(), _enabled.get()))
        _enabled.set(self._mode)

    def __exit__(self, *exc: object) -> None:
        *outer, mode = _outer_modes.get()
        _outer_modes.set(tuple(outer))
        _enabled.set(mode)


class no_grad(_GradMode):  # noqa: N801 (named like the statement it stands for, as in PyTorch)
    """Ops inside record no graph: for parameter updates and evaluation."""

    _mode = False


class enable_grad(_GradMode):  # noqa: N801
    """Ops inside record a graph, even within ``no_grad()``."""

    _mode = True

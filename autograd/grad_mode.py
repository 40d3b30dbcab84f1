"""The modes ops run in: whether they record a graph, whether they check for anomalies, and
whether ``compile`` is tracing them.

Recording is on by default and off inside ``no_grad()`` (``enable_grad()`` turns it back
on); ``detect_anomaly()`` adds checks for non-finite values on top of either; ``tracing``
(compile's) refuses a Python branch on a Value. All live in one context variable, so each
thread (and each asyncio task) has its own mode, a ``with`` block in one never changes
another, and an op reads the whole mode with one call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ContextDecorator, contextmanager
from contextvars import ContextVar
from typing import Any, Literal, NamedTuple, TypeVar

# What a comparison or bool() on a Value calls while a function is traced: (value, test, other).
BranchHook = Callable[[Any, str, object], None]


class TracingError(TypeError):
    """A function being traced branched on a Value's data (``if v < 0``, ``bool(v)``), or
    a graph holds a derivative whose rule did (compile refuses either)."""


class Mode(NamedTuple):
    """What ops do: record a graph or not, check for non-finite values or not, and while
    compile traces a function, what a Python branch on a Value calls (it raises)."""

    recording: bool
    anomaly: bool
    tracing: BranchHook | None = None


DEFAULT = Mode(recording=True, anomaly=False)
# The context variable holds False in the default mode and the Mode in force otherwise, so
# that an op tells the common case with the same single truth test it would make of a
# bool, ``if not special_mode():``, and only the other modes take a slower path.
_special: ContextVar[Mode | Literal[False]] = ContextVar("chainrule_mode", default=False)
# The modes that the open ``with`` blocks of this context will restore, innermost last.
# Blocks nest within a context, so one stack serves every instance, thread and task.
_outer_modes: ContextVar[tuple[Mode | Literal[False], ...]] = ContextVar(
    "chainrule_outer_modes", default=()
)
F = TypeVar("F", bound=Callable[..., Any])

# special_mode() is False in the default mode, else the Mode in force. It is the context
# variable's own getter, as every op calls it.
special_mode: Callable[[], Mode | Literal[False]] = _special.get


def current_mode() -> Mode:
    """The mode in force in this thread or task."""
    return _special.get() or DEFAULT


def is_grad_enabled() -> bool:
    """True when new ops record their inputs and local derivatives."""
    return current_mode().recording


def is_anomaly_enabled() -> bool:
    """True inside ``detect_anomaly()``: ops and backward check for non-finite values."""
    return current_mode().anomaly


class _ModeSwitch(ContextDecorator):
    """Change the mode inside a ``with`` block or a decorated function, then restore it.

    Usable as ``with no_grad():``, ``@no_grad()`` and ``@no_grad``. What each ``with`` must
    restore is kept per context (per thread, per asyncio task), not on the instance, so one
    instance (a decorated function's) may be entered from several threads at once. A
    subclass sets what it switches: ``_recording``, ``_anomaly`` (None keeps the outer one).
    """

    _recording: bool | None = None
    _anomaly: bool | None = None

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
        _outer_modes.set((*_outer_modes.get(), _special.get()))
        outer = current_mode()
        recording = outer.recording if self._recording is None else self._recording
        anomaly = outer.anomaly if self._anomaly is None else self._anomaly
        mode = outer._replace(recording=recording, anomaly=anomaly)  # tracing carries on
        _special.set(False if mode == DEFAULT else mode)

    def __exit__(self, *exc: object) -> None:
        *outer, mode = _outer_modes.get()
        _outer_modes.set(tuple(outer))
        _special.set(mode)


class no_grad(_ModeSwitch):  # noqa: N801 (named like the statement it stands for, as in PyTorch)
    """Ops inside record no graph: for parameter updates and evaluation."""

    _recording = False


class enable_grad(_ModeSwitch):  # noqa: N801
    """Ops inside record a graph, even within ``no_grad()``."""

    _recording = True


class detect_anomaly(_ModeSwitch):  # noqa: N801 (PyTorch's name)
    """Catch the first value or gradient that is not finite, naming the line that made it.

    Inside, each op remembers the user's source line that called it, an op whose result is
    inf or NaN raises ``FloatingPointError`` naming the op, its operands and that line, and
    ``backward()`` (or ``grad``) raises on the first non-finite gradient, naming the node,
    its op and the line that made it. Off (the default), none of this costs anything, and
    arithmetic follows IEEE: ``Value(1e308) * 10`` is inf, silently; inside, it raises.
    """

    _anomaly = True


@contextmanager
def tracing(on_branch: BranchHook) -> Iterator[None]:
    """While ``compile`` traces a function: a comparison or bool() on a Value calls
    ``on_branch(value, test, other)``, which raises, because a Python branch would bake the
    traced example's outcome into the compiled code. Ops record as in the outer mode."""
    token = _special.set(current_mode()._replace(tracing=on_branch))
    try:
        yield
    finally:
        _special.reset(token)

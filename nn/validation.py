"""Checks of the numbers users pass to nn (sizes, epochs, learning rates, noise), in one place.

Each check returns the number, converted, or raises an error that names where it was
passed, what it is and the offending value: a wrong type is a ``TypeError``, a number
out of range a ``ValueError``. ``preview`` and ``listing`` bound what a message quotes, so
an error about a huge value (a file's contents, 200,000 keys) stays a few lines long.
"""

from __future__ import annotations

import math
import operator
import reprlib
from collections.abc import Sequence
from typing import Any

from autograd.value import is_real_number


class _Preview(reprlib.Repr):
    """reprlib's shortened repr, which also shows an int too long for ``repr`` (Python
    refuses ints of over 4,300 digits as text) by its length."""

    def repr_int(self, x: int, level: int) -> str:
        if x.bit_length() > 14_000:  # about 4,200 digits
            return f"<an int of about {round(x.bit_length() * math.log10(2)):,} digits>"
        return super().repr_int(x, level)


_REPR = _Preview()
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother = 3, 60, 60
PREVIEW_LENGTH = 100


def preview(x: object) -> str:
    """``repr(x)``, shortened: a few items of each list, a few levels deep, a bounded length."""
    return shortened(_REPR.repr(x), PREVIEW_LENGTH)


def shortened(text: str, length: int) -> str:
    """``text`` if it has at most ``length`` characters, else its start and "..."."""
    return text if len(text) <= length else text[: length - 3] + "..."


def listing(items: Sequence[object], shown: int = 5) -> str:
    """``['a', 'b', 'c'] and 7 more``: the first ``shown`` items quoted, then how many others."""
    head = "[" + ", ".join(preview(item) for item in items[:shown]) + "]"
    return head if len(items) <= shown else f"{head} and {len(items) - shown} more"


def count(x: Any, what: str, where: str, minimum: int = 1, maximum: int | None = None) -> int:
    """``x`` as an int, if it is an integer (an int or NumPy's, not a bool) from ``minimum``
    to ``maximum``."""
    try:
        if isinstance(x, bool):
            raise TypeError
        n = operator.index(x)
    except TypeError:
        raise TypeError(
            f"{where}: {what} must be an int, got {type(x).__name__} {preview(x)}"
        ) from None
    if n < minimum:
        raise ValueError(f"{where}: {what} must be at least {minimum}, got {preview(n)}")
    if maximum is not None and n > maximum:
        raise ValueError(f"{where}: {what} must be at most {maximum:,}, got {preview(n)}")
    return n


def real(
    x: Any,
    what: str,
    where: str,
    low: float,
    high: float = math.inf,
    low_inclusive: bool = True,
) -> float:
    """``x`` as a float if low <= x < high (low < x when not ``low_inclusive``); NaN never is.

    Any real number the engine takes is accepted (int, float, Fraction, NumPy scalars)."""
    if not is_real_number(x):
        raise TypeError(f"{where}: {what} must be a number, got {type(x).__name__} {preview(x)}")
    try:
        number = float(x)
    except OverflowError:
        raise ValueError(f"{where}: {what} is too large for a float, got {preview(x)}") from None
    above = number >= low if low_inclusive else number > low
    if not (above and number < high):
        bound = "[" if low_inclusive else "("
        raise ValueError(f"{where}: {what} must lie in {bound}{low}, {high}), got {preview(x)}")
    return number

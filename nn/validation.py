"""Checks of the numbers users pass to nn (sizes, epochs, learning rates, noise), in one place.

Each check returns the number, converted, or raises an error that names where it was
passed, what it is and the offending value: a wrong type is a ``TypeError``, a number
out of range a ``ValueError``.
"""

from __future__ import annotations

import math
from typing import Any


def count(x: Any, what: str, where: str, minimum: int = 1) -> int:
    """``x`` if it is an int (not a bool) of at least ``minimum``."""
    if isinstance(x, bool) or not isinstance(x, int):
        raise TypeError(f"{where}: {what} must be an int, got {type(x).__name__} {x!r}")
    if x < minimum:
        raise ValueError(f"{where}: {what} must be at least {minimum}, got {x}")
    return x


def real(
    x: Any,
    what: str,
    where: str,
    low: float,
    high: float = math.inf,
    low_inclusive: bool = True,
) -> float:
    """``x`` as a float if low <= x < high (low < x when not ``low_inclusive``); NaN never is."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise TypeError(f"{where}: {what} must be a number, got {type(x).__name__} {x!r}")
    above = x >= low if low_inclusive else x > low
    if not (above and x < high):
        bound = "[" if low_inclusive else "("
        raise ValueError(f"{where}: {what} must lie in {bound}{low}, {high}), got {x!r}")
    return float(x)

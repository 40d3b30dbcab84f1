"""Plain-text tables for the benchmark's results: durations, ratios and targets."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence


def duration(seconds: float) -> str:
    """Seconds with a readable unit and three significant digits: '48.1 ms', '612 ns'."""
    if math.isnan(seconds):
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def ratio(values: Sequence[float]) -> str:
    """A median ratio with its spread over turns: '38.9x [37.2-40.1]'."""
    middle = statistics.median(values)
    if len(values) == 1:
        return f"{middle:.3g}x"
    return f"{middle:.3g}x [{min(values):.3g}-{max(values):.3g}]"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns padded to their widest cell; the first left-aligned, the others right."""
    cells = [list(headers), *[list(row) for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        first = row[0].ljust(widths[0])
        rest = [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest]).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(cells[0]), rule, *(line(row) for row in cells[1:])])

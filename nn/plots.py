"""The loss you can look at: a loss curve as a PNG (matplotlib) or as one line of text.

The derivation says to monitor the loss each epoch; ``fit`` returns it. ``loss_line``
turns that history into a one-line sparkline for the terminal (no dependencies) and
``loss_curve`` draws it as a PNG with matplotlib (the ``plot`` extra, imported only when
called). Both switch to a log scale when the loss falls by a factor of 10 or more, where
a linear axis would show a cliff and then a flat line.
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Sequence
from pathlib import Path

from autograd.files import write_atomic

BARS = "▁▂▃▄▅▆▇█"


def log_scale_fits(values: Sequence[float]) -> bool:
    """True when every finite value is positive and they span a factor of 10 or more."""
    finite = [v for v in values if math.isfinite(v)]
    return bool(finite) and min(finite) > 0 and max(finite) >= 10 * min(finite)


def sparkline(values: Sequence[float], width: int = 50, log: bool | None = None) -> str:
    """``values`` as at most ``width`` bars, ▁ lowest to █ highest (``!`` not finite).

    Longer histories are averaged in ``width`` equal runs. ``log=None`` picks a log scale
    when ``log_scale_fits(values)``.
    """
    if width < 1:
        raise ValueError(f"sparkline: width must be at least 1, got {width}")
    if not values:
        return ""
    log = log_scale_fits(values) if log is None else log
    runs = [values[len(values) * k // width : len(values) * (k + 1) // width] for k in range(width)]
    points = [math.fsum(run) / len(run) for run in runs if run] if len(values) > width else values
    scaled = [_scaled(v, log) for v in points]
    finite = [s for s in scaled if math.isfinite(s)]
    low, high = (min(finite), max(finite)) if finite else (0.0, 0.0)
    top = len(BARS) - 1
    bars = []
    for s in scaled:
        if not math.isfinite(s):
            bars.append("!")
        else:
            bars.append(BARS[round(top * (s - low) / (high - low)) if high > low else top // 2])
    return "".join(bars)


def loss_line(history: Sequence[float], width: int = 50) -> str:
    """One line for the terminal: the sparkline, the first and last loss, the epochs."""
    if not history:
        return "loss: no epochs"
    scale = ", log scale" if log_scale_fits(history) else ""
    epochs = f"{len(history)} epoch{'s' if len(history) != 1 else ''}"
    return (
        f"loss {sparkline(history, width)} {history[0]:.4g} -> {history[-1]:.4g} ({epochs}{scale})"
    )


def loss_curve(
    history: Sequence[float],
    path: str | os.PathLike[str],
    title: str = "training loss",
    log: bool | None = None,
) -> Path:
    """Draw the loss of each epoch as a PNG at ``path`` (written whole or not at all).

    Needs matplotlib (``pip install -e '.[plot]'``): ``ImportError`` without it.
    ``log=None`` picks a log scale when ``log_scale_fits(history)``. Returns the path.
    """
    from matplotlib.figure import Figure  # optional: the `plot` extra
    from matplotlib.ticker import MaxNLocator

    if not history:
        raise ValueError("loss_curve: the history is empty (no epochs to draw)")
    log = log_scale_fits(history) if log is None else log
    figure = Figure(figsize=(6, 3.6))
    axes = figure.subplots()
    epochs = range(1, len(history) + 1)
    axes.plot(
        epochs, history, color="#1f4e9c", linewidth=1.6, marker="o" if len(history) <= 30 else None
    )
    if log:
        axes.set_yscale("log")
    axes.set_xlabel("epoch")
    axes.set_ylabel("loss (log scale)" if log else "loss")
    axes.set_title(title)
    axes.grid(True, which="major", alpha=0.3)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))  # epochs are whole
    figure.tight_layout()
    png = io.BytesIO()
    figure.savefig(png, format="png", dpi=100)
    return write_atomic(path, png.getvalue())


def _scaled(v: float, log: bool) -> float:
    if not math.isfinite(v):
        return math.nan
    if log:
        return math.log10(v) if v > 0 else math.nan
    return v

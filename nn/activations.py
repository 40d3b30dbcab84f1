"""nn's activations, one record each: everything a layer, an MLP and the PyTorch bridge know
of one (its name, its function, the op its nodes record, torch's module, the initial
weights' scale and how a layer's equation writes it).

A new activation is one record here (and, if it is a new op, its entry in
``autograd/ops.py`` and its Value method).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

from autograd import Value, ops
from autograd.ops import Op


class Activation(NamedTuple):
    """One activation, as ``Layer(..., activation=name)`` takes it."""

    name: str
    function: Callable[[Value], Value]  # applied to each weighted sum
    op: Op | None  # the op its nodes record, to find them by identity (None: it makes none)
    torch: str | None  # the torch.nn module's class name (None: to_torch writes no module)
    # Initial weights are uniform in ±gain * sqrt(3 / fan_in), variance gain² / fan_in:
    # LeCun's scale, and He's (gain² = 2) for relu, which zeroes half of its inputs.
    gain: float
    symbol: str  # in a layer's equation: A1 = σ(Z1) ("": A1 = Z1)


def linear(x: Value) -> Value:
    """The identity: a layer with no activation."""
    return x


TABLE: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("sigmoid", Value.sigmoid, ops.SIGMOID, "Sigmoid", 1.0, "σ"),
        Activation("tanh", Value.tanh, ops.TANH, "Tanh", 1.0, "tanh"),
        Activation("relu", Value.relu, ops.RELU, "ReLU", math.sqrt(2.0), "relu"),
        Activation("linear", linear, None, None, 1.0, ""),
    )
}


def activation_named(name: str) -> Activation:
    """The record of the activation called ``name``; a ValueError listing them otherwise."""
    found = TABLE.get(name) if isinstance(name, str) else None
    if found is None:
        raise ValueError(f"unknown activation {name!r}; choose one of {sorted(TABLE)}")
    return found

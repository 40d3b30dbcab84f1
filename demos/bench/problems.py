"""The problems every engine solves, in plain floats: same weights, same data, same steps.

The weights are drawn once from a seeded ``random.Random`` and copied into each engine, so
the engines' losses must agree step for step (the benchmark checks that they do).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from nn import data

# micrograd's demo: hinge loss plus alpha * (sum of squared parameters), first-step lr 1.
MOONS_ALPHA, MOONS_LR, MOONS_NOISE = 1e-4, 1.0, 0.1
# The derivation's network on XOR: 2-4-1, sigmoid everywhere, MSE, lr 0.5.
XOR_LR = 0.5


@dataclass(frozen=True)
class Layer:
    """A dense layer in the derivation's notation: W is nout rows of nin weights, b nout biases."""

    W: tuple[tuple[float, ...], ...]
    b: tuple[float, ...]
    activation: str  # "relu", "linear" or "sigmoid"


@dataclass(frozen=True)
class Problem:
    """A network's starting weights, a data set, a loss and the training settings."""

    name: str
    layers: tuple[Layer, ...]
    X: tuple[tuple[float, ...], ...]
    y: tuple[float, ...]
    loss: str  # "hinge": mean relu(1 - y * score); "mse": mean (out - y)^2
    alpha: float  # weight of the L2 penalty, sum of every parameter squared
    lr: float
    steps: int

    @property
    def sizes(self) -> list[int]:
        """Layer widths, input first: [2, 16, 16, 1]."""
        return [len(self.layers[0].W[0])] + [len(layer.b) for layer in self.layers]

    @property
    def parameter_count(self) -> int:
        return sum(len(layer.b) * (len(layer.W[0]) + 1) for layer in self.layers)


def initial_layers(sizes: list[int], activations: list[str], seed: int) -> tuple[Layer, ...]:
    """Weights and biases uniform in ±1/sqrt(fan-in), from a private seeded RNG."""
    rng = random.Random(seed)
    layers = []
    for nin, nout, activation in zip(sizes[:-1], sizes[1:], activations, strict=True):
        scale = 1.0 / math.sqrt(nin)
        rows = tuple(tuple(rng.uniform(-scale, scale) for _ in range(nin)) for _ in range(nout))
        biases = tuple(rng.uniform(-scale, scale) for _ in range(nout))
        layers.append(Layer(rows, biases, activation))
    return tuple(layers)


def moons_problem(points: int, steps: int, seed: int) -> Problem:
    """micrograd's demo: MLP 2-16-16-1 (ReLU, linear output) on two moons, labels ±1."""
    xs, labels = data.moons(points, noise=MOONS_NOISE, seed=seed)
    return Problem(
        name="moons",
        layers=initial_layers([2, 16, 16, 1], ["relu", "relu", "linear"], seed),
        X=tuple(tuple(x) for x in xs),
        y=tuple(2.0 * label - 1.0 for label in labels),
        loss="hinge",
        alpha=MOONS_ALPHA,
        lr=MOONS_LR,
        steps=steps,
    )


def wide_problem(points: int, hidden: int, seed: int) -> Problem:
    """A network users outgrow the scalar path on: 2-hidden-hidden-1 (ReLU, linear
    output) on ``points`` two-moons points, one step of micrograd's demo loss."""
    moons = moons_problem(points, 1, seed)
    layers = initial_layers([2, hidden, hidden, 1], ["relu", "relu", "linear"], seed)
    return Problem(
        name="wide",
        layers=layers,
        X=moons.X,
        y=moons.y,
        loss="hinge",
        alpha=MOONS_ALPHA,
        lr=MOONS_LR,
        steps=1,
    )


def xor_problem(epochs: int, seed: int) -> Problem:
    """The derivation's two-layer sigmoid network (2-4-1) on the four XOR points, targets 0/1."""
    xs, labels = data.xor()
    return Problem(
        name="xor",
        layers=initial_layers([2, 4, 1], ["sigmoid", "sigmoid"], seed),
        X=tuple(tuple(x) for x in xs),
        y=tuple(float(label) for label in labels),
        loss="mse",
        alpha=0.0,
        lr=XOR_LR,
        steps=epochs,
    )

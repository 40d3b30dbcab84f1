"""What the Values themselves cost a NumPy step: the weights live in Values, not an array.

The vectorized engine reads every weight's ``.data`` into an array, runs its matrix
program, and writes the gradients (or, with ``update=``, the new weights) back. Those
Python loops over the weights are a floor under its step that the hand-written NumPy
engine, whose weights are arrays, does not pay. Measured here on the problem's own
network, each against the same step in hand-written NumPy.
"""

from __future__ import annotations

import timeit
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

import nn
from demos.bench import chainrule_engine, numpy_engine
from demos.bench.problems import Problem


@dataclass
class Cost:
    """One piece of work over the weights: the best of several timings, in seconds."""

    what: str
    seconds: float


def costs(problem: Problem, repeat: int = 5, number: int = 200) -> list[Cost]:
    """The weights' loops on ``problem``'s network, and a hand-written NumPy step (its
    steps ``problem.steps`` long, timed per step) for scale."""
    _, params = chainrule_engine.nn_network(problem)
    gradients = np.linspace(-1.0, 1.0, len(params))
    listed = gradients.tolist()
    optimizer = nn.SGD(params, lr=1e-12)  # a tiny rate: the weights barely move while timed

    def read() -> object:
        return np.array([p.data for p in params])

    def add_gradients() -> None:
        for p, g in zip(params, gradients.tolist(), strict=True):
            p.grad += g

    def write() -> None:
        for p, x in zip(params, listed, strict=True):
            p.data = x

    numpy_step = numpy_engine.train(problem)
    count = len(params)
    pieces: list[tuple[str, Callable[[], object], int]] = [
        (f"read {count} weights' .data into an array", read, 1),
        (f"add {count} gradients into their .grad", add_gradients, 1),
        (f"write {count} new weights into their .data", write, 1),
        (f"SGD.step over {count} weights", optimizer.step, 1),
        (f"hand-written NumPy step ({problem.name}), for scale", numpy_step, problem.steps),
    ]
    return [
        Cost(what, min(timeit.repeat(work, number=number, repeat=repeat)) / number / per)
        for what, work, per in pieces
    ]

"""chainrule compiled: the same networks, each example's loss traced once by
``autograd.compile`` and replayed as generated Python over the batch.

Preparing a run traces and compiles (untimed; its cost is reported on its own, from the
runner's ``compile_seconds`` and ``nodes``); a timed step is the compiled batch (forward
and backward of every example, the weights' gradients written back once), the compiled
L2 penalty, and the SGD update.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import nn
from autograd import Value, compile
from demos.bench import chainrule_engine, scalar
from demos.bench.problems import Problem


def _runner(problem: Problem, network: chainrule_engine.Network) -> Callable[[], list[float]]:
    forward, params = network
    started = time.perf_counter()
    losses = compile(
        lambda x, y: scalar.example_loss(problem, forward(x), y, Value.relu),
        problem.X[0],
        problem.y[0],
    )
    # The batch variant is written on first use: write it now, untimed (a zero seed adds
    # nothing; the step clears the gradients anyway).
    losses.batch(problem.X[:1], problem.y[:1], seed=0.0)
    penalty = compile(lambda: nn.l2_penalty(params, problem.alpha)) if problem.alpha else None
    compile_seconds = time.perf_counter() - started
    m, lr = len(problem.X), problem.lr

    def step() -> float:
        for p in params:
            p.grad = 0.0
        total = sum(losses.batch(problem.X, problem.y, seed=1.0 / m)) * (1.0 / m)
        if penalty is not None:
            total += penalty()
        for p in params:
            p.data -= lr * p.grad
        return total

    def run() -> list[float]:
        return [step() for _ in range(problem.steps)] + [p.data for p in params]

    run.compile_seconds = compile_seconds  # type: ignore[attr-defined]
    run.nodes = losses.node_count + (penalty.node_count if penalty else 0)  # type: ignore[attr-defined]
    return run


def train(problem: Problem) -> Callable[[], Any]:
    """A runner doing ``problem.steps`` steps of the nn network, compiled."""
    return _runner(problem, chainrule_engine.nn_network(problem))


def train_elementwise(problem: Problem) -> Callable[[], Any]:
    """The same with the element-wise network (Value operators only), compiled."""
    return _runner(problem, chainrule_engine.elementwise_network(problem))

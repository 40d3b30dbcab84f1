"""chainrule compiled: the same networks, each example's loss traced once by
``autograd.compile`` and replayed as generated Python over the batch.

Preparing a run traces and compiles (untimed; its cost is reported on its own, from the
runner's ``compile_seconds`` and ``nodes``); a timed step is the compiled batch (forward
and backward of every example, the weights' gradients written back once), the L2
penalty's compiled graph, and the SGD update.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import nn
from autograd import Value, compile
from demos.bench import chainrule_engine, scalar
from demos.bench.problems import Problem


def _runner(problem: Problem, network: chainrule_engine.Network) -> Callable[[], list[float]]:
    forward, params = network
    losses = compile(
        lambda x, y: scalar.example_loss(problem, forward(x), y, Value.relu),
        problem.X[0],
        problem.y[0],
    )
    # The batch's code is compiled on its first call: make that call now, untimed (a zero
    # seed adds nothing, and each step clears the gradients anyway).
    losses.batch(problem.X[:1], problem.y[:1], seed=0.0)
    penalty = compile(nn.l2_penalty(params, problem.alpha)) if problem.alpha else None
    compile_seconds = losses.compile_seconds + (penalty.compile_seconds if penalty else 0.0)
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


def train_vectorized(problem: Problem) -> Callable[[], Any]:
    """The nn network compiled as NumPy code over the batch (``vectorize=True``): each
    example's loss plus the L2 penalty traced once (the batch's mean of loss + penalty is
    the mean loss plus the penalty), a layer one matrix product; the SGD update is fused
    into the call (``update=``), which writes each weight's ``.data`` once. A batch below
    ``min_batch`` (XOR's 4 examples) is given to the scalar program (``.scalar``) directly,
    with the scalar engine's step: the pick is made per call."""
    import numpy as np  # the "fast" extra, as vectorize=True itself needs

    forward, params = chainrule_engine.nn_network(problem)
    alpha = problem.alpha

    def loss(x: Any, y: Any) -> Any:
        term = scalar.example_loss(problem, forward(x), y, Value.relu)
        return term + nn.l2_penalty(params, alpha) if alpha else term

    losses = compile(loss, problem.X[0], problem.y[0], vectorize=True)
    # Batches below min_batch (XOR's 4 examples) run the scalar code: compile it now,
    # untimed, as for the scalar compiled engine.
    losses.scalar.batch(problem.X[:1], problem.y[:1], seed=0.0)
    X, y = np.array(problem.X), np.array(problem.y)  # noqa: N806 (the data, once, as NumPy holds it)
    m, lr = len(problem.X), problem.lr

    def sgd(w: Any, g: Any) -> Any:  # the update fused into the call: .data written once
        return w - lr * g

    def step() -> float:
        if m >= losses.min_batch:  # the matrix program
            return sum(losses.batch(X, y, seed=1.0 / m, update=sgd)) * (1.0 / m)
        for p in params:  # a small batch: the scalar program, picked for this call
            p.grad = 0.0
        total = sum(losses.scalar.batch(problem.X, problem.y, seed=1.0 / m)) * (1.0 / m)
        for p in params:
            p.data -= lr * p.grad
        return total

    def run() -> list[float]:
        return [step() for _ in range(problem.steps)] + [p.data for p in params]

    run.compile_seconds = losses.compile_seconds  # type: ignore[attr-defined]
    run.grouping_seconds = losses.grouping_seconds  # type: ignore[attr-defined]
    run.nodes = losses.node_count  # type: ignore[attr-defined]
    return run


def compile_chain(links: int) -> tuple[float, int]:
    """Seconds to compile the graph of a chain of ``links`` links, and its node count;
    the replay is checked against the interpreter (value, and dy/dx = 1.0001 ** links)."""
    x, y = scalar.chain_forward(Value, links)
    started = time.perf_counter()
    compiled = compile(y)
    seconds = time.perf_counter() - started
    if compiled() != y.data or not math.isclose(x.grad, 1.0001**links, rel_tol=1e-12):
        raise ArithmeticError(f"the compiled chain of {links} links replays wrong")
    return seconds, compiled.node_count

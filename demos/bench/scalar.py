"""The parts of a workload every scalar graph engine runs alike, given its own leaf and relu.

chainrule, micrograd and PyTorch's 0-d tensors share operator syntax, so the chain and a
training step's loss are written once here; each engine module binds its leaf constructor.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from demos.bench.problems import Problem


def chain_forward(leaf: Callable[[float], Any], links: int) -> tuple[Any, Any]:
    """x and y after ``links`` links of y = y * 1.0001 + 0.001 from the leaf x = 1."""
    x = y = leaf(1.0)
    for _ in range(links):
        y = y * 1.0001 + 0.001
    return x, y


def chain_backward(graph: tuple[Any, Any]) -> float:
    """dy/dx through the engine's own backward."""
    x, y = graph
    y.backward()
    return float(x.grad)


def example_loss(problem: Problem, out: Any, y: Any, relu: Callable) -> Any:
    """One example's hinge loss (as micrograd's demo writes it) or squared error."""
    return relu(1.0 + -y * out) if problem.loss == "hinge" else (out - y) ** 2


def mean_loss(problem: Problem, outs: Sequence[Any], relu: Callable, params: Sequence[Any]) -> Any:
    """The mean hinge or squared error over the outputs, plus ``problem.alpha`` times L2."""
    losses = [example_loss(problem, out, y, relu) for y, out in zip(problem.y, outs, strict=True)]
    total = sum(losses) * (1.0 / len(outs))
    if problem.alpha:
        total = total + problem.alpha * sum(p * p for p in params)
    return total

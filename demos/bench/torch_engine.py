"""PyTorch on 0-d float64 tensors, one scalar per tensor as a scalar engine is used.

Neurons are written element-wise, like micrograd's; the data and the weights become
tensors once, outside the timed steps. float64 so the losses agree with the float code.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import torch

from demos.bench import scalar
from demos.bench.problems import Problem

ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "relu": torch.relu,
    "linear": lambda t: t,
    "sigmoid": torch.sigmoid,
}


def _scalar(value: float, requires_grad: bool = False) -> torch.Tensor:
    return torch.tensor(value, dtype=torch.float64, requires_grad=requires_grad)


def train(problem: Problem) -> Callable[[], list[float]]:
    """A runner doing ``problem.steps`` steps: forward, loss, backward, SGD update."""
    layers = [
        (
            [[_scalar(w, True) for w in row] for row in layer.W],
            [_scalar(bias, True) for bias in layer.b],
            ACTIVATIONS[layer.activation],
        )
        for layer in problem.layers
    ]
    params = [
        p
        for rows, biases, _ in layers
        for row, b in zip(rows, biases, strict=True)
        for p in (*row, b)
    ]
    inputs = [[_scalar(v) for v in row] for row in problem.X]

    def forward(x: list[torch.Tensor]) -> torch.Tensor:
        for rows, biases, act in layers:
            x = [
                act(sum((w * xi for w, xi in zip(row, x, strict=True)), b))
                for row, b in zip(rows, biases, strict=True)
            ]
        return x[0]

    def step() -> float:
        total = scalar.mean_loss(problem, [forward(x) for x in inputs], torch.relu, params)
        for p in params:
            p.grad = None
        total.backward()
        with torch.no_grad():
            for p in params:
                p -= problem.lr * p.grad
        return total.item()

    return lambda: [step() for _ in range(problem.steps)] + [p.item() for p in params]


chain_forward = partial(scalar.chain_forward, partial(_scalar, requires_grad=True))
chain_backward = scalar.chain_backward

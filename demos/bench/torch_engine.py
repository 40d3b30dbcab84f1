"""PyTorch on 0-d float64 tensors, one scalar per tensor as a scalar engine is used.

Neurons are written element-wise, like micrograd's; the data and the weights become
tensors once, outside the timed steps. float64 so the losses agree with the float code.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from demos.bench.problems import Problem

Chain = tuple[torch.Tensor, torch.Tensor]

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
    params = [p for rows, biases, _ in layers for row, b in zip(rows, biases) for p in (*row, b)]
    inputs = [[_scalar(v) for v in row] for row in problem.X]
    m = len(inputs)

    def forward(x: list[torch.Tensor]) -> torch.Tensor:
        for rows, biases, act in layers:
            x = [act(sum((w * xi for w, xi in zip(row, x)), b)) for row, b in zip(rows, biases)]
        return x[0]

    def step() -> float:
        outs = [forward(x) for x in inputs]
        if problem.loss == "hinge":
            losses = [torch.relu(1 - yi * out) for yi, out in zip(problem.y, outs)]
        else:
            losses = [(out - yi) ** 2 for yi, out in zip(problem.y, outs)]
        total = sum(losses) * (1.0 / m)
        if problem.alpha:
            total = total + problem.alpha * sum(p * p for p in params)
        for p in params:
            p.grad = None
        total.backward()
        with torch.no_grad():
            for p in params:
                p -= problem.lr * p.grad
        return total.item()

    return lambda: [step() for _ in range(problem.steps)] + [p.item() for p in params]


def chain_forward(links: int) -> Chain:
    x = y = _scalar(1.0, True)
    for _ in range(links):
        y = y * 1.0001 + 0.001
    return x, y


def chain_backward(graph: Chain) -> float:
    x, y = graph
    y.backward()
    return x.grad.item()

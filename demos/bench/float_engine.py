"""Hand-written plain-float code: forward, backpropagation by hand, and the update.

No graph, no nodes: the floor for pure-Python scalar code, and the reference the other
engines' losses are checked against.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from operator import mul

from demos.bench.problems import Problem


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


# name: (activation, its derivative given the pre-activation z and the output a)
ACTIVATIONS: dict[str, tuple[Callable[[float], float], Callable[[float, float], float]]] = {
    "relu": (lambda z: z if z > 0 else 0.0, lambda z, a: 1.0 if z > 0 else 0.0),
    "linear": (lambda z: z, lambda z, a: 1.0),
    "sigmoid": (_sigmoid, lambda z, a: a * (1.0 - a)),
}


def _loss_and_slope(kind: str, out: float, target: float, m: int) -> tuple[float, float]:
    """One example's share of the mean loss and its derivative by the network's output."""
    if kind == "hinge":
        margin = 1.0 - target * out
        return (margin / m, -target / m) if margin > 0 else (0.0, 0.0)
    diff = out - target
    return diff * diff / m, 2.0 * diff / m


def train(problem: Problem) -> Callable[[], list[float]]:
    """A runner doing ``problem.steps`` full-batch gradient-descent steps by hand.

    Each layer is a list of neuron rows, the row's weights then its bias; a gradient has
    the same shape.
    """
    layers = [
        [[*w, bias] for w, bias in zip(layer.W, layer.b, strict=True)] for layer in problem.layers
    ]
    acts = [ACTIVATIONS[layer.activation] for layer in problem.layers]
    examples = list(zip(problem.X, problem.y, strict=True))
    m, alpha, lr, kind = len(examples), problem.alpha, problem.lr, problem.loss

    def step() -> float:
        grads = [[[0.0] * len(row) for row in rows] for rows in layers]
        loss = 0.0
        for x, target in examples:
            # forward, keeping every layer's input and pre-activation
            inputs, zs, a = [], [], list(x)
            for rows, (f, _) in zip(layers, acts, strict=True):
                inputs.append(a)
                z = [sum(map(mul, row, a)) + row[-1] for row in rows]  # map stops at len(a)
                zs.append(z)
                a = [f(v) for v in z]
            share, slope = _loss_and_slope(kind, a[0], target, m)
            loss += share
            # backward: delta = dLoss/dz, from the output layer down
            da = [slope]
            for k in reversed(range(len(layers))):
                d_act = acts[k][1]
                delta = [g * d_act(z, out) for g, z, out in zip(da, zs[k], a, strict=True)]
                a = inputs[k]
                for grad_row, d in zip(grads[k], delta, strict=True):
                    for i, ai in enumerate(a):
                        grad_row[i] += d * ai
                    grad_row[-1] += d
                if k:
                    columns = list(zip(*layers[k], strict=True))[: len(a)]
                    da = [sum(map(mul, column, delta)) for column in columns]
        rows = [row for layer_rows in layers for row in layer_rows]
        if alpha:
            loss += alpha * sum(p * p for row in rows for p in row)
        # update, with the L2 penalty's gradient 2 * alpha * p
        for row, grad_row in zip(
            rows, (g for layer_grads in grads for g in layer_grads), strict=True
        ):
            for i, g in enumerate(grad_row):
                row[i] -= lr * (g + 2.0 * alpha * row[i])
        return loss

    return lambda: (
        [step() for _ in range(problem.steps)] + [p for rows in layers for r in rows for p in r]
    )


def chain_forward(links: int) -> tuple[int, float]:
    """y after ``links`` links of y = y * 1.0001 + 0.001 from 1; the "graph" is its length."""
    y = 1.0
    for _ in range(links):
        y = y * 1.0001 + 0.001
    return links, y


def chain_backward(graph: tuple[int, float]) -> float:
    """dy/dx by hand: the product of every link's local derivative, 1.0001."""
    grad = 1.0
    for _ in range(graph[0]):
        grad *= 1.0001
    return grad

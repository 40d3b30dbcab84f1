"""Hand-written NumPy: the batch as matrices, ``W @ X + b``, backpropagation by hand.

What a practitioner writes without an autograd engine: no Python loop over examples,
one matrix product a layer forward and two backward. The reference the vectorized
compile is measured against (``pip install chainrule[fast]``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from demos.bench.problems import Problem


def _sigmoid(z: Any) -> Any:
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


# name: (activation, its derivative given the pre-activation z and the output a)
ACTIVATIONS: dict[str, tuple[Callable[[Any], Any], Callable[[Any, Any], Any]]] = {
    "relu": (lambda z: np.maximum(z, 0.0), lambda z, a: z > 0),
    "linear": (lambda z: z, lambda z, a: 1.0),
    "sigmoid": (_sigmoid, lambda z, a: a * (1.0 - a)),
}


def train(problem: Problem) -> Callable[[], list[float]]:
    """A runner doing ``problem.steps`` full-batch gradient-descent steps in NumPy."""
    Ws = [np.array(layer.W, dtype=float) for layer in problem.layers]  # noqa: N806
    bs = [np.array(layer.b, dtype=float)[:, None] for layer in problem.layers]
    acts = [ACTIVATIONS[layer.activation] for layer in problem.layers]
    X = np.array(problem.X, dtype=float).T  # noqa: N806 (features x examples)
    y = np.array(problem.y, dtype=float)[None, :]
    m, alpha, lr, hinge = X.shape[1], problem.alpha, problem.lr, problem.loss == "hinge"

    def step() -> float:
        inputs, zs, outs, a = [], [], [], X
        for W, b, (f, _) in zip(Ws, bs, acts, strict=True):  # noqa: N806
            inputs.append(a)
            z = W @ a + b
            a = f(z)
            zs.append(z)
            outs.append(a)
        if hinge:
            margin = 1.0 - y * a
            loss = float(np.maximum(margin, 0.0).sum()) / m
            g = np.where(margin > 0, -y, 0.0) / m
        else:
            diff = a - y
            loss = float((diff * diff).sum()) / m
            g = 2.0 * diff / m
        if alpha:
            squares = [float((W * W).sum() + (b * b).sum()) for W, b in zip(Ws, bs, strict=True)]
            loss += alpha * sum(squares)
        for k in reversed(range(len(Ws))):
            g = g * acts[k][1](zs[k], outs[k])
            dW, db = g @ inputs[k].T, g.sum(axis=1, keepdims=True)  # noqa: N806
            if k:
                g = Ws[k].T @ g
            Ws[k] -= lr * (dW + 2.0 * alpha * Ws[k])
            bs[k] -= lr * (db + 2.0 * alpha * bs[k])
        return loss

    def run() -> list[float]:
        losses = [step() for _ in range(problem.steps)]
        weights = [np.concatenate([W, b], axis=1).ravel() for W, b in zip(Ws, bs, strict=True)]
        return losses + np.concatenate(weights).tolist()

    return run

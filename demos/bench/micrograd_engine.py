"""micrograd 0.1.0, used the way its own demo uses it (importing this needs micrograd).

The network is ``micrograd.nn.MLP``'s neurons, called as ``Neuron.__call__`` does:
``sum((wi * xi for wi, xi in zip(w, x)), b)`` then the activation, with the inputs wrapped
in Values every step, as the demo's loss function does. micrograd has no sigmoid, so the
XOR network gets one written in micrograd's own style (a closure per node).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial

from micrograd.engine import Value
from micrograd.nn import MLP

from demos.bench import scalar
from demos.bench.problems import Problem


def _sigmoid(v: Value) -> Value:
    s = 1.0 / (1.0 + math.exp(-v.data))
    out = Value(s, (v,), "sigmoid")

    def _backward() -> None:
        v.grad += s * (1.0 - s) * out.grad

    out._backward = _backward
    return out


ACTIVATIONS: dict[str, Callable[[Value], Value]] = {
    "relu": Value.relu,
    "linear": lambda v: v,
    "sigmoid": _sigmoid,
}


def train(problem: Problem) -> Callable[[], list[float]]:
    """A runner doing ``problem.steps`` steps of micrograd's demo loop."""
    model = MLP(problem.sizes[0], problem.sizes[1:])
    layers = []
    for mlayer, layer in zip(model.layers, problem.layers, strict=True):
        for neuron, row, bias in zip(mlayer.neurons, layer.W, layer.b, strict=True):
            for w, value in zip(neuron.w, row, strict=True):
                w.data = value
            neuron.b.data = bias
        layers.append((mlayer.neurons, ACTIVATIONS[layer.activation]))
    params = model.parameters()

    def forward(row: tuple[float, ...]) -> Value:
        x = list(map(Value, row))
        for neurons, act in layers:
            x = [act(sum((wi * xi for wi, xi in zip(n.w, x, strict=True)), n.b)) for n in neurons]
        return x[0]

    def step() -> float:
        total = scalar.mean_loss(problem, [forward(row) for row in problem.X], Value.relu, params)
        model.zero_grad()
        total.backward()
        for p in params:
            p.data -= problem.lr * p.grad
        return total.data

    return lambda: [step() for _ in range(problem.steps)] + [p.data for p in params]


chain_forward = partial(scalar.chain_forward, Value)
chain_backward = scalar.chain_backward

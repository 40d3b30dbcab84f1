"""chainrule, two ways: through ``nn`` (fused weighted-sum neurons), and element-wise.

The element-wise network is written with ``Value`` operators only, ``sum(w * x ...) + b``,
as micrograd's is: it measures the engine's per-node cost without the fused ``dot`` node.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import nn
from autograd import Value
from demos.bench import scalar
from demos.bench.problems import Problem

Network = tuple[Callable[[Any], Value], list[Value]]  # forward(x), parameters


def nn_network(problem: Problem) -> Network:
    """The problem's network as an ``nn.MLP`` with its weights, parameters in micrograd's
    order (neuron by neuron; nn's own puts a layer's W before its b)."""
    first, last = problem.layers[0].activation, problem.layers[-1].activation
    model = nn.MLP(problem.sizes[0], problem.sizes[1:], first, output_activation=last)
    for layer, weights in zip(model.layers, problem.layers, strict=True):
        for w_row, b, row, bias in zip(layer.W, layer.b, weights.W, weights.b, strict=True):
            for w, value in zip(w_row, row, strict=True):
                w.data = value
            b.data = bias
    params = [
        p for layer in model.layers for w, b in zip(layer.W, layer.b, strict=True) for p in (*w, b)
    ]
    return model, params


def elementwise_network(problem: Problem) -> Network:
    """The problem's network with Value operators only: no ``dot``, no nn modules."""
    layers = [
        (
            [[Value(w) for w in row] for row in layer.W],
            [Value(b) for b in layer.b],
            nn.ACTIVATIONS[layer.activation],
        )
        for layer in problem.layers
    ]
    params = [
        p
        for rows, biases, _ in layers
        for row, b in zip(rows, biases, strict=True)
        for p in (*row, b)
    ]

    def forward(x: Any) -> Value:
        for rows, biases, activate in layers:
            x = [
                activate(sum(w * xi for w, xi in zip(row, x, strict=True)) + b)
                for row, b in zip(rows, biases, strict=True)
            ]
        return x[0]

    return forward, params


def train(problem: Problem) -> Callable[[], list[float]]:
    """A runner doing ``problem.steps`` steps with nn: MLP, loss, penalty, SGD."""
    model, params = nn_network(problem)
    optimizer = nn.SGD(params, lr=problem.lr)
    loss_fn = nn.hinge_loss if problem.loss == "hinge" else nn.mse_loss

    def step() -> float:
        loss = loss_fn([model(x) for x in problem.X], problem.y)
        if problem.alpha:
            loss = loss + nn.l2_penalty(params, problem.alpha)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.data

    return lambda: [step() for _ in range(problem.steps)] + [p.data for p in params]


def train_elementwise(problem: Problem) -> Callable[[], list[float]]:
    """The same steps with Value operators only: no ``dot``, no nn modules or losses."""
    forward, params = elementwise_network(problem)

    def step() -> float:
        loss = scalar.mean_loss(problem, [forward(x) for x in problem.X], Value.relu, params)
        for p in params:
            p.grad = 0.0
        loss.backward()
        for p in params:
            p.data -= problem.lr * p.grad
        return loss.data

    return lambda: [step() for _ in range(problem.steps)] + [p.data for p in params]


chain_forward = partial(scalar.chain_forward, Value)
chain_backward = scalar.chain_backward

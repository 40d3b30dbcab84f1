"""chainrule's nn: neurons, layers, an MLP, losses, optimizers and a training loop.

``MLP(n_in, [n_hidden, 1], activation="sigmoid")`` is the derivation's two-layer network;
``mse_loss`` its loss and ``SGD(model.parameters(), lr)`` its update rule. For several
classes, ``cross_entropy`` of the logits and the class index.
"""

from nn import data
from nn.checkpoint import StateError
from nn.layers import ACTIVATIONS, MLP, Layer, Neuron, load
from nn.losses import (
    bce_loss,
    cross_entropy,
    half_mse_loss,
    hinge_loss,
    l2_penalty,
    log_softmax,
    mse_loss,
    softmax,
)
from nn.module import Module
from nn.optim import SGD, Adam, Optimizer
from nn.plots import loss_curve, loss_line, sparkline
from nn.train import fit

__all__ = [
    "ACTIVATIONS",
    "MLP",
    "SGD",
    "Adam",
    "Layer",
    "Module",
    "Neuron",
    "Optimizer",
    "StateError",
    "bce_loss",
    "cross_entropy",
    "data",
    "fit",
    "half_mse_loss",
    "hinge_loss",
    "l2_penalty",
    "load",
    "log_softmax",
    "loss_curve",
    "loss_line",
    "mse_loss",
    "softmax",
    "sparkline",
]

"""chainrule's nn: neurons, layers, an MLP, losses, optimizers and a training loop.

``MLP(n_in, [n_hidden, 1], activation="sigmoid")`` is the seed's two-layer network;
``mse_loss`` its loss and ``SGD(model.parameters(), lr)`` its update rule.
"""

from nn import data
from nn.checkpoint import StateError
from nn.layers import ACTIVATIONS, MLP, Layer, Neuron, load
from nn.losses import bce_loss, half_mse_loss, hinge_loss, l2_penalty, mse_loss
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
    "data",
    "fit",
    "half_mse_loss",
    "hinge_loss",
    "l2_penalty",
    "load",
    "loss_curve",
    "loss_line",
    "mse_loss",
    "sparkline",
]

"""A bridge to PyTorch: layers as a ``torch.nn.Sequential`` of float64 ``Linear`` layers, and back.

Users who outgrow a scalar engine move to PyTorch; ``MLP.to_torch()`` and
``MLP.from_torch(module)`` carry a network across with the same weights, so both compute
the same outputs and gradients. torch is optional (the ``torch`` extra): it is imported
when a conversion runs, never by ``import nn``.

A layer crosses as ``(W, b, activation)``: W a list of rows (nout x nin, torch's
``weight`` layout), b a list, activation one of nn's names.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any

from nn.activations import TABLE

LayerWeights = tuple[list[list[float]], list[float], str]

# nn's activation names by torch's module class names; torch's Identity is no activation.
_NN_ACTIVATIONS = {a.torch: a.name for a in TABLE.values() if a.torch} | {"Identity": "linear"}


def torch_module() -> Any:
    """torch, imported on first use; an ImportError that says how to install it otherwise.

    Imported by name, so that type checkers do not analyse all of torch (it is typed Any).
    """
    try:
        return importlib.import_module("torch")
    except ImportError as exc:
        raise ImportError(
            "the PyTorch bridge needs torch: pip install -e '.[torch]' (a CPU build is enough)"
        ) from exc


def sequential(layers: Sequence[LayerWeights]) -> Any:
    """A ``torch.nn.Sequential``: for each layer a float64 ``Linear``, then its activation."""
    torch = torch_module()
    modules = []
    for weight, bias, activation in layers:
        linear = torch.nn.Linear(len(weight[0]), len(weight), dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(weight, dtype=torch.float64))
            linear.bias.copy_(torch.tensor(bias, dtype=torch.float64))
        modules.append(linear)
        module_name = TABLE[activation].torch
        if module_name is not None:
            modules.append(getattr(torch.nn, module_name)())
    return torch.nn.Sequential(*modules)


def layer_weights(module: Any) -> list[LayerWeights]:
    """The layers of a ``torch.nn.Sequential``: ``Linear`` layers (with biases), each followed
    by at most one Sigmoid, Tanh, ReLU or Identity. Anything else raises, naming the module."""
    torch = torch_module()
    if not isinstance(module, torch.nn.Sequential):
        raise TypeError(f"from_torch: expected a torch.nn.Sequential, got {type(module).__name__}")
    layers: list[LayerWeights] = []
    activation_allowed = False  # right after a Linear
    for position, child in enumerate(module):
        kind, where = type(child).__name__, f"from_torch: module {position}"
        if isinstance(child, torch.nn.Linear):
            if child.bias is None:
                raise ValueError(f"{where}, {child}, has no bias; nn's layers always have one")
            if layers and child.in_features != len(layers[-1][0]):
                raise ValueError(
                    f"{where}, {child}, takes {child.in_features} inputs "
                    f"but the layer before gives {len(layers[-1][0])}"
                )
            weight = child.weight.detach().to(torch.float64).tolist()
            layers.append((weight, child.bias.detach().to(torch.float64).tolist(), "linear"))
            activation_allowed = True
        elif kind in _NN_ACTIVATIONS:
            if not activation_allowed:
                raise ValueError(f"{where}, {kind}, does not follow a Linear layer")
            weight, bias, _ = layers[-1]
            layers[-1] = (weight, bias, _NN_ACTIVATIONS[kind])
            activation_allowed = False
        else:
            known = ", ".join(["Linear", *sorted(_NN_ACTIVATIONS)])
            raise ValueError(f"{where} is a {kind}; an MLP is made of {known} only")
    if not layers:
        raise ValueError("from_torch: the Sequential holds no Linear layer")
    return layers

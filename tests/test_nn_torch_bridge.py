"""The PyTorch bridge: the same outputs and gradients both ways, exact weights, clear refusals.

These tests need torch (``pip install -e '.[torch]'``): without it they skip locally and
fail when CI is set, so CI always runs them.
"""

from __future__ import annotations

import importlib
import os
import random
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nn import MLP, mse_loss
from tests.strategies import activations, architectures, init_seeds, matrices, network_inputs

CLOSE = {"rel": 1e-12, "abs": 1e-12}
TORCH_ACTIVATIONS = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "ReLU", "linear": "Identity"}


@pytest.fixture(scope="module")
def torch() -> Any:
    """torch; a skip without it, but a failure when CI is set."""
    try:
        return importlib.import_module("torch")
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("torch is missing, and the PyTorch bridge's tests must run in CI")
        pytest.skip("torch is not installed (pip install -e '.[torch]')")


def random_biases(model: MLP, seed: int) -> MLP:
    """Biases start at 0; give them values, so the tests see them at work."""
    rng = random.Random(seed)
    for layer in model.layers:
        for b in layer.b:
            b.data = rng.uniform(-1.0, 1.0)
    return model


def linears(torch: Any, module: Any) -> list[Any]:
    return [m for m in module if isinstance(m, torch.nn.Linear)]


def assert_same_function(torch: Any, model: MLP, module: Any, x: list[float], seed: int) -> None:
    """Same outputs, and the same gradient of an MSE loss for every parameter, to 1e-12."""
    nout = model.nouts[-1]
    targets = [random.Random(seed).uniform(-1.0, 1.0) for _ in range(nout)]
    out = model(x)
    outputs = [out] if nout == 1 else out
    theirs = module(torch.tensor(x, dtype=torch.float64))
    assert [v.data for v in outputs] == pytest.approx(theirs.tolist(), **CLOSE)

    model.zero_grad()
    mse_loss(outputs, targets).backward()
    module.zero_grad()
    ((theirs - torch.tensor(targets, dtype=torch.float64)) ** 2).mean().backward()
    for layer, linear in zip(model.layers, linears(torch, module), strict=True):
        assert [[w.grad for w in row] for row in layer.W] == [
            pytest.approx(row, **CLOSE) for row in linear.weight.grad.tolist()
        ]
        assert [b.grad for b in layer.b] == pytest.approx(linear.bias.grad.tolist(), **CLOSE)


@given(
    arch=architectures(),
    hidden=activations,
    output=activations,
    seed=init_seeds,
    data=st.data(),
)
def test_to_torch_computes_the_same_outputs_and_gradients(torch, arch, hidden, output, seed, data):
    nin, nouts = arch
    model = random_biases(MLP(nin, nouts, hidden, output_activation=output, seed=seed), seed)
    module = model.to_torch()
    x = data.draw(matrices(1, nin, network_inputs))[0]
    assert_same_function(torch, model, module, x, seed)


@st.composite
def torch_layouts(draw: st.DrawFn) -> tuple[list[int], str, str]:
    nin, nouts = draw(architectures())
    return [nin, *nouts], draw(activations), draw(activations)


def torch_mlp(torch: Any, sizes: list[int], hidden: str, output: str, seed: int) -> Any:
    """A torch Sequential as a PyTorch user writes it, with torch's own initialisation."""
    torch.manual_seed(seed)
    modules = []
    for k in range(len(sizes) - 1):
        modules.append(torch.nn.Linear(sizes[k], sizes[k + 1], dtype=torch.float64))
        activation = output if k == len(sizes) - 2 else hidden
        modules.append(getattr(torch.nn, TORCH_ACTIVATIONS[activation])())
    return torch.nn.Sequential(*modules)


@given(layout=torch_layouts(), seed=init_seeds, data=st.data())
def test_from_torch_computes_the_same_outputs_and_gradients(torch, layout, seed, data):
    sizes, hidden, output = layout
    module = torch_mlp(torch, sizes, hidden, output, seed)
    model = MLP.from_torch(module)
    assert model.nin == sizes[0] and model.nouts == sizes[1:]
    assert [layer.activation for layer in model.layers] == [hidden] * (len(sizes) - 2) + [output]
    x = data.draw(matrices(1, sizes[0], network_inputs))[0]
    assert_same_function(torch, model, module, x, seed)


@given(arch=architectures(), hidden=activations, output=activations, seed=init_seeds)
def test_a_round_trip_through_torch_keeps_every_weight_exactly(torch, arch, hidden, output, seed):
    nin, nouts = arch
    model = random_biases(MLP(nin, nouts, hidden, output_activation=output, seed=seed), seed)
    back = MLP.from_torch(model.to_torch())
    assert back.state_dict() == model.state_dict()
    assert [layer.activation for layer in back.layers] == [
        layer.activation for layer in model.layers
    ]


def test_to_torch_is_float64_linear_layers_and_activation_modules(torch):
    module = MLP(3, [4, 4, 2], activation="relu", output_activation="linear", seed=0).to_torch()
    assert [type(m).__name__ for m in module] == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    assert all(p.dtype == torch.float64 and p.requires_grad for p in module.parameters())
    first = module[0]
    assert (first.in_features, first.out_features) == (3, 4)


def test_the_converted_weights_are_independent_copies(torch):
    model = MLP(2, [2, 1], seed=0)
    module = model.to_torch()
    with torch.no_grad():
        module[0].weight.fill_(7.0)
    assert all(w.data != 7.0 for row in model.layers[0].W for w in row)
    back = MLP.from_torch(module)
    with torch.no_grad():
        module[0].weight.fill_(0.0)
    assert back.layers[0].W[0][0].data == 7.0


def test_a_float32_sequential_converts_exactly(torch):
    torch.manual_seed(0)
    module = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1))
    model = MLP.from_torch(module)
    assert model.state_dict()["layers.0.W"] == module[0].weight.double().tolist()
    assert model.layers[-1].activation == "linear"


def test_identity_reads_as_linear_and_one_layer_takes_its_own_activation(torch):
    nn_ = torch.nn
    assert MLP.from_torch(nn_.Sequential(nn_.Linear(2, 1), nn_.Identity())).activation == "linear"
    one = MLP.from_torch(nn_.Sequential(nn_.Linear(2, 3), nn_.Sigmoid()))
    assert (one.activation, one.output_activation) == ("sigmoid", None)


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        (lambda nn_: nn_.Linear(2, 1), TypeError, "expected a torch.nn.Sequential, got Linear"),
        (lambda nn_: nn_.Sequential(), ValueError, "holds no Linear layer"),
        (
            lambda nn_: nn_.Sequential(nn_.Linear(2, 1, bias=False)),
            ValueError,
            r"module 0, Linear\(.*bias=False\), has no bias",
        ),
        (
            lambda nn_: nn_.Sequential(nn_.Linear(2, 3), nn_.Dropout(0.5), nn_.Linear(3, 1)),
            ValueError,
            "module 1 is a Dropout; an MLP is made of Linear, Identity, ReLU, Sigmoid, Tanh only",
        ),
        (
            lambda nn_: nn_.Sequential(nn_.Tanh(), nn_.Linear(2, 1)),
            ValueError,
            "module 0, Tanh, does not follow a Linear layer",
        ),
        (
            lambda nn_: nn_.Sequential(nn_.Linear(2, 1), nn_.Tanh(), nn_.ReLU()),
            ValueError,
            "module 2, ReLU, does not follow a Linear layer",
        ),
        (
            lambda nn_: nn_.Sequential(nn_.Linear(2, 3), nn_.Linear(4, 1)),
            ValueError,
            r"module 1, Linear\(in_features=4.*takes 4 inputs but the layer before gives 3",
        ),
        (
            lambda nn_: nn_.Sequential(
                nn_.Linear(2, 3), nn_.ReLU(), nn_.Linear(3, 3), nn_.Tanh(), nn_.Linear(3, 1)
            ),
            ValueError,
            r"hidden layers share one activation, got \['relu', 'tanh'\]",
        ),
    ],
    ids=[
        "not sequential",
        "empty",
        "no bias",
        "dropout",
        "activation first",
        "two activations",
        "sizes",
        "mixed hidden",
    ],
)
def test_from_torch_refuses_what_an_mlp_cannot_hold(torch, build, error, message):
    with pytest.raises(error, match=message):
        MLP.from_torch(build(torch.nn))


def test_without_torch_the_bridge_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # import fails
    with pytest.raises(ImportError, match=r"needs torch: pip install -e '\.\[torch\]'"):
        MLP(2, [1]).to_torch()


def test_importing_nn_never_imports_torch():
    code = "import nn, sys; nn.MLP(2, [3, 1], seed=0); print('torch' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"

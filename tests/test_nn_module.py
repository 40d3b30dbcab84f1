"""Module: named parameters, zero_grad, state dicts and atomic, validated JSON checkpoints."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograd import Value
from nn import MLP, SGD, Module, Neuron, StateError, mse_loss
from tests.strategies import architectures, init_seeds, network_inputs

tmp_path_ok = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


class Custom(Module):
    """A hand-made module: a scalar, a dict, a nested module and a shared parameter."""

    def __init__(self) -> None:
        self.scale = Value(2.0)
        self.name = "not a parameter"
        self.table = {"first": Value(1.0), "rest": [Value(3.0), Value(4.0)]}
        self.inner = Neuron(2, seed=0)
        self.tied = self.scale  # the same Value again


def expected_names(nin: int, nouts: list[int]) -> list[str]:
    sizes = [nin, *nouts]
    names = []
    for k in range(len(nouts)):
        names += [f"layers.{k}.W.{j}.{i}" for j in range(sizes[k + 1]) for i in range(sizes[k])]
        names += [f"layers.{k}.b.{j}" for j in range(sizes[k + 1])]
    return names


def weights(model: Module) -> list[float]:
    return [p.data for p in model.parameters()]


# -- names and parameters ---------------------------------------------------------------------
@given(arch=architectures())
def test_mlp_parameters_are_named_by_layer_row_and_column(arch):
    nin, nouts = arch
    model = MLP(nin, nouts, seed=0)
    named = model.named_parameters()
    assert [name for name, _ in named] == expected_names(nin, nouts)
    for name, p in named:
        parts = name.split(".")
        layer = model.layers[int(parts[1])]
        held = layer.W[int(parts[3])][int(parts[4])] if parts[2] == "W" else layer.b[int(parts[3])]
        assert held is p
    assert model.parameters() == [p for _, p in named]


@given(arch=architectures())
def test_a_parameters_name_is_its_tensors_state_key_then_its_index(arch):
    model = MLP(*arch, seed=0)
    state = model.state_dict()
    for name, p in model.named_parameters():
        key = next(k for k in state if name == k or name.startswith(k + "."))
        held = state[key]
        for i in name[len(key) :].split(".")[1:]:
            held = held[int(i)]
        assert held == p.data
    for module in (Custom(), Annotated()):
        state = module.state_dict()
        keys = {n for n, _ in module.named_parameters() for k in state if n.startswith(k)}
        assert len(keys) == len(module.named_parameters())


def test_names_cover_values_in_attributes_lists_dicts_and_submodules_once_each():
    module = Custom()
    assert [name for name, _ in module.named_parameters()] == [
        "scale",
        "table.first",
        "table.rest.0",
        "table.rest.1",
        "inner.w.0",
        "inner.w.1",
        "inner.b",
    ]
    assert len(set(module.parameters())) == len(module.parameters())


def test_named_parameters_are_stable_across_calls_and_instances():
    a, b = MLP(3, [4, 2], seed=1), MLP(3, [4, 2], seed=2)
    assert [n for n, _ in a.named_parameters()] == [n for n, _ in a.named_parameters()]
    assert [n for n, _ in a.named_parameters()] == [n for n, _ in b.named_parameters()]


@given(arch=architectures(), x=network_inputs)
def test_zero_grad_resets_every_parameter(arch, x):
    nin, nouts = arch
    model = MLP(nin, nouts, activation="tanh", seed=0)
    mse_loss(model([x] * nin), [0.5] * nouts[-1] if nouts[-1] > 1 else 0.5).backward()
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_zero_grad_undoes_a_backward_that_reached_every_parameter():
    model = MLP(2, [3, 1], activation="tanh", seed=0)
    mse_loss(model([0.5, -0.5]), 1.0).backward()
    assert all(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


class Caching(Module):
    """A module that keeps its last output and activations, as users write for debugging."""

    def __init__(self) -> None:
        self.inner = MLP(2, [3, 1], seed=0)
        self.last: Value | None = None
        self.hidden: list[Value] = []

    def __call__(self, x: list[float]) -> Value:
        self.hidden = self.inner.layers[0](x)
        self.last = self.inner.layers[1](self.hidden)[0]
        return self.last


def test_a_value_cached_on_a_module_is_not_a_parameter(tmp_path):
    module = Caching()
    names, state = [n for n, _ in module.named_parameters()], module.state_dict()
    path = tmp_path / "before.json"
    module.save(path)
    mse_loss(module([0.5, -1.0]), 1.0).backward()
    assert isinstance(module.last, Value) and len(module.hidden) == 3
    assert [n for n, _ in module.named_parameters()] == names  # 13 weights, nothing cached
    assert module.state_dict() == state
    assert len(SGD(module.parameters(), lr=0.1).params) == 13
    module.load(path)  # the checkpoint written before the forward pass still fits


def test_a_leaf_value_made_under_no_grad_is_still_a_parameter():
    from autograd import no_grad

    class Scaled(Module):
        def __init__(self) -> None:
            with no_grad():
                self.w = Value(3.0) * 2.0  # computed with no graph: a leaf of its own

    assert [n for n, _ in Scaled().named_parameters()] == ["w"]


# -- state dicts ------------------------------------------------------------------------------
def test_state_dict_holds_each_layers_matrices_as_nested_lists():
    model = MLP(2, [3, 1], seed=0)
    state = model.state_dict()
    assert list(state) == ["layers.0.W", "layers.0.b", "layers.1.W", "layers.1.b"]
    for k, layer in enumerate(model.layers):
        assert state[f"layers.{k}.W"] == [[w.data for w in row] for row in layer.W]
        assert state[f"layers.{k}.b"] == [b.data for b in layer.b]
    json.dumps(state)  # plain floats and lists only


def test_a_scalar_parameter_is_a_plain_number_in_the_state():
    state = Custom().state_dict()
    assert state["scale"] == 2.0 and state["inner.b"] == 0.0 and state["tied"] == 2.0
    assert state["table.rest"] == [3.0, 4.0]


@given(arch=architectures(), seeds=st.tuples(init_seeds, init_seeds))
def test_load_state_dict_copies_every_weight(arch, seeds):
    nin, nouts = arch
    source, target = MLP(nin, nouts, seed=seeds[0]), MLP(nin, nouts, seed=seeds[1])
    target.load_state_dict(source.state_dict())
    assert weights(target) == weights(source)
    assert all(p is not q for p, q in zip(target.parameters(), source.parameters(), strict=True))


def state_with(state: dict, name: str, value: object) -> dict:
    changed = json.loads(json.dumps(state))
    changed[name] = value
    return changed


BAD_STATES = {
    "missing tensor": lambda s: {k: v for k, v in s.items() if k != "layers.1.b"},
    "unexpected tensor": lambda s: {**s, "layers.2.W": [[1.0]]},
    "too many rows": lambda s: state_with(s, "layers.0.W", [*s["layers.0.W"], [0.0, 0.0]]),
    "too few columns": lambda s: state_with(s, "layers.0.W", [row[:1] for row in s["layers.0.W"]]),
    "ragged rows": lambda s: state_with(s, "layers.0.W", [[0.0], [0.0, 0.0], [0.0, 0.0]]),
    "number for a list": lambda s: state_with(s, "layers.0.b", 0.5),
    "string weight": lambda s: state_with(s, "layers.1.b", ["0.5"]),
    "bool weight": lambda s: state_with(s, "layers.1.b", [True]),
    "nan weight": lambda s: state_with(s, "layers.1.b", [math.nan]),
    "infinite weight": lambda s: state_with(s, "layers.1.b", [math.inf]),
    "not a dict": lambda s: list(s.items()),
}


@pytest.mark.parametrize("corrupt", BAD_STATES.values(), ids=BAD_STATES.keys())
def test_a_bad_state_raises_and_leaves_the_weights_untouched(corrupt):
    model = MLP(2, [3, 1], seed=0)
    before = weights(model)
    bad = corrupt(MLP(2, [3, 1], seed=1).state_dict())
    with pytest.raises(StateError):
        model.load_state_dict(bad)
    assert weights(model) == before


def test_state_errors_name_the_tensor_and_the_shapes():
    model = MLP(2, [3, 1], seed=0)
    bigger = MLP(2, [5, 1], seed=0).state_dict()
    with pytest.raises(StateError, match=r"layers\.0\.W: expected shape \(3, 2\), got \(5, 2\)"):
        model.load_state_dict(bigger)
    with pytest.raises(StateError, match=r"missing \['layers\.1\.b'\]"):
        model.load_state_dict(BAD_STATES["missing tensor"](model.state_dict()))
    with pytest.raises(StateError, match=r"layers\.1\.b\.0: a weight must be a number, got str"):
        model.load_state_dict(BAD_STATES["string weight"](model.state_dict()))


class Annotated(Module):
    """Lists that mix parameters with other things: each run of Values is its own tensor."""

    def __init__(self) -> None:
        self.rows = [[Value(1.0), Value(2.0)], "a note, not a row", [Value(3.0)]]
        self.mixed = [Value(4.0), None, Value(5.0)]
        self.ragged = [Value(6.0), [Value(7.0), Value(8.0)]]


def test_a_list_with_a_non_value_row_keeps_each_tensor_apart():
    module = Annotated()
    assert [name for name, _ in module.named_parameters()] == [
        "rows.0.0",
        "rows.0.1",
        "rows.2.0",
        "mixed.0",
        "mixed.2",
        "ragged.0",
        "ragged.1.0",
        "ragged.1.1",
    ]
    state = module.state_dict()
    assert state == {
        "rows.0": [1.0, 2.0],
        "rows.2": [3.0],
        "mixed.0": 4.0,
        "mixed.2": 5.0,
        "ragged": [6.0, [7.0, 8.0]],
    }
    other = Annotated()
    for p in other.parameters():
        p.data = -p.data
    other.load_state_dict(state)
    assert weights(other) == weights(module)

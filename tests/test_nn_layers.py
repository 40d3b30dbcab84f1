"""Neuron, Layer, MLP: outputs, shapes, the fused weighted sum, initialisation and errors."""

from __future__ import annotations

import math
import random
import statistics
import tracemalloc

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value, gradcheck, topological_order
from nn import ACTIVATIONS, MLP, Layer, Neuron
from tests.strategies import (
    activations,
    architectures,
    init_seeds,
    matrices,
    network_inputs,
    smooth_activations,
)

ACTIVATION_IN_FLOATS = {
    "sigmoid": lambda z: 1 / (1 + math.exp(-z)),
    "tanh": math.tanh,
    "relu": lambda z: max(z, 0.0),
    "linear": lambda z: z,
}


def layer_in_floats(W: list[list[float]], b: list[float], x: list[float], activation: str):  # noqa: N803
    act = ACTIVATION_IN_FLOATS[activation]
    return [
        act(sum(w * xi for w, xi in zip(row, x, strict=True)) + bj)
        for row, bj in zip(W, b, strict=True)
    ]


def data_of(rows: list[list[Value]]) -> list[list[float]]:
    return [[v.data for v in row] for row in rows]


# -- outputs ----------------------------------------------------------------------------------
@given(
    shape=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    activation=activations,
    seed=init_seeds,
    data=st.data(),
)
def test_a_layer_computes_activation_of_w_x_plus_b(shape, activation, seed, data):
    nin, nout = shape
    layer = Layer(nin, nout, activation, seed=seed)
    for bj, value in zip(layer.b, data.draw(matrices(1, nout))[0], strict=True):
        bj.data = value
    x = data.draw(matrices(1, nin, network_inputs))[0]
    out = layer(x)
    assert isinstance(out, list) and len(out) == nout
    expected = layer_in_floats(data_of(layer.W), [b.data for b in layer.b], x, activation)
    assert [v.data for v in out] == pytest.approx(expected, rel=1e-12, abs=1e-12)


@given(nin=st.integers(1, 5), activation=activations, seed=init_seeds, data=st.data())
def test_a_neuron_is_a_one_output_layer(nin, activation, seed, data):
    neuron = Neuron(nin, activation, seed=seed)
    x = data.draw(matrices(1, nin, network_inputs))[0]
    (expected,) = layer_in_floats([[w.data for w in neuron.w]], [neuron.b.data], x, activation)
    assert neuron(x).data == pytest.approx(expected, rel=1e-12, abs=1e-12)


@given(arch=architectures(), activation=activations, seed=init_seeds, data=st.data())
def test_an_mlp_chains_its_layers(arch, activation, seed, data):
    nin, nouts = arch
    model = MLP(nin, nouts, activation=activation, seed=seed)
    x = data.draw(matrices(1, nin, network_inputs))[0]
    expected = x
    for layer in model.layers:
        expected = layer_in_floats(
            data_of(layer.W), [b.data for b in layer.b], expected, activation
        )
    out = model(x)
    got = [out.data] if nouts[-1] == 1 else [v.data for v in out]
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_the_output_activation_applies_to_the_last_layer_only():
    model = MLP(2, [3, 2], activation="relu", output_activation="linear", seed=0)
    assert [layer.activation for layer in model.layers] == ["relu", "linear"]
    x = [0.3, -0.7]
    hidden = layer_in_floats(data_of(model.layers[0].W), [0.0] * 3, x, "relu")
    expected = layer_in_floats(data_of(model.layers[1].W), [0.0] * 2, hidden, "linear")
    assert [v.data for v in model(x)] == pytest.approx(expected, rel=1e-12)


def test_output_activation_none_means_the_hidden_activation():
    assert [layer.activation for layer in MLP(2, [3, 3, 1], activation="tanh").layers] == [
        "tanh"
    ] * 3


@given(arch=architectures())
def test_an_mlp_returns_a_bare_value_only_for_one_output(arch):
    nin, nouts = arch
    out = MLP(nin, nouts, seed=0)([0.5] * nin)
    if nouts[-1] == 1:
        assert isinstance(out, Value)
    else:
        assert isinstance(out, list) and len(out) == nouts[-1]


def test_a_one_output_layer_still_returns_a_list():
    out = Layer(3, 1, seed=0)([1.0, 2.0, 3.0])
    assert isinstance(out, list) and len(out) == 1


@given(arch=architectures(max_inputs=3), activation=smooth_activations, data=st.data())
def test_mlp_gradients_with_respect_to_its_inputs_pass_gradcheck(arch, activation, data):
    nin, nouts = arch
    model = MLP(nin, nouts, activation=activation, seed=0)
    x = data.draw(matrices(1, nin, network_inputs))[0]

    def first_output(*xs: Value) -> Value:
        out = model(list(xs))
        return out if isinstance(out, Value) else out[0]

    assert gradcheck(first_output, x)


# -- the shape of the graph: one dot node per neuron, inputs stay numbers --------------------------
def test_a_neuron_is_a_dot_node_and_an_activation_node():
    layer = Layer(3, 2, "tanh", seed=0)
    out = layer([1.0, 2.0, 3.0])
    for j, v in enumerate(out):
        assert v.op == "tanh"
        (pre,) = v.inputs
        assert pre.op == "dot"
        assert list(pre.inputs) == [*layer.W[j], layer.b[j]]  # numbers are not nodes
        assert list(pre.local_grads) == [1.0, 2.0, 3.0, 1.0]


def test_an_mlp_graph_holds_parameters_and_two_nodes_per_neuron_only():
    model = MLP(4, [5, 3, 1], seed=0)
    nodes = topological_order(model([0.1, 0.2, 0.3, 0.4]))
    assert len(nodes) == len(model.parameters()) + 2 * (5 + 3 + 1)
    assert set(model.parameters()) <= set(nodes)


def test_a_hidden_neuron_reads_the_previous_layers_values():
    model = MLP(2, [3, 1], seed=0)
    out = model([0.5, -0.5])
    pre = out.inputs[0]  # w · x + b: inputs (w..., x..., b)
    n = len(model.layers[1].W[0])
    weights, hidden, bias = pre.inputs[:n], pre.inputs[n : 2 * n], pre.inputs[2 * n :]
    assert (weights, bias) == (tuple(model.layers[1].W[0]), (model.layers[1].b[0],))
    assert [v.op for v in hidden] == ["sigmoid"] * 3


# -- notation, labels, initialisation ------------------------------------------------------------
def test_layer_weights_are_nout_rows_of_nin_values_in_the_seeds_notation():
    model = MLP(3, [4, 2], seed=0)
    W1, W2 = model.layers[0].W, model.layers[1].W  # noqa: N806
    assert [len(row) for row in W1] == [3] * 4 and len(model.layers[0].b) == 4
    assert [len(row) for row in W2] == [4] * 2 and len(model.layers[1].b) == 2
    assert W1[1][0].label == "W1[1][0]" and W2[0][3].label == "W2[0][3]"
    assert model.layers[1].b[1].label == "b2[1]"


def test_standalone_units_are_labelled_w_and_b():
    neuron = Neuron(2, seed=0)
    assert [w.label for w in neuron.w] == ["w[0]", "w[1]"] and neuron.b.label == "b"
    assert Layer(2, 1, seed=0).W[0][1].label == "W[0][1]"


@given(seed=init_seeds, arch=architectures())
def test_the_same_seed_gives_the_same_network(seed, arch):
    nin, nouts = arch
    assert MLP(nin, nouts, seed=seed).state_dict() == MLP(nin, nouts, seed=seed).state_dict()


def test_different_seeds_give_different_networks():
    assert MLP(2, [3, 1], seed=1).state_dict() != MLP(2, [3, 1], seed=2).state_dict()


def test_initialisation_never_touches_the_global_random_state():
    random.seed(123)
    state = random.getstate()
    first = MLP(2, [3, 1], seed=7).state_dict()
    MLP(2, [3, 1])  # unseeded: a fresh private generator
    assert random.getstate() == state
    random.seed(999)
    assert MLP(2, [3, 1], seed=7).state_dict() == first


def test_a_random_instance_can_be_the_seed():
    rng_a, rng_b = random.Random(5), random.Random(5)
    assert Layer(3, 2, seed=rng_a).state_dict() == Layer(3, 2, seed=rng_b).state_dict()
    assert rng_a.getstate() == rng_b.getstate() != random.Random(5).getstate()


@given(seed=init_seeds, nin=st.integers(1, 50), activation=activations)
def test_weights_are_bounded_by_the_fan_in_and_biases_start_at_zero(seed, nin, activation):
    layer = Layer(nin, 3, activation, seed=seed)
    gain = math.sqrt(2.0) if activation == "relu" else 1.0
    limit = gain * math.sqrt(3.0 / nin)
    assert all(abs(w.data) <= limit for row in layer.W for w in row)
    assert all(b.data == 0.0 for b in layer.b)


@pytest.mark.parametrize(("activation", "gain_squared"), [("tanh", 1.0), ("relu", 2.0)])
def test_weight_variance_is_gain_squared_over_fan_in(activation, gain_squared):
    nin = 400
    layer = Layer(nin, 50, activation, seed=0)
    variance = statistics.pvariance([w.data for row in layer.W for w in row])
    assert variance == pytest.approx(gain_squared / nin, rel=0.05)  # 20000 draws


# -- errors ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("x", [[1.0], [1.0, 2.0, 3.0]], ids=["short", "long"])
def test_a_wrong_input_length_names_both_sizes(x):
    with pytest.raises(ValueError, match=rf"expects 2 inputs, got {len(x)}"):
        MLP(2, [3, 1], seed=0)(x)
    with pytest.raises(ValueError, match=rf"Neuron\(2.*expects 2 inputs, got {len(x)}"):
        Neuron(2, seed=0)(x)


@pytest.mark.parametrize("x", [[1.0, "2"], [1.0, None], [[1.0], 2.0]], ids=repr)
def test_non_numeric_inputs_raise_type_error_naming_the_layer(x):
    with pytest.raises(TypeError, match=r"Layer\(2, 3, activation='sigmoid', name='1'\)"):
        MLP(2, [3, 1], seed=0)(x)


@pytest.mark.parametrize("x", [None, 1.5, Value(1.0)], ids=repr)
def test_an_input_that_is_not_a_sequence_raises_type_error(x):
    with pytest.raises(TypeError, match="expects a sequence of 1 numbers"):
        Layer(1, 2, seed=0)(x)


def test_an_unknown_activation_lists_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown activation 'softmax'.*'relu'"):
        MLP(2, [3, 1], activation="softmax")
    with pytest.raises(ValueError, match="unknown activation"):
        MLP(2, [3, 1], output_activation="step")
    assert sorted(ACTIVATIONS) == ["linear", "relu", "sigmoid", "tanh"]


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda: MLP(0, [1]), ValueError),
        (lambda: MLP(2, [3, 0]), ValueError),
        (lambda: MLP(2, []), TypeError),
        (lambda: MLP(2, 1), TypeError),
        (lambda: MLP(2.0, [1]), TypeError),
        (lambda: Layer(2, True), TypeError),
        (lambda: Neuron(-1), ValueError),
    ],
    ids=["nin 0", "nout 0", "no layers", "int nouts", "float nin", "bool nout", "negative"],
)
def test_bad_sizes_are_refused(make, error):
    with pytest.raises(error):
        make()


def test_numpy_inputs_are_accepted():
    np = pytest.importorskip("numpy")
    model = MLP(3, [2, 1], seed=0)
    x = [0.1, -0.2, 0.3]
    assert model(np.array(x)).data == model(x).data


@given(architectures(), activations, init_seeds)
def test_layer_clusters_hold_each_layers_parameters_sums_and_activations(arch, activation, seed):
    nin, nouts = arch
    model = MLP(nin, nouts, activation=activation, seed=seed)
    out = model([0.5] * nin)
    loss = sum(out) if isinstance(out, list) else out * 1.0  # a node past the last layer
    clusters = model.layer_clusters(loss)
    previous = ["X"] + [f"A{k}" for k in range(1, len(nouts))]
    act = {"sigmoid": "σ(Z{k})", "linear": "Z{k}"}.get(activation, activation + "(Z{k})")
    assert list(clusters) == [
        f"layer {k}: Z{k} = W{k} {previous[k - 1]} + b{k}, A{k} = {act.format(k=k)}"
        for k in range(1, len(nouts) + 1)
    ]
    graph = topological_order(loss)
    for layer, members in zip(model.layers, clusters.values(), strict=True):
        params = set(layer.parameters())
        sums = [v for v in graph if params & set(v.inputs)]
        activated = [v for v in graph if len(v.inputs) == 1 and v.inputs[0] in sums]
        expected = params | set(sums) | (set(activated) if activation != "linear" else set())
        assert set(members) == expected and len(members) == len(expected)
        assert len(sums) == layer.nout
    assert loss not in {v for members in clusters.values() for v in members}


@pytest.mark.parametrize(
    "sizes", [(3, 1), np.array([3, 1]), [np.int64(3), np.int64(1)]], ids=["tuple", "array", "int64"]
)
def test_an_mlp_takes_its_sizes_as_any_sequence_of_integers(sizes):
    model, reference = MLP(np.int64(2), sizes, seed=4), MLP(2, [3, 1], seed=4)
    assert model.nouts == [3, 1] and all(type(n) is int for n in [model.nin, *model.nouts])
    assert [p.data for p in model.parameters()] == [p.data for p in reference.parameters()]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda: MLP(10**400, [2]),
            r"MLP: layer 1: nin \* nout = .* weights, more than MAX_WEIGHTS",
        ),
        (lambda: MLP(2, [4, 10**9]), r"MLP: layer 2: nin \* nout = 4000000000 weights"),
        (lambda: MLP(2, [10**5000]), r"nin \* nout = <an int of about 5,000 digits> weights"),
        (lambda: Layer(10**5, 10**4), r"Layer: nin \* nout = 1000000000 weights"),
        (lambda: Neuron(10**9), r"Neuron: nin must be at most 100,000,000, got 1000000000"),
    ],
)
def test_a_size_past_max_weights_is_an_error_before_anything_is_built(make, message):
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=message):
            make()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000  # refused from the sizes: no layer was started

"""The seed's network, ``MLP(n_in, [n_hidden, 1], activation="sigmoid")``, proven.

The seed's backward pass (dLoss/dA2 = 2(A2 - y), dA2/dZ2 = A2(1 - A2), δ2, dW2 = δ2 A1^T,
db2 = δ2, dA1 = W2^T δ2, δ1 = dA1 ⊙ A1(1 - A1), dW1 = δ1 X^T, db1 = δ1) is written out in
plain floats, step by step, in ``demos.two_layer.seed_backward`` (the main demo prints it
beside the engine). Here that derivation is checked against central differences of the
seed's loss in floats, so it is right, and every parameter's ``.grad`` against it, so the
library is. W1, b1, W2, b2 are set by hand through ``load_state_dict``.
"""

# ruff: noqa: N806  (A1, A2, Z1, ...: the seed's own notation)
from __future__ import annotations

import math

import pytest
from hypothesis import assume, given, settings

from autograd import Value
from autograd.names import node_names, reading_order
from demos.two_layer import seed_backward, seed_gradients
from nn import MLP, SGD, data, fit, half_mse_loss, mse_loss
from tests.strategies import SeedNetworkCase, seed_networks

# A hand-picked network, 2 inputs and 3 hidden units, and its examples.
HAND = SeedNetworkCase(
    W1=[[0.15, -0.25], [0.4, 0.1], [-0.3, 0.35]],
    b1=[0.05, -0.1, 0.2],
    W2=[[0.5, -0.45, 0.3]],
    b2=[0.1],
    X=[[0.5, -1.0], [1.0, 0.25], [-0.75, 0.8]],
    Y=[1.0, 0.0, 0.6],
)
TIGHT = {"rel": 1e-9, "abs": 1e-15}  # engine and hand derivation differ only by rounding


def seed_network(case: SeedNetworkCase) -> MLP:
    """The seed's network with W1, b1, W2, b2 set by hand."""
    model = MLP(case.n_in, [case.n_hidden, 1], activation="sigmoid")
    model.load_state_dict(
        {"layers.0.W": case.W1, "layers.0.b": case.b1, "layers.1.W": case.W2, "layers.1.b": case.b2}
    )
    return model


def engine_gradients(model: MLP) -> dict[str, list]:
    """Every parameter's .grad, arranged as W1, b1, W2, b2."""
    hidden, output = model.layers
    return {
        "W1": [[w.grad for w in row] for row in hidden.W],
        "b1": [b.grad for b in hidden.b],
        "W2": [[w.grad for w in row] for row in output.W],
        "b2": [b.grad for b in output.b],
    }


def flat(grads: dict[str, list]) -> dict[str, float]:
    """{"W1[0][1]": ..., "b2[0]": ...}: one entry per parameter, named in the seed's notation."""
    out = {}
    for name, value in grads.items():
        for j, row in enumerate(value):
            if isinstance(row, list):
                out.update({f"{name}[{j}][{i}]": g for i, g in enumerate(row)})
            else:
                out[f"{name}[{j}]"] = row
    return out


def backprop(case: SeedNetworkCase, loss=mse_loss) -> tuple[MLP, Value]:
    model = seed_network(case)
    value = loss([model(x) for x in case.X], case.Y)
    value.backward()
    return model, value


def float_loss(case: SeedNetworkCase, half: bool = False) -> float:
    """The seed's Loss = (1/m) Σ (A2 - y)² (halved if ``half``), in floats."""
    total = 0.0
    for x, y in zip(case.X, case.Y, strict=True):
        A2 = seed_backward(case.W1, case.b1, case.W2, case.b2, x, y, scale=0.0)["A2"]
        total += (A2 - y) ** 2
    return total / len(case.X) / (2 if half else 1)


def assert_matches(engine: dict[str, list], hand: dict[str, list], **tolerance: float) -> None:
    engine_flat, hand_flat = flat(engine), flat(hand)
    assert engine_flat.keys() == hand_flat.keys()
    for name, g in hand_flat.items():
        assert engine_flat[name] == pytest.approx(g, **tolerance), name


def hand_gradients(case: SeedNetworkCase, half: bool = False) -> dict[str, list]:
    return seed_gradients(case.W1, case.b1, case.W2, case.b2, case.X, case.Y, half=half)


def one_example(case: SeedNetworkCase, k: int = 0) -> SeedNetworkCase:
    return SeedNetworkCase(case.W1, case.b1, case.W2, case.b2, [case.X[k]], [case.Y[k]])


# -- the network is the seed's ---------------------------------------------------------------
def test_the_layers_hold_w1_b1_w2_b2_in_the_seeds_shapes():
    model = seed_network(HAND)
    hidden, output = model.layers
    assert [[w.data for w in row] for row in hidden.W] == HAND.W1  # n_hidden rows of n_in
    assert [b.data for b in hidden.b] == HAND.b1
    assert [[w.data for w in row] for row in output.W] == HAND.W2  # one row of n_hidden
    assert [b.data for b in output.b] == HAND.b2
    assert hidden.activation == output.activation == "sigmoid"


def test_the_forward_pass_is_a2_of_the_seed():
    model = seed_network(HAND)
    for x in HAND.X:
        Z1 = [
            sum(w * xi for w, xi in zip(row, x, strict=True)) + b
            for row, b in zip(HAND.W1, HAND.b1, strict=True)
        ]
        A1 = [1 / (1 + math.exp(-z)) for z in Z1]
        Z2 = sum(w * a for w, a in zip(HAND.W2[0], A1, strict=True)) + HAND.b2[0]
        out = model(x)
        assert isinstance(out, Value)
        assert out.data == pytest.approx(1 / (1 + math.exp(-Z2)), rel=1e-14)


def test_the_loss_of_one_example_is_the_squared_error():
    case = one_example(HAND)
    _, loss = backprop(case)
    A2 = seed_network(case)(case.X[0]).data
    assert loss.data == pytest.approx((A2 - case.Y[0]) ** 2, rel=1e-14)


# -- the hand derivation is right ------------------------------------------------------------
def numeric_gradients(case: SeedNetworkCase, half: bool, eps: float = 1e-6) -> dict[str, list]:
    """Central differences of ``float_loss`` for every weight and bias."""
    grads: dict[str, list] = {}
    for name in ("W1", "b1", "W2", "b2"):
        tensor = getattr(case, name)
        rows = tensor if isinstance(tensor[0], list) else [tensor]
        numeric = []
        for row in rows:
            numeric_row = []
            for i in range(len(row)):
                saved = row[i]
                row[i] = saved + eps
                plus = float_loss(case, half)
                row[i] = saved - eps
                minus = float_loss(case, half)
                row[i] = saved
                numeric_row.append((plus - minus) / (2 * eps))
            numeric.append(numeric_row)
        grads[name] = numeric if isinstance(tensor[0], list) else numeric[0]
    return grads


@pytest.mark.parametrize("half", [False, True], ids=["mse", "half-mse"])
def test_the_hand_derivation_matches_central_differences(half):
    assert_matches(hand_gradients(HAND, half), numeric_gradients(HAND, half), abs=1e-8, rel=1e-6)


@settings(max_examples=25)
@given(case=seed_networks())
def test_the_hand_derivation_matches_central_differences_everywhere(case):
    assert_matches(hand_gradients(case), numeric_gradients(case, False), abs=1e-7, rel=1e-5)


# -- the library matches the hand derivation -------------------------------------------------
def test_every_grad_matches_the_seed_for_one_example():
    case = one_example(HAND)
    model, _ = backprop(case)
    assert_matches(engine_gradients(model), hand_gradients(case), **TIGHT)


def test_every_grad_matches_the_seed_for_a_mean_over_m_examples():
    model, _ = backprop(HAND)
    assert len(HAND.X) == 3
    assert_matches(engine_gradients(model), hand_gradients(HAND), **TIGHT)


def test_intermediate_grads_are_the_seeds_deltas():
    """The engine keeps every node's gradient: A2.grad is dLoss/dA2, Z2.grad is δ2, ..."""
    case = one_example(HAND)
    model = seed_network(case)
    hidden, output = model.layers
    A1 = hidden(case.X[0])
    (A2,) = output(A1)
    mse_loss(A2, case.Y[0]).backward()
    hand = seed_backward(case.W1, case.b1, case.W2, case.b2, case.X[0], case.Y[0], scale=2.0)
    assert A2.grad == pytest.approx(hand["dA2"], **TIGHT)
    assert A2.inputs[0].grad == pytest.approx(hand["delta2"], **TIGHT)  # Z2
    assert [a.grad for a in A1] == pytest.approx(hand["dA1"], **TIGHT)
    assert [a.inputs[0].grad for a in A1] == pytest.approx(hand["delta1"], **TIGHT)  # Z1


@given(case=seed_networks())
def test_every_grad_matches_the_seed_for_any_weights_and_examples(case):
    model, _ = backprop(case)
    assert_matches(engine_gradients(model), hand_gradients(case), **TIGHT)


# -- the factor 2: the first seed's "simplified" δ2 ---------------------------------------------
def test_the_simplified_delta2_is_the_gradient_of_half_the_mse():
    """δ2 = (A2 - y) A2 (1 - A2) drops the 2 of d(A2 - y)²/dA2: it is d/dZ2 of (1/2)(A2 - y)²."""
    case = one_example(HAND)
    model, loss = backprop(case, half_mse_loss)
    A2 = model(case.X[0]).data
    y = case.Y[0]
    assert loss.data == pytest.approx(0.5 * (A2 - y) ** 2, rel=1e-14)
    assert model.layers[1].b[0].grad == pytest.approx((A2 - y) * A2 * (1 - A2), **TIGHT)  # db2 = δ2
    assert_matches(engine_gradients(model), hand_gradients(case, half=True), **TIGHT)


@given(case=seed_networks())
def test_both_readings_match_with_their_loss(case):
    mse_model, _ = backprop(case, mse_loss)
    half_model, _ = backprop(case, half_mse_loss)
    assert_matches(engine_gradients(mse_model), hand_gradients(case, half=False), **TIGHT)
    assert_matches(engine_gradients(half_model), hand_gradients(case, half=True), **TIGHT)
    doubled = {k: 2 * g for k, g in flat(engine_gradients(half_model)).items()}
    assert flat(engine_gradients(mse_model)) == pytest.approx(doubled, **TIGHT)


# -- gradient descent with the seed's update rule ----------------------------------------------
@given(case=seed_networks())
def test_one_sgd_step_is_the_seeds_update_and_lowers_the_loss(case):
    model, loss = backprop(case)
    before = [(p.data, p.grad) for p in model.parameters()]
    assume(sum(g * g for _, g in before) > 1e-8)  # not at a stationary point
    eta = 0.01
    SGD(model.parameters(), lr=eta).step()
    for p, (data_before, g) in zip(model.parameters(), before, strict=True):
        assert p.data == data_before - eta * g  # W <- W - η dLoss/dW, exactly
    after = mse_loss([model(x) for x in case.X], case.Y)
    assert after.data < loss.data


def test_the_2_4_1_network_learns_xor():
    inputs, targets = data.xor()
    model = MLP(2, [4, 1], activation="sigmoid", seed=0)
    history = fit(
        model, inputs, targets, optimizer=SGD(model.parameters(), lr=5.0), epochs=600, verbose=False
    )
    assert history[-1] < 0.01
    assert [round(model(x).data) for x in inputs] == targets


@pytest.mark.slow
def test_the_2_4_1_network_learns_xor_from_most_seeds():
    inputs, targets = data.xor()
    converged = 0
    for seed in range(20):
        model = MLP(2, [4, 1], activation="sigmoid", seed=seed)
        optimizer = SGD(model.parameters(), lr=5.0)
        history = fit(model, inputs, targets, optimizer=optimizer, epochs=600, verbose=False)
        converged += history[-1] < 0.01
    assert converged >= 18


# -- names -------------------------------------------------------------------------------------
def test_nn_names_what_it_builds_in_the_derivations_notation():
    """No label set by hand: the graph reads as the derivation writes it."""
    model = MLP(2, [3, 1], activation="sigmoid", seed=0)
    A2 = model([0.5, -1.0])
    loss = mse_loss(A2, 1.0)
    names = node_names(reading_order(loss))
    Z2 = A2.inputs[0]
    A1 = Z2.inputs[3:6]  # dot(W2[0], A1, b2): the weights, then A1, then the bias
    Z1 = [a.inputs[0] for a in A1]
    assert [names[z] for z in Z1] == ["Z1[0]", "Z1[1]", "Z1[2]"]
    assert [names[a] for a in A1] == ["A1[0]", "A1[1]", "A1[2]"]
    assert (names[Z2], names[A2], names[loss]) == ("Z2", "A2", "Loss")
    assert names[loss.inputs[0]] == "A2 - y"
    assert names[model.layers[1].W[0][2]] == "W2[0][2]" and names[model.layers[0].b[1]] == "b1[1]"
    layer = MLP(2, [2, 2], activation="tanh", output_activation="linear", seed=0)
    assert [v.label for v in layer([1.0, 2.0])] == ["Z2[0]", "Z2[1]"]  # a linear layer's Z


def test_a_users_label_wins_and_unlabelled_nodes_keep_reading_order_names():
    model = MLP(2, [2, 1], activation="sigmoid", seed=0)
    x = Value(0.5, label="A1[0]")  # the user's label, read before nn's A1[0]
    x2 = Value(-1.0)
    prediction = model([x, x2])
    prediction.label = "yhat"
    out = prediction * 2.0 + Value(1.0)
    names = node_names(reading_order(out))
    hidden = prediction.inputs[0].inputs[2]  # dot(W2[0], A1, b2): the weights, then A1
    assert (names[x], names[hidden]) == ("A1[0]", "A1[0]#2")
    assert (names[prediction], names[out.inputs[0]], names[out]) == ("yhat", "mul1", "add1")
    assert (names[x2], names[out.inputs[1]]) == ("leaf1", "leaf2")

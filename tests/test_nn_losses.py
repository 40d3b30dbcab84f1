"""Losses: values and gradients against their formulas in floats, stability, and bad input."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from autograd import Value, grad, gradcheck, topological_order
from nn import bce_loss, half_mse_loss, hinge_loss, l2_penalty, mse_loss
from tests.strategies import (
    any_finite,
    labels_pm1,
    logits,
    network_weights,
    probabilities,
    reals,
    unit_interval,
)


def pairs(targets: st.SearchStrategy[float], preds: st.SearchStrategy[float] = reals):
    """Lists of (prediction, target), 1 to 6 of them."""
    return st.lists(st.tuples(preds, targets), min_size=1, max_size=6)


def leaves(xs: list[float]) -> list[Value]:
    return [Value(x) for x in xs]


def softplus(z: float) -> float:
    return max(z, 0.0) + math.log1p(math.exp(-abs(z)))


def float_sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))


# -- mean squared error ------------------------------------------------------------------------
@given(data=pairs(reals))
def test_mse_is_the_mean_squared_difference_with_gradient_2_over_m(data):
    preds, targets = leaves([p for p, _ in data]), [y for _, y in data]
    m = len(data)
    loss = mse_loss(preds, targets)
    assert loss.data == pytest.approx(
        math.fsum((p.data - y) ** 2 for p, y in zip(preds, targets, strict=True)) / m
    )
    gradients = grad(loss, preds)
    assert gradients == pytest.approx(
        [2 * (p.data - y) / m for p, y in zip(preds, targets, strict=True)]
    )


@given(data=pairs(reals))
def test_half_mse_is_half_the_mse_with_gradient_1_over_m(data):
    preds, targets = leaves([p for p, _ in data]), [y for _, y in data]
    m = len(data)
    full, half = mse_loss(preds, targets), half_mse_loss(preds, targets)
    assert half.data == pytest.approx(full.data / 2)
    assert grad(half, preds) == pytest.approx(
        [(p.data - y) / m for p, y in zip(preds, targets, strict=True)]
    )


@given(data=pairs(reals))
def test_mse_gradients_pass_gradcheck(data):
    targets = [y for _, y in data]
    assert gradcheck(lambda *ps: mse_loss(list(ps), targets), [p for p, _ in data])


def test_mse_of_one_example_is_the_squared_error():
    a2 = Value(0.8)
    assert mse_loss(a2, 1.0).data == pytest.approx((0.8 - 1.0) ** 2)
    assert mse_loss([a2], [1.0]).data == mse_loss(a2, 1.0).data


def test_several_outputs_are_averaged_over_every_number():
    preds = [[Value(1.0), Value(2.0)], [Value(0.0), Value(-1.0)]]
    targets = [[0.0, 0.0], [0.0, 1.0]]
    assert mse_loss(preds, targets).data == pytest.approx((1 + 4 + 0 + 4) / 4)


@given(data=pairs(reals))
def test_the_mean_does_not_change_when_the_data_is_repeated(data):
    preds, targets = leaves([p for p, _ in data]), [y for _, y in data]
    once = mse_loss(preds, targets).data
    assert mse_loss(preds * 3, targets * 3).data == pytest.approx(once)


def test_the_sum_of_squares_is_one_node():
    preds = leaves([0.1, 0.2, 0.3, 0.4])
    loss = mse_loss(preds, [0, 0, 1, 1])
    assert loss.op == "/" and loss.inputs[0].op == "dot"
    assert len(topological_order(loss)) == 4 + 4 + 2  # leaves, differences, dot, division


def test_plain_number_predictions_give_a_constant_loss():
    assert mse_loss([0.5, 1.5], [0, 1]).data == pytest.approx(0.25)


# -- binary cross-entropy ----------------------------------------------------------------------
@given(data=pairs(unit_interval, probabilities))
def test_bce_of_probabilities_is_the_cross_entropy(data):
    preds, targets = leaves([p for p, _ in data]), [y for _, y in data]
    expected = -math.fsum(y * math.log(p) + (1 - y) * math.log(1 - p) for p, y in data) / len(data)
    loss = bce_loss(preds, targets)
    assert loss.data == pytest.approx(expected, rel=1e-12, abs=1e-12)
    gradient = grad(loss, preds)
    expected_gradient = [(p - y) / (p * (1 - p)) / len(data) for p, y in data]
    assert gradient == pytest.approx(expected_gradient, rel=1e-9, abs=1e-12)


@given(data=pairs(unit_interval, logits))
def test_bce_of_a_sigmoid_is_softplus_of_the_logit_with_gradient_sigmoid_minus_y(data):
    zs = leaves([z for z, _ in data])
    targets = [y for _, y in data]
    loss = bce_loss([z.sigmoid() for z in zs], targets)
    expected = math.fsum(softplus(z) - y * z for z, y in data) / len(data)
    assert loss.data == pytest.approx(expected, rel=1e-9, abs=1e-12)
    expected_gradient = [(float_sigmoid(z) - y) / len(data) for z, y in data]
    assert grad(loss, zs) == pytest.approx(expected_gradient, rel=1e-9, abs=1e-12)


@given(z=any_finite, y=st.sampled_from((0.0, 1.0)))
def test_bce_stays_finite_where_the_sigmoid_rounds_to_0_or_1(z, y):
    logit = Value(z)
    loss = bce_loss(logit.sigmoid(), y)
    assert math.isfinite(loss.data)
    assert loss.data == pytest.approx(softplus(z) - y * z, rel=1e-9, abs=1e-12)
    (gradient,) = grad(loss, [logit])
    assert gradient == pytest.approx(float_sigmoid(z) - y, abs=1e-12)


def test_bce_of_a_saturated_sigmoid_gives_the_exact_large_loss():
    z = Value(800.0)
    assert bce_loss(z.sigmoid(), 0.0).data == pytest.approx(800.0)
    assert bce_loss(Value(-800.0).sigmoid(), 0.0).data == 0.0


@given(data=pairs(unit_interval, probabilities))
def test_bce_gradients_pass_gradcheck(data):
    targets = [y for _, y in data]
    assert gradcheck(lambda *ps: bce_loss(list(ps), targets), [p for p, _ in data])


@pytest.mark.parametrize(
    ("pred", "target", "message"),
    [
        (1.5, 1.0, r"every prediction must lie in \[0, 1\], got 1.5 at index 0"),
        (-0.1, 0.0, r"every prediction must lie in \[0, 1\], got -0.1"),
        (0.5, 2.0, r"every target must lie in \[0, 1\], got 2.0"),
        (0.0, 1.0, r"prediction 0.0 at index 0 with target 1.0 makes the loss infinite"),
        (1.0, 0.5, r"prediction 1.0 .* makes the loss infinite"),
    ],
)
def test_bce_refuses_values_outside_0_1_and_infinite_losses(pred, target, message):
    with pytest.raises(ValueError, match=message):
        bce_loss([Value(pred)], [target])


def test_bce_of_exact_0_or_1_is_fine_when_the_target_agrees():
    assert bce_loss([Value(1.0), Value(0.0)], [1.0, 0.0]).data == 0.0


# -- hinge -------------------------------------------------------------------------------------
@given(data=pairs(labels_pm1, reals))
def test_hinge_is_the_mean_of_max_0_1_minus_ys(data):
    assume(all(abs(1 - y * s) > 1e-6 for s, y in data))  # away from the kink
    scores, targets = leaves([s for s, _ in data]), [y for _, y in data]
    m = len(data)
    loss = hinge_loss(scores, targets)
    assert loss.data == pytest.approx(math.fsum(max(0.0, 1 - y * s) for s, y in data) / m)
    expected_gradient = [(-y / m if 1 - y * s > 0 else 0.0) for s, y in data]
    assert grad(loss, scores) == pytest.approx(expected_gradient)


@pytest.mark.parametrize("label", [0.0, 0.5, 2.0])
def test_hinge_wants_labels_minus_one_or_one(label):
    with pytest.raises(ValueError, match=rf"targets must be -1 or \+1, got {label}"):
        hinge_loss([Value(0.3)], [label])


# -- L2 penalty --------------------------------------------------------------------------------
@given(params=st.lists(network_weights, min_size=1, max_size=8), strength=unit_interval)
def test_l2_penalty_is_strength_times_the_sum_of_squares(params, strength):
    values = leaves(params)
    penalty = l2_penalty(values, strength)
    assert penalty.data == pytest.approx(strength * math.fsum(p * p for p in params), abs=1e-12)
    assert grad(penalty, values) == pytest.approx([2 * strength * p for p in params], abs=1e-12)


def test_l2_penalty_is_a_dot_node_and_a_scale():
    penalty = l2_penalty(leaves([1.0, 2.0, 3.0]), 0.5)
    assert penalty.op == "*" and penalty.inputs[0].op == "dot"


def test_l2_penalty_refuses_no_parameters_and_a_negative_strength():
    with pytest.raises(ValueError, match="no parameters"):
        l2_penalty([], 1.0)
    with pytest.raises(ValueError, match="strength must be >= 0"):
        l2_penalty([Value(1.0)], -0.1)


# -- bad shapes and types, for every loss ------------------------------------------------------
LOSSES = [mse_loss, half_mse_loss, bce_loss, hinge_loss]


@pytest.mark.parametrize("loss", LOSSES, ids=lambda f: f.__name__)
def test_a_count_mismatch_names_both_counts(loss):
    with pytest.raises(ValueError, match=rf"{loss.__name__}: 2 predictions but 3 targets"):
        loss([Value(0.5), Value(0.5)], [1.0, 1.0, 1.0])


@pytest.mark.parametrize("loss", LOSSES, ids=lambda f: f.__name__)
def test_no_predictions_is_an_error(loss):
    with pytest.raises(ValueError, match="no predictions"):
        loss([], [])


@pytest.mark.parametrize("loss", LOSSES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("target", ["1", None, True, Value(1.0)], ids=repr)
def test_targets_must_be_plain_numbers(loss, target):
    with pytest.raises(TypeError, match=rf"{loss.__name__}: targets must be plain numbers"):
        loss([Value(0.5)], [target])


@pytest.mark.parametrize("pred", ["0.5", None, object()], ids=repr)
def test_predictions_must_be_numbers_or_values(pred):
    with pytest.raises(TypeError, match="predictions must be numbers or Values"):
        mse_loss([pred], [1.0])

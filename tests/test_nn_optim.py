"""Optimizers: SGD is the derivation's rule exactly, momentum, weight decay, Adam, schedules."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value
from nn import MLP, SGD, Adam, mse_loss
from tests.strategies import learning_rates, momenta, network_weights, unit_interval

params_and_grads = st.lists(st.tuples(network_weights, network_weights), min_size=1, max_size=6)


def with_grads(pairs: list[tuple[float, float]]) -> list[Value]:
    values = []
    for data, g in pairs:
        v = Value(data)
        v.grad = g
        values.append(v)
    return values


# -- SGD ---------------------------------------------------------------------------------------
@given(pairs=params_and_grads, lr=learning_rates)
def test_sgd_without_momentum_is_w_minus_eta_times_the_gradient_exactly(pairs, lr):
    params = with_grads(pairs)
    SGD(params, lr=lr).step()
    assert [p.data for p in params] == [data - lr * g for data, g in pairs]


@given(pairs=params_and_grads, lr=learning_rates, momentum=momenta, g2=network_weights)
def test_sgd_momentum_keeps_a_velocity(pairs, lr, momentum, g2):
    params = with_grads(pairs)
    optimizer = SGD(params, lr=lr, momentum=momentum)
    optimizer.step()  # v1 = g1
    for p in params:
        p.grad = g2
    optimizer.step()  # v2 = μ v1 + g2
    for p, (data, g1) in zip(params, pairs, strict=True):
        after_one = data - lr * g1
        assert p.data == pytest.approx(after_one - lr * (momentum * g1 + g2), rel=1e-12, abs=1e-12)


@given(pairs=params_and_grads, lr=learning_rates, decay=unit_interval)
def test_weight_decay_adds_decay_times_the_weight_to_the_gradient(pairs, lr, decay):
    params = with_grads(pairs)
    SGD(params, lr=lr, weight_decay=decay).step()
    expected = [data - lr * (g + decay * data) for data, g in pairs]
    assert [p.data for p in params] == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_a_step_records_no_graph_and_keeps_the_parameters_leaves():
    model = MLP(2, [3, 1], seed=0)
    mse_loss(model([1.0, -1.0]), 0.0).backward()
    SGD(model.parameters(), lr=0.1, momentum=0.9).step()
    assert all(p.op == "" and p.inputs == () for p in model.parameters())


def test_zero_grad_resets_the_optimizers_parameters():
    params = with_grads([(1.0, 2.0), (3.0, -4.0)])
    SGD(params, lr=0.1).zero_grad()
    assert [p.grad for p in params] == [0.0, 0.0]


def test_a_parameter_given_twice_is_stepped_once():
    (p,) = with_grads([(1.0, 0.5)])
    optimizer = SGD([p, p], lr=0.1)
    optimizer.step()
    assert optimizer.params == [p]
    assert p.data == 1.0 - 0.1 * 0.5


def test_sgd_minimises_a_quadratic():
    x = Value(5.0)
    optimizer = SGD([x], lr=0.1, momentum=0.5)
    for _ in range(200):
        optimizer.zero_grad()
        ((x - 3.0) ** 2).backward()
        optimizer.step()
    assert x.data == pytest.approx(3.0, abs=1e-9)


# -- Adam --------------------------------------------------------------------------------------
@given(pairs=params_and_grads, lr=learning_rates)
def test_adams_first_step_moves_each_weight_by_lr_against_the_gradients_sign(pairs, lr):
    """With bias correction, m̂ = g and v̂ = g² after one step: the step is lr g / (|g| + eps)."""
    params = with_grads(pairs)
    Adam(params, lr=lr).step()
    expected = [data - lr * g / (abs(g) + 1e-8) for data, g in pairs]
    assert [p.data for p in params] == pytest.approx(expected, rel=1e-12, abs=1e-12)


@given(pairs=params_and_grads, lr=learning_rates, steps=st.integers(2, 5))
def test_adam_with_a_constant_gradient_takes_equal_steps(pairs, lr, steps):
    params = with_grads(pairs)
    optimizer = Adam(params, lr=lr)
    for _ in range(steps):
        optimizer.step()  # .grad stays as set: the same gradient every step
    expected = [data - steps * lr * g / (abs(g) + 1e-8) for data, g in pairs]
    assert [p.data for p in params] == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_adam_minimises_a_quadratic():
    x = Value(-4.0)
    optimizer = Adam([x], lr=0.1)
    for _ in range(500):
        optimizer.zero_grad()
        ((x - 3.0) ** 2).backward()
        optimizer.step()
    assert x.data == pytest.approx(3.0, abs=1e-3)


# -- learning-rate schedules -------------------------------------------------------------------
@pytest.mark.parametrize("make", [SGD, Adam], ids=["SGD", "Adam"])
def test_the_schedule_scales_the_learning_rate_by_step(make):
    (p,) = with_grads([(0.0, 1.0)])
    optimizer = make([p], lr=0.4, schedule=lambda step: 0.5**step)
    rates = []
    for _ in range(3):
        rates.append(optimizer.current_lr)
        before = p.data
        optimizer.step()
        assert before - p.data == pytest.approx(rates[-1], rel=1e-6)  # gradient 1: step = lr
    assert rates == [0.4, 0.2, 0.1]
    assert optimizer.steps == 3


def test_the_learning_rate_can_be_changed_between_steps():
    (p,) = with_grads([(0.0, 1.0)])
    optimizer = SGD([p], lr=0.5)
    optimizer.step()
    optimizer.lr = 0.25
    optimizer.step()
    assert p.data == -0.75


# -- bad arguments -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda ps: SGD(ps, lr=0.0), ValueError, r"SGD: lr must lie in \(0.0"),
        (lambda ps: SGD(ps, lr=math.nan), ValueError, "lr must lie in"),
        (lambda ps: SGD(ps, lr=math.inf), ValueError, "lr must lie in"),
        (lambda ps: SGD(ps, lr="0.1"), TypeError, "SGD: lr must be a number, got str"),
        (
            lambda ps: SGD(ps, lr=0.1, momentum=1.0),
            ValueError,
            r"momentum must lie in \[0.0, 1.0\)",
        ),
        (lambda ps: SGD(ps, lr=0.1, momentum=-0.1), ValueError, "momentum must lie in"),
        (lambda ps: SGD(ps, lr=0.1, weight_decay=-1), ValueError, "weight_decay must lie in"),
        (lambda ps: Adam(ps, betas=(0.9, 1.0)), ValueError, r"Adam: betas\[1\] must lie in"),
        (lambda ps: Adam(ps, eps=0.0), ValueError, "eps must lie in"),
        (
            lambda ps: Adam(ps, betas=(0.9,)),
            ValueError,
            r"Adam: betas must be a pair .* got \(0\.9,\)",
        ),
        (lambda ps: Adam(ps, betas=0.9), TypeError, "Adam: betas must be a pair .* got float 0.9"),
        (lambda ps: Adam(ps, betas=(0.9, "a")), TypeError, r"Adam: betas\[1\] must be a number"),
        (lambda ps: SGD([], lr=0.1), ValueError, "SGD: no parameters to optimize"),
        (lambda ps: SGD([*ps, 1.0], lr=0.1), TypeError, r"SGD: params\[1\] is float, not a Value"),
        (lambda ps: Adam([ps], lr=0.1), TypeError, r"Adam: params\[0\] is list"),
    ],
)
def test_bad_arguments_are_refused_with_a_clear_message(make, error, message):
    with pytest.raises(error, match=message):
        make([Value(1.0)])


# -- a step is whole or nothing; a None gradient is no gradient ---------------------------------
OPTIMIZERS = {
    "SGD": lambda ps, **kw: SGD(ps, lr=0.1, **kw),
    "SGD momentum": lambda ps, **kw: SGD(ps, lr=0.1, momentum=0.9, **kw),
    "SGD decay": lambda ps, **kw: SGD(ps, lr=0.1, weight_decay=0.01, **kw),
    "Adam": lambda ps, **kw: Adam(ps, lr=0.1, **kw),
}


def snapshot(optimizer) -> tuple:
    """Everything a step may change: the weights, the gradients and every buffer."""
    buffers = {
        name: list(getattr(optimizer, name))
        for name in ("velocity", "m", "v", "parameter_steps")
        if hasattr(optimizer, name)
    }
    return (
        [p.data for p in optimizer.params],
        [p.grad for p in optimizer.params],
        buffers,
        (optimizer.steps),
    )


def trained_optimizer(make) -> tuple[MLP, object]:
    """A 13-weight MLP and its optimizer after two steps, so the buffers are not zeros."""
    model = MLP(2, [3, 1], seed=0)
    optimizer = make(model.parameters())
    for x in ([0.5, -1.0], [1.0, 2.0]):
        optimizer.zero_grad()
        mse_loss(model(x), 1.0).backward()
        optimizer.step()
    optimizer.zero_grad()
    mse_loss(model([0.3, 0.1]), 0.0).backward()
    return model, optimizer


BAD_GRADS = {
    "complex": 1j,
    "ndarray": np.array([1.0, 2.0]),
    "str": "0.5",
    "Value": Value(0.5),
    "huge int": 10**400,
    "list": [0.5],
}


@pytest.mark.parametrize("make", OPTIMIZERS.values(), ids=OPTIMIZERS)
@pytest.mark.parametrize("bad", BAD_GRADS.values(), ids=BAD_GRADS)
def test_a_bad_gradient_anywhere_fails_the_step_and_changes_nothing(make, bad):
    for where in (0, 5, 12):  # the first, a middle and the last of the 13 weights
        model, optimizer = trained_optimizer(make)
        model.parameters()[where].grad = bad
        before = snapshot(optimizer)
        with pytest.raises((TypeError, ValueError), match=rf"params\[{where}\] \(.*\) has a grad"):
            optimizer.step()
        assert snapshot(optimizer) == before


BAD_FACTORS = {"nan": math.nan, "-1": -1.0, "complex": 1j, "inf": math.inf, "str": "0.5"}


@pytest.mark.parametrize("make", OPTIMIZERS.values(), ids=OPTIMIZERS)
@pytest.mark.parametrize("factor", BAD_FACTORS.values(), ids=BAD_FACTORS)
def test_a_schedule_giving_a_bad_factor_fails_the_step_and_changes_nothing(make, factor):
    _, optimizer = trained_optimizer(make)
    optimizer.schedule = lambda step: factor
    before = snapshot(optimizer)
    with pytest.raises((TypeError, ValueError), match=r"\.step: schedule\(2\) must"):
        optimizer.step()
    assert snapshot(optimizer) == before


@pytest.mark.parametrize("make", OPTIMIZERS.values(), ids=OPTIMIZERS)
@pytest.mark.parametrize("lr", [-0.1, math.nan, "0.1", None], ids=repr)
def test_a_learning_rate_set_to_a_bad_value_fails_the_step_and_changes_nothing(make, lr):
    _, optimizer = trained_optimizer(make)
    optimizer.lr = lr
    before = snapshot(optimizer)
    with pytest.raises((TypeError, ValueError), match=r"\.step: lr must"):
        optimizer.step()
    assert snapshot(optimizer) == before


def test_a_schedule_that_raises_changes_nothing():
    _, optimizer = trained_optimizer(OPTIMIZERS["Adam"])
    optimizer.schedule = lambda step: 1 / 0
    before = snapshot(optimizer)
    with pytest.raises(ZeroDivisionError):
        optimizer.step()
    assert snapshot(optimizer) == before


@pytest.mark.parametrize("make", OPTIMIZERS.values(), ids=OPTIMIZERS)
def test_a_parameter_whose_grad_is_none_is_skipped_and_the_others_step(make):
    """The issue's case: one ``p.grad = None`` in a 13-weight MLP, as PyTorch users write."""
    model, optimizer = trained_optimizer(make)
    reference_model, reference = trained_optimizer(make)
    skipped = model.parameters()[5]
    skipped.grad = None
    kept, before = snapshot(optimizer), skipped.data
    optimizer.step()
    reference.step()
    assert skipped.data == before
    for name, buffer in kept[2].items():  # the skipped parameter's buffers stay as they were
        assert getattr(optimizer, name)[5] == buffer[5]
    ours = [p.data for i, p in enumerate(model.parameters()) if i != 5]
    theirs = [p.data for i, p in enumerate(reference_model.parameters()) if i != 5]
    assert ours == theirs  # the others step exactly as if nothing had been skipped


def test_adam_counts_each_parameters_own_steps_as_pytorch():
    """A parameter skipped at the first step takes Adam's first step at the second."""
    a, b = Value(1.0), Value(2.0)
    optimizer = Adam([a, b], lr=0.1)
    a.grad, b.grad = None, 0.5
    optimizer.step()
    a.grad = 0.25
    optimizer.step()
    assert optimizer.parameter_steps == [1, 2]
    assert a.data == 1.0 - 0.1 * 0.25 / (0.25 + 1e-8)  # m̂ = g, v̂ = g²: a first step


def test_numpy_and_fraction_gradients_step_as_their_floats():
    grads = [np.float32(0.5), np.float64(-0.25), Fraction(1, 3), 2]
    params = [Value(1.0) for _ in grads]
    for p, g in zip(params, grads, strict=True):
        p.grad = g
    SGD(params, lr=0.5).step()
    assert [p.data for p in params] == [1.0 - 0.5 * float(g) for g in grads]


@pytest.mark.parametrize("lr", [np.float32(0.1), np.float64(0.1), Fraction(1, 10), 1], ids=repr)
def test_any_real_number_the_engine_takes_is_a_learning_rate(lr):
    (p,) = with_grads([(1.0, 1.0)])
    optimizer = SGD([p], lr=lr)
    assert optimizer.lr == float(lr) and type(optimizer.lr) is float
    optimizer.step()
    assert p.data == 1.0 - float(lr)

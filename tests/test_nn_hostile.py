"""Hostile calls to nn: every public function and class, given the wrong types and values.

Each call must raise the error its docstring promises, TypeError for a wrong type,
ValueError (or its subclass StateError) for a value out of range or a malformed state,
never a raw error from deep inside (AttributeError, KeyError, OverflowError,
RecursionError), and must change nothing: the weights, their gradients and the
optimizer's buffers are compared before and after.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import nn
from autograd import Value
from nn import (
    MLP,
    SGD,
    Adam,
    Layer,
    Neuron,
    StateError,
    bce_loss,
    cross_entropy,
    data,
    fit,
    half_mse_loss,
    hinge_loss,
    l2_penalty,
    log_softmax,
    mse_loss,
    softmax,
)

WRONG_TYPES = {
    "None": None,
    "str": "abc",
    "complex": 1j,
    "dict": {"a": 1},
    "Value": Value(1.0),
    "object": object(),
    "ndarray": np.ones((2, 2)),
}
OUT_OF_RANGE = {"negative": -1, "nan": math.nan, "400 digits": 10**400}

MODEL = MLP(2, [3, 1], seed=0)
OPTIMIZER = Adam(MODEL.parameters(), lr=0.1)
mse_loss(MODEL([0.5, -0.5]), 1.0).backward()
OPTIMIZER.step()  # buffers that are not zeros


def snapshot() -> tuple:
    params = MODEL.parameters()
    buffers = (list(OPTIMIZER.m), list(OPTIMIZER.v), list(OPTIMIZER.parameter_steps))
    return [p.data for p in params], [p.grad for p in params], buffers, OPTIMIZER.steps


def sgd(**options: Any) -> SGD:
    return SGD(MODEL.parameters(), **{"lr": 0.1, **options})


def fit_with(**options: Any) -> list[float]:
    arguments = {"inputs": [[0.0, 1.0]], "targets": [1.0], "optimizer": OPTIMIZER}
    arguments.update(options)
    inputs, targets = arguments.pop("inputs"), arguments.pop("targets")
    return fit(MODEL, inputs, targets, **{"verbose": False, "epochs": 1, **arguments})


# Each numeric argument: a wrong type is a TypeError, a number out of range a ValueError.
NUMBERS: dict[str, Callable[[Any], object]] = {
    "MLP nin": lambda x: MLP(x, [1]),
    "MLP nouts[0]": lambda x: MLP(2, [x]),
    "Layer nin": lambda x: Layer(x, 1),
    "Layer nout": lambda x: Layer(2, x),
    "Neuron nin": lambda x: Neuron(x),
    "SGD lr": lambda x: sgd(lr=x),
    "SGD momentum": lambda x: sgd(momentum=x),
    "SGD weight_decay": lambda x: sgd(weight_decay=x),
    "Adam lr": lambda x: Adam(MODEL.parameters(), lr=x),
    "Adam eps": lambda x: Adam(MODEL.parameters(), eps=x),
    "Adam betas[0]": lambda x: Adam(MODEL.parameters(), betas=(x, 0.999)),
    "Adam weight_decay": lambda x: Adam(MODEL.parameters(), weight_decay=x),
    "l2_penalty strength": lambda x: l2_penalty(MODEL.parameters(), x),
    "fit epochs": lambda x: fit_with(epochs=x),
    "fit batch_size": lambda x: fit_with(batch_size=x),
    "fit log_every": lambda x: fit_with(log_every=x),
    "moons n": lambda x: data.moons(x),
    "moons noise": lambda x: data.moons(10, noise=x),
    "spiral classes": lambda x: data.spiral(10, classes=x),
}
INTEGERS = {"MLP nin", "MLP nouts[0]", "Layer nin", "Layer nout", "Neuron nin", "fit epochs"}
INTEGERS |= {"fit batch_size", "fit log_every", "moons n", "spiral classes"}
OPTIONAL = {"fit batch_size", "fit log_every"}  # None: the default (full batch, ~10 lines)

# Each of these takes structured input: any wrong type is refused with the error named.
STRUCTURED: dict[str, tuple[Callable[[Any], object], type[Exception]]] = {
    "MLP nouts": (lambda x: MLP(2, x), TypeError),
    "MLP activation": (lambda x: MLP(2, [1], activation=x), (TypeError, ValueError)),
    "calling a model": (lambda x: MODEL(x), (TypeError, ValueError)),
    "load_state_dict": (lambda x: MODEL.load_state_dict(x), StateError),
    "load_state_dict tensor": (
        lambda x: MODEL.load_state_dict({**MODEL.state_dict(), "layers.0.b": x}),
        StateError,
    ),
    "SGD params": (lambda x: SGD(x, lr=0.1), TypeError),
    "SGD params items": (lambda x: SGD([*MODEL.parameters(), x], lr=0.1), TypeError),
    "Adam betas": (lambda x: Adam(MODEL.parameters(), betas=x), TypeError),
    "mse_loss predictions": (lambda x: mse_loss(x, 1.0), TypeError),
    "mse_loss targets": (lambda x: mse_loss(Value(0.5), x), TypeError),
    "half_mse_loss predictions": (lambda x: half_mse_loss(x, 1.0), TypeError),
    "bce_loss predictions": (lambda x: bce_loss(x, 1.0), TypeError),
    "hinge_loss targets": (lambda x: hinge_loss(Value(0.5), x), TypeError),
    "l2_penalty params": (lambda x: l2_penalty(x, 0.1), TypeError),
    "log_softmax": (lambda x: log_softmax(x), TypeError),
    "softmax": (lambda x: softmax(x), TypeError),
    "cross_entropy logits": (lambda x: cross_entropy(x, 0), TypeError),
    "cross_entropy targets": (lambda x: cross_entropy([[1.0, 2.0]], [x]), TypeError),
    "fit inputs": (lambda x: fit_with(inputs=x), TypeError),
    "fit optimizer": (lambda x: fit_with(optimizer=x), TypeError),
    "save path": (lambda x: MODEL.save(x), TypeError),
    "load path": (lambda x: MODEL.load(x), TypeError),
    "nn.load path": (lambda x: nn.load(x), TypeError),
}
# A string or an array is a sequence, which some of these take: each case says which.
NOT_APPLICABLE = {
    ("calling a model", "str"),  # "abc" has 3 items where 2 are wanted: a ValueError
    ("calling a model", "ndarray"),
    ("load_state_dict tensor", "ndarray"),
    ("mse_loss predictions", "ndarray"),  # an array of predictions is read as numbers
    ("mse_loss targets", "ndarray"),
    ("half_mse_loss predictions", "ndarray"),
    ("bce_loss predictions", "ndarray"),
    ("hinge_loss targets", "ndarray"),
    ("mse_loss predictions", "Value"),  # a Value is a prediction
    ("mse_loss targets", "Value"),
    ("half_mse_loss predictions", "Value"),
    ("bce_loss predictions", "Value"),
    ("SGD params items", "Value"),
    ("l2_penalty params", "dict"),  # its keys are read as the parameters: still a TypeError
    ("log_softmax", "ndarray"),
    ("softmax", "ndarray"),
    ("cross_entropy logits", "ndarray"),
    ("save path", "str"),  # a path
    ("load path", "str"),
    ("nn.load path", "str"),
    ("fit inputs", "ndarray"),  # an array of examples
    ("MLP activation", "str"),
    ("MLP nouts", "ndarray"),  # layers.py asks an array's truth value: NumPy's ValueError
}


def refused_without_change(call: Callable[[], object], error: Any) -> None:
    before = snapshot()
    with pytest.raises(error) as raised:
        call()
    assert not isinstance(raised.value, (AttributeError, KeyError, OverflowError))
    assert len(str(raised.value)) < 500, "a message quotes a bounded part of its argument"
    assert snapshot() == before


def number_cases() -> list[tuple[str, object, type[Exception]]]:
    """(argument, bad value, the error it must raise) for every numeric argument."""
    cases = []
    for name in NUMBERS:
        integer = name in INTEGERS
        for kind, bad in WRONG_TYPES.items():
            if not (kind == "None" and name in OPTIONAL):
                cases.append((name, bad, TypeError))
        cases.append((name, 2.5 if integer else "0.1", TypeError))
        cases.append((name, True, TypeError))
        cases.append((name, -1, ValueError))
        cases.append((name, math.nan, TypeError if integer else ValueError))  # nan is no int
        if not integer:  # a huge count is still a count: building it takes what it takes
            cases.append((name, 10**400, ValueError))
    return cases


@pytest.mark.parametrize(("name", "bad", "error"), number_cases())
def test_a_number_argument_of_a_wrong_type_or_out_of_range_is_refused(name, bad, error):
    refused_without_change(lambda: NUMBERS[name](bad), error)


STRUCTURED_CASES = [
    (name, kind)
    for name in STRUCTURED
    for kind in WRONG_TYPES
    if (name, kind) not in NOT_APPLICABLE
]


@pytest.mark.parametrize(("name", "kind"), STRUCTURED_CASES)
def test_a_structured_argument_of_a_wrong_type_is_refused(name, kind):
    call, error = STRUCTURED[name]
    refused_without_change(lambda: call(WRONG_TYPES[kind]), error)


@pytest.mark.parametrize("grad", [None, 1j, "0.1", np.ones(3), Value(1.0), 10**400], ids=repr)
def test_a_step_with_a_bad_gradient_changes_nothing(grad):
    OPTIMIZER.zero_grad()
    mse_loss(MODEL([0.5, -0.5]), 1.0).backward()
    MODEL.parameters()[3].grad = grad
    if grad is None:  # no gradient: the parameter is skipped, not an error
        data, steps = MODEL.parameters()[3].data, OPTIMIZER.parameter_steps[3]
        OPTIMIZER.step()
        assert MODEL.parameters()[3].data == data and OPTIMIZER.parameter_steps[3] == steps
    else:
        refused_without_change(OPTIMIZER.step, (TypeError, ValueError))
    OPTIMIZER.zero_grad()

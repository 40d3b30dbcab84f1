"""fit: the training loop is the derivation's, returns the loss history, and reports progress."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from hypothesis import given

import nn
from autograd import TracingError
from nn import (
    MLP,
    SGD,
    Adam,
    Optimizer,
    StateError,
    bce_loss,
    data,
    fit,
    hinge_loss,
    l2_penalty,
    mse_loss,
)
from tests.strategies import init_seeds

XS, YS = data.xor()


class Terminal(io.StringIO):
    """An output stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def xor_model(seed: int = 0) -> MLP:
    return MLP(2, [4, 1], activation="sigmoid", seed=seed)


def train(model: MLP, optimizer: Optimizer | None = None, **options: Any) -> list[float]:
    """fit on XOR, quietly unless told otherwise, with SGD(lr=0.5) unless given an optimizer."""
    optimizer = optimizer or SGD(model.parameters(), lr=0.5)
    return fit(model, XS, YS, optimizer=optimizer, **{"verbose": False, **options})


def weights(model: MLP) -> list[float]:
    return [p.data for p in model.parameters()]


def initial_loss(loss=mse_loss) -> float:
    model = xor_model()
    return loss([model(x) for x in XS], YS).data


# -- the loop ----------------------------------------------------------------------------------
def test_full_batch_fit_is_the_derivations_loop_step_for_step():
    trained, by_hand = xor_model(), xor_model()
    history = train(trained, epochs=5)
    losses = []
    for _ in range(5):
        loss = mse_loss([by_hand(x) for x in XS], YS)  # forward pass, loss
        losses.append(loss.data)
        by_hand.zero_grad()
        loss.backward()  # backward pass
        for p in by_hand.parameters():  # update: W <- W - η dLoss/dW
            p.data -= 0.5 * p.grad
    assert history == losses
    assert weights(trained) == weights(by_hand)


def test_the_history_starts_with_the_untrained_loss_and_has_one_entry_per_epoch():
    history = train(xor_model(), epochs=7)
    assert len(history) == 7 and history[0] == initial_loss()
    assert history[-1] < history[0]


def test_zero_epochs_change_nothing():
    model = xor_model()
    assert train(model, epochs=0) == []
    assert weights(model) == weights(xor_model())


@pytest.mark.parametrize(("batch_size", "steps_per_epoch"), [(1, 4), (3, 2), (4, 1), (10, 1)])
def test_mini_batches_take_one_step_per_batch(batch_size, steps_per_epoch):
    model = xor_model()
    optimizer = SGD(model.parameters(), lr=0.1)
    train(model, optimizer, epochs=3, batch_size=batch_size)
    assert optimizer.steps == 3 * steps_per_epoch


def test_one_batch_of_everything_is_full_batch_descent():
    a, b = xor_model(), xor_model()
    train(a, epochs=4)
    train(b, epochs=4, batch_size=4)
    assert weights(a) == weights(b)


def test_an_epochs_loss_is_the_batch_size_weighted_mean_of_its_steps():
    """With lr tiny the weights barely move, so the epoch's mean is the full-batch loss."""
    model = xor_model()
    (loss,) = train(model, SGD(model.parameters(), lr=1e-12), epochs=1, batch_size=3)
    assert loss == pytest.approx(initial_loss(), rel=1e-9)


@given(seed=init_seeds)
def test_shuffling_is_reproducible_from_the_seed(seed):
    first = train(xor_model(), epochs=3, batch_size=1, seed=seed)
    assert train(xor_model(), epochs=3, batch_size=1, seed=seed) == first


def test_different_shuffle_seeds_visit_the_examples_in_different_orders():
    histories = {tuple(train(xor_model(), epochs=2, batch_size=1, seed=s)) for s in range(5)}
    assert len(histories) > 1


def test_the_penalty_is_added_to_every_steps_loss():
    model = xor_model()

    def penalty():
        return l2_penalty(model.parameters(), 0.01)

    expected = initial_loss() + penalty().data
    assert train(model, epochs=2, penalty=penalty)[0] == pytest.approx(expected, rel=1e-12)


def test_any_loss_can_be_used():
    history = train(xor_model(), epochs=3, loss=bce_loss)
    assert history[0] == pytest.approx(initial_loss(bce_loss))


# -- progress ----------------------------------------------------------------------------------
def logged_epochs(text: str) -> list[int]:
    return [int(line.split()[1].split("/")[0]) for line in text.splitlines()]


@pytest.mark.parametrize(
    ("epochs", "log_every", "expected"),
    [(10, 1, list(range(1, 11))), (10, 4, [1, 4, 8, 10]), (30, None, [1, *range(3, 31, 3)])],
)
def test_the_loss_is_printed_every_k_epochs_and_at_the_ends(epochs, log_every, expected):
    out = io.StringIO()
    history = train(xor_model(), epochs=epochs, log_every=log_every, verbose=True, file=out)
    assert logged_epochs(out.getvalue()) == expected
    last = out.getvalue().splitlines()[-1]
    assert last == f"epoch {epochs}/{epochs}  loss {history[-1]:.6g}"


def test_fit_prints_to_stdout_by_default_and_nothing_when_not_verbose(capsys):
    model = xor_model()
    fit(model, XS, YS, optimizer=SGD(model.parameters(), lr=0.5), epochs=2)
    assert logged_epochs(capsys.readouterr().out) == [1, 2]
    fit(model, XS, YS, optimizer=SGD(model.parameters(), lr=0.5), epochs=2, verbose=False)
    assert capsys.readouterr().out == ""


def test_a_terminal_gets_a_live_status_line_between_logged_epochs():
    out = Terminal()
    train(xor_model(), epochs=5, log_every=5, verbose=True, file=out)
    text = out.getvalue()
    assert text.count("\r") == 5  # every epoch is shown, overwritten in place
    kept = [line.split("\r")[-1].strip() for line in text.split("\n") if line.strip()]
    assert [int(line.split()[1].split("/")[0]) for line in kept] == [1, 5]


# -- bad arguments -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("inputs", "targets", "options", "error", "message"),
    [
        (XS[:3], YS, {}, ValueError, "fit: 3 inputs but 4 targets"),
        ([], [], {}, ValueError, "no examples"),
        (XS, YS, {"epochs": -1}, ValueError, "epochs must be at least 0, got -1"),
        (XS, YS, {"epochs": 2.5}, TypeError, "epochs must be an int"),
        (XS, YS, {"batch_size": 0}, ValueError, "batch_size must be at least 1"),
        (XS, YS, {"log_every": 0}, ValueError, "log_every must be at least 1"),
    ],
)
def test_bad_arguments_are_refused(inputs, targets, options, error, message):
    model = xor_model()
    with pytest.raises(error, match=message):
        fit(model, inputs, targets, optimizer=SGD(model.parameters(), lr=0.1), **options)


@pytest.mark.parametrize("optimizer", [None, "SGD", object()], ids=repr)
def test_fit_without_an_optimizer_says_what_it_needs(optimizer):
    model = xor_model()
    before = weights(model)
    with pytest.raises(TypeError, match=r"fit: optimizer must be an optimizer such as SGD\("):
        fit(model, XS, YS, optimizer=optimizer, verbose=False)
    assert weights(model) == before


# -- fit(compile=True): the model as generated code, the same losses -------------------------
COMPILED_CASES = {  # loss, model options, outputs, the target for a class c, batch size
    "the derivation's network, full batch": (mse_loss, {"activation": "sigmoid"}, 1, float, None),
    "hinge + L2": (hinge_loss, {"activation": "relu", "output_activation": "linear"}, 1,
                   lambda c: 2.0 * c - 1.0, 5),
    "bce of a sigmoid's logit": (bce_loss, {"activation": "tanh", "output_activation": "sigmoid"},
                                 1, float, 5),
    "2 outputs": (mse_loss, {"activation": "tanh", "output_activation": "linear"}, 2,
                  lambda c: [c, 1.0 - c], 7),
}  # fmt: skip


@pytest.mark.parametrize("name", COMPILED_CASES)
def test_a_compiled_fit_gives_the_interpreted_losses_to_1e_12(name: str) -> None:
    loss, options, outputs, target, batch_size = COMPILED_CASES[name]
    points, classes = data.moons(n=24, noise=0.1, seed=1)
    histories = []
    for compiled in (False, True):
        model = MLP(2, [6, outputs], **options, seed=5)
        histories.append(
            fit(
                model,
                points,
                [target(c) for c in classes],
                loss=loss,
                optimizer=SGD(model.parameters(), lr=0.2, momentum=0.9),
                epochs=12,
                batch_size=batch_size,
                penalty=lambda m=model: l2_penalty(m.parameters(), 1e-3),
                verbose=False,
                compile=compiled,
            )
        )
    interpreted, by_compiled = histories
    assert len(by_compiled) == 12
    for a, b in zip(by_compiled, interpreted, strict=True):
        assert abs(a - b) <= 1e-12 * abs(b)
    assert by_compiled[-1] < by_compiled[0]  # it trains


def test_a_compiled_fit_refuses_a_model_that_branches_on_its_values() -> None:
    model = xor_model()

    def branchy(x: list[float]) -> Any:
        out = model(x)
        return out if out > 0.5 else -out

    with pytest.raises(TracingError, match=r"test_nn_train\.py:\d+"):
        fit(branchy, XS, YS, optimizer=SGD(model.parameters(), lr=0.1), epochs=1, compile=True)


# -- resuming a run: model, optimizer and shuffling saved, the same run bitwise ---------------
OPTIMIZERS = {
    "SGD momentum, a schedule": lambda ps: SGD(
        ps, lr=0.3, momentum=0.9, schedule=lambda t: 0.99**t
    ),
    "Adam": lambda ps: Adam(ps, lr=0.05),
}


@pytest.mark.parametrize("make", OPTIMIZERS.values(), ids=OPTIMIZERS)
@pytest.mark.parametrize("compiled", [False, True], ids=["interpreted", "compiled"])
def test_a_resumed_run_equals_the_uninterrupted_one_bitwise(tmp_path, make, compiled):
    options = {"epochs": 8, "batch_size": 3, "seed": 4, "verbose": False, "compile": compiled}
    points, classes = data.moons(n=10, noise=0.1, seed=2)
    whole = MLP(2, [4, 1], seed=0)
    expected = fit(whole, points, classes, optimizer=make(whole.parameters()), **options)

    path = tmp_path / "run.json"
    first = MLP(2, [4, 1], seed=0)
    first_part = fit(
        first, points, classes, optimizer=make(first.parameters()), checkpoint=path,
        **{**options, "epochs": 3},
    )  # fmt: skip
    again = MLP(2, [4, 1], seed=99)  # a fresh process: other weights, a new optimizer
    history = fit(
        again, points, classes, optimizer=make(again.parameters()), checkpoint=path,
        resume=True, **options,
    )  # fmt: skip
    assert history[:3] == first_part
    assert history == expected
    assert weights(again) == weights(whole)
    assert nn.load(path).state_dict() == whole.state_dict()  # the run file is a checkpoint


def test_an_optimizers_state_dict_round_trips_and_a_bad_one_changes_nothing():
    model = xor_model()
    optimizer = Adam(model.parameters(), lr=0.05)
    train(model, optimizer, epochs=2)
    state = json.loads(json.dumps(optimizer.state_dict()))
    fresh = Adam(model.parameters(), lr=0.5)
    fresh.load_state_dict(state)
    assert fresh.state_dict() == optimizer.state_dict()
    bad_states = [
        {**state, "optimizer": "SGD"},
        {**state, "steps": -1},
        {**state, "hyperparameters": {**state["hyperparameters"], "betas": [0.9]}},
        {**state, "buffers": {**state["buffers"], "m": state["buffers"]["m"][:-1]}},
        {**state, "buffers": {**state["buffers"], "v": [-1.0] * len(state["buffers"]["v"])}},
        {**state, "buffers": {**state["buffers"], "parameter_steps": [0.5] * 17}},
        [state],
    ]
    other = Adam(model.parameters(), lr=0.5)
    before = other.state_dict()
    for bad in bad_states:
        with pytest.raises(StateError):
            other.load_state_dict(bad)
        assert other.state_dict() == before


def test_resuming_from_a_bad_run_file_changes_nothing(tmp_path):
    path = tmp_path / "run.json"
    model = xor_model()
    train(model, epochs=2, checkpoint=path)
    good = json.loads(path.read_text())
    edits = [
        {"training": {**good["training"], "shuffle": [3, [1, 2], None]}},
        {"training": {**good["training"], "epoch": 7}},
        {"optimizer": {**good["optimizer"], "optimizer": "Adam"}},
        {"state": {**good["state"], "layers.0.b": [0.0]}},
        {"training": None},
    ]
    for edit in edits:
        path.write_text(json.dumps({**good, **edit}))
        target = xor_model(seed=3)
        optimizer = SGD(target.parameters(), lr=0.5)
        before = weights(target), optimizer.state_dict()
        with pytest.raises(StateError, match=r"run\.json"):
            train(target, optimizer, epochs=4, checkpoint=path, resume=True)
        assert (weights(target), optimizer.state_dict()) == before

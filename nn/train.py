"""fit: the derivation's training loop (forward, loss, backward, update), epoch after epoch."""

from __future__ import annotations

import os
import random
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TextIO

import autograd
from autograd import Value, ops, tree
from nn import checkpoint as nn_checkpoint
from nn.checkpoint import StateError
from nn.losses import mse_loss
from nn.module import Module, checked_numbers
from nn.optim import Optimizer
from nn.validation import count, preview

Loss = Callable[[Any, Any], Value]


def fit(
    model: Callable[[Any], Any],
    inputs: Sequence[Any],
    targets: Sequence[Any],
    *,
    optimizer: Optimizer,
    loss: Loss = mse_loss,
    epochs: int = 100,
    batch_size: int | None = None,
    penalty: Callable[[], Value] | None = None,
    seed: int | None = 0,
    log_every: int | None = None,
    verbose: bool = True,
    file: TextIO | None = None,
    compile: bool | str = False,
    checkpoint: str | os.PathLike[str] | None = None,
    checkpoint_every: int = 1,
    resume: bool = False,
) -> list[float]:
    """Train ``model`` on (inputs[i], targets[i]) pairs; return each epoch's mean loss.

    Each step runs the forward pass on a batch, computes ``loss(predictions, targets)``
    (plus ``penalty()`` if given, e.g. an ``l2_penalty``), clears the gradients, calls
    ``backward()`` and ``optimizer.step()``. ``batch_size=None`` uses every example in one
    step (full-batch gradient descent, as in the derivation); otherwise the examples are shuffled
    each epoch with a private ``random.Random(seed)`` (``seed`` is the shuffling's random
    seed, nothing else). An epoch's loss is the mean of its
    steps' losses, weighted by batch size, as computed before each step's update.

    With ``verbose``, prints the loss at epoch 1, every ``log_every`` epochs (None: about
    ten lines in all) and at the last epoch; on a terminal, a live status line in between.

    ``compile=True`` runs the model's forward and backward as generated code
    (``autograd.compile``, traced once on ``inputs[0]``), the loss and the penalty
    interpreted on its outputs: the same losses as without, to about 1e-12 relative (each
    batch adds its examples' gradients in another order than one graph of it would).

    ``checkpoint=path`` saves the run every ``checkpoint_every`` epochs and after the last:
    the model's checkpoint (``load`` reads it as any other) with the optimizer's
    ``state_dict()``, the epoch, the losses so far and the shuffling generator's state.
    ``resume=True`` continues the run saved there up to ``epochs`` in all, and returns
    every epoch's loss: the same weights and losses, bitwise, as the run never stopped
    (given the same data, loss, batch size and schedule). A malformed or mismatched file
    raises ``StateError`` and changes nothing.

    ``compile="vectorized"`` compiles the model as NumPy code over the batch, a layer one
    matrix product (``autograd.compile(..., vectorize=True)``; needs NumPy).
    """
    if compile not in (False, True, "vectorized"):
        raise ValueError(f"fit: compile must be False, True or 'vectorized', got {compile!r}")
    if not (
        callable(getattr(optimizer, "step", None))
        and callable(getattr(optimizer, "zero_grad", None))
    ):
        raise TypeError(
            f"fit: optimizer must be an optimizer such as SGD(model.parameters(), lr=0.1) "
            f"(with step() and zero_grad()), got {type(optimizer).__name__} {preview(optimizer)}"
        )
    for what, examples in (("inputs", inputs), ("targets", targets)):
        if isinstance(examples, (str, bytes, Mapping)) or not hasattr(examples, "__getitem__"):
            raise TypeError(
                f"fit: {what} must be a sequence of examples (a list, a tuple, an array), "
                f"got {type(examples).__name__} {preview(examples)}"
            )
    n = len(inputs)
    if n != len(targets):
        raise ValueError(f"fit: {n} inputs but {len(targets)} targets")
    if n == 0:
        raise ValueError("fit: no examples to train on")
    epochs = count(epochs, "epochs", "fit", minimum=0)
    size = n if batch_size is None else count(batch_size, "batch_size", "fit")
    every = max(1, epochs // 10) if log_every is None else count(log_every, "log_every", "fit")
    out = file if file is not None else sys.stdout
    live = verbose and out.isatty()
    rng = random.Random(seed)
    order = list(range(n))
    history: list[float] = []
    if checkpoint is not None:
        every_saved = count(checkpoint_every, "checkpoint_every", "fit")
        if not isinstance(model, Module) or not isinstance(optimizer, Optimizer):
            raise TypeError("fit: checkpoint needs a Module model and an Optimizer (SGD, Adam)")
        if resume:
            history = _resume(checkpoint, model, optimizer, rng, order, epochs)
    elif resume:
        raise ValueError("fit: resume=True needs checkpoint=<the run's file>")
    vectorize = compile == "vectorized"
    step = _compiled_step(model, inputs[0], loss, penalty, vectorize) if compile else None
    for epoch in range(len(history) + 1, epochs + 1):
        if size < n:
            rng.shuffle(order)
        total = 0.0
        for start in range(0, n, size):
            batch = order[start : start + size]
            if step is not None:
                optimizer.zero_grad()
                loss_value = step([inputs[i] for i in batch], [targets[i] for i in batch])
            else:
                value = loss([model(inputs[i]) for i in batch], [targets[i] for i in batch])
                if penalty is not None:
                    value = value + penalty()
                optimizer.zero_grad()
                value.backward()
                loss_value = value.data
            optimizer.step()
            total += loss_value * len(batch)
        history.append(total / n)
        if verbose:
            line = f"epoch {epoch:>{len(str(epochs))}}/{epochs}  loss {history[-1]:.6g}"
            if epoch == 1 or epoch % every == 0 or epoch == epochs:
                print(f"\r{line:<40}" if live else line, file=out, flush=True)
            elif live:  # a status line, overwritten in place (padded to hide the last one)
                print(f"\r{line:<40}", end="", file=out, flush=True)
        if checkpoint is not None and (epoch % every_saved == 0 or epoch == epochs):
            _save_run(checkpoint, model, optimizer, rng, order, history)
    return history


def _save_run(
    path: str | os.PathLike[str],
    model: Module,
    optimizer: Optimizer,
    rng: random.Random,
    order: list[int],
    history: list[float],
) -> None:
    version, internal, gauss = rng.getstate()
    progress = {
        "epoch": len(history),
        "history": history,
        "shuffle": [version, internal, gauss],
        "order": order,  # shuffled in place, epoch after epoch
    }
    model.save_with(path, {"optimizer": optimizer.state_dict(), "training": progress})


def _resume(
    path: str | os.PathLike[str],
    model: Module,
    optimizer: Optimizer,
    rng: random.Random,
    order: list[int],
    epochs: int,
) -> list[float]:
    """The losses of the run saved at ``path``, with the model, the optimizer, ``rng`` and
    the examples' ``order`` set to where it stopped; all checked before anything is set."""
    saved = nn_checkpoint.read(path)
    optimizer_state, progress = saved.extra.get("optimizer"), saved.extra.get("training")
    if optimizer_state is None or not isinstance(progress, dict):
        raise StateError(f"{path}: a model's checkpoint, not a run saved by fit(checkpoint=...)")
    try:
        attributes = optimizer._checked_state(optimizer_state)
        losses = progress.get("history")
        if not isinstance(losses, list):
            raise StateError(f"the losses must be a list, got {preview(losses)}")
        history = checked_numbers({"history": losses}, {"history": (len(losses),)}, "fit")
        if progress.get("epoch") != len(history) or len(progress) != 4:
            raise StateError("the training record must hold epoch, history, shuffle and order")
        saved_order = progress.get("order")
        if not isinstance(saved_order, list) or sorted(saved_order, key=str) != sorted(
            order, key=str
        ):
            raise StateError(f"the examples' order must be a permutation of 0 to {len(order) - 1}")
        if len(history) > epochs:
            raise StateError(f"the run is at epoch {len(history)}, past epochs={epochs}")
        shuffle = _checked_generator_state(progress.get("shuffle"))
    except StateError as exc:
        raise StateError(f"{path}: {exc}") from None
    model._load_checkpoint(saved, path)  # checks the weights, then sets them
    vars(optimizer).update(attributes)
    rng.setstate(shuffle)
    order[:] = saved_order
    return history


def _checked_generator_state(state: Any) -> tuple[Any, ...]:
    """``random.Random.getstate()`` from its JSON form, tried on a spare generator."""
    if not (isinstance(state, list) and len(state) == 3 and isinstance(state[1], list)):
        raise StateError(f"the shuffle state must be [version, [...], gauss], got {preview(state)}")
    internal = state[1]
    if len(internal) != 625 or not all(type(x) is int for x in internal):
        raise StateError("the shuffle state's generator must hold 625 ints")
    candidate = (state[0], tuple(internal), state[2])
    try:
        random.Random().setstate(candidate)
    except (TypeError, ValueError, OverflowError) as exc:
        raise StateError(f"the shuffle state is not a generator's: {exc}") from None
    return candidate


def _compiled_step(
    model: Callable[[Any], Any],
    example: Any,
    loss: Loss,
    penalty: Callable[[], Value] | None,
    vectorize: bool = False,
) -> Callable[[list[Any], list[Any]], float]:
    """A step's forward and backward with ``model`` compiled: the loss (and penalty) runs
    interpreted on the compiled outputs, and its gradients start the compiled backward.

    A model whose outputs are sigmoids is compiled up to their logits, and the sigmoid is
    applied to the loss's inputs, so a loss that reads a sigmoid's logit (``bce_loss``)
    still can.
    """
    outputs = [v for v in tree.leaves(model(example)) if isinstance(v, Value)]
    cut = all(v.operation is ops.SIGMOID for v in outputs)
    compiled = autograd.compile(
        (lambda x: tree.tree_map(lambda v: v.inputs[0], model(x))) if cut else model,
        example,
        vectorize=vectorize,
    )

    def step(xs: list[Any], ys: list[Any]) -> float:
        value: list[Value] = []

        def output_gradients(outputs: list[Any]) -> list[Any]:
            leaves = [tree.tree_map(Value, o) for o in outputs]
            preds = [tree.tree_map(Value.sigmoid, x) for x in leaves] if cut else leaves
            total = loss(preds, ys)
            if penalty is not None:
                total = total + penalty()
            total.backward()  # into the leaves, and the penalty's into the parameters
            value.append(total)
            return [tree.tree_map(lambda v: v.grad, x) for x in leaves]

        compiled.batch(xs, seed=output_gradients)
        return value[0].data

    return step

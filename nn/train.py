"""fit: the seed's training loop (forward, loss, backward, update), epoch after epoch."""

from __future__ import annotations

import random
import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO

import autograd
from autograd import Value, ops
from nn.losses import mse_loss
from nn.optim import Optimizer
from nn.validation import count

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
) -> list[float]:
    """Train ``model`` on (inputs[i], targets[i]) pairs; return each epoch's mean loss.

    Each step runs the forward pass on a batch, computes ``loss(predictions, targets)``
    (plus ``penalty()`` if given, e.g. an ``l2_penalty``), clears the gradients, calls
    ``backward()`` and ``optimizer.step()``. ``batch_size=None`` uses every example in one
    step (full-batch gradient descent, as in the seed); otherwise the examples are shuffled
    each epoch with a private ``random.Random(seed)``. An epoch's loss is the mean of its
    steps' losses, weighted by batch size, as computed before each step's update.

    With ``verbose``, prints the loss at epoch 1, every ``log_every`` epochs (None: about
    ten lines in all) and at the last epoch; on a terminal, a live status line in between.

    ``compile=True`` runs the model's forward and backward as generated code
    (``autograd.compile``, traced once on ``inputs[0]``), the loss and the penalty
    interpreted on its outputs: the same losses as without, to about 1e-12 relative (each
    batch adds its examples' gradients in another order than one graph of it would).
    ``compile="vectorized"`` compiles the model as NumPy code over the batch, a layer one
    matrix product (``autograd.compile(..., vectorize=True)``; needs NumPy).
    """
    if compile not in (False, True, "vectorized"):
        raise ValueError(f"fit: compile must be False, True or 'vectorized', got {compile!r}")
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
    vectorize = compile == "vectorized"
    step = _compiled_step(model, inputs[0], loss, penalty, vectorize) if compile else None
    for epoch in range(1, epochs + 1):
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
    return history


def _compiled_step(
    model: Callable[[Any], Any],
    example: Any,
    loss: Loss,
    penalty: Callable[[], Value] | None,
    vectorize: bool = False,
) -> Callable[[list[Any], list[Any]], float]:
    """A step's forward and backward with ``model`` compiled: the loss (and penalty) runs
    interpreted on the compiled outputs, and its gradients seed the compiled backward.

    A model whose outputs are sigmoids is compiled up to their logits, and the sigmoid is
    applied to the loss's inputs, so a loss that reads a sigmoid's logit (``bce_loss``)
    still can.
    """
    outputs: list[Value] = []
    _collect(model(example), outputs)
    cut = all(v.operation is ops.SIGMOID for v in outputs)
    compiled = autograd.compile(
        (lambda x: _map_values(lambda v: v.inputs[0], model(x))) if cut else model,
        example,
        vectorize=vectorize,
    )

    def step(xs: list[Any], ys: list[Any]) -> float:
        value: list[Value] = []

        def seeds(outputs: list[Any]) -> list[Any]:
            leaves = [_map_values(Value, o) for o in outputs]
            preds = [_map_values(Value.sigmoid, x) for x in leaves] if cut else leaves
            total = loss(preds, ys)
            if penalty is not None:
                total = total + penalty()
            total.backward()  # into the leaves, and the penalty's into the parameters
            value.append(total)
            return [_map_values(lambda v: v.grad, x) for x in leaves]

        compiled.batch(xs, seed=seeds)
        return value[0].data

    return step


def _collect(outputs: Any, into: list[Value]) -> None:
    if isinstance(outputs, Value):
        into.append(outputs)
    elif isinstance(outputs, (list, tuple)):
        for item in outputs:
            _collect(item, into)


def _map_values(f: Callable[[Any], Any], outputs: Any) -> Any:
    """``f`` on every number or Value of a model's (nested) outputs, keeping their shape."""
    if isinstance(outputs, (list, tuple)):
        return [_map_values(f, item) for item in outputs]
    return f(outputs)

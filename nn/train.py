"""fit: the seed's training loop (forward, loss, backward, update), epoch after epoch."""

from __future__ import annotations

import random
import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from autograd import Value
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
    """
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
    for epoch in range(1, epochs + 1):
        if size < n:
            rng.shuffle(order)
        total = 0.0
        for start in range(0, n, size):
            batch = order[start : start + size]
            value = loss([model(inputs[i]) for i in batch], [targets[i] for i in batch])
            if penalty is not None:
                value = value + penalty()
            optimizer.zero_grad()
            value.backward()
            optimizer.step()
            total += value.data * len(batch)
        history.append(total / n)
        if verbose:
            line = f"epoch {epoch:>{len(str(epochs))}}/{epochs}  loss {history[-1]:.6g}"
            if epoch == 1 or epoch % every == 0 or epoch == epochs:
                print(f"\r{line:<40}" if live else line, file=out, flush=True)
            elif live:  # a status line, overwritten in place (padded to hide the last one)
                print(f"\r{line:<40}", end="", file=out, flush=True)
    return history

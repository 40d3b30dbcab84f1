"""Losses: predictions against targets, reduced to one Value to call ``backward()`` on.

Every loss takes predictions (a Value, or a list of them, one per example; a list of
lists for several outputs) and targets of the same shape as plain numbers, and returns
the mean over every predicted number. A sum or a mean is one ``dot`` node, so the graph
stays small however many examples there are.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence
from typing import Any

from autograd import Value, dot

Predictions = Value | float | Sequence[Any]
Targets = float | Sequence[Any]


def mse_loss(preds: Predictions, targets: Targets) -> Value:
    """(1/m) Σ (pred - y)²: the seed's loss. d/d pred = (2/m)(pred - y)."""
    diffs, m = _differences(preds, targets, "mse_loss")
    return dot(diffs, diffs) / m


def half_mse_loss(preds: Predictions, targets: Targets) -> Value:
    """(1/2m) Σ (pred - y)²: half the MSE. d/d pred = (1/m)(pred - y), no factor 2.

    This is the loss whose gradient the first seed writes when it "simplifies" δ2 to
    (A2 - y) A2 (1 - A2). Same minimum as ``mse_loss``; half its gradient.
    """
    diffs, m = _differences(preds, targets, "half_mse_loss")
    return dot(diffs, diffs) / (2 * m)


def bce_loss(preds: Predictions, targets: Targets) -> Value:
    """Binary cross-entropy -(1/m) Σ [y log p + (1 - y) log(1 - p)] of probabilities p.

    p and y must lie in [0, 1]. When p is a sigmoid node, p = σ(z), the loss is computed
    from its logit z as softplus(z) - y z, which is exact and finite even where σ(z)
    rounds to 0 or 1 (the parameters get the same gradients; the node p itself is skipped).
    """
    ps, ys = _flat_pairs(preds, targets, "bce_loss")
    terms = []
    for i, (p, y) in enumerate(zip(ps, ys, strict=True)):
        _check_unit_interval(p.data, "prediction", i)
        _check_unit_interval(y, "target", i)
        if p.op == "sigmoid":
            z = p.inputs[0]
            terms.append(_softplus(z) - z * y)
        else:
            terms.append(_cross_entropy(p, y, i))
    return _mean(terms)


def hinge_loss(scores: Predictions, targets: Targets) -> Value:
    """(1/m) Σ max(0, 1 - y s): scores s (any real) against labels y in {-1, +1}."""
    ss, ys = _flat_pairs(scores, targets, "hinge_loss")
    for i, y in enumerate(ys):
        if y not in (-1.0, 1.0):
            raise ValueError(
                f"hinge_loss: targets must be -1 or +1, got {y!r} at index {i} "
                "(map 0/1 labels with 2 * y - 1)"
            )
    return _mean([(s * -y + 1.0).relu() for s, y in zip(ss, ys, strict=True)])


def l2_penalty(params: Iterable[Value], strength: float) -> Value:
    """strength * Σ p²: weight decay as a loss term (one node for the sum)."""
    params = list(params)
    if not params:
        raise ValueError("l2_penalty: no parameters given")
    if strength < 0:
        raise ValueError(f"l2_penalty: strength must be >= 0, got {strength!r}")
    return dot(params, params) * strength


def _differences(preds: Predictions, targets: Targets, loss: str) -> tuple[list[Value], int]:
    ps, ys = _flat_pairs(preds, targets, loss)
    return [p - y for p, y in zip(ps, ys, strict=True)], len(ps)


def _mean(terms: list[Value]) -> Value:
    return dot(terms, [1.0 / len(terms)] * len(terms))


def _softplus(z: Value) -> Value:
    """log(1 + e^z) without overflow: z + log(1 + e^-z) for z >= 0."""
    if z.data >= 0:
        return z + ((-z).exp() + 1.0).log()
    return (z.exp() + 1.0).log()


def _cross_entropy(p: Value, y: float, i: int) -> Value:
    """-(y log p + (1 - y) log(1 - p)), leaving out a term whose coefficient is 0."""
    if (p.data == 0.0 and y > 0.0) or (p.data == 1.0 and y < 1.0):
        raise ValueError(
            f"bce_loss: prediction {p.data!r} at index {i} with target {y!r} makes the loss "
            "infinite; give the sigmoid's output, which bce_loss reads through its logit"
        )
    terms = []
    if y > 0.0:
        terms.append(p.log() * -y)
    if y < 1.0:
        terms.append((1.0 - p).log() * -(1.0 - y))
    return terms[0] if len(terms) == 1 else terms[0] + terms[1]


def _check_unit_interval(x: float, what: str, i: int) -> None:
    if not 0.0 <= x <= 1.0:
        raise ValueError(f"bce_loss: every {what} must lie in [0, 1], got {x!r} at index {i}")


def _flat_pairs(preds: Predictions, targets: Targets, loss: str) -> tuple[list[Value], list[float]]:
    """Predictions as Values and targets as floats, flattened, checked to match in number."""
    ps = [p if isinstance(p, Value) else Value(p) for p in _numbers_in(preds, loss, "predictions")]
    ys = [float(y) for y in _numbers_in(targets, loss, "targets", allow_values=False)]
    if len(ps) != len(ys):
        raise ValueError(f"{loss}: {len(ps)} predictions but {len(ys)} targets")
    if not ps:
        raise ValueError(f"{loss}: no predictions given")
    return ps, ys


def _numbers_in(
    items: Any, loss: str, what: str, allow_values: bool = True
) -> Iterable[Value | float]:
    """Every number (or Value) in ``items``, nested lists read in order."""
    if isinstance(items, Value) and allow_values:
        yield items
    elif isinstance(items, numbers.Real) and not isinstance(items, bool):
        yield float(items)
    elif isinstance(items, (str, bytes, bool, Value)) or not isinstance(items, Iterable):
        kind = "numbers or Values" if allow_values else "plain numbers"
        raise TypeError(f"{loss}: {what} must be {kind}, got {type(items).__name__} {items!r}")
    else:
        for item in items:
            yield from _numbers_in(item, loss, what, allow_values)

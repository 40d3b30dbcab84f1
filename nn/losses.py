"""Losses: predictions against targets, reduced to one Value to call ``backward()`` on.

Every loss takes predictions (a Value, or a list of them, one per example; a list of
lists for several outputs) and targets of the same shape, and returns the mean over
every predicted number. Each graph reads as its formula: one term per number, as the
derivation writes it (``(pred - y) ** 2`` for the squared error), then the mean as one
node (``autograd.mean``); a single term is its own mean, with no node for it.

``cross_entropy`` is the multi-class loss: logits (any real scores, one per class) against
the index of the right class, with the log-sum-exp of the softmax as one node.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from autograd import Value, logsumexp, mean, ops, sum_squares
from autograd.names import DefaultLabel
from autograd.value import is_real_number
from nn.validation import preview, real

Predictions = Value | float | Sequence[Any]
Targets = Value | float | Sequence[Any]
ClassIndices = int | Sequence[int]  # or any integers, such as NumPy's


def mse_loss(preds: Predictions, targets: Targets) -> Value:
    """(1/m) Σ (pred - y)²: the derivation's loss. d/d pred = (2/m)(pred - y).

    Targets may be Values too (as in PyTorch): gradients then flow into them as well,
    d/dy = -(2/m)(pred - y).
    """
    pairs = _prediction_target_pairs(preds, targets, "mse_loss", value_targets=True)
    return _loss(_mean_of([_difference(p, y) ** 2 for p, y in pairs]))


def half_mse_loss(preds: Predictions, targets: Targets) -> Value:
    """(1/2m) Σ (pred - y)²: half the MSE. d/d pred = (1/m)(pred - y), no factor 2.

    This is the loss whose gradient the derivation writes when it "simplifies" δ2 to
    (A2 - y) A2 (1 - A2). Same minimum as ``mse_loss``; half its gradient. Targets may be
    Values, as for ``mse_loss``.
    """
    pairs = _prediction_target_pairs(preds, targets, "half_mse_loss", value_targets=True)
    return _loss(_mean_of([_difference(p, y) ** 2 for p, y in pairs]) / 2)


def bce_loss(preds: Predictions, targets: Targets) -> Value:
    """Binary cross-entropy -(1/m) Σ [y log p + (1 - y) log(1 - p)] of probabilities p.

    p and y must lie in [0, 1]. When p is a sigmoid node, p = σ(z), the loss is computed
    from its logit z as softplus(z) - y z, which is exact and finite even where σ(z)
    rounds to 0 or 1 (the parameters get the same gradients; the node p itself is skipped).
    Targets are plain numbers (labels or probabilities, constants of the loss): a Value
    target raises ``TypeError``.
    """
    terms = []
    pairs = _prediction_target_pairs(preds, targets, "bce_loss", value_targets=False)
    for i, (p, y) in enumerate(pairs):
        _check_unit_interval(p.data, "prediction", i)
        _check_unit_interval(y, "target", i)
        if p.operation is ops.SIGMOID:
            (z,) = p.inputs
            terms.append(_softplus(z) - z * y)
        else:
            terms.append(_binary_cross_entropy(p, y, i))
    return _loss(_mean_of(terms))


def hinge_loss(scores: Predictions, targets: Targets) -> Value:
    """(1/m) Σ max(0, 1 - y s): scores s (any real) against labels y in {-1, +1}.

    Targets are plain labels: a Value target raises ``TypeError``.
    """
    pairs = _prediction_target_pairs(scores, targets, "hinge_loss", value_targets=False)
    for i, (_, y) in enumerate(pairs):
        if y not in (-1.0, 1.0):
            raise ValueError(
                f"hinge_loss: targets must be -1 or +1, got {y!r} at index {i} "
                "(map 0/1 labels with 2 * y - 1)"
            )
    return _loss(_mean_of([(1.0 - y * s).relu() for s, y in pairs]))


def l2_penalty(params: Iterable[Value], strength: float) -> Value:
    """strength * Σ p²: weight decay as a loss term, d/dp = 2 strength p.

    Two nodes however many parameters: one ``sum_squares`` node (its local derivatives are
    2p), then the scale.
    """
    params = list(params)
    if not params:
        raise ValueError("l2_penalty: no parameters given")
    for i, p in enumerate(params):
        if not isinstance(p, Value):
            raise TypeError(f"l2_penalty: params[{i}] is {type(p).__name__}, not a Value")
    strength = real(strength, "strength", "l2_penalty", low=0.0)
    return sum_squares(params) * strength


# -- multi-class: softmax and cross-entropy ------------------------------------------------------
def log_softmax(logits: Sequence[Value | float]) -> list[Value]:
    """log softmax(z)_k = z_k - log Σ_j e^z_j, for each class k.

    Computed as s_k - log Σ_j e^s_j on the logits shifted by the largest, s = z - max z,
    with the log-sum-exp as one node (``autograd.logsumexp``): finite and right for logits
    of ±1e300, for logits that differ hugely, and for huge logits that are all equal
    (where z_k - log Σ e^z would round to 0 and the softmax would not sum to 1).
    """
    zs = _logit_values(logits, "log_softmax")
    top = max(zs, key=lambda z: z.data)
    shifted = [z - top for z in zs]
    normaliser = logsumexp(shifted)
    return [s - normaliser for s in shifted]


def softmax(logits: Sequence[Value | float]) -> list[Value]:
    """softmax(z)_k = e^z_k / Σ_j e^z_j: the class probabilities, which sum to 1."""
    return [log_p.exp() for log_p in log_softmax(logits)]


def cross_entropy(logits: Sequence[Any], targets: ClassIndices) -> Value:
    """-(1/m) Σ log softmax(z)_target: logits against the index of the right class.

    One example is a list of logits and an int; a batch is a list of such lists and a list
    of ints (as ``fit`` passes them). Each example's term is -log softmax(z)_t =
    log Σ_j e^(z_j - z_t): the gaps to the right logit, then one logsumexp node. So it is
    finite and right for logits of ±1e300 and any gaps between them, and its gradient is
    softmax(z) - onehot(t), over m, to rounding (small probabilities stay accurate).
    """
    if _is_array(targets):  # a NumPy array of labels: its items, each checked below
        targets = list(targets)  # type: ignore[arg-type]
    if isinstance(targets, Sequence):
        examples, indices = list(logits), list(targets)
        if len(examples) != len(indices):
            raise ValueError(
                f"cross_entropy: {len(examples)} examples of logits but {len(indices)} targets"
            )
    else:
        examples, indices = [logits], [targets]
    if not examples:
        raise ValueError("cross_entropy: no predictions given")
    terms: list[Value] = []
    for i, (row, target) in enumerate(zip(examples, indices, strict=True)):
        zs = _logit_values(row, "cross_entropy")
        if not isinstance(target, numbers.Integral) or isinstance(target, bool):
            raise TypeError(
                f"cross_entropy: targets must be class indices (ints), "
                f"got {type(target).__name__} {preview(target)} at index {i}"
                + (
                    " (floats: give class indices as ints, e.g. with .astype(int))"
                    if is_real_number(target)
                    else ""
                )
            )
        target = int(target)
        if not 0 <= target < len(zs):
            raise ValueError(
                f"cross_entropy: target {target} at index {i} is not a class of its "
                f"{len(zs)} logits (0 to {len(zs) - 1})"
            )
        right = zs[target]
        terms.append(logsumexp([z - right for z in zs]))
    return _loss(_mean_of(terms))


# -- helpers ---------------------------------------------------------------------------------
_LOSS_LABEL = DefaultLabel("Loss")


def _loss(node: Value) -> Value:
    """The loss node, labelled ``Loss`` as the derivation writes it (a default label)."""
    node.label = _LOSS_LABEL
    return node


def _difference(p: Value, y: Value | float) -> Value:
    """``p - y``, labelled as the derivation writes it (``A2 - y``) when ``p`` has a label."""
    difference = p - y
    if p.label:
        target = y.label if isinstance(y, Value) and y.label else "y"
        difference.label = DefaultLabel(f"{p.label} - {target}")
    return difference


def _is_array(x: object) -> bool:
    """An array of one or more dimensions (NumPy's, or any with ``ndim`` and items)."""
    ndim = getattr(x, "ndim", 0)
    return isinstance(ndim, int) and ndim >= 1 and hasattr(x, "__iter__")


def _mean_of(terms: list[Value]) -> Value:
    """One node for the mean; a single term is its own mean."""
    return terms[0] if len(terms) == 1 else mean(terms)


def _softplus(z: Value) -> Value:
    """log(1 + e^z) without overflow: z + log(1 + e^-z) for z >= 0."""
    if z.data >= 0:
        return z + ((-z).exp() + 1.0).log()
    return (z.exp() + 1.0).log()


def _binary_cross_entropy(p: Value, y: float, i: int) -> Value:
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


_FLAT, _VALUES, _FLOATS = (list, tuple), {Value}, {float}


def _prediction_target_pairs(
    preds: Predictions, targets: Targets, loss: str, value_targets: bool
) -> list[tuple[Value, Any]]:
    """(prediction, target) for every number, nested lists read in order: predictions as
    Values, targets as floats (or kept as Values when the loss takes Value targets)."""
    # The usual call, a flat list of Value predictions and one of float targets, is paired
    # as it is: the walk below costs twice the loss's own nodes on a small batch (XOR).
    if (
        isinstance(preds, _FLAT)
        and isinstance(targets, _FLAT)
        and len(preds) == len(targets) > 0
        and set(map(type, preds)) == _VALUES
        and set(map(type, targets)) == _FLOATS
    ):
        return list(zip(preds, targets))  # noqa: B905 (the lengths are equal)
    ps = [p if isinstance(p, Value) else Value(p) for p in _numbers_in(preds, loss, "predictions")]
    ys = list(_numbers_in(targets, loss, "targets", allow_values=value_targets))
    if len(ps) != len(ys):
        raise ValueError(f"{loss}: {len(ps)} predictions but {len(ys)} targets")
    if not ps:
        raise ValueError(f"{loss}: no predictions given")
    return list(zip(ps, ys, strict=True))


def _numbers_in(items: Any, loss: str, what: str, allow_values: bool = True) -> Iterator[Any]:
    """Every number (as a float) or Value in ``items``, nested lists read in order."""
    if isinstance(items, Value) and allow_values:
        yield items
    elif is_real_number(items):
        try:
            yield float(items)
        except OverflowError:
            raise ValueError(
                f"{loss}: {what} hold {preview(items)}, too large for a float"
            ) from None
    elif isinstance(items, (str, bytes, bool, Value)) or not isinstance(items, Iterable):
        kind = "numbers or Values" if allow_values else "plain numbers"
        raise TypeError(f"{loss}: {what} must be {kind}, got {type(items).__name__} {items!r}")
    else:
        for item in items:
            yield from _numbers_in(item, loss, what, allow_values)


def _logit_values(logits: Any, loss: str) -> list[Value]:
    """One example's logits as Values (numbers made into leaves); at least one."""
    if isinstance(logits, (Value, str, bytes)) or not isinstance(logits, Sequence):
        raise TypeError(
            f"{loss}: an example's logits must be a list of numbers or Values, "
            f"got {type(logits).__name__} {logits!r}"
        )
    if not logits:
        raise ValueError(f"{loss}: an example needs at least one logit")
    zs = []
    for z in logits:
        if isinstance(z, Value):
            zs.append(z)
        elif is_real_number(z):
            zs.append(Value(z))
        else:
            raise TypeError(
                f"{loss}: logits must be numbers or Values, got {type(z).__name__} {z!r} "
                "(a batch of examples takes a list of class indices as its targets)"
            )
    return zs

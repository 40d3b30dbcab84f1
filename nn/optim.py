"""Optimizers: turn the gradients in ``.grad`` into a step on ``.data``.

``SGD(params, lr)`` is the derivation's rule W <- W - η dL/dW, exactly. Updates assign ``.data``
directly, so they record no graph. A ``schedule(step) -> factor`` scales the learning
rate at each step (step 0 first), as PyTorch's ``LambdaLR`` does.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from autograd import Value
from nn.checkpoint import StateError
from nn.module import checked_numbers
from nn.validation import count, listing, preview, real

Schedule = Callable[[int], float]
T = TypeVar("T")


class Optimizer:
    """What every optimizer shares: the parameters, the learning rate and its schedule."""

    def __init__(
        self,
        params: Iterable[Value],
        lr: float,
        weight_decay: float = 0.0,
        schedule: Schedule | None = None,
    ):
        params = list(params)
        for i, p in enumerate(params):
            if not isinstance(p, Value):
                raise TypeError(f"{self._name}: params[{i}] is {type(p).__name__}, not a Value")
        self.params = list(dict.fromkeys(params))  # each parameter once, in order
        if not self.params:
            raise ValueError(f"{self._name}: no parameters to optimize")
        self.lr = real(lr, "lr", self._name, low=0.0, low_inclusive=False)
        self.weight_decay = real(weight_decay, "weight_decay", self._name, low=0.0)
        self.schedule = schedule
        self.steps = 0

    # -- state: what a resumed run needs, as JSON values -----------------------------------
    BUFFERS: tuple[str, ...] = ()  # the per-parameter lists a subclass keeps

    def hyperparameters(self) -> dict[str, Any]:
        """The settings ``state_dict()`` saves and ``load_state_dict()`` restores."""
        return {"lr": self.lr, "weight_decay": self.weight_decay}

    def _checked_hyperparameters(self, values: dict[str, Any]) -> dict[str, Any]:
        """The attributes ``values`` (as made by ``hyperparameters()``) set, checked as the
        constructor checks them."""
        return {
            "lr": real(values["lr"], "lr", self._name, low=0.0, low_inclusive=False),
            "weight_decay": real(values["weight_decay"], "weight_decay", self._name, low=0.0),
        }

    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state as JSON values: its steps taken, its settings and its
        buffers (one number per parameter, in the order of ``params``), as PyTorch's
        ``optimizer.state_dict()``. The schedule, a function, is not saved."""
        return {
            "optimizer": self._name,
            "steps": self.steps,
            "hyperparameters": self.hyperparameters(),
            "buffers": {name: list(getattr(self, name)) for name in self.BUFFERS},
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore a state made by ``state_dict()`` of an optimizer of the same kind over as
        many parameters. Everything is checked first: anything malformed raises
        ``StateError`` and changes nothing."""
        vars(self).update(self._checked_state(state))

    def _checked_state(self, state: Any) -> dict[str, Any]:
        """The attributes ``state`` sets, all checked; StateError naming what is wrong."""
        where = f"{self._name}.load_state_dict"
        if not isinstance(state, dict) or set(state) != {
            "optimizer",
            "steps",
            "hyperparameters",
            "buffers",
        }:
            keys = listing(list(state)) if isinstance(state, dict) else type(state).__name__
            raise StateError(
                f"{where}: expected a dict of optimizer, steps, hyperparameters and "
                f"buffers, got {keys}"
            )
        if state["optimizer"] != self._name:
            raise StateError(f"{where}: the state is of {preview(state['optimizer'])}")
        settings = state["hyperparameters"]
        expected = self.hyperparameters()
        if not isinstance(settings, dict) or set(settings) != set(expected):
            raise StateError(f"{where}: hyperparameters must hold {listing(list(expected))}")
        n = len(self.params)
        try:
            attributes: dict[str, Any] = {"steps": count(state["steps"], "steps", where, minimum=0)}
            attributes.update(self._checked_hyperparameters(settings))
            numbers = checked_numbers(state["buffers"], dict.fromkeys(self.BUFFERS, (n,)), where)
        except (TypeError, ValueError) as exc:
            raise StateError(f"{where}: {exc}") from None
        for k, name in enumerate(self.BUFFERS):
            attributes[name] = self._checked_buffer(name, numbers[k * n : (k + 1) * n])
        return attributes

    def _checked_buffer(self, name: str, numbers: list[float]) -> list[Any]:
        """A buffer's numbers as the optimizer keeps them; StateError if out of range."""
        return numbers

    @property
    def _name(self) -> str:
        return type(self).__name__

    @property
    def current_lr(self) -> float:
        """The learning rate the next ``step()`` uses: lr times schedule(steps taken),
        checked: a real number, finite and at least 0."""
        lr = self.lr
        if type(lr) is float and 0.0 <= lr < math.inf and self.schedule is None:
            return lr  # the hot path
        where = f"{self._name}.step"
        lr = real(lr, "lr", where, low=0.0)
        if self.schedule is None:
            return lr
        factor = real(self.schedule(self.steps), f"schedule({self.steps})", where, low=0.0)
        return real(lr * factor, f"lr * schedule({self.steps})", where, low=0.0)

    def zero_grad(self) -> None:
        """Reset every parameter's ``.grad`` to 0, ready for the next ``backward()``."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Move every parameter that has a gradient once, using its ``.grad``.

        A parameter whose ``grad`` is None has no gradient and is skipped (its buffers
        too), as in PyTorch. Everything is checked before anything changes: a gradient
        that is not a real number (a complex, an array, a string) or a scheduled rate
        that is not a finite number >= 0 raises, and the failed step changes nothing.
        """
        lr = self.current_lr
        self._update(lr, *self._gradients())
        self.steps += 1

    def _gradients(self) -> tuple[list[Value], list[float], list[int] | None]:
        """The parameters that have a gradient, their gradients as floats plus
        weight_decay * p (L2 weight decay), and their indices (None: all parameters)."""
        params = self.params
        grads = [p.grad for p in params]
        try:  # one C-speed check of every gradient on the hot path: only numbers sum to a float
            plain = type(sum(grads, 0.0)) is float
        except (TypeError, OverflowError):
            plain = False
        active = None
        if not plain:
            active, grads = self._checked_gradients(grads)
            params = _chosen(params, active)
        decay = self.weight_decay
        if decay:
            grads = [g + decay * p.data for p, g in zip(params, grads, strict=True)]
        return params, grads, active

    def _checked_gradients(self, grads: Sequence[object]) -> tuple[list[int], list[float]]:
        active, checked = [], []
        for i, g in enumerate(grads):
            if g is None:
                continue
            if not isinstance(g, numbers.Real):  # a bool counts as 0 or 1, as in sum()
                raise TypeError(
                    f"{self._name}.step: {self._parameter(i)} has a grad of "
                    f"{type(g).__name__} {preview(g)}, not a real number; nothing was changed"
                )
            try:
                checked.append(float(g))
            except OverflowError:
                raise ValueError(
                    f"{self._name}.step: {self._parameter(i)} has a grad too large for a "
                    f"float, {preview(g)}; nothing was changed"
                ) from None
            active.append(i)
        return active, checked

    def _parameter(self, i: int) -> str:
        label = self.params[i].label
        return f"params[{i}]" + (f" ({label})" if label else "")

    def _update(
        self, lr: float, params: list[Value], grads: list[float], active: list[int] | None
    ) -> None:
        """Step ``params`` (those of indices ``active``) by ``grads``. The buffers are
        computed first and stored last; with real-number gradients and rate and float
        data, as checked, nothing in between raises."""
        raise NotImplementedError


def _chosen(items: list[T], active: list[int] | None) -> list[T]:
    """The ``items`` (one per parameter) of the ``active`` parameters (None: all)."""
    return items if active is None else [items[i] for i in active]


def _scatter(items: list[T], active: list[int] | None, new: list[T]) -> list[T]:
    """``items`` with the entries of the ``active`` parameters replaced by ``new``."""
    if active is None:
        return new
    items = list(items)
    for i, x in zip(active, new, strict=True):
        items[i] = x
    return items


class SGD(Optimizer):
    """Gradient descent, p <- p - lr * g, with optional momentum and weight decay.

    With momentum μ each parameter keeps a velocity v <- μ v + g and steps p <- p - lr v
    (PyTorch's convention). With momentum 0 and no decay this is the derivation's update.
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
        schedule: Schedule | None = None,
    ):
        super().__init__(params, lr, weight_decay, schedule)
        self.momentum = real(momentum, "momentum", "SGD", low=0.0, high=1.0)
        self.velocity = [0.0] * len(self.params)

    BUFFERS = ("velocity",)

    def hyperparameters(self) -> dict[str, Any]:
        return {**super().hyperparameters(), "momentum": self.momentum}

    def _checked_hyperparameters(self, values: dict[str, Any]) -> dict[str, Any]:
        momentum = real(values["momentum"], "momentum", "SGD", low=0.0, high=1.0)
        return {**super()._checked_hyperparameters(values), "momentum": momentum}

    def _update(
        self, lr: float, params: list[Value], grads: list[float], active: list[int] | None
    ) -> None:
        if self.momentum:
            mu = self.momentum
            old = _chosen(self.velocity, active)
            grads = [mu * v + g for v, g in zip(old, grads, strict=True)]
        for p, g in zip(params, grads, strict=True):
            p.data -= lr * g
        if self.momentum:
            self.velocity = _scatter(self.velocity, active, grads)


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015): steps scaled by running averages of g and g².

    m <- β1 m + (1 - β1) g, v <- β2 v + (1 - β2) g², and
    p <- p - lr m̂ / (sqrt(v̂) + eps) with the bias-corrected m̂, v̂. Each parameter counts
    its own steps t for the correction (a skipped parameter's t does not move), as PyTorch.
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        schedule: Schedule | None = None,
    ):
        super().__init__(params, lr, weight_decay, schedule)
        own = self._checked_hyperparameters({"betas": betas, "eps": eps}, own=True)
        self.beta1, self.beta2, self.eps = own["beta1"], own["beta2"], own["eps"]
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)
        self.parameter_steps = [0] * len(self.params)

    BUFFERS = ("m", "v", "parameter_steps")

    def hyperparameters(self) -> dict[str, Any]:
        return {**super().hyperparameters(), "betas": [self.beta1, self.beta2], "eps": self.eps}

    def _checked_hyperparameters(self, values: dict[str, Any], own: bool = False) -> dict[str, Any]:
        """Adam's own settings (betas, eps) and, unless ``own``, the shared ones."""
        betas, eps = values["betas"], values["eps"]
        if not isinstance(betas, (tuple, list)):
            raise TypeError(
                f"Adam: betas must be a pair (beta1, beta2), got {type(betas).__name__} "
                f"{preview(betas)}"
            )
        if len(betas) != 2:
            raise ValueError(f"Adam: betas must be a pair (beta1, beta2), got {preview(betas)}")
        checked = {
            "beta1": real(betas[0], "betas[0]", "Adam", low=0.0, high=1.0),
            "beta2": real(betas[1], "betas[1]", "Adam", low=0.0, high=1.0),
            "eps": real(eps, "eps", "Adam", low=0.0, low_inclusive=False),
        }
        return checked if own else {**super()._checked_hyperparameters(values), **checked}

    def _checked_buffer(self, name: str, numbers: list[float]) -> list[Any]:
        if name == "m":
            return numbers
        if any(x < 0 or (name == "parameter_steps" and not x.is_integer()) for x in numbers):
            kind = "whole numbers" if name == "parameter_steps" else "numbers"
            raise StateError(f"Adam.load_state_dict: {name} must hold {kind} >= 0")
        return [int(x) for x in numbers] if name == "parameter_steps" else numbers

    def _update(
        self, lr: float, params: list[Value], grads: list[float], active: list[int] | None
    ) -> None:
        b1, b2, eps, sqrt = self.beta1, self.beta2, self.eps, math.sqrt
        c1, c2 = 1.0 - b1, 1.0 - b2
        ms = [b1 * m + c1 * g for m, g in zip(_chosen(self.m, active), grads, strict=True)]
        vs = [b2 * v + c2 * g * g for v, g in zip(_chosen(self.v, active), grads, strict=True)]
        counts = _chosen(self.parameter_steps, active)
        t = counts[0] + 1 if counts else 1
        if counts.count(t - 1) == len(counts):  # as usual, every parameter at step t
            correction1, correction2 = 1.0 - b1**t, 1.0 - b2**t
            for p, m, v in zip(params, ms, vs, strict=True):
                p.data -= lr * (m / correction1) / (sqrt(v / correction2) + eps)
            counts = [t] * len(counts)
        else:  # some parameters skipped steps (their grad was None)
            counts = [t + 1 for t in counts]
            for p, m, v, t in zip(params, ms, vs, counts, strict=True):
                correction1, correction2 = 1.0 - b1**t, 1.0 - b2**t
                p.data -= lr * (m / correction1) / (sqrt(v / correction2) + eps)
        self.m, self.v = _scatter(self.m, active, ms), _scatter(self.v, active, vs)
        self.parameter_steps = _scatter(self.parameter_steps, active, counts)

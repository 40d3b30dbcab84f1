"""Optimizers: turn the gradients in ``.grad`` into a step on ``.data``.

``SGD(params, lr)`` is the seed's rule W <- W - η dL/dW, exactly. Updates assign ``.data``
directly, so they record no graph. A ``schedule(step) -> factor`` scales the learning
rate at each step (step 0 first), as PyTorch's ``LambdaLR`` does.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

from autograd import Value
from nn.validation import real

Schedule = Callable[[int], float]


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

    @property
    def _name(self) -> str:
        return type(self).__name__

    @property
    def current_lr(self) -> float:
        """The learning rate the next ``step()`` uses: lr times schedule(steps taken)."""
        return self.lr if self.schedule is None else self.lr * self.schedule(self.steps)

    def zero_grad(self) -> None:
        """Reset every parameter's ``.grad`` to 0, ready for the next ``backward()``."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Move every parameter once, using its ``.grad``."""
        self._update(self.current_lr)
        self.steps += 1

    def _gradients(self) -> list[float]:
        """dL/dp for each parameter, plus weight_decay * p (L2 weight decay)."""
        decay = self.weight_decay
        if decay:
            return [p.grad + decay * p.data for p in self.params]
        return [p.grad for p in self.params]

    def _update(self, lr: float) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """Gradient descent, p <- p - lr * g, with optional momentum and weight decay.

    With momentum μ each parameter keeps a velocity v <- μ v + g and steps p <- p - lr v
    (PyTorch's convention). With momentum 0 and no decay this is the seed's update.
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

    def _update(self, lr: float) -> None:
        grads = self._gradients()
        if self.momentum:
            mu, velocity = self.momentum, self.velocity
            for i, g in enumerate(grads):
                velocity[i] = mu * velocity[i] + g
            grads = velocity
        for p, g in zip(self.params, grads, strict=True):
            p.data -= lr * g


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015): steps scaled by running averages of g and g².

    m <- β1 m + (1 - β1) g, v <- β2 v + (1 - β2) g², and
    p <- p - lr m̂ / (sqrt(v̂) + eps) with the bias-corrected m̂, v̂.
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
        self.beta1 = real(betas[0], "betas[0]", "Adam", low=0.0, high=1.0)
        self.beta2 = real(betas[1], "betas[1]", "Adam", low=0.0, high=1.0)
        self.eps = real(eps, "eps", "Adam", low=0.0, low_inclusive=False)
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)

    def _update(self, lr: float) -> None:
        b1, b2, eps, m, v = self.beta1, self.beta2, self.eps, self.m, self.v
        t = self.steps + 1
        correction1, correction2 = 1.0 - b1**t, 1.0 - b2**t
        for i, (p, g) in enumerate(zip(self.params, self._gradients(), strict=True)):
            m[i] = b1 * m[i] + (1.0 - b1) * g
            v[i] = b2 * v[i] + (1.0 - b2) * g * g
            p.data -= lr * (m[i] / correction1) / (math.sqrt(v[i] / correction2) + eps)

"""chainrule's autograd: a scalar reverse-mode automatic-differentiation engine.

Every op records its inputs and its local derivatives; ``backward()`` walks the graph in
topological order and applies the chain rule, ``child.grad += local * node.grad``. Forward
mode (``jvp``, ``directional_derivative``) reads the same local derivatives the other way,
and the function transforms (``gradient``, ``hessian``, ...) are built on both.
``compile`` writes a graph out as generated Python that replays it, bitwise the same.
Drawing the graph lives in ``autograd.viz``: ``from autograd import draw_dot, render``
works, but loads viz (and graphviz) only then, so ``import autograd`` never does.
"""

from typing import Any

from autograd.compiler import compile
from autograd.custom import CustomOp
from autograd.dual import explain_forward
from autograd.engine import topological_order
from autograd.forward import directional_derivative
from autograd.grad_mode import (
    TracingError,
    detect_anomaly,
    enable_grad,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
)
from autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck
from autograd.gradients import backward, grad
from autograd.trace import explain_backward
from autograd.transforms import gradient, hessian, jacobian, jvp, value_and_grad, vjp
from autograd.value import Value, dot, logsumexp, mean, sum_squares

# Names from autograd.viz, imported on first use (see __getattr__ below).
_DRAWING = ("GraphTooLargeError", "GraphvizNotFoundError", "draw_dot", "render")

__all__ = [
    "CustomOp",
    "GradcheckError",
    "GraphTooLargeError",
    "GraphvizNotFoundError",
    "TracingError",
    "Value",
    "backward",
    "compile",
    "detect_anomaly",
    "directional_derivative",
    "dot",
    "draw_dot",
    "enable_grad",
    "explain_backward",
    "explain_forward",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "gradient",
    "hessian",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "jacobian",
    "jvp",
    "logsumexp",
    "mean",
    "no_grad",
    "render",
    "sum_squares",
    "topological_order",
    "value_and_grad",
    "vjp",
]


def __getattr__(name: str) -> Any:
    """The drawing names, from ``autograd.viz``, imported the first time one is asked for."""
    if name in _DRAWING:
        from autograd import viz  # graphviz loads here, and only here

        value = getattr(viz, name)
        globals()[name] = value  # later lookups find it without calling __getattr__
        return value
    raise AttributeError(f"module 'autograd' has no attribute {name!r}")

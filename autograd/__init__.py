"""chainrule's autograd: a scalar reverse-mode automatic-differentiation engine.

Every op records its inputs and its local derivatives; ``backward()`` walks the graph in
topological order and applies the chain rule, ``child.grad += local * node.grad``.
Drawing the graph lives in ``autograd.viz``, imported on its own so that the engine never
loads graphviz.
"""

from autograd.engine import topological_order
from autograd.grad_mode import enable_grad, is_grad_enabled, no_grad
from autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck
from autograd.gradients import backward, grad
from autograd.trace import explain_backward
from autograd.value import Value, dot, mean

__all__ = [
    "GradcheckError",
    "Value",
    "backward",
    "dot",
    "enable_grad",
    "explain_backward",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "is_grad_enabled",
    "mean",
    "no_grad",
    "topological_order",
]

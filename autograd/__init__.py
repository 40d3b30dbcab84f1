"""chainrule's autograd: a scalar reverse-mode automatic-differentiation engine.

Every op records its inputs and its local derivatives; ``backward()`` walks the graph in
topological order and applies the chain rule, ``child.grad += local * node.grad``. Forward
mode (``jvp``, ``directional_derivative``) reads the same local derivatives the other way,
and the function transforms (``gradient``, ``hessian``, ...) are built on both.
Drawing the graph lives in ``autograd.viz``, imported on its own so that the engine never
loads graphviz.
"""

from autograd.custom import CustomOp
from autograd.dual import explain_forward
from autograd.engine import topological_order
from autograd.forward import directional_derivative
from autograd.grad_mode import (
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
from autograd.value import Value, dot, mean

__all__ = [
    "CustomOp",
    "GradcheckError",
    "Value",
    "backward",
    "detect_anomaly",
    "directional_derivative",
    "dot",
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
    "mean",
    "no_grad",
    "topological_order",
    "value_and_grad",
    "vjp",
]

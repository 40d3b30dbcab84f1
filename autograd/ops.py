"""The op table: every operation's forward value and local derivatives, side by side.

An op's ``forward`` maps input floats to the output float. Its ``local`` rule maps the
same inputs and the output to the partial derivatives d(out)/d(input_i), one per input.
Rules are written with arithmetic and the helpers below, which work on floats and on
Values alike, so one rule serves both ``backward()`` (floats) and
``grad(create_graph=True)`` (Values, differentiable again).

Operands that are plain numbers (the ``c`` in ``x * c``) are not nodes: they come last
in the argument list and get no partial. The node stores one float partial for each
input that is a Value, then any constants its rule needs on the Value path (an op with
constant partials keeps no constants: its float partials serve both paths).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from operator import mul
from typing import Any, NamedTuple

INF = math.inf
# Constant partials are shared tuples, so the nodes that use them allocate none.
ONE, ONE_ONE, MINUS_ONE, ONE_MINUS_ONE = (1.0,), (1.0, 1.0), (-1.0,), (1.0, -1.0)


class Op(NamedTuple):
    """One differentiable operation."""

    name: str
    forward: Callable[..., float]
    local: Callable[..., tuple]
    constant_local: bool = False  # the partials never depend on the inputs
    domain: str = ""  # which inputs are valid, said in error messages
    reflected: bool = False  # a number on the left: c - x, c / x, c ** x
    split: Callable[[tuple], tuple] | None = None  # a weighted sum's operands, as (w, b, x)


# Helpers that work on floats and on Values: the float path uses math, a Value its method.
def log(x: Any) -> Any:
    return math.log(x) if isinstance(x, float) else x.log()


def sin(x: Any) -> Any:
    if isinstance(x, float):
        return math.sin(x) if math.isfinite(x) else math.nan  # IEEE: sin(inf) is NaN
    return x.sin()


def cos(x: Any) -> Any:
    if isinstance(x, float):
        return math.cos(x) if math.isfinite(x) else math.nan  # IEEE: cos(inf) is NaN
    return x.cos()


def _negative_base() -> float:
    raise ValueError("a Value exponent needs a base that is not negative")


def _sigmoid(x: float) -> float:
    """1 / (1 + e^-x), computed without overflow for every finite x."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _sign(x: Any) -> float:
    """The derivative of |x|: -1, 0 or 1 (0 at the kink, as PyTorch)."""
    return 1.0 if x > 0 else -1.0 if x < 0 else 0.0


def _data(x: Any) -> float:
    """The number behind a float or a Value."""
    return x if isinstance(x, float) else x.data


def _infinite_slope(x: Any) -> Any:
    """+inf, the slope of a vertical tangent (sqrt at 0). On the Value path it stays a
    function of x, inf * (0 x + 1), so differentiating it again gives NaN, not a wrong 0."""
    return INF if isinstance(x, float) else (x * 0.0 + 1.0) * INF


def _pow_local(x: Any, c: Any, out: Any) -> tuple:
    """d(x**c)/dx = c x^(c-1); +inf at x = 0 for 0 < c < 1 (the one-sided limit)."""
    if isinstance(c, float) and c == 0:
        return (0.0,)
    if _data(x) == 0 and c < 1:
        return (_infinite_slope(x),)
    return (c * x ** (c - 1),)


def _split_dot(args: tuple) -> tuple[tuple, tuple, tuple]:
    """Split a weighted sum's operands (w..., [b], x...) into (w, (b,) or (), x)."""
    n = len(args) // 2
    return args[:n], args[n : len(args) - n], args[len(args) - n :]


def _weighted_sum(w: tuple, b: tuple, x: tuple) -> float:
    """sum(w_i * x_i) + b, for a bias b given as (b,) or ()."""
    total = sum(map(mul, w, x))
    return total + b[0] if b else total


def _dot_local(w: tuple, b: tuple, x: tuple, out: Any) -> tuple:
    """Each side's partials are the other side's values; the bias's is 1."""
    return x + ONE + w if b else x + w


def _linear_local(v: tuple, b: tuple, c: tuple, out: Any) -> tuple:
    """The Value side's partials are the constant coefficients; the bias's is 1."""
    return c + ONE if b else c


# The operations.

ADD = Op("+", lambda x, y: x + y, lambda x, y, out: ONE_ONE, constant_local=True)
ADD_CONST = Op("+", lambda x, c: x + c, lambda x, c, out: ONE, constant_local=True)
SUB = Op("-", lambda x, y: x - y, lambda x, y, out: ONE_MINUS_ONE, constant_local=True)
RSUB_CONST = Op(
    "-", lambda x, c: c - x, lambda x, c, out: MINUS_ONE, constant_local=True, reflected=True
)
NEG = Op("neg", lambda x: -x, lambda x, out: MINUS_ONE, constant_local=True)
MUL = Op("*", lambda x, y: x * y, lambda x, y, out: (y, x))
MUL_CONST = Op("*", lambda x, c: x * c, lambda x, c, out: (c,), constant_local=True)
DIV = Op("/", lambda x, y: x / y, lambda x, y, out: (1.0 / y, -out / y), domain="division by zero")
DIV_CONST = Op(
    "/",
    lambda x, c: x / c,
    lambda x, c, out: (1.0 / c,),
    constant_local=True,
    domain="division by zero",
)
RDIV_CONST = Op(
    "/",
    lambda x, c: c / x,
    lambda x, c, out: (-out / x,),
    domain="division by zero",
    reflected=True,
)
POW = Op(
    "**",
    lambda x, y: _negative_base() if x < 0 else math.pow(x, y),
    lambda x, y, out: _pow_local(x, y, out) + (out * log(x) if x > 0 else 0.0,),
    domain="a Value exponent needs a base >= 0, and 0 cannot take a negative power",
)
POW_CONST = Op(
    "**",
    math.pow,
    _pow_local,
    domain="0 cannot take a negative power, and a negative base needs an integer exponent",
)
RPOW_CONST = Op(
    "**",
    lambda x, c: _negative_base() if c <= 0 else math.pow(c, x),
    lambda x, c, out: (out * math.log(c),),
    domain="a Value exponent needs a positive base",
    reflected=True,
)
EXP = Op("exp", math.exp, lambda x, out: (out,))
LOG = Op("log", math.log, lambda x, out: (1.0 / x,), domain="defined for x > 0")
SQRT = Op(
    "sqrt",
    math.sqrt,
    lambda x, out: (_infinite_slope(x),) if _data(x) == 0 else (0.5 / out,),
    domain="defined for x >= 0",
)
TANH = Op("tanh", math.tanh, lambda x, out: (1.0 - out * out,))
SIGMOID = Op("sigmoid", _sigmoid, lambda x, out: (out * (1.0 - out),))
RELU = Op("relu", lambda x: 0.0 if x <= 0 else x, lambda x, out: (1.0 if x > 0 else 0.0,))
ABS = Op("abs", abs, lambda x, out: (_sign(x),))
SIN = Op("sin", sin, lambda x, out: (cos(x),))
COS = Op("cos", cos, lambda x, out: (-sin(x),))
# Weighted sums in one node, their operands given split as (w, b, x) with b = (bias,) or ().
# DOT: both sides are Values, laid out as inputs (w..., [b], x...). LINEAR: one side is
# constant coefficients, so the partials are those constants; inputs (v..., [b]).
DOT = Op("dot", _weighted_sum, _dot_local, split=_split_dot)
LINEAR = Op("dot", _weighted_sum, _linear_local, constant_local=True, split=_split_dot)

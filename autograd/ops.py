"""The op table: every operation's forward value and local derivatives, side by side.

A node records its op, its Value inputs, one local derivative per input, and the plain
numbers its op took (its *constants*: the 3 in ``x - 3``). That is everything a reader
needs to evaluate the node again. An op's rules take the node's operands laid out by
``op.arguments(inputs, constants)``, by default the inputs then the constants:

- ``forward(*args) -> float`` maps the operands' floats to the output's float;
- ``local(*args, out) -> tuple`` gives d(out)/d(input) for each input, in order.

Rules are written with arithmetic and the helpers below, which work on floats and on
Values alike, so one rule serves ``backward()`` (floats), ``grad(create_graph=True)``
(Values, differentiable again) and every other reader of a graph. The compiler
(``autograd.compiler``) writes a rule as Python source by running it on symbolic operands;
the one thing that cannot be read that way, a ``sum()``, is written by ``forward_code``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from operator import mul
from typing import Any, Literal, NamedTuple

INF = math.inf
Partials = tuple[Any, ...]
# Constant partials are shared tuples, so the nodes that use them allocate none.
ONE, ONE_ONE, MINUS_ONE, ONE_MINUS_ONE = (1.0,), (1.0, 1.0), (-1.0,), (1.0, -1.0)


OperandLayout = Callable[[tuple[Any, ...], tuple[float, ...]], tuple[Any, ...]]


def inputs_then_constants(inputs: tuple[Any, ...], constants: tuple[float, ...]) -> tuple[Any, ...]:
    """The default operand layout: the rule takes ``(*inputs, *constants)``."""
    return (*inputs, *constants)


# How a formula writes an op: "call" as tanh(a), "infix" as a + b, "weighted sum" as
# W[0]·x0 + W[1]·x1 + b (operands laid out as (w, x, b)).
Notation = Literal["call", "infix", "weighted sum"]


class Op(NamedTuple):
    """One differentiable operation: its forward and its local rule, written once, and
    what readers need to write it (as JAX keeps a name and its printing per primitive)."""

    name: str  # shown in pictures, traces and error messages
    forward: Callable[..., float]
    local: Callable[..., Partials]
    domain: str = ""  # which operands are valid, said in error messages
    reflected: bool = False  # the user wrote the constant first: c - x, c / x, c ** x
    # A node's operands as its rules take them, ``args = op.arguments(inputs, constants)``:
    # ``forward(*args)``, ``local(*args, out)``.
    arguments: OperandLayout = inputs_then_constants
    # The forward as Python source, given the operands' source laid out as ``arguments``
    # lays them out, for a forward that symbolic operands cannot go through (the sums below).
    forward_code: Callable[..., str] | None = None
    notation: Notation = "call"
    word: str = ""  # the op in generated node names (mul1) where its name is a symbol ("*")
    method: str = ""  # the Value method that makes it (x.exp()), as the helpers below call it


def entries() -> list[Op]:
    """The op table: every entry of this module, in the order they are defined."""
    return [entry for entry in globals().values() if isinstance(entry, Op)]


# Helpers that work on floats and on Values: the float path uses math, a Value its method.
# They are what a rule is written with, the library's and a custom op's (autograd.custom):
# math's own functions would turn a Value into a float and lose its graph.
def exp(x: Any) -> Any:
    return math.exp(x) if isinstance(x, float) else x.exp()


def log(x: Any) -> Any:
    return math.log(x) if isinstance(x, float) else x.log()


def sqrt(x: Any) -> Any:
    return math.sqrt(x) if isinstance(x, float) else x.sqrt()


def tanh(x: Any) -> Any:
    return math.tanh(x) if isinstance(x, float) else x.tanh()


def sigmoid(x: Any) -> Any:
    """1 / (1 + e^-x), without overflow on the float path."""
    return _sigmoid(x) if isinstance(x, float) else x.sigmoid()


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


def _data(x: Any) -> Any:
    """The number behind a float or a Value (or a symbolic operand: itself, see codegen)."""
    return x if isinstance(x, float) else x.data


def _infinite_slope(x: Any) -> Any:
    """+inf, the slope of a vertical tangent (sqrt at 0). On the Value path it stays a
    function of x, inf * (0 x + 1), so differentiating it again gives NaN, not a wrong 0."""
    return INF if isinstance(x, float) else (x * 0.0 + 1.0) * INF


def _pow_local(x: Any, c: Any, out: Any) -> Partials:
    """d(x**c)/dx = c x^(c-1); +inf at x = 0 for 0 < c < 1 (the one-sided limit)."""
    if type(x) is float:  # the float path, taken by every ** node as it is made
        return (0.0,) if c == 0 else (INF,) if x == 0 and c < 1 else (c * x ** (c - 1),)
    if isinstance(c, float) and c == 0:
        return (0.0,)
    if _data(x) == 0 and c < 1:
        return (_infinite_slope(x),)
    return (c * x ** (c - 1),)


# Weighted sums take their operands as three tuples (w, x, b), with b = (bias,) or ().
def _pairs(inputs: tuple[Any, ...], constants: tuple[float, ...]) -> tuple[Any, ...]:
    """DOT's inputs (w..., x...) as (w, x, ())."""
    n = len(inputs) // 2
    return inputs[:n], inputs[n:], ()


def _pairs_and_bias(inputs: tuple[Any, ...], constants: tuple[float, ...]) -> tuple[Any, ...]:
    """AFFINE's inputs (w..., x..., b) as (w, x, (b,))."""
    n = len(inputs) // 2
    return inputs[:n], inputs[n:-1], inputs[-1:]


def _coefficients(inputs: tuple[Any, ...], constants: tuple[float, ...]) -> tuple[Any, ...]:
    """LINEAR's inputs (v..., [b]) and constant coefficients (c...) as (v, c, (b,) or ())."""
    n = len(constants)
    return inputs[:n], constants, inputs[n:]


def _weighted_sum(w: tuple[Any, ...], x: tuple[Any, ...], b: tuple[Any, ...]) -> Any:
    """sum(w_i * x_i) + b, for a bias b given as (b,) or ()."""
    total = sum(map(mul, w, x))
    return total + b[0] if b else total


def _weighted_sum_code(w: tuple[str, ...], x: tuple[str, ...], b: tuple[str, ...]) -> str:
    """``_weighted_sum`` as Python source: the same products, added by the same ``sum()``.

    A sum must stay a call to ``sum()``: from Python 3.12 it adds floats with compensation,
    so an unrolled ``w0 * x0 + w1 * x1`` would differ from it in the last bits.
    """
    products = [f"{wi} * {xi}" for wi, xi in zip(w, x, strict=True)]
    total = f"sum(({', '.join(products)}{',' if len(products) == 1 else ''}))"
    return f"{total} + {b[0]}" if b else total


def _dot_local(w: tuple[Any, ...], x: tuple[Any, ...], b: tuple[Any, ...], out: Any) -> Partials:
    """Each side's partials are the other side's values; the bias's is 1."""
    return x + w + ONE if b else x + w


def _linear_local(
    v: tuple[Any, ...], c: tuple[float, ...], b: tuple[Any, ...], out: Any
) -> Partials:
    """The Value side's partials are the constant coefficients; the bias's is 1."""
    return c + ONE if b else c


def _mean(*xs: Any) -> Any:
    return sum(xs) / len(xs)


def _mean_code(*xs: str) -> str:
    """``_mean`` as Python source (a ``sum()`` call, as for the weighted sums)."""
    return f"sum(({', '.join(xs)}{',' if len(xs) == 1 else ''})) / {len(xs)}"


def _mean_local(*xs_out: Any) -> Partials:
    """Every input's partial is 1/n."""
    n = len(xs_out) - 1
    return (1.0 / n,) * n


def _sum_squares(*xs: Any) -> Any:
    return sum(map(mul, xs, xs))


def _sum_squares_code(*xs: str) -> str:
    """``_sum_squares`` as Python source: the same squares, added by the same ``sum()``."""
    return f"sum(({', '.join(f'{x} * {x}' for x in xs)}{',' if len(xs) == 1 else ''}))"


def _sum_squares_local(*xs_out: Any) -> Partials:
    """d/dx_i Σ x² = 2 x_i."""
    return tuple(x + x for x in xs_out[:-1])


def _logsumexp(*xs: float) -> float:
    """log Σ e^x_i, shifted by the largest x so that no exponential overflows: finite
    for logits of ±1e300 and exact where they differ hugely (e^(x - max) rounds to 0)."""
    top = max(xs)
    if math.isinf(top):  # all -inf, or a +inf: the shift would make inf - inf = NaN
        return top
    return top + math.log(sum(math.exp(x - top) for x in xs))


def _softmax(*xs_out: Any) -> Partials:
    """d logsumexp / d x_i = e^x_i / Σ e^x_j, the softmax, computed with the same shift.

    The shift is a plain float (the largest logit's data): softmax does not change when
    every x moves by one constant, so on the Value path it is exact to treat it as one.
    """
    xs = xs_out[:-1]
    top = max(map(_data, xs))
    exps = [exp(x - top) for x in xs]
    total = sum(exps)
    return tuple(e / total for e in exps)


# The operations. A constant operand comes after the inputs, whichever side it was on.
# An infix op carries its notation and the word for its symbol; a unary op its method.

ADD = Op("+", lambda x, y: x + y, lambda x, y, out: ONE_ONE, notation="infix", word="add")
ADD_CONST = Op("+", lambda x, c: x + c, lambda x, c, out: ONE, notation="infix", word="add")
SUB = Op("-", lambda x, y: x - y, lambda x, y, out: ONE_MINUS_ONE, notation="infix", word="sub")
SUB_CONST = Op("-", lambda x, c: x - c, lambda x, c, out: ONE, notation="infix", word="sub")
RSUB_CONST = Op(
    "-",
    lambda x, c: c - x,
    lambda x, c, out: MINUS_ONE,
    reflected=True,
    notation="infix",
    word="sub",
)
NEG = Op("neg", lambda x: -x, lambda x, out: MINUS_ONE)
MUL = Op("*", lambda x, y: x * y, lambda x, y, out: (y, x), notation="infix", word="mul")
MUL_CONST = Op("*", lambda x, c: x * c, lambda x, c, out: (c,), notation="infix", word="mul")
DIV = Op(
    "/",
    lambda x, y: x / y,
    lambda x, y, out: (1.0 / y, -out / y),
    domain="division by zero",
    notation="infix",
    word="div",
)
DIV_CONST = Op(
    "/",
    lambda x, c: x / c,
    lambda x, c, out: (1.0 / c,),
    domain="division by zero",
    notation="infix",
    word="div",
)
RDIV_CONST = Op(
    "/",
    lambda x, c: c / x,
    lambda x, c, out: (-out / x,),
    domain="division by zero",
    reflected=True,
    notation="infix",
    word="div",
)
POW = Op(
    "**",
    lambda x, y: _negative_base() if x < 0 else math.pow(x, y),
    lambda x, y, out: _pow_local(x, y, out) + (out * log(x) if x > 0 else 0.0,),
    domain="a Value exponent needs a base >= 0, and 0 cannot take a negative power",
    notation="infix",
    word="pow",
)
POW_CONST = Op(
    "**",
    math.pow,
    _pow_local,
    domain="0 cannot take a negative power, and a negative base needs an integer exponent",
    notation="infix",
    word="pow",
)
RPOW_CONST = Op(
    "**",
    lambda x, c: _negative_base() if c <= 0 else math.pow(c, x),
    lambda x, c, out: (out * math.log(c),),
    domain="a Value exponent needs a positive base",
    reflected=True,
    notation="infix",
    word="pow",
)
EXP = Op("exp", math.exp, lambda x, out: (out,), method="exp")
LOG = Op("log", math.log, lambda x, out: (1.0 / x,), domain="defined for x > 0", method="log")
SQRT = Op(
    "sqrt",
    math.sqrt,
    lambda x, out: (_infinite_slope(x),) if _data(x) == 0 else (0.5 / out,),
    domain="defined for x >= 0",
    method="sqrt",
)
TANH = Op("tanh", math.tanh, lambda x, out: (1.0 - out * out,), method="tanh")
SIGMOID = Op("sigmoid", _sigmoid, lambda x, out: (out * (1.0 - out),), method="sigmoid")
RELU = Op(
    "relu",
    lambda x: 0.0 if x <= 0 else x,
    lambda x, out: (1.0 if x > 0 else 0.0,),
    method="relu",
)
ABS = Op("abs", abs, lambda x, out: (_sign(x),), method="abs")
SIN = Op("sin", sin, lambda x, out: (cos(x),), method="sin")
COS = Op("cos", cos, lambda x, out: (-sin(x),), method="cos")
# Weighted sums in one node: a neuron's pre-activation is one node with 2n + 1 edges.
# w · x with both sides Values; w · x + b; c · v [+ b] with constant coefficients c.
DOT = Op(
    "dot",
    _weighted_sum,
    _dot_local,
    arguments=_pairs,
    forward_code=_weighted_sum_code,
    notation="weighted sum",
)
AFFINE = Op(
    "dot",
    _weighted_sum,
    _dot_local,
    arguments=_pairs_and_bias,
    forward_code=_weighted_sum_code,
    notation="weighted sum",
)
LINEAR = Op(
    "dot",
    _weighted_sum,
    _linear_local,
    arguments=_coefficients,
    forward_code=_weighted_sum_code,
    notation="weighted sum",
)
MEAN = Op("mean", _mean, _mean_local, forward_code=_mean_code)  # (1/n) Σ x_i
SUM_SQUARES = Op(  # Σ x_i²: an L2 penalty
    "sum_squares", _sum_squares, _sum_squares_local, forward_code=_sum_squares_code
)
LOGSUMEXP = Op("logsumexp", _logsumexp, _softmax)  # log Σ e^x_i: its partials are the softmax

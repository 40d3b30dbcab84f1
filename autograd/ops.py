"""The op table: every operation's forward value and local derivatives, side by side.

A node records its op, its Value inputs, one local derivative per input, and the plain
numbers its op took (its *constants*: the 3 in ``x - 3``). That is everything a reader
needs to evaluate the node again. An op's rules take the node's operands laid out by
``op.arguments(inputs, constants)``, by default the inputs then the constants:

- ``forward(*args) -> float`` maps the operands' floats to the output's float;
- ``local(*args, out) -> tuple`` gives d(out)/d(input) for each input, in order.

Rules are written with arithmetic and the helpers below, which work on floats and on
Values alike, so one rule serves ``backward()`` (floats), ``grad(create_graph=True)``
(Values, differentiable again) and every other reader of a graph. On Values a rule
never branches on the data: a slope with a special case (relu's 1 for x > 0, else 0) is
a node of its own op (``heaviside``), so a gradient graph is a function of its leaves and
replays right on new data. The compiler
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
    # Which operands are valid, said in error messages; or a function of the operands (as
    # ``forward`` takes them) that says why these ones are not, where there are two causes.
    domain: str | Callable[..., str] = ""
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


def _pow_domain(x: float, c: float) -> str:
    """Why x ** c has no value: the one cause that applies."""
    if x < 0:
        return "a negative base needs an integer exponent"
    return "0 cannot take a negative power"


def _value_exponent_domain(x: float, y: float) -> str:
    """Why x ** y, with a Value exponent y, has no value."""
    return "a Value exponent needs a base >= 0" if x < 0 else "0 cannot take a negative power"


def _constant_base_domain(x: float, c: float) -> str:
    """Why c ** x has no value."""
    return "a Value exponent needs a base >= 0" if c < 0 else "0 cannot take a negative power"


def _sigmoid(x: float) -> float:
    """1 / (1 + e^-x), computed without overflow for every finite x."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _data(x: Any) -> Any:
    """The number behind a float or a Value (or a symbolic operand: itself, see codegen)."""
    return x if isinstance(x, float) else x.data


# -- slopes with special cases -----------------------------------------------------------
# On floats a rule may branch on its operands (relu's slope is 1 if x > 0 else 0). On
# Values (grad(create_graph=True)) it must not: the branch would be taken once, when the
# gradient graph is built, and the graph would replay that choice on any new data. So
# each slope with a special case is an op of its own, whose forward takes the branch
# every time it is evaluated: on a Value, the helper below makes that node.
def _is_node(x: Any) -> bool:
    """True for a Value; False for a float, and for the compiler's symbolic operands,
    which write a float rule's branch out as the conditional expression it is."""
    return type(x) is not float and hasattr(x, "_inputs")  # a float first: the hot path


def _heaviside(x: float) -> float:
    """relu's slope: 1 for x > 0, else 0 (0 at the kink, as PyTorch; 0 for NaN)."""
    return 1.0 if x > 0 else 0.0


def heaviside(x: Any) -> Any:
    """1 for x > 0, else 0 (a ``heaviside`` node on a Value)."""
    return x.heaviside() if _is_node(x) else _heaviside(x)


def _sign(x: float) -> float:
    """abs's slope: -1, 0 or 1 (0 at the kink, as PyTorch; 0 for NaN)."""
    return 1.0 if x > 0 else -1.0 if x < 0 else 0.0


def sign(x: Any) -> Any:
    """-1, 0 or 1 (a ``sign`` node on a Value)."""
    return x.sign() if _is_node(x) else _sign(x)


def _sqrt_slope(x: float) -> float:
    """d sqrt(x)/dx = 0.5 / sqrt(x); +inf at x = 0 (the slope of a vertical tangent)."""
    return INF if x == 0 else 0.5 / math.sqrt(x)


def _sqrt_local(x: Any, out: Any) -> Partials:
    """sqrt's slope 0.5 / out, +inf at x = 0 (a ``sqrt_slope`` node on a Value)."""
    if _is_node(x):
        return (x._sqrt_slope(),)
    return (INF,) if x == 0 else (0.5 / out,)


def _total_power(x: float, p: float) -> float:
    """x ** p, but +inf for 0 ** (p < 0) and ±inf where it overflows, not an error.

    It takes floats only (``float(x)``): the compiler's symbolic operands refuse that, so
    compiled code calls this function, checks included.
    """
    x = float(x)
    if x == 0 and p < 0:
        return INF
    try:
        return float(x**p)
    except OverflowError:  # past the floats: x^p has the sign (-1)^p for x < 0
        return -INF if x < 0 and p % 2 == 1 else INF


def total_power(x: Any, y: Any) -> Any:
    """x ** y, +inf for 0 ** (y < 0) (a ``total_power`` node on a Value): a slope's
    factor, where x ** y itself would raise."""
    return x._total_power(y) if _is_node(x) else _total_power(x, y)


def _pow_slope(x: float, c: float) -> float:
    """d(x ** c)/dx = c x^(c-1): 0 for c = 0; at x = 0, +inf for 0 < c < 1 and -inf for
    c < 0 (the one-sided limits); ±inf where it overflows a float, as a division does."""
    return 0.0 if c == 0 else c * _total_power(x, c - 1)


def pow_slope(x: Any, c: Any) -> Any:
    """d(x ** c)/dx (a ``pow_slope`` node on a Value)."""
    return x._pow_slope(c) if _is_node(x) else _pow_slope(x, c)


def _log_of_base(x: float) -> float:
    """log(x) for x > 0, else 0: x ** y's slope in y is out log(x), taken as 0 at x = 0
    (where out is 0 or 1), as PyTorch does."""
    return math.log(x) if x > 0 else 0.0


def log_of_base(x: Any) -> Any:
    """log(x) for x > 0, else 0 (a ``log_of_base`` node on a Value)."""
    return x._log_of_base() if _is_node(x) else _log_of_base(x)


def _reciprocal_of_base(x: float) -> float:
    """1/x for x > 0, else 0: the slope of log_of_base."""
    return 1.0 / x if x > 0 else 0.0


def reciprocal_of_base(x: Any) -> Any:
    """1/x for x > 0, else 0 (a ``reciprocal_of_base`` node on a Value)."""
    return x._reciprocal_of_base() if _is_node(x) else _reciprocal_of_base(x)


def _pow_local(x: Any, c: float, out: Any) -> Partials:
    """d(x**c)/dx = c x^(c-1) for a constant c: written out where it has no special case
    (c >= 1: squares, cubes), else the slope with its cases at 0 and at overflow."""
    if c == 0:
        return (0.0,)
    if c >= 1:
        return (c * x ** (c - 1),)
    return (pow_slope(x, c),)


def _pow_value_local(x: Any, y: Any, out: Any) -> Partials:
    """x ** y with a Value exponent: d/dx = y x^(y-1), d/dy = out log(x) (0 at x = 0)."""
    return (pow_slope(x, y), out * log_of_base(x))


def _pow_slope_local(x: Any, y: Any, out: Any) -> Partials:
    """pow_slope(x, y) = y x^(y-1): d/dx = y pow_slope(x, y - 1), d/dy = x^(y-1)(1 + y log x)."""
    factor = total_power(x, y - 1.0)
    return (y * pow_slope(x, y - 1.0), factor * (1.0 + y * log_of_base(x)))


def _pow_slope_const_local(x: Any, c: float, out: Any) -> Partials:
    """pow_slope(x, c) = c x^(c-1) for a constant c: d/dx = c pow_slope(x, c - 1)."""
    return (c * pow_slope(x, c - 1.0),)


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

    On floats the shift is the largest logit (softmax does not change when every x moves
    by one constant). On Values it is the node itself, e^(x_i - out): a float shift taken
    from the data would be a constant of the gradient graph, wrong on other data.
    """
    xs, out = xs_out[:-1], xs_out[-1]
    if _is_node(out):
        return tuple(exp(x - out) for x in xs)
    # float(): compiled code calls this rule rather than writing it out, since its sum()
    # is compensated from Python 3.12 and a symbolic sum would be a chain of additions.
    top = max(map(float, xs))
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
    _pow_value_local,
    domain=_value_exponent_domain,
    notation="infix",
    word="pow",
)
POW_CONST = Op("**", math.pow, _pow_local, domain=_pow_domain, notation="infix", word="pow")
RPOW_CONST = Op(
    "**",
    lambda x, c: _negative_base() if c < 0 else math.pow(c, x),
    lambda x, c, out: (out * math.log(c),) if c > 0 else (0.0,),  # 0 ** x: as x ** y's
    domain=_constant_base_domain,
    reflected=True,
    notation="infix",
    word="pow",
)
EXP = Op("exp", math.exp, lambda x, out: (out,), method="exp")
LOG = Op("log", math.log, lambda x, out: (1.0 / x,), domain="defined for x > 0", method="log")
SQRT = Op("sqrt", math.sqrt, _sqrt_local, domain="defined for x >= 0", method="sqrt")
TANH = Op("tanh", math.tanh, lambda x, out: (1.0 - out * out,), method="tanh")
SIGMOID = Op("sigmoid", _sigmoid, lambda x, out: (out * (1.0 - out),), method="sigmoid")
RELU = Op(
    "relu",
    lambda x: 0.0 if x <= 0 else x,
    # heaviside(x), inline for floats (the hot path)
    lambda x, out: (1.0 if x > 0 else 0.0,) if type(x) is float else (heaviside(x),),
    method="relu",
)
ABS = Op("abs", abs, lambda x, out: (sign(x),), method="abs")
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
# The slopes with special cases (see above), as the rules build them on Values. Each is
# drawn and compiled like any node; its forward is the branch, taken on the data.
# heaviside: 0 almost everywhere (and at 0, as relu's)
HEAVISIDE = Op("heaviside", _heaviside, lambda x, out: (0.0,), method="heaviside")
SIGN = Op("sign", _sign, lambda x, out: (0.0,), method="sign")
SQRT_SLOPE = Op("sqrt_slope", _sqrt_slope, lambda x, out: (0.5 * pow_slope(x, -0.5),))
POW_SLOPE = Op("pow_slope", _pow_slope, _pow_slope_local)
POW_SLOPE_CONST = Op("pow_slope", _pow_slope, _pow_slope_const_local)
LOG_OF_BASE = Op("log_of_base", _log_of_base, lambda x, out: (reciprocal_of_base(x),))
RECIPROCAL_OF_BASE = Op(
    "reciprocal_of_base",
    _reciprocal_of_base,
    lambda x, out: (-(out * out),),  # d(1/x) = -1/x²
)
TOTAL_POWER = Op(  # x ** y with a Value exponent and a base >= 0, inf for 0 ** (y < 0)
    "total_power", _total_power, lambda x, y, out: (pow_slope(x, y), out * log_of_base(x))
)

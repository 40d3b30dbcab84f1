"""Property-test helpers for your own functions: the ones chainrule's own suite is built on.

- ``check_grads(f, inputs, order=2)``: f's first (and second) derivatives against central
  finite differences (``autograd.gradcheck``); a ``GradcheckError`` names the input.
- Hypothesis strategies for op inputs, each within a stated domain where the op is defined
  and well conditioned (``log_arguments``, ``denominators``, ... or ``real(low, high)``),
  and ``expression_dags()``, random expression graphs that share subexpressions.

A property test of your own function::

    from hypothesis import given
    from autograd.testing import check_grads, real

    @given(real(-3, 3), real(0.1, 5))
    def test_my_function(a, b):
        check_grads(lambda x, y: (x * y).tanh() + y.log(), [a, b])

This module needs hypothesis (``pip install 'chainrule[test]'``); ``import autograd``
never imports it.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

try:
    from hypothesis import strategies as st
except ImportError as exc:
    raise ImportError(
        "autograd.testing needs hypothesis, which is not installed: "
        "pip install 'chainrule[test]' (or pip install hypothesis)"
    ) from exc

from autograd import ops
from autograd.gradcheck import Function, GradcheckError, gradcheck, gradgradcheck
from autograd.value import Number, Value, dot, logsumexp, mean, sum_squares


def check_grads(
    f: Function,
    inputs: Sequence[Number | Value],
    order: int = 2,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-4,
) -> None:
    """Check f's derivatives at ``inputs`` against central finite differences.

    ``order=1`` checks every first derivative (``gradcheck``); ``order=2``, the default,
    also every second one (``gradgradcheck``). Returns None when they agree within
    ``atol + rtol * |numeric|``, else raises ``GradcheckError`` (an AssertionError, so a
    test fails with it) naming f, the derivative and the input, with both values.
    """
    if order not in (1, 2):
        raise ValueError(f"check_grads: order must be 1 or 2, got {order!r}")
    try:
        gradcheck(f, inputs, eps, atol, rtol)
        if order == 2:
            gradgradcheck(f, inputs, eps, atol, rtol)
    except GradcheckError as exc:
        name = getattr(f, "__qualname__", type(f).__name__)
        raise GradcheckError(f"check_grads({name}, order={order}): {exc}") from None


def real(low: float, high: float) -> st.SearchStrategy[float]:
    """Finite floats in [low, high]."""
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


def away_from_zero(low: float, high: float) -> st.SearchStrategy[float]:
    """Floats with low <= |x| <= high, either sign: keeps a kink or a pole out of reach."""
    return st.builds(
        lambda magnitude, sign: sign * magnitude, real(low, high), st.sampled_from((-1.0, 1.0))
    )


# -- each op's domain, where it is defined and well conditioned -------------------------------
# Well conditioned: central differences agree with the exact derivative to well within
# gradcheck's atol 1e-5 / rtol 1e-4.
reals = real(-10.0, 10.0)  # + - * neg: defined everywhere, kept moderate
plain_numbers = st.one_of(st.integers(-10, 10), reals)  # a number operand: int or float
nonzero_reals = away_from_zero(0.5, 10.0)
denominators = nonzero_reals  # x / y: y = 0 is a pole
exp_arguments = real(-30.0, 30.0)  # e^30 ~ 1e13: finite, far from overflow at ~709.78
log_arguments = real(0.05, 100.0)  # log: x > 0, away from the pole of 1/x at 0
sqrt_arguments = real(0.05, 100.0)  # sqrt: x >= 0, away from the infinite slope at 0
squash_arguments = real(-30.0, 30.0)  # tanh, sigmoid: smooth everywhere; tails tested apart
trig_arguments = real(-50.0, 50.0)  # sin, cos: beyond this, x itself carries the rounding
kinked_arguments = away_from_zero(0.01, 100.0)  # relu, abs: the kink at 0 is out of reach
positive_bases = real(0.25, 4.0)  # x ** y and c ** x need a base > 0
exponents = real(-3.0, 3.0)
negative_bases = real(-4.0, -0.25)  # a negative base needs an integer exponent
integer_exponents = st.integers(-4, 4)
any_finite = st.floats(allow_nan=False, allow_infinity=False)  # tanh, sigmoid: every input
# mean, logsumexp: 1 to 6 inputs, no constants (logsumexp's extremes, ±1e300 and huge gaps
# between logits, are tested on their own: finite differences cannot follow them)
reduction_arguments = st.tuples(st.lists(reals, min_size=1, max_size=6).map(tuple), st.just(()))


def arguments(
    *variables: st.SearchStrategy[float], constants: tuple[st.SearchStrategy[Any], ...] = ()
) -> st.SearchStrategy[tuple[tuple[float, ...], tuple[Any, ...]]]:
    """(variables, constants): points for the Value operands and the plain-number ones."""
    return st.tuples(st.tuples(*variables), st.tuples(*constants))


@st.composite
def dot_arguments(
    draw: st.DrawFn, value_sides: int, bias: bool, max_size: int = 5
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Points for ``dot``: n weights and n inputs, ``value_sides`` of them Values.

    Variables are the Value side(s) in order (weights, then inputs), then the bias if any;
    constants are the plain-number side, when there is one.
    """
    n = draw(st.integers(1, max_size))
    size = n * value_sides + bias
    variables = draw(st.lists(reals, min_size=size, max_size=size))
    constants = draw(
        st.lists(reals, min_size=n * (2 - value_sides), max_size=n * (2 - value_sides))
    )
    return tuple(variables), tuple(constants)


# -- random expression DAGs -------------------------------------------------------------------
# Every op maps [-1, 1] (x [-1, 1]) into [-1, 1] and has a bounded slope there, so any
# composition stays finite and well conditioned; each uses one engine op or two.
DAG_OPS: dict[str, Callable[..., Value]] = {
    "mul": lambda a, b: a * b,
    "mean": lambda a, b: (a + b) * 0.5,
    "half_difference": lambda a, b: (a - b) / 2,
    "ratio": lambda a, b: a / (2.0 + b),
    "power": lambda a, b: ((a + 2.0) ** (b + 1.0)) / 27.0,
    "square": lambda a: a**2,
    "cube": lambda a: a**3,
    "tanh": lambda a: a.tanh(),
    "sigmoid": lambda a: a.sigmoid(),
    "sin": lambda a: a.sin(),
    "cos": lambda a: a.cos(),
    "exp": lambda a: (a - 1.0).exp(),
    "log": lambda a: (1.5 + a).log(),
    "sqrt": lambda a: ((a * a + 1.0) * 0.5).sqrt(),
    "reciprocal": lambda a: 1.0 / (2.0 - a),
    "neg": lambda a: -a,
    "rpow": lambda a: 0.5**a / 2.0,
    "abs": lambda a: (a - 2.0).abs() - 2.0,  # kinks kept out of [-1, 1]: |a - 2| >= 1
    "relu": lambda a: (a + 2.0).relu() - 2.0,
    "dot": lambda a, b: dot([a, b], [b, a], bias=a) / 3.0,
    "linear": lambda a, b: dot([0.25, -0.5], [a, b], bias=a * 0.25),
}


# Every op of the table, applied as it is: no domain kept, no kink out of reach. For
# differential tests (compiled code against the interpreter, bitwise, errors included) at
# ``edge_floats()``, where the ops' special cases and domain errors are.
TABLE_OPS: dict[str, Callable[..., Value]] = {
    "add": lambda a, b: a + b,
    "add_const": lambda a: a + 0.5,
    "sub": lambda a, b: a - b,
    "sub_const": lambda a: a - 2.0,
    "rsub_const": lambda a: 2.0 - a,
    "neg": lambda a: -a,
    "mul": lambda a, b: a * b,
    "mul_const": lambda a: a * -3.0,
    "div": lambda a, b: a / b,
    "div_const": lambda a: a / 3.0,
    "rdiv_const": lambda a: 1.0 / a,
    "pow": lambda a, b: a**b,
    "square": lambda a: a**2,
    "pow_half": lambda a: a**0.5,
    "reciprocal_pow": lambda a: a**-1.0,
    "rpow_const": lambda a: 2.0**a,
    "exp": lambda a: a.exp(),
    "log": lambda a: a.log(),
    "sqrt": lambda a: a.sqrt(),
    "tanh": lambda a: a.tanh(),
    "sigmoid": lambda a: a.sigmoid(),
    "relu": lambda a: a.relu(),
    "abs": lambda a: a.abs(),
    "sin": lambda a: a.sin(),
    "cos": lambda a: a.cos(),
    "dot": lambda a, b: dot([a, b], [b, a]),
    "affine": lambda a, b: dot([a, b], [b, a], bias=a),
    "linear": lambda a, b: dot([0.5, -1.0], [a, b], bias=b),
    "mean": lambda a, b: mean([a, b, a]),
    "sum_squares": lambda a, b: sum_squares([a, b]),
    "logsumexp": lambda a, b: logsumexp([a, b]),
    # The slopes with special cases, which rules build on Values (see autograd.ops), on
    # the bases their rules give them: x ** y's a base >= 0, a negative one integer powers.
    "heaviside": lambda a: a.heaviside(),
    "sign": lambda a: a.sign(),
    "sqrt_slope": lambda a: a._sqrt_slope(),
    "pow_slope": lambda a, b: ops.pow_slope(abs(a), b),
    "pow_slope_const": lambda a: ops.pow_slope(abs(a), 1.5) + ops.pow_slope(a, 3.0),
    "log_of_base": lambda a: ops.log_of_base(a),
    "reciprocal_of_base": lambda a: ops.reciprocal_of_base(a),
    "total_power": lambda a, b: ops.total_power(abs(a), b),
}
# Where ops have kinks, edges of their domains, poles and special cases (for the constants
# of ``TABLE_OPS`` too: a - 2 is 0 at 2), and where floats overflow and underflow.
EDGE_FLOATS = (
    *(0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 3.0, -3.0),
    *(math.inf, -math.inf, math.nan, -math.nan),
    *(1e-200, -1e-200, 5e-324, -5e-324, 1e300, -1e300, 709.79, 710.0, -745.2, 1e16),
)


def edge_floats() -> st.SearchStrategy[float]:
    """``EDGE_FLOATS`` and their neighbours, as often as any other float."""
    near = st.builds(
        math.nextafter, st.sampled_from(EDGE_FLOATS), st.sampled_from((math.inf, -math.inf))
    )
    return st.one_of(st.sampled_from(EDGE_FLOATS), near, st.floats(), real(-3.0, 3.0))


# Ops with their kink, pole of slope or special case inside [-1, 1], for tests that
# replay a graph on new data on both sides of it (compile, create_graph): finite
# differences cannot follow these, so they are kept out of DAG_OPS.
KINKED_DAG_OPS: dict[str, Callable[..., Value]] = {
    "relu_at_0": lambda a: a.relu(),
    "abs_at_0": lambda a: abs(a),
    "heaviside": lambda a: a.heaviside(),
    "sign": lambda a: a.sign(),
    "sqrt_at_0": lambda a: abs(a).sqrt(),  # slope +inf at 0
    "power_at_0": lambda a: abs(a) ** 1.5,  # its slope of the slope is +inf at 0
    "root_at_0": lambda a: abs(a) ** 0.5,
    "value_power_at_0": lambda a, b: abs(a) ** (b + 2.0),  # a Value exponent, base 0
    "logsumexp": lambda a, b: logsumexp([a, b]) - 1.0,  # its shift changes where a = b
    "mean": lambda a, b: mean([a, b]),
    "sum_squares": lambda a, b: sum_squares([a, b]) * 0.5,
    "rsub": lambda a: (0.5 - a) * 0.5,
    "dot_without_bias": lambda a, b: dot([a, b], [b, a]) * 0.5,
    "zero_base": lambda a: 0.0 ** (a + 1.5),  # 0 ** y: 0, with slope 0 in y
}
ALL_DAG_OPS = {**DAG_OPS, **KINKED_DAG_OPS}


@dataclass(frozen=True)
class ExpressionDag:
    """A random expression: node k applies ``steps[k]`` to earlier nodes, inputs first.

    The output is the mean of every node, inputs included, so each node feeds the output
    and every later node that picked it: the graph shares subexpressions by construction.
    """

    n_inputs: int
    steps: tuple[tuple[str, tuple[int, ...]], ...]
    ops: Mapping[str, Callable[..., Value]] = field(default_factory=lambda: DAG_OPS, repr=False)

    def __call__(self, *inputs: Value) -> Value:
        nodes = list(inputs)
        for name, operands in self.steps:
            nodes.append(self.ops[name](*(nodes[i] for i in operands)))
        return cast(Value, sum(nodes)) / len(nodes)


@st.composite
def expression_dags(
    draw: st.DrawFn,
    max_inputs: int = 3,
    max_steps: int = 8,
    ops: Mapping[str, Callable[..., Value]] = DAG_OPS,
    kinks: bool = False,
) -> tuple[ExpressionDag, list[float]]:
    """A random ExpressionDag of ``ops`` (by default the well-conditioned ``DAG_OPS``; also
    ``TABLE_OPS``) and a point in [-1, 1]^n to evaluate it at; with ``kinks=True`` its ops
    include KINKED_DAG_OPS (see ``kink_points`` for points)."""
    ops = {**ops, **KINKED_DAG_OPS} if kinks else ops
    n_inputs = draw(st.integers(1, max_inputs))
    steps = []
    for k in range(draw(st.integers(1, max_steps))):
        name = draw(st.sampled_from(sorted(ops)))
        arity = len(inspect.signature(ops[name]).parameters)
        operands = tuple(draw(st.integers(0, n_inputs + k - 1)) for _ in range(arity))
        steps.append((name, operands))
    point = draw(st.lists(real(-1.0, 1.0), min_size=n_inputs, max_size=n_inputs))
    return ExpressionDag(n_inputs, tuple(steps), ops), point


# -- hostile strings --------------------------------------------------------------------------
# Strings a label, an op's name or a function's name may hold that would break, or run as,
# generated source if pasted into it: line breaks of every kind Python or str.splitlines()
# knows, quotes, docstring quotes, comment and continuation characters, Python keywords,
# the builtins and the names generated code uses for itself, code, and a very long label.
HOSTILE_LABELS = (
    "w\nprint('INJECTED')\ndef\tf():",
    "weight\n(layer 1)",
    'x"""\nraise SystemExit\n"""',
    "x'''",
    "\"'",
    "a\\",
    "a\\\nb",
    "x\rprint('INJECTED')",
    "x\u2028print('INJECTED')",
    "x\u2029y",
    "x\x0cy",
    "x\x0by\x1c\x1d\x1e\x85",
    "x\x00y",
    "# comment",
    "__import__('os').system('echo INJECTED')",
    *("if", "def", "lambda", "None", "True", "class", "return", "yield", "match", "_"),
    *("type", "zip", "sum", "abs", "float", "inf", "nan", "print", "exec", "len"),
    *("_leaves", "_seed", "_nodes", "_examples", "_outputs", "g_x", "d_x", "g_", "v"),
    "W1[0][1]",
    "δ2 = dLoss/dZ2",
    "\ud800",
    "x" * 5000,
)


def hostile_labels() -> st.SearchStrategy[str]:
    """Hostile strings (``HOSTILE_LABELS``), and random text built from their pieces."""
    pieces = st.sampled_from(
        [*"\n\r\x0c\u2028\u2029'\"\\#():_ 1x", '"""', "def", "print", "sum", "type", "g_"]
    )
    built = st.lists(pieces, min_size=1, max_size=12).map("".join)
    return st.one_of(st.sampled_from(HOSTILE_LABELS), built, st.text(max_size=20))


def kink_points(n: int) -> st.SearchStrategy[list[float]]:
    """Points in [-1, 1]^n that often sit on a kink (±0) or on either side of one."""
    coordinate = st.one_of(st.sampled_from((0.0, -0.0, 1e-300, -1e-300)), real(-1.0, 1.0))
    return st.lists(coordinate, min_size=n, max_size=n)

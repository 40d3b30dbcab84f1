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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

try:
    from hypothesis import strategies as st
except ImportError as exc:
    raise ImportError(
        "autograd.testing needs hypothesis, which is not installed: "
        "pip install 'chainrule[test]' (or pip install hypothesis)"
    ) from exc

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


# Ops with their kink, pole of slope or special case inside [-1, 1], for tests that
# replay a graph on new data on both sides of it (compile, create_graph): finite
# differences cannot follow these, so they are kept out of DAG_OPS.
KINKED_DAG_OPS: dict[str, Callable[..., Value]] = {
    "relu_at_0": lambda a: a.relu(),
    "abs_at_0": lambda a: abs(a),
    "step": lambda a: a.step(),
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

    def __call__(self, *inputs: Value) -> Value:
        nodes = list(inputs)
        for name, operands in self.steps:
            nodes.append(ALL_DAG_OPS[name](*(nodes[i] for i in operands)))
        return cast(Value, sum(nodes)) / len(nodes)


@st.composite
def expression_dags(
    draw: st.DrawFn, max_inputs: int = 3, max_steps: int = 8, kinks: bool = False
) -> tuple[ExpressionDag, list[float]]:
    """A random ExpressionDag and a point in [-1, 1]^n to evaluate it at; with
    ``kinks=True`` its ops include KINKED_DAG_OPS (see ``kink_points`` for points)."""
    table = ALL_DAG_OPS if kinks else DAG_OPS
    n_inputs = draw(st.integers(1, max_inputs))
    steps = []
    for k in range(draw(st.integers(1, max_steps))):
        name = draw(st.sampled_from(sorted(table)))
        arity = len(inspect.signature(table[name]).parameters)
        operands = tuple(draw(st.integers(0, n_inputs + k - 1)) for _ in range(arity))
        steps.append((name, operands))
    point = draw(st.lists(real(-1.0, 1.0), min_size=n_inputs, max_size=n_inputs))
    return ExpressionDag(n_inputs, tuple(steps)), point


def kink_points(n: int) -> st.SearchStrategy[list[float]]:
    """Points in [-1, 1]^n that often sit on a kink (±0) or on either side of one."""
    coordinate = st.one_of(st.sampled_from((0.0, -0.0, 1e-300, -1e-300)), real(-1.0, 1.0))
    return st.lists(coordinate, min_size=n, max_size=n)

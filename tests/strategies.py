"""Every hypothesis strategy of the test suite, in one place.

Engine strategies come first: one named domain per op, chosen so that the op is well
conditioned there (central differences then agree with the exact derivative to well
within atol 1e-5 / rtol 1e-4), and random expression DAGs with shared subexpressions.
Other packages' strategies follow in their own sections below.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass

from hypothesis import strategies as st

from autograd import Value, dot


def real(low: float, high: float) -> st.SearchStrategy[float]:
    """Finite floats in [low, high]."""
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


def away_from_zero(low: float, high: float) -> st.SearchStrategy[float]:
    """Floats with low <= |x| <= high, either sign: keeps a kink or a pole out of reach."""
    return st.builds(
        lambda magnitude, sign: sign * magnitude, real(low, high), st.sampled_from((-1.0, 1.0))
    )


# -- each op's domain, where it is defined and well conditioned -------------------------------
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

# -- other engine inputs ----------------------------------------------------------------------
integers = st.integers(-(2**64), 2**64)  # Value(data): any real number type is accepted
fractions = st.fractions(max_denominator=10**6)
# Seeds for backward(gradient=...): signed powers of two, so scaling by one is exact.
scales = st.builds(
    lambda k, sign: sign * 2.0**k, st.integers(-20, 20), st.sampled_from((-1.0, 1.0))
)


def arguments(
    *variables: st.SearchStrategy[float], constants: tuple[st.SearchStrategy, ...] = ()
) -> st.SearchStrategy[tuple[tuple[float, ...], tuple]]:
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
    variables = draw(
        st.lists(reals, min_size=n * value_sides + bias, max_size=n * value_sides + bias)
    )
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
            nodes.append(DAG_OPS[name](*(nodes[i] for i in operands)))
        return sum(nodes) / len(nodes)


@st.composite
def expression_dags(
    draw: st.DrawFn, max_inputs: int = 3, max_steps: int = 8
) -> tuple[ExpressionDag, list[float]]:
    """A random ExpressionDag and a point in [-1, 1]^n to evaluate it at."""
    n_inputs = draw(st.integers(1, max_inputs))
    steps = []
    for k in range(draw(st.integers(1, max_steps))):
        name = draw(st.sampled_from(sorted(DAG_OPS)))
        arity = len(inspect.signature(DAG_OPS[name]).parameters)
        operands = tuple(draw(st.integers(0, n_inputs + k - 1)) for _ in range(arity))
        steps.append((name, operands))
    point = draw(st.lists(real(-1.0, 1.0), min_size=n_inputs, max_size=n_inputs))
    return ExpressionDag(n_inputs, tuple(steps)), point


# -- autograd.trace and autograd.viz: node labels -----------------------------------------------
# Any printable text, including the characters a Graphviz record treats as structure
# ({ } | < > " \) and non-ASCII letters, so names and escaping are tested on all of them.
node_labels = st.text(
    st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")) | st.sampled_from('{}|<>"\\'),
    max_size=8,
)


# -- nn: networks, their weights and their data (helper B) ------------------------------------
# Weights and inputs stay in [-3, 3]: pre-activations stay below ~40 in size, where sigmoid
# and tanh are well conditioned, so hand-derived and engine gradients agree to rounding.
network_weights = real(-3.0, 3.0)
network_inputs = real(-3.0, 3.0)
unit_interval = real(0.0, 1.0)  # targets of the seed's sigmoid output, bce targets
probabilities = real(0.01, 0.99)  # bce predictions away from the poles of log p, log(1 - p)
logits = real(-30.0, 30.0)
labels_pm1 = st.sampled_from((-1.0, 1.0))  # hinge-loss targets
extreme_logits = st.floats(-1e300, 1e300)  # cross-entropy must stay finite for all of these


@st.composite
def classified_logits(
    draw: st.DrawFn,
    elements: st.SearchStrategy[float] = logits,
    max_classes: int = 5,
    max_examples: int = 4,
) -> tuple[list[list[float]], list[int]]:
    """A batch for cross_entropy: m rows of k logits each, and each row's class index."""
    k = draw(st.integers(1, max_classes))
    m = draw(st.integers(1, max_examples))
    rows = draw(st.lists(st.lists(elements, min_size=k, max_size=k), min_size=m, max_size=m))
    return rows, draw(st.lists(st.integers(0, k - 1), min_size=m, max_size=m))


smooth_activations = st.sampled_from(("sigmoid", "tanh", "linear"))
activations = st.sampled_from(("sigmoid", "tanh", "relu", "linear"))
init_seeds = st.integers(0, 2**32 - 1)
learning_rates = real(1e-4, 2.0)
momenta = real(0.0, 0.99)


def matrices(
    rows: int, cols: int, elements: st.SearchStrategy[float] = network_weights
) -> st.SearchStrategy[list[list[float]]]:
    """rows x cols nested lists of floats."""
    return st.lists(st.lists(elements, min_size=cols, max_size=cols), min_size=rows, max_size=rows)


@st.composite
def architectures(
    draw: st.DrawFn, max_inputs: int = 4, max_layers: int = 3, max_width: int = 4
) -> tuple[int, list[int]]:
    """(nin, nouts) for a small MLP."""
    nin = draw(st.integers(1, max_inputs))
    nouts = draw(st.lists(st.integers(1, max_width), min_size=1, max_size=max_layers))
    return nin, nouts


@dataclass(frozen=True)
class SeedNetworkCase:
    """The seed's network, W1 (n_hidden x n_in), b1, W2 (1 x n_hidden), b2 (in its own
    notation), and m examples: the rows of X with their targets Y."""

    W1: list[list[float]]
    b1: list[float]
    W2: list[list[float]]
    b2: list[float]
    X: list[list[float]]
    Y: list[float]

    @property
    def n_in(self) -> int:
        return len(self.W1[0])

    @property
    def n_hidden(self) -> int:
        return len(self.W1)


@st.composite
def seed_networks(
    draw: st.DrawFn, max_inputs: int = 3, max_hidden: int = 4, max_examples: int = 4
) -> SeedNetworkCase:
    """Random weights for the seed's n_in-n_hidden-1 sigmoid network and m examples."""
    n_in = draw(st.integers(1, max_inputs))
    n_hidden = draw(st.integers(1, max_hidden))
    m = draw(st.integers(1, max_examples))
    return SeedNetworkCase(
        W1=draw(matrices(n_hidden, n_in)),
        b1=draw(matrices(1, n_hidden))[0],
        W2=draw(matrices(1, n_hidden)),
        b2=draw(matrices(1, 1))[0],
        X=draw(matrices(m, n_in, network_inputs)),
        Y=draw(matrices(1, m, unit_interval))[0],
    )

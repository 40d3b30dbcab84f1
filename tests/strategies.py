"""Every hypothesis strategy of the test suite, in one place.

The engine's strategies are public, in ``autograd.testing``: each op's domain (where it is
defined and well conditioned) and random expression DAGs with shared subexpressions. They
are re-exported here, so every test takes its strategies from this one module, which adds
the suite's own below: other engine inputs, node labels, nn's networks and data, and the
directions and vector functions of forward mode and the transforms.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from hypothesis import strategies as st

from autograd import Value

# The engine's strategies, defined in autograd.testing and re-exported for the tests.
from autograd.testing import (  # noqa: F401
    ALL_DAG_OPS,
    DAG_OPS,
    EDGE_FLOATS,
    HOSTILE_LABELS,
    KINKED_DAG_OPS,
    TABLE_OPS,
    ExpressionDag,
    any_finite,
    arguments,
    away_from_zero,
    denominators,
    dot_arguments,
    edge_floats,
    exp_arguments,
    exponents,
    expression_dags,
    hostile_labels,
    integer_exponents,
    kink_points,
    kinked_arguments,
    log_arguments,
    negative_bases,
    nonzero_reals,
    plain_numbers,
    positive_bases,
    real,
    reals,
    reduction_arguments,
    sqrt_arguments,
    squash_arguments,
    trig_arguments,
)

# -- other engine inputs ----------------------------------------------------------------------
integers = st.integers(-(2**64), 2**64)  # Value(data): any real number type is accepted
fractions = st.fractions(max_denominator=10**6)
# Seeds for backward(gradient=...): signed powers of two, so scaling by one is exact.
scales = st.builds(
    lambda k, sign: sign * 2.0**k, st.integers(-20, 20), st.sampled_from((-1.0, 1.0))
)


# -- autograd.compiler: every float, and points for every op of the table -------------------
# The compiled code must equal its op's rule bitwise everywhere, errors included, so its
# inputs cover every float: the domain edges (zeros of both signs, infinities, NaN, the
# smallest subnormal, the largest float) and numbers either side of the kinks.
float_edges = st.sampled_from(
    (0.0, -0.0, 1.0, -1.0, 0.5, 2.0, -2.0, 3.0, math.inf, -math.inf, math.nan, 5e-324, 1e308)
)
any_float = st.one_of(st.floats(), float_edges, real(-3.0, 3.0))
# How many inputs and constants each op of the table takes; n-ary ops take n in 1..4.
OP_SHAPES: dict[str, Callable[[int], tuple[int, int]]] = {
    **dict.fromkeys(("ADD", "SUB", "MUL", "DIV", "POW"), lambda n: (2, 0)),
    **dict.fromkeys(
        ("ADD_CONST", "SUB_CONST", "RSUB_CONST", "MUL_CONST", "DIV_CONST", "RDIV_CONST"),
        lambda n: (1, 1),
    ),
    **dict.fromkeys(("POW_CONST", "RPOW_CONST", "POW_SLOPE_CONST"), lambda n: (1, 1)),
    **dict.fromkeys(("POW_SLOPE", "TOTAL_POWER"), lambda n: (2, 0)),
    **dict.fromkeys(
        ("NEG", "EXP", "LOG", "SQRT", "TANH", "SIGMOID", "RELU", "ABS", "SIN", "COS")
        + ("HEAVISIDE", "SIGN", "SQRT_SLOPE", "LOG_OF_BASE", "RECIPROCAL_OF_BASE"),
        lambda n: (1, 0),
    ),
    "DOT": lambda n: (2 * n, 0),
    "AFFINE": lambda n: (2 * n + 1, 0),
    "LINEAR": lambda n: (n + n % 2, n),  # c · v, with a bias for odd n
    **dict.fromkeys(("MEAN", "SUM_SQUARES", "LOGSUMEXP"), lambda n: (n, 0)),
}


@st.composite
def op_points(
    draw: st.DrawFn, op_name: str, floats: st.SearchStrategy[float] = any_float, most: int = 4
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """(inputs, constants) for the op table's entry ``op_name``: anywhere among the floats,
    by default; n-ary ops get up to ``most`` operands (pairs, for the weighted sums)."""
    n_inputs, n_constants = OP_SHAPES[op_name](draw(st.integers(1, most)))
    inputs = draw(st.tuples(*[floats] * n_inputs))
    return inputs, draw(st.tuples(*[floats] * n_constants))


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


# -- nn checkpoints: hostile files ------------------------------------------------------------
# Any JSON value, with the numbers a hostile file would hold (huge sizes, 400-digit ints,
# floats beyond a double's range) and nesting; and edits of a good checkpoint's bytes.
hostile_numbers = st.one_of(
    st.integers(-(10**6), 10**6),
    st.sampled_from([2**31, 10**9, 10**18, 10**400, -(10**400), 0, -1]),
    st.floats(allow_nan=False, allow_infinity=False),
)
json_values = st.recursive(
    st.none() | st.booleans() | hostile_numbers | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


@st.composite
def byte_edits(draw: st.DrawFn, good: bytes) -> bytes:
    """``good`` with a few bytes flipped, deleted, inserted, or cut off at the end."""
    data = bytearray(good)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        edit = draw(st.sampled_from(["flip", "delete", "insert", "truncate"]))
        if edit == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif edit == "delete" and data:
            del data[at]
        elif edit == "insert":
            data[at:at] = draw(
                st.sampled_from([b"[", b"]", b"{", b"9" * 400, b"1e999", b",", b'"'])
            )
        else:
            del data[at:]
    return bytes(data)


# -- forward mode and the transforms (helper 11a) -----------------------------------------------
tangent_components = real(-2.0, 2.0)  # a direction to differentiate along


def tangent_vectors(n: int) -> st.SearchStrategy[list[float]]:
    """A direction in n dimensions (one component per input), components in [-2, 2]."""
    return st.lists(tangent_components, min_size=n, max_size=n)


@dataclass(frozen=True)
class VectorDag:
    """A function with several outputs: output k is ``dags[k]`` on the first of the inputs."""

    dags: tuple[ExpressionDag, ...]

    def __call__(self, *inputs: Value) -> list[Value]:
        return [dag(*inputs[: dag.n_inputs]) for dag in self.dags]


@st.composite
def vector_dags(draw: st.DrawFn, max_outputs: int = 3) -> tuple[VectorDag, list[float]]:
    """A random VectorDag of 1 to ``max_outputs`` outputs and a point in [-1, 1]^n."""
    dags = [dag for dag, _ in draw(st.lists(expression_dags(), min_size=1, max_size=max_outputs))]
    n_inputs = max(dag.n_inputs for dag in dags)
    point = draw(st.lists(real(-1.0, 1.0), min_size=n_inputs, max_size=n_inputs))
    return VectorDag(tuple(dags)), point


@st.composite
def as_trees(draw: st.DrawFn, items: list[float], depth: int = 2) -> list[object]:
    """``items`` in reading order as a list of arguments, each a number or a nested list or
    tuple of them (a vector, a matrix, a ragged batch), up to ``depth`` levels deep."""
    trees: list[object] = []
    start = 0
    while start < len(items):
        size = draw(st.integers(1, len(items) - start))
        trees.append(draw(_tree_of(items[start : start + size], depth)))
        start += size
    return trees


@st.composite
def _tree_of(draw: st.DrawFn, items: list[float], depth: int) -> object:
    if len(items) == 1 and draw(st.booleans()):
        return items[0]
    if depth == 0 or len(items) == 1 or draw(st.booleans()):
        return list(items)
    cut = draw(st.integers(1, len(items) - 1))
    parts = [draw(_tree_of(part, depth - 1)) for part in (items[:cut], items[cut:])]
    return parts if draw(st.booleans()) else tuple(parts)

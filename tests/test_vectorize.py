"""compile(f, ..., vectorize=True): the grouping pass and the matrix program it writes.

The vectorized batch is checked against the scalar compiled batch (itself the
interpreter's, example by example): values and gradients equal to 1e-12 relative (of the
largest gradient: one that cancels to almost 0 is exact to that), since NumPy adds in
another order. Every check runs the matrix program itself
(``min_batch`` set to 1) and asserts that it did (no fallback to the scalar code).
"""

from __future__ import annotations

import math
import random
import struct
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd.matrix
import nn
from autograd import Value, compile, dot, logsumexp, mean, ops
from autograd.custom import CustomOp
from autograd.matrix import VectorizedFunction
from tests.strategies import (
    activations,
    architectures,
    classified_logits,
    edge_floats,
    expression_dags,
    extreme_logits,
    init_seeds,
)

ROOT = Path(__file__).resolve().parent.parent


def vectorized(f: Callable[..., Any], *examples: Any) -> VectorizedFunction:
    made = compile(f, *examples, vectorize=True)
    made.min_batch = 1  # the matrix program for every batch, however small
    return made


def close(got: Sequence[float], want: Sequence[float], scale: Sequence[float]) -> bool:
    """Equal to 1e-12 relative: of each number's own magnitude (``scale``), or of the
    largest of them (a gradient that cancels to almost 0 is as exact as the others)."""
    largest = max((abs(s) for s in scale if math.isfinite(s)), default=0.0)
    return all(
        abs(g - w) <= 1e-12 * (abs(s) + largest) or (math.isnan(g) and math.isnan(w))
        for g, w, s in zip(got, want, scale, strict=True)
    )


def run(batch: Callable[..., list[Any]], params: list[Value], *columns: Any, **seed: Any):
    for p in params:
        p.grad = 0.0
    outputs = batch(*columns, **seed)
    return outputs, [p.grad for p in params]


def flat(outputs: list[Any]) -> list[float]:
    found: list[float] = []
    for o in outputs:
        found.extend(flat(o) if isinstance(o, list) else [o])
    return found


def same_as_scalar(made: VectorizedFunction, params: list[Value], *columns: Any, **seed: Any):
    """The matrix batch against the scalar compiled batch: outputs and gradients."""
    out, grads = run(made.batch, params, *columns, **seed)
    want_out, want_grads = run(made.scalar.batch, params, *columns, **seed)
    magnitude = [abs(g) for g in want_grads]
    assert made.fallbacks == 0, "the scalar code ran instead of the matrix program"
    assert close(flat(out), flat(want_out), [abs(o) for o in flat(want_out)])
    assert close(grads, want_grads, magnitude), (grads, want_grads)
    return out, grads


# -- the derivation's network: its matrix listing -----------------------------------------------
DERIVATION = """\
def batch(X, y, _B, _w, _seed):
    # inputs: the weights' current .data, as matrices (the column _w)
    W1 = _w[0:4].reshape(2, 2)
    b1 = _w[4:6]
    W2 = _w[6:8].reshape(1, 2)
    b2 = _w[8:9]
    # forward: one line per equation, the examples along the second axis
    Z1 = W1 @ X + b1
    A1 = sigmoid(Z1)
    Z2 = W2 @ A1 + b2
    A2 = sigmoid(Z2)
    A2_y = A2 - y
    Loss = pow_const(A2_y, 2.0)
    # backward: the chain rule a group at a time, a weighted sum's in matrix form
    g_Loss = _seed(Loss)  # the outputs' seeds
    g_A2_y = 2.0 * A2_y * g_Loss  # dLoss/d(A2 - y)
    g_A2 = g_A2_y  # d(A2 - y)/dA2; Step 1: dLoss/dA2
    g_Z2 = A2 * (1.0 - A2) * g_A2  # Step 3: δ2 = dLoss/dZ2 = dLoss/dA2 · dA2/dZ2 (Step 2)
    g_W2 = g_Z2 @ A1.T  # Step 4: dLoss/dW2 = δ2 A1ᵀ
    g_b2 = g_Z2.sum(axis=1, keepdims=True)  # Step 4: dLoss/db2 = Σ δ2
    g_A1 = W2.T @ g_Z2  # Step 5: dLoss/dA1 = W2ᵀ δ2
    g_Z1 = A1 * (1.0 - A1) * g_A1  # Step 7: δ1 = dLoss/dZ1 = dLoss/dA1 · dA1/dZ1 (Step 6)
    g_W1 = g_Z1 @ X.T  # Step 8: dLoss/dW1 = δ1 Xᵀ
    g_b1 = g_Z1.sum(axis=1, keepdims=True)  # Step 8: dLoss/db1 = Σ δ1
    # the weights' gradients, in the order of _w
    _g = np.concatenate((g_W1.reshape(-1, 1), g_b1, g_W2.reshape(-1, 1), g_b2))
    return Loss, _g
"""


def derivation() -> tuple[nn.MLP, VectorizedFunction]:
    model = nn.MLP(2, [2, 1], activation="sigmoid", seed=0)
    derivations_loss = lambda X, y: nn.mse_loss(model(X), y)  # noqa: E731, N803 (its X)
    made = vectorized(derivations_loss, [0.5, -1.0], 1.0)
    return model, made


def test_the_derivations_network_is_written_as_its_matrix_equations() -> None:
    _, made = derivation()
    assert made.source == DERIVATION
    kinds = [(g.name, g.kind) for g in made.groups if g.kind in ("matrix", "elementwise")]
    assert kinds[:4] == [
        ("Z1", "matrix"),
        ("A1", "elementwise"),
        ("Z2", "matrix"),
        ("A2", "elementwise"),
    ]


def test_the_derivations_batch_equals_the_scalar_compiled_batch() -> None:
    model, made = derivation()
    rng = random.Random(3)
    xs = [[rng.uniform(-2, 2), rng.uniform(-2, 2)] for _ in range(7)]
    ys = [rng.uniform(0, 1) for _ in range(7)]
    same_as_scalar(made, model.parameters(), xs, ys, seed=1 / 7)


def test_an_unlabelled_mlp_is_named_by_its_weights_layers() -> None:
    model = nn.MLP(3, [4, 4, 1], activation="relu", seed=1)
    made = vectorized(lambda x: model(x), [0.0, 0.0, 0.0])
    lines = made.source.splitlines()
    equations = [line.split("  #")[0] for line in lines]
    for equation in ("Z1 = W1 @ x + b1", "A1 = maximum(Z1, 0.0)", "Z2 = W2 @ A1 + b2"):
        assert f"    {equation}" in equations
    assert "    g_W2 = g_Z2 @ A1.T  # Step 8: dA3/dW2 = δ2 A1ᵀ" in lines
    assert "    g_A1 = W2.T @ g_Z2  # Step 5: dA3/dA1 = W2ᵀ δ2" in lines


# -- random MLPs, every activation and loss, against the scalar compiled batch --------------------
LOSSES = ["mse", "half_mse", "bce", "hinge", "cross_entropy"]


def _targets(loss: str, rng: random.Random, m: int, outputs: int) -> list[Any]:
    if loss == "cross_entropy":
        return [rng.randrange(outputs) for _ in range(m)]
    if loss == "hinge":
        return [rng.choice([-1.0, 1.0]) for _ in range(m)]
    if outputs == 1:
        return [rng.uniform(0, 1) for _ in range(m)]
    return [[rng.uniform(0, 1) for _ in range(outputs)] for _ in range(m)]


@settings(max_examples=60, deadline=None)
@given(
    architectures(max_width=5),
    activations,
    init_seeds,
    st.sampled_from(LOSSES),
    st.integers(1, 9),
    st.integers(1, 3),
)
def test_fit_vectorized_trains_as_fit_compiled(shape, activation, seed, loss, m, outputs) -> None:
    """Every activation and loss, several widths and depths, batches from 1: fit with the
    matrix program gives the scalar compiled fit's losses and weights to 1e-12 (hinge
    with an L2 penalty, bce on a sigmoid output read through its logit)."""
    nin, nouts = shape
    outputs = 1 if loss in ("bce", "hinge") else outputs
    if loss == "cross_entropy":
        outputs = max(outputs, 2)
    last = "sigmoid" if loss == "bce" else None
    rng = random.Random(seed)
    xs = [[rng.uniform(-2, 2) for _ in range(nin)] for _ in range(m)]
    ys = _targets(loss, rng, m, outputs)
    runs = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(autograd.matrix, "MIN_BATCH", 1)  # the matrix program for every batch
        for how in (True, "vectorized"):
            model = nn.MLP(
                nin, [*nouts, outputs], activation=activation, output_activation=last, seed=seed
            )
            params = model.parameters()
            penalty = (lambda p=params: nn.l2_penalty(p, 1e-3)) if loss == "hinge" else None
            history = nn.fit(
                model,
                xs,
                ys,
                optimizer=nn.SGD(params, lr=0.1),
                loss=getattr(nn, f"{loss}_loss" if loss != "cross_entropy" else loss),
                penalty=penalty,
                epochs=2,
                batch_size=max(1, m // 2 + 1),
                verbose=False,
                compile=how,
            )
            runs.append((history, [p.data for p in params]))
    (h1, w1), (h2, w2) = runs
    assert close(h2, h1, [abs(h) for h in h1])
    assert close(w2, w1, [abs(w) + 1e-3 for w in w1])  # the weights moved by 1e-12 of a step


@settings(max_examples=40, deadline=None)
@given(architectures(max_width=6, max_layers=3), activations, init_seeds, st.integers(1, 8))
def test_a_traced_loss_with_a_penalty_batches_as_the_scalar_code(
    shape, activation, seed, m
) -> None:
    nin, nouts = shape
    model = nn.MLP(nin, [*nouts, 1], activation=activation, seed=seed)
    params = model.parameters()

    def loss(x: list[Value], t: Value) -> Value:
        return (model(x) - t) ** 2 + nn.l2_penalty(params, 1e-3)

    rng = random.Random(seed)
    xs = [[rng.uniform(-2, 2) for _ in range(nin)] for _ in range(m)]
    ys = [rng.uniform(0, 1) for _ in range(m)]
    made = vectorized(loss, xs[0], ys[0])
    assert sum(g.kind == "matrix" for g in made.groups) == len(nouts) + 1
    same_as_scalar(made, params, xs, ys, seed=1 / m)


# -- graphs that do not group: scalar lines applied across the batch ------------------------------
@settings(max_examples=80, deadline=None)
@given(expression_dags(max_inputs=3, max_steps=10), st.integers(1, 4))
def test_a_random_graph_batches_as_the_scalar_code(dag_and_point, m) -> None:
    dag, point = dag_and_point
    weight = Value(0.75, label="w")
    rng = random.Random(len(point) * 31 + m)

    def f(*args: Value) -> Value:
        return dag(*(a * weight for a in args))

    made = vectorized(f, *point)
    columns = [[rng.uniform(-1, 1) for _ in range(m)] for _ in point]
    try:
        want = run(made.scalar.batch, [weight], *columns, seed=0.5)
    except (ValueError, ZeroDivisionError, OverflowError) as error:  # a domain error
        with pytest.raises(type(error)) as raised:
            made.batch(*columns, seed=0.5)
        assert str(raised.value) == str(error)
        return
    got = run(made.batch, [weight], *columns, seed=0.5)
    if made.fallbacks:  # NumPy flagged a step the scalar code took quietly: its answer
        assert got == want
        return
    assert close(got[0], want[0], [abs(w) + 1 for w in want[0]])
    assert close(got[1], want[1], [abs(w) + 1 for w in want[1]])


def test_nodes_of_one_kind_at_one_depth_form_one_group_with_gathered_operands() -> None:
    a, b, c = Value(1.5, label="a"), Value(-0.5, label="b"), Value(2.0, label="c")

    def f(x: Value, y: Value) -> Value:
        return mean([(x * a).tanh(), (y * b).tanh(), (x * c).tanh(), (x * y).exp()])

    made = vectorized(f, 0.1, 0.2)
    (tanh,) = [g for g in made.groups if g.op is ops.TANH]
    assert len(tanh.rows) == 3 and tanh.kind == "elementwise"
    same_as_scalar(made, [a, b, c], [0.1, 0.3, -0.2], [0.2, 0.4, 0.9], seed=1.0)


def test_a_custom_op_is_applied_element_by_element() -> None:
    cube = CustomOp(
        "cube", lambda x: x * x * x if x > 0 else -x, lambda x, out: (3 * x * x if x > 0 else -1.0,)
    )
    w = Value(0.5, label="w")
    made = vectorized(lambda x: cube(x * w) + cube(x), 1.0)
    same_as_scalar(made, [w], [1.0, -2.0, 0.25, 3.0], seed=1.0)


def test_an_op_with_no_numpy_twin_is_applied_element_by_element_and_says_so() -> None:
    erf = CustomOp("erf", math.erf, lambda x, out: (2.0 / math.sqrt(math.pi) * math.exp(-x * x),))
    w = Value(0.5, label="w")
    made = vectorized(lambda x: erf(x * w) + erf(x), 1.0)
    assert "    erf1 = erf(mul1)  # erf: element by element, in Python" in made.source
    assert "  # erf_local: element by element, in Python" in made.source
    same_as_scalar(made, [w], [1.0, -2.0, 0.25, 3.0], seed=1.0)


# -- logsumexp, so cross-entropy: NumPy over the stacked operands, its softmax the partials ------
def one_hot_cross_entropy(model: nn.MLP, classes: int) -> Callable[..., Value]:
    """nn.cross_entropy of one example, its class given as a one-hot row (a traced function
    cannot index by a Value): Σ_k y_k cross_entropy(z, k), k logsumexp nodes an example."""

    def loss(x: list[Value], onehot: list[Value]) -> Value:
        z = model(x)
        return sum((onehot[k] * nn.cross_entropy(z, k) for k in range(classes)), Value(0.0))

    return loss


def one_hot(rng: random.Random, m: int, classes: int) -> list[list[float]]:
    rows = [[0.0] * classes for _ in range(m)]
    for row in rows:
        row[rng.randrange(classes)] = 1.0
    return rows


def logsumexp_lines(made: VectorizedFunction) -> list[str]:
    calls = [
        line for line in made.source.splitlines() if "logsumexp(" in line or "softmax(" in line
    ]
    assert len(calls) >= 2  # the forward's logsumexp and the backward's softmax
    return calls


@pytest.mark.parametrize("classes", [2, 3, 5])
@pytest.mark.parametrize("m", [1, 2, 17, 64])
def test_cross_entropy_of_an_mlp_batches_as_the_scalar_code(m, classes) -> None:
    model = nn.MLP(2, [8, 6, classes], activation="tanh", output_activation="linear", seed=m)
    rng = random.Random(m * 10 + classes)
    xs = [[rng.uniform(-2, 2), rng.uniform(-2, 2)] for _ in range(m)]
    ys = one_hot(rng, m, classes)
    made = vectorized(one_hot_cross_entropy(model, classes), xs[0], ys[0])
    (group,) = [g for g in made.groups if g.op is ops.LOGSUMEXP]
    assert group.kind == "elementwise" and len(group.rows) == classes
    for line in logsumexp_lines(made):
        assert "element by element" not in line, line
    same_as_scalar(made, model.parameters(), xs, ys, seed=1 / m)


@pytest.mark.parametrize("m", [1, 17])
def test_log_sum_exp_minus_the_right_logit_batches_as_the_scalar_code(m) -> None:
    model = nn.MLP(3, [5, 4], activation="relu", output_activation="linear", seed=2)

    def loss(x: list[Value], onehot: list[Value]) -> Value:
        z = model(x)
        return logsumexp(z) - dot(onehot, z)

    rng = random.Random(m)
    xs = [[rng.uniform(-2, 2) for _ in range(3)] for _ in range(m)]
    ys = one_hot(rng, m, 4)
    made = vectorized(loss, xs[0], ys[0])
    for line in logsumexp_lines(made):
        assert "element by element" not in line, line
    same_as_scalar(made, model.parameters(), xs, ys, seed=1 / m)


@pytest.mark.parametrize(
    "biases",
    [
        [1e300, -1e300, 1e300],  # ±1e300, two of them tied: each half of the softmax
        [-1e300, -1e300, -1e300],
        [800.0, 0.0, -800.0],  # e^800 overflows unshifted; e^-1600 rounds to 0
        [1e300, 0.0, -3.0],
    ],
)
def test_cross_entropy_of_huge_logits_is_finite_and_the_scalar_codes(biases) -> None:
    model = nn.MLP(2, [4, 3], activation="tanh", output_activation="linear", seed=1)
    for b, big in zip(model.layers[-1].b, biases, strict=True):
        b.data = big
    rng = random.Random(7)
    xs = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(17)]
    ys = one_hot(rng, 17, 3)
    made = vectorized(one_hot_cross_entropy(model, 3), xs[0], ys[0])
    out, grads = same_as_scalar(made, model.parameters(), xs, ys, seed=1 / 17)
    assert all(map(math.isfinite, [*out, *grads]))


@settings(max_examples=60, deadline=None)
@given(classified_logits(extreme_logits, max_classes=5, max_examples=6))
def test_cross_entropy_of_extreme_logits_batches_as_the_scalar_code(batch) -> None:
    """Logits anywhere in ±1e300 (each scaled by a weight, so gradients flow): the matrix
    batch's values and gradients are the scalar code's, with no overflow flagged."""
    rows, targets = batch
    classes = len(rows[0])
    scales = [Value(1.0, label=f"s[{k}]") for k in range(classes)]

    def loss(z: list[Value], onehot: list[Value]) -> Value:
        scaled = [zk * s for zk, s in zip(z, scales, strict=True)]
        return sum((onehot[k] * nn.cross_entropy(scaled, k) for k in range(classes)), Value(0.0))

    ys = [[float(k == t) for k in range(classes)] for t in targets]
    made = vectorized(loss, rows[0], ys[0])
    same_as_scalar(made, scales, rows, ys, seed=0.5)


def test_an_infinite_logit_runs_the_scalar_code_and_gives_its_answer() -> None:
    w = Value(1.0, label="w")
    made = vectorized(lambda x, y: logsumexp([x * w, y]), 0.0, 0.0)
    columns = [[0.0, math.inf, -math.inf], [1.0, 2.0, -math.inf]]
    got = run(made.batch, [w], *columns, seed=1.0)
    assert made.fallbacks == 1  # inf - inf under the shift: NumPy flags it
    want = run(made.scalar.batch, [w], *columns, seed=1.0)
    assert repr(got) == repr(want)  # NaN and all


def test_a_function_of_several_outputs_and_a_seed_function() -> None:
    model = nn.MLP(2, [3, 2], activation="tanh", seed=5)
    made = vectorized(lambda x: model(x), [0.0, 0.0])
    xs = [[0.5, -1.0], [1.0, 2.0], [-0.25, 0.0]]
    seen: list[Any] = []

    def seeds(outputs: list[Any]) -> list[Any]:
        seen.append(outputs)
        return [[o[0] * 2.0, 1.0] for o in outputs]

    out, _ = same_as_scalar(made, model.parameters(), xs, seed=seeds)
    assert len(seen) == 2 and all(len(o) == 2 for o in out)


def test_a_weight_used_in_two_places_gets_both_gradients() -> None:
    w = Value(0.3, label="w")
    other = Value(-1.2, label="v")

    def f(x: Value) -> Value:
        return dot([w, w], [x, x * 2.0], bias=other) + dot([w, other], [x, x], bias=w) * w

    made = vectorized(f, 1.0)
    same_as_scalar(made, [w, other], [1.0, -0.5, 2.0], seed=0.25)


# -- tiny batches, small batches, errors ---------------------------------------------------------
@pytest.mark.parametrize("m", [1, 2])
def test_tiny_batches_run_the_matrix_program(m) -> None:
    model, made = derivation()
    xs, ys = [[0.5, -1.0], [2.0, 0.5]][:m], [1.0, 0.0][:m]
    same_as_scalar(made, model.parameters(), xs, ys, seed=1.0)


def test_a_batch_below_min_batch_runs_the_scalar_code_bitwise() -> None:
    model = nn.MLP(2, [3, 1], activation="sigmoid", seed=2)
    made = compile(lambda x: model(x), [0.0, 0.0], vectorize=True)
    assert made.min_batch == autograd.matrix.MIN_BATCH > 4
    params = model.parameters()
    xs = [[0.5, -1.0], [1.0, 2.0], [0.0, 0.1], [3.0, -3.0]]
    got = run(made.batch, params, xs, seed=0.25)
    assert got == run(made.scalar.batch, params, xs, seed=0.25)
    assert made(xs[0]) == made.scalar(xs[0])


def test_a_domain_error_raises_as_the_interpreter_names_it() -> None:
    w = Value(1.0, label="w")
    made = vectorized(lambda x: (x * w).log(), 1.0)
    with pytest.raises(ValueError) as error:
        made.batch([1.0, 2.0, -3.0], seed=1.0)
    with pytest.raises(ValueError) as interpreted:
        (Value(-3.0) * w).log()
    assert str(error.value) == str(interpreted.value) and "log" in str(error.value)
    assert w.grad == 0.0  # a failed call changes no gradient
    if sys.version_info >= (3, 11):  # exceptions take notes from Python 3.11
        assert "(in example 2 of the batch)" in "".join(error.value.__notes__)


def test_bad_columns_are_explained_as_the_scalar_code_explains_them() -> None:
    _, made = derivation()
    for columns in (([[0.0, 1.0], [1.0]], [1.0, 0.0]), ([[0.0, "1"]], [1.0]), ([[0.0, 1.0]], [])):
        with pytest.raises((TypeError, ValueError)) as error:
            made.batch(*columns)
        with pytest.raises(type(error.value)) as scalar:
            made.scalar.batch(*columns)
        assert str(error.value) == str(scalar.value)


def test_a_seed_functions_error_is_its_own() -> None:
    _, made = derivation()

    def broken(outputs: list[Any]) -> list[Any]:
        raise KeyError("mine")

    with pytest.raises(KeyError, match="mine"):
        made.batch([[0.0, 1.0]], [1.0], seed=broken)


def test_without_numpy_the_error_says_what_to_install(monkeypatch) -> None:
    monkeypatch.setattr(autograd.matrix, "np", None)
    with pytest.raises(ModuleNotFoundError, match=r"pip install chainrule\[fast\]"):
        compile(lambda x: x * 2.0, 1.0, vectorize=True)


def test_vectorize_is_for_a_function() -> None:
    with pytest.raises(TypeError, match="vectorize is for a function"):
        compile(Value(1.0) * 2.0, vectorize=True)  # type: ignore[call-overload]


def test_fit_names_an_unknown_compile_option() -> None:
    model = nn.MLP(1, [1], seed=0)
    with pytest.raises(ValueError, match="compile must be False, True or 'vectorized'"):
        nn.fit(model, [[0.0]], [0.0], optimizer=nn.SGD(model.parameters(), lr=0.1), compile="fast")


def test_the_grouping_pass_reports_its_time() -> None:
    model = nn.MLP(2, [16, 16, 1], activation="relu", seed=0)
    made = compile(lambda x, y: (1.0 + -y * model(x)).relu(), [0.0, 0.0], 1.0, vectorize=True)
    assert 0 < made.grouping_seconds < made.compile_seconds
    assert made.node_count > 60 and len(made.groups) < 15
    assert ops.RELU in {g.op for g in made.groups}


def test_an_l2_penalty_and_a_mean_are_one_reduction_line_each() -> None:
    model = nn.MLP(2, [3, 1], activation="relu", seed=4)
    params = model.parameters()

    def loss(x: list[Value], y: Value) -> Value:
        return mean([(model(x) - y) ** 2, x[0] * x[1]]) + nn.l2_penalty(params, 1e-3)

    made = vectorized(loss, [0.0, 0.0], 0.0)
    reductions = [g for g in made.groups if g.kind == "reduction"]
    assert sorted(g.op.name for g in reductions if g.op) == ["mean", "sum_squares"]
    assert "    sum_squares1 = (_w * _w).sum(axis=0, keepdims=True)  # sum_squares" in made.source
    assert "    _g += (_w + _w) * g_sum_squares1  # dsum_squares1/d_w" in made.source
    same_as_scalar(made, params, [[0.5, 1.0], [-1.0, 2.0], [0.0, 0.25]], [1.0, 0.0, 2.0], seed=0.5)


@pytest.mark.parametrize("m", [3, 40])  # below min_batch, the scalar code; above, the matrix one
def test_a_fused_update_moves_the_weights_as_sgd_on_the_gradients(m) -> None:
    rng = random.Random(m)
    xs = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(m)]
    ys = [rng.uniform(0, 1) for _ in range(m)]
    moved = []
    for fused in (False, True):
        model = nn.MLP(2, [4, 1], activation="tanh", seed=7)
        params = model.parameters()
        made = compile(lambda x, y, model=model: (model(x) - y) ** 2, xs[0], ys[0], vectorize=True)
        for p in params:
            p.grad = 0.5  # left as it is by a fused update
        if fused:
            made.batch(xs, ys, seed=1 / m, update=lambda w, g: w - 0.1 * g)
            assert all(p.grad == 0.5 for p in params)
        else:
            made.batch(xs, ys, seed=1 / m)
            for p in params:
                p.data -= 0.1 * (p.grad - 0.5)
        moved.append([p.data for p in params])
    assert close(moved[1], moved[0], [abs(w) for w in moved[0]])
    with pytest.raises(ValueError, match="update must return the new weights"):
        made.batch(xs, ys, update=lambda w, g: w[:2])


def test_import_autograd_never_loads_numpy() -> None:
    """NumPy is the optional extra: only compile(..., vectorize=True) imports it."""
    code = "import sys, autograd, nn; assert 'numpy' not in sys.modules, 'numpy loaded'"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_numpy_flagging_a_step_the_interpreter_takes_quietly_gives_the_interpreters_answer() -> (
    None
):
    w = Value(1e300, label="w")
    made = vectorized(lambda x: x * w * 1e10, 1.0)  # inf in floats, an overflow to NumPy
    got = run(made.batch, [w], [1.0, 2.0, -3.0], seed=1.0)
    assert made.fallbacks == 1
    assert got == run(made.scalar.batch, [w], [1.0, 2.0, -3.0], seed=1.0)
    assert got[0] == [math.inf, math.inf, -math.inf]


def test_a_custom_op_whose_function_takes_a_name_of_the_array_code_is_refused() -> None:
    def where(x: float) -> float:
        return x

    op = CustomOp("where", where, lambda x, out: (1.0,))
    with pytest.raises(ValueError, match="named 'where'"):
        compile(lambda x: op(x * 2.0), 1.0, vectorize=True)


@given(st.lists(edge_floats(), min_size=16, max_size=40))
def test_relu_is_one_maximum_that_gives_the_scalar_rules_float_for_every_input(xs) -> None:
    made = vectorized(lambda x: (x * 1.0).relu(), 0.5)  # x * 1.0: a node to take relu of
    assert "= maximum(" in made.source and "where" not in made.source
    out = made.batch(xs)
    assert made.fallbacks == 0
    expected = [0.0 if x <= 0 else x for x in (x * 1.0 for x in xs)]  # relu's own rule
    assert [struct.pack("<d", v) for v in out] == [struct.pack("<d", v) for v in expected]

"""Losses: values and gradients against their formulas in floats, stability, and bad input."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from autograd import Value, grad, gradcheck, ops, topological_order
from nn import (
    bce_loss,
    cross_entropy,
    half_mse_loss,
    hinge_loss,
    l2_penalty,
    log_softmax,
    mse_loss,
    softmax,
)
from tests.strategies import (
    any_finite,
    classified_logits,
    extreme_logits,
    labels_pm1,
    logits,
    network_weights,
    probabilities,
    reals,
    unit_interval,
)


def pairs(targets: st.SearchStrategy[float], preds: st.SearchStrategy[float] = reals):
    """Lists of (prediction, target), 1 to 6 of them."""
    return st.lists(st.tuples(preds, targets), min_size=1, max_size=6)


def leaves(xs: list[float]) -> list[Value]:
    return [Value(x) for x in xs]


def softplus(z: float) -> float:
    return max(z, 0.0) + math.log1p(math.exp(-abs(z)))


def float_sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))


# -- mean squared error ------------------------------------------------------------------------
@given(data=pairs(reals))
def test_mse_is_the_mean_squared_difference_with_gradient_2_over_m(data):
    preds, targets = leaves([p for p, _ in data]), [y for _, y in data]
    m = len(data)
    loss = mse_loss(preds, targets)
    assert loss.data == pytest.approx(
        math.fsum((p.data - y) ** 2 for p, y in zip(preds, targets, strict=True)) / m
    )
    gradients = grad(loss, preds)
    assert gradients == pytest.approx(
        [2 * (p.data - y) / m for p, y in zip(preds, targets, strict=True)]
    )


@given(data=pairs(reals))
def test_half_mse_is_half_the_mse_with_gradient_1_over_m(data):
    preds, targets = leaves([p for p, _ in data]), [y for _, y in data]
    m = len(data)
    full, half = mse_loss(preds, targets), half_mse_loss(preds, targets)
    assert half.data == pytest.approx(full.data / 2)
    assert grad(half, preds) == pytest.approx(
        [(p.data - y) / m for p, y in zip(preds, targets, strict=True)]
    )


@given(data=pairs(reals))
def test_mse_gradients_pass_gradcheck(data):
    targets = [y for _, y in data]
    assert gradcheck(lambda *ps: mse_loss(list(ps), targets), [p for p, _ in data])


def test_mse_of_one_example_is_the_squared_error():
    a2 = Value(0.8)
    assert mse_loss(a2, 1.0).data == pytest.approx((0.8 - 1.0) ** 2)
    assert mse_loss([a2], [1.0]).data == mse_loss(a2, 1.0).data


def test_several_outputs_are_averaged_over_every_number():
    preds = [[Value(1.0), Value(2.0)], [Value(0.0), Value(-1.0)]]
    targets = [[0.0, 0.0], [0.0, 1.0]]
    assert mse_loss(preds, targets).data == pytest.approx((1 + 4 + 0 + 4) / 4)


@pytest.mark.parametrize(
    ("loss", "targets"),
    [
        (mse_loss, reals),
        (half_mse_loss, reals),
        (hinge_loss, labels_pm1),
        (bce_loss, unit_interval),
    ],
)
@given(data=st.data())
def test_flat_lists_and_nested_ones_give_the_same_loss_and_gradients(loss, targets, data):
    # flat lists of Values and floats take a shortcut past the walk of nested lists
    rows = data.draw(pairs(targets, probabilities if loss is bce_loss else reals))
    flat = leaves([p for p, _ in rows])
    nested = leaves([p for p, _ in rows])
    ys = [y for _, y in rows]
    a = loss(flat, ys)
    b = loss([[p] for p in nested], [[y] for y in ys])
    assert repr(a.data) == repr(b.data)
    a.backward()
    b.backward()
    assert [repr(p.grad) for p in flat] == [repr(p.grad) for p in nested]
    assert a.label == b.label == "Loss"


@given(data=pairs(reals))
def test_the_mean_does_not_change_when_the_data_is_repeated(data):
    preds, targets = leaves([p for p, _ in data]), [y for _, y in data]
    once = mse_loss(preds, targets).data
    assert mse_loss(preds * 3, targets * 3).data == pytest.approx(once)


def test_the_loss_of_one_example_is_the_derivations_squared_difference():
    a2 = Value(0.8, label="A2")
    loss = mse_loss(a2, 1.0)
    assert loss.operation is ops.POW_CONST and loss.constants == (2.0,)  # (...) ** 2
    (difference,) = loss.inputs
    assert difference.operation is ops.SUB_CONST and difference.constants == (1.0,)  # A2 - y
    assert difference.inputs == (a2,)
    assert topological_order(loss) == [a2, difference, loss]  # no node for a mean of one


def test_the_loss_of_m_examples_is_one_mean_node_over_their_squares():
    preds = leaves([0.1, 0.2, 0.3, 0.4])
    loss = mse_loss(preds, [0, 0, 1, 1])
    assert loss.operation is ops.MEAN and len(loss.inputs) == 4
    assert all(square.operation is ops.POW_CONST for square in loss.inputs)
    assert [square.inputs[0].inputs for square in loss.inputs] == [(p,) for p in preds]
    assert len(topological_order(loss)) == 4 + 4 + 4 + 1  # leaves, differences, squares, mean


def test_half_mse_is_the_mean_halved():
    preds = leaves([0.1, 0.2])
    loss = half_mse_loss(preds, [0, 1])
    assert loss.operation is ops.DIV_CONST and loss.constants == (2.0,)
    assert loss.inputs[0].operation is ops.MEAN
    one = half_mse_loss(preds[0], 0.0)
    assert one.operation is ops.DIV_CONST and one.inputs[0].operation is ops.POW_CONST


@given(data=st.lists(st.tuples(reals, reals), min_size=1, max_size=6))
def test_mse_takes_value_targets_and_their_gradients_flow(data):
    preds, targets = leaves([p for p, _ in data]), leaves([y for _, y in data])
    m = len(data)
    loss = mse_loss(preds, targets)
    assert loss.data == pytest.approx(math.fsum((p - y) ** 2 for p, y in data) / m)
    gradients = grad(loss, [*preds, *targets])
    expected = [2 * (p - y) / m for p, y in data]
    assert gradients == pytest.approx([*expected, *(-g for g in expected)])
    assert grad(half_mse_loss(preds, targets), targets) == pytest.approx([-g / 2 for g in expected])


def test_value_and_number_targets_can_mix():
    p, y = Value(0.5), Value(0.25)
    loss = mse_loss([p, p], [y, 1.0])
    assert loss.data == pytest.approx(((0.5 - 0.25) ** 2 + (0.5 - 1.0) ** 2) / 2)
    assert grad(loss, [y]) == pytest.approx([-(0.5 - 0.25)])


def test_plain_number_predictions_give_a_constant_loss():
    assert mse_loss([0.5, 1.5], [0, 1]).data == pytest.approx(0.25)


# -- binary cross-entropy ----------------------------------------------------------------------
@given(data=pairs(unit_interval, probabilities))
def test_bce_of_probabilities_is_the_cross_entropy(data):
    preds, targets = leaves([p for p, _ in data]), [y for _, y in data]
    expected = -math.fsum(y * math.log(p) + (1 - y) * math.log(1 - p) for p, y in data) / len(data)
    loss = bce_loss(preds, targets)
    assert loss.data == pytest.approx(expected, rel=1e-12, abs=1e-12)
    gradient = grad(loss, preds)
    expected_gradient = [(p - y) / (p * (1 - p)) / len(data) for p, y in data]
    assert gradient == pytest.approx(expected_gradient, rel=1e-9, abs=1e-12)


@given(data=pairs(unit_interval, logits))
def test_bce_of_a_sigmoid_is_softplus_of_the_logit_with_gradient_sigmoid_minus_y(data):
    zs = leaves([z for z, _ in data])
    targets = [y for _, y in data]
    loss = bce_loss([z.sigmoid() for z in zs], targets)
    expected = math.fsum(softplus(z) - y * z for z, y in data) / len(data)
    assert loss.data == pytest.approx(expected, rel=1e-9, abs=1e-12)
    expected_gradient = [(float_sigmoid(z) - y) / len(data) for z, y in data]
    assert grad(loss, zs) == pytest.approx(expected_gradient, rel=1e-9, abs=1e-12)


@given(z=any_finite, y=st.sampled_from((0.0, 1.0)))
def test_bce_stays_finite_where_the_sigmoid_rounds_to_0_or_1(z, y):
    logit = Value(z)
    loss = bce_loss(logit.sigmoid(), y)
    assert math.isfinite(loss.data)
    assert loss.data == pytest.approx(softplus(z) - y * z, rel=1e-9, abs=1e-12)
    (gradient,) = grad(loss, [logit])
    assert gradient == pytest.approx(float_sigmoid(z) - y, abs=1e-12)


def test_bce_knows_a_sigmoid_by_its_op_not_its_name(monkeypatch):
    renamed = ops.SIGMOID._replace(name="logistic")  # the same op under another name
    monkeypatch.setattr(ops, "SIGMOID", renamed)
    z = Value(800.0)
    p = z.sigmoid()
    assert p.op == "logistic" and p.operation is ops.SIGMOID
    assert bce_loss(p, 0.0).data == pytest.approx(800.0)  # read through its logit
    impostor = ops.TANH._replace(name="sigmoid")  # another op that only looks like one
    monkeypatch.setattr(ops, "TANH", impostor)
    x = Value(0.5)
    q = x.tanh()
    assert q.op == "sigmoid"
    expected = -math.log(1 - math.tanh(0.5))
    assert bce_loss(q, 0.0).data == pytest.approx(expected, rel=1e-12)  # taken as p itself


def test_bce_of_a_saturated_sigmoid_gives_the_exact_large_loss():
    z = Value(800.0)
    assert bce_loss(z.sigmoid(), 0.0).data == pytest.approx(800.0)
    assert bce_loss(Value(-800.0).sigmoid(), 0.0).data == 0.0


@given(data=pairs(unit_interval, probabilities))
def test_bce_gradients_pass_gradcheck(data):
    targets = [y for _, y in data]
    assert gradcheck(lambda *ps: bce_loss(list(ps), targets), [p for p, _ in data])


@pytest.mark.parametrize(
    ("pred", "target", "message"),
    [
        (1.5, 1.0, r"every prediction must lie in \[0, 1\], got 1.5 at index 0"),
        (-0.1, 0.0, r"every prediction must lie in \[0, 1\], got -0.1"),
        (0.5, 2.0, r"every target must lie in \[0, 1\], got 2.0"),
        (0.0, 1.0, r"prediction 0.0 at index 0 with target 1.0 makes the loss infinite"),
        (1.0, 0.5, r"prediction 1.0 .* makes the loss infinite"),
    ],
)
def test_bce_refuses_values_outside_0_1_and_infinite_losses(pred, target, message):
    with pytest.raises(ValueError, match=message):
        bce_loss([Value(pred)], [target])


def test_bce_of_exact_0_or_1_is_fine_when_the_target_agrees():
    assert bce_loss([Value(1.0), Value(0.0)], [1.0, 0.0]).data == 0.0


# -- hinge -------------------------------------------------------------------------------------
@given(data=pairs(labels_pm1, reals))
def test_hinge_is_the_mean_of_max_0_1_minus_ys(data):
    assume(all(abs(1 - y * s) > 1e-6 for s, y in data))  # away from the kink
    scores, targets = leaves([s for s, _ in data]), [y for _, y in data]
    m = len(data)
    loss = hinge_loss(scores, targets)
    assert loss.data == pytest.approx(math.fsum(max(0.0, 1 - y * s) for s, y in data) / m)
    expected_gradient = [(-y / m if 1 - y * s > 0 else 0.0) for s, y in data]
    assert grad(loss, scores) == pytest.approx(expected_gradient)


@pytest.mark.parametrize("label", [0.0, 0.5, 2.0])
def test_hinge_wants_labels_minus_one_or_one(label):
    with pytest.raises(ValueError, match=rf"targets must be -1 or \+1, got {label}"):
        hinge_loss([Value(0.3)], [label])


# -- L2 penalty --------------------------------------------------------------------------------
@given(params=st.lists(network_weights, min_size=1, max_size=8), strength=unit_interval)
def test_l2_penalty_is_strength_times_the_sum_of_squares(params, strength):
    values = leaves(params)
    penalty = l2_penalty(values, strength)
    assert penalty.data == pytest.approx(strength * math.fsum(p * p for p in params), abs=1e-12)
    assert grad(penalty, values) == pytest.approx([2 * strength * p for p in params], abs=1e-12)


def test_l2_penalty_is_one_sum_of_squares_and_a_scale():
    params = leaves([1.0, 2.0, 3.0])
    penalty = l2_penalty(params, 0.5)
    assert penalty.operation is ops.MUL_CONST and penalty.constants == (0.5,)
    (squares,) = penalty.inputs
    assert squares.operation is ops.SUM_SQUARES
    assert squares.inputs == tuple(params)
    assert squares.local_grads == (2.0, 4.0, 6.0)
    assert penalty.data == 0.5 * (1.0 + 4.0 + 9.0)


def test_l2_penalty_refuses_no_parameters_and_a_negative_strength():
    with pytest.raises(ValueError, match="no parameters"):
        l2_penalty([], 1.0)
    with pytest.raises(
        ValueError, match=r"l2_penalty: strength must lie in \[0.0, inf\), got -0.1"
    ):
        l2_penalty([Value(1.0)], -0.1)


@pytest.mark.parametrize(
    ("params", "strength", "message"),
    [
        ([Value(1.0)], "a", "l2_penalty: strength must be a number, got str 'a'"),
        ([Value(1.0)], None, "l2_penalty: strength must be a number, got NoneType"),
        ([Value(1.0), 2.0], 0.1, r"l2_penalty: params\[1\] is float, not a Value"),
    ],
)
def test_l2_penalty_names_a_bad_argument(params, strength, message):
    with pytest.raises(TypeError, match=message):
        l2_penalty(params, strength)


def test_cross_entropy_takes_a_numpy_array_of_class_indices():
    np = pytest.importorskip("numpy")
    logits = [[1.0, 2.0, -1.0], [0.5, 0.0, 3.0]]
    assert cross_entropy(logits, np.array([1, 2])).data == cross_entropy(logits, [1, 2]).data
    with pytest.raises(ValueError, match="target 7 at index 1 is not a class of its 3 logits"):
        cross_entropy(logits, np.array([1, 7]))
    with pytest.raises(TypeError, match=r"got float64 .* at index 0 \(floats: give class indices"):
        cross_entropy(logits, np.array([1.0, 2.0]))


# -- bad shapes and types, for every loss ------------------------------------------------------
LOSSES = [mse_loss, half_mse_loss, bce_loss, hinge_loss]


@pytest.mark.parametrize("loss", LOSSES, ids=lambda f: f.__name__)
def test_a_count_mismatch_names_both_counts(loss):
    with pytest.raises(ValueError, match=rf"{loss.__name__}: 2 predictions but 3 targets"):
        loss([Value(0.5), Value(0.5)], [1.0, 1.0, 1.0])


@pytest.mark.parametrize("loss", LOSSES, ids=lambda f: f.__name__)
def test_no_predictions_is_an_error(loss):
    with pytest.raises(ValueError, match="no predictions"):
        loss([], [])


@pytest.mark.parametrize("loss", LOSSES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("target", ["1", None, True], ids=repr)
def test_targets_must_be_numbers(loss, target):
    with pytest.raises(TypeError, match=rf"{loss.__name__}: targets must be (plain )?numbers"):
        loss([Value(0.5)], [target])


@pytest.mark.parametrize("loss", [bce_loss, hinge_loss], ids=lambda f: f.__name__)
def test_label_losses_refuse_value_targets(loss):
    with pytest.raises(TypeError, match=rf"{loss.__name__}: targets must be plain numbers"):
        loss([Value(0.5)], [Value(1.0)])


@pytest.mark.parametrize("pred", ["0.5", None, object()], ids=repr)
def test_predictions_must_be_numbers_or_values(pred):
    with pytest.raises(TypeError, match="predictions must be numbers or Values"):
        mse_loss([pred], [1.0])


# -- multi-class: softmax, log_softmax and cross-entropy ----------------------------------------
def softmax_in_floats(zs: list[float]) -> list[float]:
    top = max(zs)
    exps = [math.exp(z - top) for z in zs]
    return [e / math.fsum(exps) for e in exps]


@given(batch=classified_logits())
def test_the_gradient_of_cross_entropy_is_softmax_minus_one_hot(batch):
    rows, classes = batch
    logits_ = [leaves(row) for row in rows]
    m = len(rows)
    loss = cross_entropy(logits_, classes)
    expected = -math.fsum(
        math.log(softmax_in_floats(row)[c]) for row, c in zip(rows, classes, strict=True)
    )
    assert loss.data == pytest.approx(expected / m, rel=1e-12, abs=1e-12)
    gradients = grad(loss, [z for row in logits_ for z in row])
    one_hot_gap = [
        (p - (k == c)) / m
        for row, c in zip(rows, classes, strict=True)
        for k, p in enumerate(softmax_in_floats(row))
    ]
    assert gradients == pytest.approx(one_hot_gap, rel=1e-9, abs=1e-12)


@given(batch=classified_logits(extreme_logits))
def test_cross_entropy_stays_finite_and_right_for_extreme_logits(batch):
    rows, classes = batch
    logits_ = [leaves(row) for row in rows]
    loss = cross_entropy(logits_, classes)
    assert math.isfinite(loss.data) and loss.data >= 0.0
    gradients = grad(loss, [z for row in logits_ for z in row])
    assert all(math.isfinite(g) and abs(g) <= 1.0 for g in gradients)
    for row, c, term in zip(rows, classes, loss.inputs if len(rows) > 1 else [loss], strict=True):
        gaps = [z - row[c] for z in row]  # -log softmax_c = log Σ e^(z - z_c), in floats
        top = max(gaps)
        expected = top + math.log(math.fsum(math.exp(g - top) for g in gaps))
        assert term.data == pytest.approx(expected, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize(
    ("row", "target", "loss", "gradient"),
    [
        ([1e300, -1e300], 0, 0.0, [0.0, 0.0]),  # certain and right
        ([1e300, -1e300], 1, 2e300, [1.0, -1.0]),  # certain and wrong: huge, still finite
        ([-1e300, -1e300, -1e300], 2, math.log(3), [1 / 3, 1 / 3, -2 / 3]),
        ([800.0, 0.0], 1, 800.0, [1.0, -1.0]),  # e^800 overflows a float; this does not
    ],
)
def test_cross_entropy_at_the_extremes(row, target, loss, gradient):
    zs = leaves(row)
    value = cross_entropy(zs, target)
    assert value.data == pytest.approx(loss, rel=1e-15, abs=1e-300)
    assert grad(value, zs) == pytest.approx(gradient, rel=1e-12, abs=1e-300)


def test_cross_entropy_of_one_example_is_the_log_sum_exp_of_the_gaps_to_the_right_logit():
    zs = leaves([0.5, -1.0, 2.0])
    loss = cross_entropy(zs, 2)
    assert loss.operation is ops.LOGSUMEXP  # log Σ_j e^(z_j - z_2)
    assert [(gap.operation, gap.inputs) for gap in loss.inputs] == [
        (ops.SUB, (z, zs[2])) for z in zs
    ]
    assert len(topological_order(loss)) == 3 + 3 + 1  # the logits, the gaps, logsumexp


def test_a_batch_is_one_mean_over_its_examples():
    rows = [leaves([0.1, 0.2]), leaves([0.3, -0.4]), leaves([1.0, 0.0])]
    loss = cross_entropy(rows, [0, 1, 1])
    assert loss.operation is ops.MEAN and len(loss.inputs) == 3
    assert all(term.operation is ops.LOGSUMEXP for term in loss.inputs)
    assert len(topological_order(loss)) == 6 + 3 * (2 + 1) + 1


@given(batch=classified_logits())
def test_cross_entropy_passes_gradcheck(batch):
    rows, classes = batch
    k = len(rows[0])

    def loss(*zs: Value) -> Value:
        return cross_entropy([list(zs[i : i + k]) for i in range(0, len(zs), k)], classes)

    assert gradcheck(loss, [z for row in rows for z in row])


@given(row=st.lists(extreme_logits, min_size=1, max_size=6))
def test_softmax_is_a_distribution_and_log_softmax_its_log(row):
    probabilities = softmax(leaves(row))
    assert all(0.0 <= p.data <= 1.0 for p in probabilities)
    assert math.fsum(p.data for p in probabilities) == pytest.approx(1.0, abs=1e-12)
    assert [p.data for p in probabilities] == pytest.approx(
        softmax_in_floats(row), rel=1e-12, abs=1e-300
    )
    logs = log_softmax(leaves(row))
    assert all(math.isfinite(v.data) and v.data <= 0.0 for v in logs)
    top = max(row)
    lse = math.log(math.fsum(math.exp(z - top) for z in row))  # of the shifted logits
    assert [v.data for v in logs] == pytest.approx([(z - top) - lse for z in row], rel=1e-12)


@given(row=st.lists(logits, min_size=1, max_size=6), k=st.integers(0, 5), data=st.data())
def test_the_gradient_of_a_softmax_output_is_p_k_times_delta_minus_p(row, k, data):
    assume(k < len(row))
    zs = leaves(row)
    p = softmax_in_floats(row)
    gradients = grad(softmax(zs)[k], zs)
    expected = [p[k] * ((j == k) - p[j]) for j in range(len(row))]
    assert gradients == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_cross_entropy_takes_numbers_as_logits_and_numpy_indices():
    np = pytest.importorskip("numpy")
    value = cross_entropy([[0.0, 0.0]], [np.int64(1)])
    assert value.data == pytest.approx(math.log(2))


@pytest.mark.parametrize(
    ("logits_", "targets", "error", "message"),
    [
        (
            [0.1, 0.2],
            2,
            ValueError,
            r"target 2 at index 0 is not a class of its 2 logits \(0 to 1\)",
        ),
        ([0.1, 0.2], -1, ValueError, "target -1 at index 0 is not a class"),
        ([0.1, 0.2], True, TypeError, "targets must be class indices"),
        ([0.1, 0.2], 1.0, TypeError, "targets must be class indices .ints., got float 1.0"),
        ([[0.1], [0.2]], [0], ValueError, "2 examples of logits but 1 targets"),
        ([[0.1, 0.2], [0.3, 0.4]], 0, TypeError, "a batch of examples takes a list of class"),
        ([], [], ValueError, "no predictions given"),
        ([[]], [0], ValueError, "an example needs at least one logit"),
        ([Value(1.0)], [0], TypeError, "an example's logits must be a list"),
        (["a", "b"], 0, TypeError, "logits must be numbers or Values, got str 'a'"),
    ],
)
def test_cross_entropy_refuses_bad_input_saying_why(logits_, targets, error, message):
    with pytest.raises(error, match=message):
        cross_entropy(logits_, targets)


def test_softmax_of_nothing_is_an_error():
    with pytest.raises(ValueError, match="log_softmax: an example needs at least one logit"):
        softmax([])

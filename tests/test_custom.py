"""Custom ops: defined like the library's, and treated like them by every reader of a graph.

A few ops of a user's (softplus, a two-input hypot, an n-ary log-sum-exp, one with a
constant) against mathematics and finite differences, first and second order; inside
random DAGs, where backward, grad(create_graph=True), forward mode, the trace and the
picture all see them; domain errors that read like the built-in ones; and the checks a
user's rule gets that the library's own do not need.
"""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import (
    CustomOp,
    GradcheckError,
    TracingError,
    Value,
    anomaly,
    compile,
    detect_anomaly,
    directional_derivative,
    explain_backward,
    explain_forward,
    grad,
    gradcheck,
    gradgradcheck,
    no_grad,
    ops,
    topological_order,
)
from autograd.gradients import data_choices
from autograd.ops import Op, exp, heaviside, sigmoid, tanh
from autograd.player import page
from autograd.viz import draw_dot
from tests.strategies import (
    any_finite,
    away_from_zero,
    expression_dags,
    real,
    reals,
    squash_arguments,
    tangent_vectors,
)
from tests.test_viz import dot_program  # noqa: F401 (a fixture: the page needs Graphviz)

softplus = CustomOp(
    "softplus",
    lambda x: max(x, 0.0) + math.log1p(math.exp(-abs(x))),  # log(1 + e^x), never overflows
    lambda x, out: (sigmoid(x),),
)
hypot = CustomOp("hypot", math.hypot, lambda x, y, out: (x / out, y / out))


def _logsumexp(*xs: float) -> float:
    top = max(xs)
    return top + math.log(math.fsum(math.exp(x - top) for x in xs))


# n-ary, with the default layout: the rule gets the inputs flat, then out.
log_sum_exp = CustomOp(
    "log_sum_exp", _logsumexp, lambda *xs_out: tuple(exp(x - xs_out[-1]) for x in xs_out[:-1])
)
# A constant the rules take after the input: c tanh(x).
scaled_tanh = CustomOp(
    "scaled_tanh",
    lambda x, c: c * math.tanh(x),
    lambda x, c, out: (c * (1.0 - tanh(x) * tanh(x)),),
)


def _reference_softplus(x: float) -> float:
    return math.log1p(math.exp(x)) if x < 30 else x + math.log1p(math.exp(-x))


# -- a custom op against mathematics ------------------------------------------------------------


@given(x=any_finite)
def test_softplus_is_log_one_plus_e_to_the_x_with_slope_sigmoid(x: float) -> None:
    leaf = Value(x)
    out = softplus(leaf)
    (first,) = grad(out, [leaf], create_graph=True)
    assert out.data == pytest.approx(_reference_softplus(x), rel=1e-12, abs=1e-300)
    assert first.data == pytest.approx(
        1.0 / (1.0 + math.exp(-x)) if x > -700 else 0.0, rel=1e-12, abs=1e-300
    )
    assert math.isfinite(grad(first, [leaf])[0])


CASES = [
    ("softplus", lambda xs: softplus(*xs), st.lists(squash_arguments, min_size=1, max_size=1)),
    ("hypot", lambda xs: hypot(*xs), st.lists(away_from_zero(0.5, 10.0), min_size=2, max_size=2)),
    ("log_sum_exp", lambda xs: log_sum_exp(*xs), st.lists(real(-5.0, 5.0), min_size=1, max_size=5)),
    (
        "scaled_tanh",
        lambda xs: scaled_tanh(xs[0], constants=[2.5]),
        st.lists(real(-3.0, 3.0), min_size=1, max_size=1),
    ),
]
each_case = pytest.mark.parametrize(("name", "build", "points"), CASES, ids=[c[0] for c in CASES])


@each_case
@given(data=st.data())
def test_first_and_second_derivatives_match_finite_differences(name, build, points, data) -> None:
    point = data.draw(points)

    def f(*xs: Value) -> Value:
        return build(list(xs))

    assert gradcheck(f, point)
    assert gradgradcheck(f, point)


@each_case
@given(data=st.data())
def test_forward_mode_agrees_with_reverse_mode(name, build, points, data) -> None:
    point = data.draw(points)
    t = data.draw(tangent_vectors(len(point)))
    leaves = [Value(p) for p in point]
    out = build(leaves)
    expected = math.fsum(g * c for g, c in zip(grad(out, leaves), t, strict=True))
    forward = directional_derivative(out, dict(zip(leaves, t, strict=True)))
    assert forward == pytest.approx(expected, rel=1e-12, abs=1e-12)


@given(x=real(-3.0, 3.0), c=reals)
def test_a_node_of_a_custom_op_holds_everything_to_evaluate_it_again(x: float, c: float) -> None:
    """What every reader (and the compiler) needs: from the node alone, the op's entry
    gives back exactly the node's value and its local derivatives."""
    out = scaled_tanh(Value(x), constants=[c])
    assert out.operation is scaled_tanh and isinstance(out.operation, Op)
    assert out.op == "scaled_tanh"
    assert out.constants == (c,)
    args = out.operation.arguments(tuple(v.data for v in out.inputs), out.constants)
    assert out.operation.forward(*args) == out.data
    assert out.operation.local(*args, out.data) == out.local_grads
    assert all(type(p) is float for p in out.local_grads)


def test_an_arguments_layout_lays_the_operands_out_as_the_rules_take_them() -> None:
    """A weighted sum with constant weights, its rules taking (inputs, weights) as two tuples."""
    weighted = CustomOp(
        "weighted",
        lambda xs, ws: math.fsum(x * w for x, w in zip(xs, ws, strict=True)),
        lambda xs, ws, out: ws,
        arguments=lambda inputs, constants: (inputs, constants),
    )
    a, b = Value(2.0), Value(-1.0)
    out = weighted(a, b, constants=[3.0, 0.5]) ** 2
    assert out.data == 5.5**2
    assert grad(out, [a, b]) == [2 * 5.5 * 3.0, 2 * 5.5 * 0.5]
    first = grad(out, [a, b], create_graph=True)[0]
    assert grad(first, [a, b]) == [2 * 3.0 * 3.0, 2 * 3.0 * 0.5]


def test_numbers_given_as_operands_become_leaves() -> None:
    x = Value(4.0, "x")
    out = hypot(3, x)
    assert out.data == 5.0
    assert [v.data for v in out.inputs] == [3.0, 4.0]
    assert out.inputs[1] is x and not out.inputs[0].inputs
    assert grad(out, [x]) == [0.8]


# -- inside graphs: every reader treats a custom op as a built-in one ----------------------------


@given(case=expression_dags(max_steps=5), data=st.data())
def test_custom_ops_inside_random_dags(case, data) -> None:
    dag, point = case

    def f(*xs: Value) -> Value:
        inner = dag(*xs)
        return softplus(inner) * hypot(inner, xs[0] + 2.0) + log_sum_exp(*xs, inner)

    assert gradcheck(f, point)
    assert gradgradcheck(f, point)
    leaves = [Value(p, label=f"x{i}") for i, p in enumerate(point)]
    out = f(*leaves)
    t = data.draw(tangent_vectors(len(point)))
    expected = math.fsum(g * c for g, c in zip(grad(out, leaves), t, strict=True))
    seeds = dict(zip(leaves, t, strict=True))
    assert directional_derivative(out, seeds) == pytest.approx(expected, rel=1e-9, abs=1e-12)
    assert explain_forward(out, seeds).tangent == directional_derivative(out, seeds)
    steps = explain_backward(out)
    for leaf, g in zip(leaves, grad(out, leaves), strict=True):
        summed = sum(step.contribution for step in steps if step.input is leaf)
        assert summed == pytest.approx(g, rel=1e-12, abs=1e-15)


def test_the_picture_and_the_trace_show_a_custom_op_like_a_built_in_one() -> None:
    x = Value(0.5, label="x")
    y = softplus(x)
    y.label = "y"
    y.backward()
    assert str(explain_backward(y)).splitlines()[1] == (
        f"Step 1: x.grad += dy/dx ({sigmoid(0.5):.4g}) * y.grad (1) = {sigmoid(0.5):.4g}, "
        f"so x.grad = {sigmoid(0.5):.4g}"
    )
    source = draw_dot(y).source  # the op's box: its name, and its local derivative by its edge
    assert re.search(r'<td id="n1_opname"[^>]*>softplus</td>', source)
    assert re.search(rf'<td id="n1_local0"[^>]*><font [^>]*>{sigmoid(0.5):.4g}</font>', source)
    assert "n0 -> n1_op:in0" in source
    unlabelled = softplus(x) * 2
    assert "softplus1" in str(explain_backward(unlabelled))  # named from its op, as built-ins


def test_a_custom_op_under_no_grad_records_nothing() -> None:
    with no_grad():
        out = softplus(Value(1.0))
    assert out.inputs == () and out.operation is None
    with pytest.raises(RuntimeError, match="no graph"):
        out.backward()


def test_anomaly_mode_catches_a_custom_ops_non_finite_result_naming_it_and_the_line() -> None:
    double = CustomOp("double", lambda x: 2 * x, lambda x, out: (2.0,))
    x = Value(1e308, label="x")
    assert double(x).data == math.inf  # off: IEEE arithmetic, silently
    make = lambda: double(x)  # noqa: E731 (one line: its line is the op's)
    with detect_anomaly(), pytest.raises(FloatingPointError) as raised:
        make()
    assert str(raised.value).startswith("double(x=1e+308) = inf, not a finite number")
    assert f"{__file__}:{make.__code__.co_firstlineno}" in str(raised.value)


def test_anomaly_mode_names_a_custom_node_whose_gradient_is_not_finite() -> None:
    root = CustomOp("root", math.sqrt, lambda x, out: (0.5 / out if out else math.inf,))
    with detect_anomaly():
        r = Value(0.0, label="r")
        s = root(r)
        s.label = "s"
        assert anomaly.origin(s) is not None
        with pytest.raises(FloatingPointError, match=r"input 0 of the root node 's' .* is inf"):
            s.backward()


@pytest.mark.usefixtures("dot_program")
def test_the_step_through_page_plays_a_custom_op_forward_and_backward() -> None:
    x = Value(0.5, label="x")
    y = softplus(x * 2.0)
    y.label = "y"
    html = page(y, forward=True)
    assert "softplus(" in html  # the forward frame writes the computation
    assert f"dy/dmul1 ({sigmoid(1.0):.4g})" in html  # the backward step, as the trace prints it


# -- errors read like the built-in ones -----------------------------------------------------------


def test_a_domain_error_reads_exactly_like_the_built_in_ops() -> None:
    my_log = CustomOp("log", math.log, lambda x, out: (1.0 / x,), domain=ops.LOG.domain)
    my_div = CustomOp(
        "/", lambda x, y: x / y, lambda x, y, out: (1.0 / y, -out / y), domain=ops.DIV.domain
    )
    for custom, built_in in [
        (lambda: my_log(Value(-1.5, "a")), lambda: Value(-1.5, "a").log()),
        (
            lambda: my_div(Value(1.0, "n"), Value(0.0, "d")),
            lambda: Value(1.0, "n") / Value(0.0, "d"),
        ),
    ]:
        with pytest.raises((ValueError, ZeroDivisionError)) as mine:
            custom()
        with pytest.raises((ValueError, ZeroDivisionError)) as theirs:
            built_in()
        assert (type(mine.value), str(mine.value)) == (type(theirs.value), str(theirs.value))


def test_an_overflow_says_it_overflows_naming_the_op_and_value() -> None:
    naive = CustomOp("naive_softplus", lambda x: math.log1p(math.exp(x)), lambda x, out: (1.0,))
    with pytest.raises(OverflowError, match=r"^naive_softplus\(big=800\.0\): the result overflows"):
        naive(Value(800.0, "big"))


def test_without_a_domain_message_python_says_why() -> None:
    root = CustomOp("root", math.sqrt, lambda x, out: (0.5 / out,))
    with pytest.raises(ValueError, match=r"^root\(s=-1\.0\): math domain error$"):
        root(Value(-1.0, "s"))


def test_a_rule_that_uses_math_on_values_is_caught_by_gradgradcheck() -> None:
    """math.exp turns a Value into a float: the first derivative is right, the second lost."""
    wrong = CustomOp("wrong", math.exp, lambda x, out: (math.exp(x),))
    right = CustomOp("right", math.exp, lambda x, out: (exp(x),))
    assert gradcheck(lambda x: wrong(x), [0.5])
    assert gradgradcheck(lambda x: right(x), [0.5])
    with pytest.raises(GradcheckError):
        gradgradcheck(lambda x: wrong(x), [0.5])


# -- checks of a user's definition and its use --------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (("", math.exp, lambda x, out: (out,)), "name must be a non-empty str"),
        ((None, math.exp, lambda x, out: (out,)), "name must be a non-empty str"),
        (("e", 2.0, lambda x, out: (out,)), "'e': forward must be callable"),
        (("e", math.exp, None), "'e': local must be callable"),
        (("e", math.exp, lambda x, out: (out,), 3), "'e': domain must be a str"),
    ],
)
def test_a_definition_is_checked(fields: tuple, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        CustomOp(*fields)


def test_what_the_rules_return_is_checked_naming_the_op_and_operands() -> None:
    x = Value(2.0, "x")
    root = CustomOp("root", lambda x: x**0.5, lambda x, out: (0.5 / out,))  # complex for x < 0
    with pytest.raises(TypeError, match=r"root\(r=-2\.0\): its forward returned complex \("):
        root(Value(-2.0, "r"))
    two = CustomOp("two", lambda x: x, lambda x, out: (1.0, 2.0))
    with pytest.raises(TypeError, match=r"two\(x=2\.0\): .*tuple of 1 partial.*got \(1\.0, 2\.0\)"):
        two(x)
    text = CustomOp("text", lambda x: x, lambda x, out: ("1",))
    with pytest.raises(TypeError, match=r"text\(x=2\.0\): partial 0 of its local rule is str"):
        text(x)


def test_operands_and_constants_must_be_numbers() -> None:
    with pytest.raises(TypeError, match=r"softplus: needs at least one operand"):
        softplus()
    with pytest.raises(TypeError, match=r"hypot operand\[1\] expects a real number.*str"):
        hypot(Value(1.0), "2")
    with pytest.raises(TypeError, match=r"scaled_tanh constants\[0\] expects a real number"):
        scaled_tanh(Value(1.0), constants=["2"])


# -- a rule that fails, and a rule that branches -----------------------------------------------
def _failing_rule(x: float, out: float) -> tuple[float]:
    return (1.0 / (x - x),)  # ZeroDivisionError, the forward's own kind of error


def test_a_rule_that_raises_is_reported_as_the_rules_failure_not_the_domain() -> None:
    op = CustomOp("twice", lambda x: 2.0 * x, _failing_rule, domain="every x")
    with pytest.raises(ZeroDivisionError) as raised:
        op(Value(1.5, "a"))
    message = str(raised.value)
    assert "twice(a=1.5): its local rule raised ZeroDivisionError" in message
    assert "every x" not in message  # the forward was fine: its domain is not the cause


def test_a_rule_that_raises_on_values_names_the_op_and_operands() -> None:
    """On Values (create_graph) a rule's error comes wrapped the same way, not raw."""
    op = CustomOp("wrong", math.exp, lambda x, out: (round(out, 12),))  # round(): floats only
    x = Value(0.5, "x")
    y = op(x)
    with pytest.raises(TypeError, match=r"wrong\(x=0\.5\): its local rule raised on Values"):
        grad(y, [x], create_graph=True)
    with pytest.raises(TypeError, match=r"wrong\(x=0\.5\): its local rule raised on Values"):
        directional_derivative(y, {x: 1.0}, create_graph=True)


def test_a_rule_that_branches_on_a_value_is_recorded_and_compile_refuses_it() -> None:
    kink = CustomOp("kink", lambda x: max(x, 0.0), lambda x, out: (1.0 if x > 0 else 0.0,))
    x = Value(1.0)
    (first,) = grad(kink(x) * x, [x], create_graph=True)
    assert any(data_choices.get(v) == "kink" for v in topological_order(first))
    with pytest.raises(TracingError, match="'kink'"):
        compile(first)


def test_a_rule_written_with_heaviside_replays_on_new_data() -> None:
    """ops.heaviside is the branch as a node: the gradient graph computes it from the data."""
    kink = CustomOp("kink", lambda x: max(x, 0.0), lambda x, out: (heaviside(x),))
    x = Value(1.0)
    (first,) = grad(kink(x) * x, [x], create_graph=True)
    assert not any(v in data_choices for v in topological_order(first))
    replay = compile(first)
    for point in (-2.0, 0.0, 3.0):
        x.data = point
        fresh = Value(point)
        assert replay() == grad(kink(fresh) * fresh, [fresh], create_graph=True)[0].data

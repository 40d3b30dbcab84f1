"""autograd.testing: check_grads catches wrong derivatives naming the input, the strategies
stay inside their stated domains, and hypothesis stays optional."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import GradcheckError, Value, topological_order
from autograd.testing import (
    DAG_OPS,
    any_finite,
    away_from_zero,
    check_grads,
    denominators,
    dot_arguments,
    exp_arguments,
    exponents,
    expression_dags,
    integer_exponents,
    kinked_arguments,
    log_arguments,
    negative_bases,
    nonzero_reals,
    plain_numbers,
    positive_bases,
    real,
    reals,
    sqrt_arguments,
    squash_arguments,
    trig_arguments,
)

ROOT = Path(__file__).resolve().parent.parent


def square_cut(x: Value) -> Value:
    """x^2 with one factor taken out of the graph: its analytic derivative is x, not 2x."""
    return x * float(x)


def exp_by_its_tangent(x: Value) -> Value:
    """e^x with the right first derivative but a flat graph of it: d2 comes out 0."""
    return Value(math.exp(x.data)) * (x - x.data + 1.0)


# -- check_grads -----------------------------------------------------------------------------------


@given(case=expression_dags(max_steps=6))
def test_check_grads_passes_right_derivatives_of_random_graphs(case) -> None:
    dag, point = case
    assert check_grads(dag, point) is None
    assert check_grads(dag, point, order=1) is None


@given(a=real(-3.0, 3.0), b=real(0.1, 5.0))
def test_check_grads_on_a_users_function(a: float, b: float) -> None:
    def f(x: Value, y: Value) -> Value:
        return (x * y).tanh() + y.log() * x**2

    check_grads(f, [a, b])


@pytest.mark.parametrize("order", [1, 2])
@given(a=nonzero_reals)
def test_a_wrong_first_derivative_fails_naming_f_and_the_parameter(order: int, a: float) -> None:
    def energy(rate: Value, x: Value) -> Value:
        return rate.sin() + square_cut(x)

    with pytest.raises(GradcheckError) as raised:
        check_grads(energy, [0.5, a], order=order)
    message = str(raised.value)
    name = "test_a_wrong_first_derivative_fails_naming_f_and_the_parameter.<locals>.energy"
    assert message.startswith(f"check_grads({name}, order={order}): gradcheck: d f/d input 1 ('x')")
    assert f"analytic {a!r}" in message


@given(a=reals)
def test_a_wrong_second_derivative_fails_at_order_2_only(a: float) -> None:
    def f(y: Value, x: Value) -> Value:
        return y**2 + exp_by_its_tangent(x)

    check_grads(f, [0.5, a], order=1)
    with pytest.raises(GradcheckError) as raised:
        check_grads(f, [0.5, a])
    message = str(raised.value)
    assert "gradgradcheck, derivative of d f/d input 1 ('x')" in message
    assert "d f/d input 1 ('x')" in message
    assert "analytic 0.0" in message


def test_a_label_names_the_input_before_the_parameter_does() -> None:
    with pytest.raises(GradcheckError, match=r"input 0 \('speed'\)"):
        check_grads(lambda v: square_cut(v), [Value(2.0, "speed")], order=1)
    with pytest.raises(GradcheckError, match=r"input 0 \('v'\)"):
        check_grads(lambda v: square_cut(v), [2.0], order=1)
    with pytest.raises(GradcheckError, match=r"d f/d input 0 at"):
        check_grads(lambda *vs: square_cut(vs[0]), [2.0], order=1)


@pytest.mark.parametrize("order", [0, 3, 1.5, "2"])
def test_check_grads_takes_order_1_or_2(order: object) -> None:
    with pytest.raises(ValueError, match=r"check_grads: order must be 1 or 2, got"):
        check_grads(lambda x: x * x, [1.0], order=order)  # type: ignore[arg-type]


def test_check_grads_passes_its_tolerances_on() -> None:
    """square_cut is off by |x|: within atol at x = 0.001 only when atol allows it."""
    with pytest.raises(GradcheckError):
        check_grads(square_cut, [0.001], order=1)
    check_grads(square_cut, [0.001], order=1, atol=2e-3)
    check_grads(square_cut, [100.0], order=1, rtol=0.6)


# -- the strategies stay in their stated domains ---------------------------------------------------
DOMAINS = [
    ("reals", reals, lambda x: -10 <= x <= 10),
    ("plain_numbers", plain_numbers, lambda x: type(x) in (int, float) and -10 <= x <= 10),
    ("nonzero_reals", nonzero_reals, lambda x: 0.5 <= abs(x) <= 10),
    ("denominators", denominators, lambda x: 0.5 <= abs(x) <= 10),
    ("exp_arguments", exp_arguments, lambda x: -30 <= x <= 30),
    ("log_arguments", log_arguments, lambda x: 0.05 <= x <= 100),
    ("sqrt_arguments", sqrt_arguments, lambda x: 0.05 <= x <= 100),
    ("squash_arguments", squash_arguments, lambda x: -30 <= x <= 30),
    ("trig_arguments", trig_arguments, lambda x: -50 <= x <= 50),
    ("kinked_arguments", kinked_arguments, lambda x: 0.01 <= abs(x) <= 100),
    ("positive_bases", positive_bases, lambda x: 0.25 <= x <= 4),
    ("exponents", exponents, lambda x: -3 <= x <= 3),
    ("negative_bases", negative_bases, lambda x: -4 <= x <= -0.25),
    ("integer_exponents", integer_exponents, lambda x: type(x) is int and -4 <= x <= 4),
    ("any_finite", any_finite, math.isfinite),
    ("real(2, 3)", real(2.0, 3.0), lambda x: 2 <= x <= 3),
    ("away_from_zero(1, 2)", away_from_zero(1.0, 2.0), lambda x: 1 <= abs(x) <= 2),
]


@pytest.mark.parametrize(("name", "strategy", "inside"), DOMAINS, ids=[d[0] for d in DOMAINS])
@given(data=st.data())
def test_each_domain_draws_only_inside_it(name, strategy, inside, data: st.DataObject) -> None:
    x = data.draw(strategy)
    assert inside(x), f"{name} drew {x!r}"


@pytest.mark.parametrize(("value_sides", "bias"), [(2, False), (2, True), (1, False), (1, True)])
@given(data=st.data())
def test_dot_arguments_have_the_sizes_dot_takes(value_sides: int, bias: bool, data) -> None:
    variables, constants = data.draw(dot_arguments(value_sides=value_sides, bias=bias))
    n = (len(variables) - bias) // value_sides
    assert n >= 1
    assert len(variables) == n * value_sides + bias
    assert len(constants) == n * (2 - value_sides)


@given(case=expression_dags())
def test_expression_dags_are_finite_and_share_their_nodes(case) -> None:
    dag, point = case
    inputs = [Value(p) for p in point]
    out = dag(*inputs)
    assert all(-1 <= p <= 1 for p in point)
    assert -1 <= out.data <= 1
    order = topological_order(out)
    assert set(inputs) <= set(order)  # the output is the mean of every node, inputs included
    users: dict[Value, int] = {}
    for node in order:
        for child in node.inputs:
            users[child] = users.get(child, 0) + 1
    assert all(users[x] >= 1 for x in inputs)
    picked = {i for _, operands in dag.steps for i in operands}
    if picked & set(range(dag.n_inputs)):
        assert any(users[x] >= 2 for x in inputs)  # picked by a step and summed: shared


@pytest.mark.parametrize("name", sorted(DAG_OPS))
@given(data=st.data())
def test_each_dag_op_maps_the_unit_box_into_itself(name: str, data: st.DataObject) -> None:
    op = DAG_OPS[name]
    arity = op.__code__.co_argcount
    operands = [Value(data.draw(real(-1.0, 1.0))) for _ in range(arity)]
    assert -1 <= op(*operands).data <= 1


# -- hypothesis stays optional ---------------------------------------------------------------------


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_importing_autograd_and_nn_does_not_import_hypothesis() -> None:
    run = _python("import sys, autograd, nn; print('hypothesis' in sys.modules)")
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "False"


def test_autograd_testing_without_hypothesis_says_what_to_install() -> None:
    blocked = "import sys; sys.modules['hypothesis'] = None  # an import of it now fails\n"
    run = _python(blocked + "import autograd, nn; print('engine fine')")
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "engine fine"
    run = _python(blocked + "import autograd.testing")
    assert run.returncode != 0
    last = run.stderr.strip().splitlines()[-1]
    assert last == (
        "ImportError: autograd.testing needs hypothesis, which is not installed: "
        "pip install 'chainrule[test]' (or pip install hypothesis)"
    )

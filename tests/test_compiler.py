"""autograd.compile: the replay is the interpreter, bitwise; the batch to 1e-12; the errors.

Every property compares the compiled code with the interpreter run on the same numbers:
the same values and leaf gradients bit for bit (repr keeps every digit and the sign of
zero), or the same error with the same message.
"""

from __future__ import annotations

import ast
import contextlib
import io
import math
import re
import struct
import sys
import threading
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
from autograd import (
    TracingError,
    Value,
    compile,
    dot,
    grad,
    logsumexp,
    no_grad,
    ops,
    topological_order,
)
from autograd.codegen import comment
from autograd.compiler import CompiledFunction, CompiledGraph
from autograd.custom import CustomOp
from autograd.trace import explain_backward
from autograd.transforms import gradient
from autograd.tree import tree_map
from tests.strategies import (
    activations,
    architectures,
    expression_dags,
    hostile_labels,
    init_seeds,
    matrices,
    network_inputs,
    node_labels,
    real,
    unit_interval,
)
from tests.test_ops import OP_CASES, OpCase

each_op = pytest.mark.parametrize("case", OP_CASES, ids=str)


def bits(xs: Any) -> list[str]:
    """Numbers as their reprs: equal lists are bitwise equal numbers."""
    return [repr(x) for x in xs]


def interpreted(build: Callable[[], Value], leaves: list[Value]) -> tuple[str, list[str]]:
    """The interpreter's value and leaf gradients (from zero), leaving .grad as it was."""
    saved = [v.grad for v in leaves]
    for v in leaves:
        v.grad = 0.0
    out = build()
    out.backward()
    result = repr(out.data), bits(v.grad for v in leaves)
    for v, g in zip(leaves, saved, strict=True):
        v.grad = g
    return result


def replayed(compiled: CompiledGraph, leaves: list[Value]) -> tuple[str, list[str]]:
    for v in leaves:
        v.grad = 0.0
    return repr(compiled()), bits(v.grad for v in leaves)


# -- compile(root): the graph replayed from the leaves' current data ---------------------------
@given(expression_dags(), st.lists(real(-1.0, 1.0), min_size=3, max_size=3))
def test_a_replay_of_a_random_dag_is_the_interpreter_bitwise(dag_and_point, new_point) -> None:
    dag, point = dag_and_point
    xs = [Value(p, label=f"x{i}") for i, p in enumerate(point)]
    compiled = compile(dag(*xs))
    assert isinstance(compiled, CompiledGraph)
    for x, p in zip(xs, new_point, strict=False):  # move the leaves: replay recomputes
        x.data = p
    assert replayed(compiled, xs) == interpreted(lambda: dag(*xs), xs)


@each_op
@given(data=st.data())
def test_a_replay_of_every_op_is_the_interpreter_bitwise(case: OpCase, data: st.DataObject) -> None:
    xs, constants = data.draw(case.arguments)
    new_xs, _ = data.draw(case.arguments.filter(lambda a: len(a[0]) == len(xs)))
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(xs)]
    compiled = compile(case.build(leaves, constants))
    for leaf, x in zip(leaves, new_xs, strict=True):
        leaf.data = x
    assert replayed(compiled, leaves) == interpreted(lambda: case.build(leaves, constants), leaves)


@given(expression_dags())
def test_replay_adds_into_grad_as_backward_does(dag_and_point) -> None:
    """Gradients accumulate (a second replay doubles them) and the gradient seed scales."""
    dag, point = dag_and_point
    xs = [Value(p) for p in point]
    out = dag(*xs)
    compiled = compile(out)
    compiled(gradient=0.5)
    compiled(gradient=0.5)
    by_replay = bits(x.grad for x in xs)
    for x in xs:
        x.grad = 0.0
    out.backward(0.5)
    out.backward(0.5)
    assert by_replay == bits(x.grad for x in xs)


@given(expression_dags())
def test_write_nodes_leaves_every_node_as_forward_and_backward_would(dag_and_point) -> None:
    dag, point = dag_and_point
    xs = [Value(p) for p in point]
    out = dag(*xs)
    nodes = topological_order(out)
    compiled = compile(out, write_nodes=True)
    for x in xs:
        x.data = x.data * 0.5
    compiled()
    after_replay = [(repr(v.data), repr(v.grad)) for v in nodes]
    fresh = dag(*(Value(x.data) for x in xs))
    fresh.backward()
    assert after_replay == [(repr(v.data), repr(v.grad)) for v in topological_order(fresh)]


def test_the_default_replay_touches_only_the_leaves() -> None:
    x = Value(2.0)
    y = x * x
    z = y.tanh()
    compile(z)()
    assert (y.grad, z.grad) == (0.0, 0.0)
    assert x.grad == pytest.approx(4.0 * (1.0 - math.tanh(4.0) ** 2))


def test_a_leaf_root_and_a_constant_free_graph() -> None:
    x = Value(3.0)
    assert compile(x)() == 3.0 and x.grad == 1.0


def test_a_graph_made_under_no_grad_has_nothing_to_compile() -> None:
    with no_grad():
        y = Value(1.0) * 2
    with pytest.raises(RuntimeError, match="no_grad"):
        compile(y)


@given(expression_dags())
def test_create_graph_derivatives_compile_too(dag_and_point) -> None:
    """A gradient built by grad(create_graph=True) is a graph: its replay is its backward."""
    dag, point = dag_and_point
    xs = [Value(p) for p in point]
    first = grad(dag(*xs), xs, create_graph=True)[0]
    if not first.inputs:  # the output does not depend on x0: a constant 0
        return
    compiled = compile(first)
    for x in xs:
        x.data = -x.data
    new_first = lambda: grad(dag(*xs), xs, create_graph=True)[0]  # noqa: E731
    assert replayed(compiled, xs) == interpreted(new_first, xs)


def test_a_hessian_vector_product_as_a_compiled_function() -> None:
    """v -> grad(f)·v, compiled: each call adds H v into the weights' .grad."""
    w = [Value(0.3, label="w0"), Value(-1.2, label="w1")]

    def f() -> Value:
        return (w[0] * w[1]).tanh() + w[0] ** 3 * w[1].exp()

    def directional(v0: Value, v1: Value) -> Value:
        g = grad(f(), w, create_graph=True)
        return g[0] * v0 + g[1] * v1

    hvp = compile(directional, 1.0, 0.0)
    for v in ([1.0, 0.0], [0.0, 1.0], [0.5, -2.0]):
        for p in w:
            p.grad = 0.0
        value = hvp(*v)
        by_replay = bits(p.grad for p in w)
        expected = directional(Value(v[0]), Value(v[1]))
        assert repr(value) == repr(expected.data)
        assert by_replay == interpreted(lambda v=v: directional(Value(v[0]), Value(v[1])), w)[1]


# -- compile(f, *example_args): arguments are data, the Values f reads receive gradients ----
@given(expression_dags(), st.lists(real(-1.0, 1.0), min_size=3, max_size=3))
def test_a_compiled_function_is_the_interpreter_bitwise(dag_and_point, new_point) -> None:
    dag, point = dag_and_point
    weight = Value(0.75, label="weight")
    n = len(point)

    def f(*args: Value) -> Value:
        return dag(*(a * weight for a in args))

    compiled = compile(f, *point)
    assert isinstance(compiled, CompiledFunction)
    weight.grad = 0.0
    value = compiled(*new_point[:n])
    assert (repr(value), bits([weight.grad])) == interpreted(
        lambda: f(*(Value(p) for p in new_point[:n])), [weight]
    )


@st.composite
def networks(draw: st.DrawFn) -> tuple[nn.MLP, list[list[float]], list[float]]:
    """A small MLP, some inputs for it and targets in [0, 1]."""
    nin, nouts = draw(architectures())
    model = nn.MLP(nin, [*nouts, 1], activation=draw(activations), seed=draw(init_seeds))
    m = draw(st.integers(1, 5))
    return model, draw(matrices(m, nin, network_inputs)), draw(matrices(1, m, unit_interval))[0]


@given(networks())
def test_a_compiled_network_and_loss_is_the_interpreter_bitwise(case) -> None:
    model, xs, ys = case
    params = model.parameters()

    def loss(x: list[Value], t: Value) -> Value:
        return (model(x) - t) ** 2 + nn.l2_penalty(params, 1e-3)

    compiled = compile(loss, xs[0], ys[0])
    for x, t in zip(xs, ys, strict=True):
        for p in params:
            p.grad = 0.0
        value = compiled(x, t)
        assert (repr(value), bits(p.grad for p in params)) == interpreted(
            lambda x=x, t=t: loss([Value(v) for v in x], Value(t)), params
        )


@given(networks())
def test_a_batch_sums_the_examples_gradients_to_1e_12(case) -> None:
    """The batch adds every example's gradient in turn: another order than one graph of
    the whole batch, so equal to 1e-12 of the gradients' magnitude, not bitwise."""
    model, xs, ys = case
    params = model.parameters()

    def loss(x: list[Value], t: Value) -> Value:
        return (model(x) - t) ** 2

    compiled = compile(loss, xs[0], ys[0])
    for p in params:
        p.grad = 0.0
    m = len(xs)
    outputs = compiled.batch(xs, ys, seed=1.0 / m)
    by_batch = [p.grad for p in params]
    magnitude = [0.0] * len(params)
    for x, t in zip(xs, ys, strict=True):  # each example's share, interpreted
        for p in params:
            p.grad = 0.0
        (loss([Value(v) for v in x], Value(t)) * (1.0 / m)).backward()
        magnitude = [s + abs(p.grad) for s, p in zip(magnitude, params, strict=True)]
    for p in params:
        p.grad = 0.0
    per_example = [loss([Value(v) for v in x], Value(t)) for x, t in zip(xs, ys, strict=True)]
    assert bits(outputs) == bits(v.data for v in per_example)  # the forward stays bitwise
    dot(per_example, [1.0 / m] * m).backward()
    for got, want, scale in zip(by_batch, (p.grad for p in params), magnitude, strict=True):
        assert abs(got - want) <= 1e-12 * scale


@given(networks())
def test_a_batch_seeded_by_a_loss_of_its_outputs(case) -> None:
    """seed=f(outputs): the model's gradient of a loss computed on its outputs."""
    model, xs, ys = case
    params = model.parameters()
    compiled = compile(model, xs[0])
    for p in params:
        p.grad = 0.0
    seen: list[list[float]] = []

    def seeds(outputs: list[float]) -> list[float]:
        seen.append(list(outputs))
        leaves = [Value(o) for o in outputs]
        return grad(nn.mse_loss(leaves, ys), leaves)

    outputs = compiled.batch(xs, seed=seeds)
    by_batch = [p.grad for p in params]
    for p in params:
        p.grad = 0.0
    preds = [model(x) for x in xs]
    nn.mse_loss(preds, ys).backward()
    assert seen == [outputs] and bits(outputs) == bits(p.data for p in preds)
    scale = max(map(abs, (p.grad for p in params)), default=0.0)
    for got, want in zip(by_batch, (p.grad for p in params), strict=True):
        assert abs(got - want) <= 1e-12 * (scale + abs(want)), (got, want)


SOFTPLUS = CustomOp(  # log(1 + e^x), its rule written with the helpers of the op table
    "softplus", lambda x: math.log1p(math.exp(x)), lambda x, out: (ops.sigmoid(x),)
)
CLAMP = CustomOp(  # a rule that branches on its operand, and takes a constant
    "clamp",
    lambda x, c: -c if x < -c else c if x > c else x,
    lambda x, c, out: (0.0 if x < -c or x > c else 1.0,),
)


@given(
    st.lists(real(-3.0, 3.0), min_size=2, max_size=2),
    st.lists(real(-3.0, 3.0), min_size=2, max_size=2),
)
def test_a_custom_op_compiles_and_replays_bitwise(point, new_point) -> None:
    xs = [Value(p, label=f"x{i}") for i, p in enumerate(point)]

    def build() -> Value:
        return SOFTPLUS(xs[0] * xs[1]) + CLAMP(xs[0] - xs[1], constants=[1.5]) * xs[1]

    compiled = compile(build())
    for x, p in zip(xs, new_point, strict=True):
        x.data = p
    assert replayed(compiled, xs) == interpreted(build, xs)


def test_a_function_of_no_arguments_reads_only_the_values_it_captures() -> None:
    w = Value(3.0)
    square = compile(lambda: w * w)
    w.data = 4.0
    assert square() == 16.0 and w.grad == 8.0
    assert square.batch() == [] and w.grad == 8.0  # no columns: no examples


def test_several_outputs_come_back_shaped_as_traced() -> None:
    w = Value(2.0, label="w")
    compiled = compile(lambda x: [w * x[0], (w + x[1], w)], [1.0, 2.0])
    assert compiled([3.0, 4.0]) == [6.0, (6.0, 2.0)]
    assert w.grad == 3.0 + 1.0 + 1.0  # every output seeded with 1
    assert compiled.batch([[1.0, 1.0], [2.0, 0.0]]) == [[2.0, (3.0, 2.0)], [4.0, (2.0, 2.0)]]


def test_arguments_may_be_ints_and_nested_sequences() -> None:
    w = Value(0.5)
    compiled = compile(lambda p: w * (p[0][0] + p[1]), [[1], 2])
    assert compiled([[3], 4]) == 3.5
    assert compiled.batch([[[3], 4], [[1.0], 1.0]]) == [3.5, 1.0]


@given(matrices(2, 3), st.lists(real(-2.0, 2.0), min_size=3, max_size=3), st.data())
def test_a_weight_matrix_and_a_vector_compile_shaped_as_traced(w, x, data) -> None:
    """Trees of numbers (autograd.tree) in and out: the result has the traced shape, and is
    bitwise what f gives on Values of the same shape."""

    def f(weights: list[list[Value]], v: list[Value]) -> Any:
        rows = [dot(row, v).tanh() for row in weights]
        return [rows, (rows[0] * rows[1], weights[1][2])]

    compiled = compile(f, w, x)
    new_w = data.draw(matrices(2, 3))
    new_x = data.draw(st.lists(real(-2.0, 2.0), min_size=3, max_size=3))
    want = tree_map(lambda v: v.data, f(tree_map(Value, new_w), tree_map(Value, new_x)))
    assert compiled(new_w, new_x) == want
    assert compiled(tuple(map(tuple, new_w)), tuple(new_x)) == want  # tuples for lists
    assert compiled.batch([new_w, w], [new_x, x])[0] == want
    with pytest.raises(ValueError, match=re.escape("argument weights[1] must hold 3 items")):
        compiled([new_w[0], new_w[1][:2]], new_x)


def test_numpy_arrays_are_taken_as_their_nested_lists() -> None:
    np = pytest.importorskip("numpy")
    w = Value(0.5)
    compiled = compile(lambda x, y: (w * x[0] + x[1] - y) ** 2, np.array([1.0, 2.0]), 1.0)
    assert compiled(np.array([2.0, -1.0]), np.float64(0.5)) == (0.5 * 2.0 - 1.0 - 0.5) ** 2
    rows = np.array([[2.0, -1.0], [0.0, 1.0]])
    assert compiled.batch(rows, np.array([0.5, 1.0])) == [0.25, 0.0]


def test_a_wrapper_names_its_arguments_after_the_function_it_wraps() -> None:
    """A transform that sets ``__wrapped__`` (as functools.wraps does) gets f's names."""

    def f(x: Value, y: Value) -> Value:
        return x * y

    def wrapper(*xs: Value) -> Value:
        return f(*xs)

    assert compile(wrapper, 1.0, 2.0).parameters == ["arg0", "arg1"]
    wrapper.__wrapped__ = f  # type: ignore[attr-defined]
    compiled = compile(wrapper, 1.0, 2.0)
    assert compiled.parameters == ["x", "y"] and compiled.source.startswith("def call(x, y,")


# -- the source: the chain rule written out ------------------------------------------------
def test_the_source_of_a_small_graph() -> None:
    x, y = Value(2.0, label="x"), Value(-3.0, label="y")
    z = x * y
    z.label = "z"
    out = z.tanh()
    out.label = "y2"
    source = compile(out).source
    assert "    z = x * y\n    y2 = tanh(z)\n" in source
    assert "    g_y2 = _seed\n    g_z = (1.0 - y2 * y2) * g_y2  # dy2/dz\n" in source
    assert "    g_x += y * g_z  # dz/dx\n    g_y += x * g_z  # dz/dy\n" in source


@given(expression_dags())
def test_each_backward_line_is_one_chain_rule_step_in_the_engines_order(dag_and_point) -> None:
    dag, point = dag_and_point
    out = dag(*(Value(p) for p in point))
    compiled = compile(out)
    names = compiled.names
    # g_input (+)= local * g_output, or g_input = g_output: each line ends with the output's
    steps = re.findall(r"^    g_(\w+) [-+]?= (?:.* \* )?-?g_(\w+)  # ", compiled.source, re.M)
    trace = [(names[s.input], names[s.output]) for s in explain_backward(out)]
    assert steps == trace
    # the forward: one line per node, each after the lines of its inputs
    assigned = re.findall(r"^    (?!g_|d_)(\w+) = ", compiled.source, re.M)
    assert sorted(assigned) == sorted(names[v] for v in topological_order(out))
    for v in topological_order(out):
        assert all(assigned.index(names[x]) < assigned.index(names[v]) for x in v.inputs)


@given(st.lists(node_labels, min_size=1, max_size=4))
def test_any_labels_give_valid_unique_names_and_show_where_they_changed(labels) -> None:
    xs = [Value(i + 1.0, label=label) for i, label in enumerate(labels)]
    out = sum(x * x for x in xs)
    compiled = compile(out)
    assert replayed(compiled, xs) == interpreted(lambda: sum(x * x for x in xs), xs)
    for label in {label for label in labels if label}:
        if not label.isidentifier():
            assert f"  # {comment(label)}" in compiled.source


def test_the_listing_writes_no_power_of_one() -> None:
    """x ** 2's rule is 2.0 * x ** 1.0, and a gradient graph holds math.pow(x, 1.0) nodes:
    both are x, bitwise, and written so."""
    w = Value(0.5)
    loss = compile(lambda x: (w * x - 1.0) ** 2, 2.0)
    slope = compile(gradient(lambda x, y: x**2 * y), 1.5, 2.0)
    for compiled in (loss, slope):
        assert "** 1.0" not in compiled.source and ", 1.0)" not in compiled.source
    assert slope(3.0, -1.0) == [-6.0, 9.0]


def test_a_label_that_names_a_function_of_the_code_is_renamed() -> None:
    x = Value(1.0, label="tanh")
    y = x.tanh()
    y.label = "sum"
    source = compile(y).source
    assert "sum_2 = tanh(tanh_2)  # sum" in source


# -- user strings never become code ----------------------------------------------------------
def code_shape(source: str) -> str:
    """The generated code with every name and comment left out: what it does."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            node.id = "_"
        elif isinstance(node, ast.arg):
            node.arg = "_"
    return ast.dump(tree)


def labelled_graph(label: str, w: Value, b: Value) -> Value:
    """A small graph whose every node carries ``label``: leaves, ops, a dot, the root."""
    w.label = b.label = label
    z = dot([w, b], [2.0, -3.0], bias=b)
    z.label = label
    out = (w * 3.0).tanh() * -z + abs(b) - w
    out.label = label
    return out


@given(hostile_labels())
def test_a_hostile_label_changes_nothing_the_compiled_code_does(label: str) -> None:
    plain_root = labelled_graph("x", Value(0.5), Value(-1.0))
    leaves = [Value(0.5), Value(-1.0)]
    root = labelled_graph(label, *leaves)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        compiled = compile(root)
        result = replayed(compiled, leaves)
    assert out.getvalue() == ""  # nothing ran while compiling or replaying
    assert code_shape(compiled.source) == code_shape(compile(plain_root).source)
    assert compiled.source.splitlines() == compiled.source.split("\n")[:-1]  # one line each
    assert all(len(line) < 250 for line in compiled.source.splitlines())  # still readable
    assert result == interpreted(lambda: labelled_graph(label, *leaves), leaves)


@given(hostile_labels())
def test_a_hostile_label_changes_nothing_a_compiled_function_or_batch_does(label: str) -> None:
    w = Value(0.5, label=label)
    f = lambda type, zip, sum: (w * type + zip).tanh() * sum  # noqa: E731  (builtins' names)
    compiled = compile(f, 1.0, 2.0, 3.0)
    plain = compile(lambda a, b, c: (Value(0.5) * a + b).tanh() * c, 1.0, 2.0, 3.0)
    assert code_shape(compiled.source) == code_shape(plain.source)
    w.grad = 0.0
    rows = ([1.0, -2.0], [0.5, 3], [2.0, 1.0])
    assert compiled.batch(*rows) == [f(*row).data for row in zip(*rows, strict=True)]
    assert compiled.batch(*rows, seed=lambda outs: [2.0 * o for o in outs])
    assert compiled(1.0, 2.0, 3.0) == f(1.0, 2.0, 3.0).data


def test_a_custom_ops_function_named_sum_does_not_shadow_the_builtin() -> None:
    def sum(x: float) -> float:  # the builtin's name: the point of the test
        return 2.0 * x

    double = CustomOp("sum", sum, lambda x, out: (2.0,))
    w = Value(0.5, label="sum")
    compiled = compile(lambda x: double(dot([w, x], [x, w])) + double(x), 1.0)
    assert "sum((" in compiled.source  # the dot's builtin sum() is still called
    assert compiled.batch([1.0, 2.0]) == [
        double(dot([w, x], [x, w])).data + 2.0 * x for x in (1.0, 2.0)
    ]


def test_the_code_runs_with_no_builtins_but_the_ones_it_binds() -> None:
    x = Value(2.0, label="print")
    compiled = compile(lambda t: dot([x, t], [t, x]).tanh() + abs(t), 1.0)
    assert compiled.batch([1.0, -1.0], seed=lambda outs: outs)
    namespace = compiled._program.writer.namespace
    assert namespace["__builtins__"] == {}
    for kind in ("batch", "seeded"):
        tree = ast.parse(compiled._program.batch_source(kind, compiled._pattern, True))
        names = [n for n in ast.walk(tree) if isinstance(n, ast.Name)]
        local = {n.id for n in names if isinstance(n.ctx, ast.Store)}
        local |= {a.arg for a in ast.walk(tree) if isinstance(a, ast.arg)}
        free = {n.id for n in names} - local
        assert free and free <= set(namespace)  # every name it reads from outside, bound


# -- tracing a data-dependent branch --------------------------------------------------------
def branchy(x: Value) -> Value:
    if x < 0:  # the line the error must name
        return -x
    return x


@pytest.mark.parametrize(
    "f",
    [
        branchy,
        lambda x: x * 2 if x else x,
        lambda x: x * 2 if 0 >= x else x,  # noqa: SIM300 (the number on the left, reflected)
        lambda x: max(x, 0),
    ],
    ids=["x < 0", "bool(x)", "0 >= x", "max(x, 0)"],
)
def test_a_python_branch_on_a_value_while_tracing_names_the_line(f) -> None:
    with pytest.raises(TracingError) as raised:
        compile(f, 1.5)
    message = str(raised.value)
    assert "test_compiler.py:" in message and "bake" in message
    if f is branchy:
        line = branchy.__code__.co_firstlineno + 1
        assert "(x=1.5) < 0 while tracing branchy, at " in message
        assert f"test_compiler.py:{line} in branchy: if x < 0:" in message
    assert Value(1.0) < 2  # comparisons work again once the trace is over


def test_a_rule_that_branches_on_values_is_refused_naming_the_op() -> None:
    """A custom rule's ``if x > 0`` on Values (grad(create_graph=True)) takes one branch,
    once: compile refuses the graph holding it, naming the op, instead of replaying it."""
    w = Value(0.5)
    kink = CustomOp("kink", lambda x: max(x, 0.0), lambda x, out: (1.0 if x > 0 else 0.0,))

    def slope(x: Value) -> Value:
        return grad(kink(w * x), [w], create_graph=True)[0]

    with pytest.raises(TracingError, match=r"the op 'kink' whose local rule branched"):
        compile(slope, 2.0)
    with pytest.raises(TracingError, match=r"'kink'"):
        compile(slope(Value(2.0)))
    relu_slope = compile(lambda x: grad((w * x).relu(), [w], create_graph=True)[0], 2.0)
    assert (relu_slope(2.0), relu_slope(-2.0)) == (2.0, 0.0)  # relu's rule makes a step node


def test_tracing_in_one_thread_leaves_comparisons_in_another_alone() -> None:
    entered, release = threading.Event(), threading.Event()
    results: list[bool] = []

    def compare_elsewhere() -> None:
        entered.wait()
        results.append(Value(1.0) < 2)
        release.set()

    def f(x: Value) -> Value:
        entered.set()
        release.wait(5)
        return x * 2

    thread = threading.Thread(target=compare_elsewhere)
    thread.start()
    compile(f, 1.0)
    thread.join()
    assert results == [True]


def test_kinked_ops_compile_and_follow_the_data() -> None:
    w = Value(1.0)
    compiled = compile(lambda x: (w * x).relu() + (w * x).abs(), 1.0)
    assert compiled(2.0) == 4.0 and w.grad == 4.0
    w.grad = 0.0
    assert compiled(-2.0) == 2.0 and w.grad == 2.0


# -- errors at replay: as clear as the interpreter's ---------------------------------------------
def interpreter_error(build: Callable[[], Any]) -> tuple[type, str]:
    with pytest.raises(Exception) as raised:  # whatever the interpreter raises
        build()
    return type(raised.value), str(raised.value)


def compiled_error(run: Callable[[], Any]) -> tuple[type, str]:
    with pytest.raises(Exception) as raised:
        run()
    return type(raised.value), str(raised.value)


@pytest.mark.parametrize(
    ("build", "bad"),
    [
        (lambda a: (a * 2.0).log(), -1.0),
        (lambda a: 1.0 / (a - 1.0), 1.0),
        (lambda a: (a * 1.0).sqrt() + a, -4.0),
        (lambda a: (a * 3.0).exp(), 400.0),
        (lambda a: a ** (a * 0.5), -2.0),
    ],
    ids=["log", "division", "sqrt", "exp overflow", "negative base"],
)
def test_a_domain_error_at_replay_is_the_interpreters(build, bad) -> None:
    a = Value(2.0, label="a")
    graph = compile(build(a))
    function = compile(lambda x: build(x) * a, 2.0)
    a.data = bad
    grads_before = a.grad
    assert compiled_error(graph) == interpreter_error(lambda: build(a))
    a.data = 2.0
    expected = interpreter_error(lambda: build(Value(bad, label="x")) * a)
    assert compiled_error(lambda: function(bad)) == expected
    assert a.grad == grads_before  # nothing half-written


def test_of_two_failing_nodes_the_replay_names_the_one_the_interpreter_meets_first() -> None:
    x, y = Value(1.0, label="x"), Value(1.0, label="y")
    compiled = compile(x.log() + y.log())
    x.data = y.data = -1.0
    with pytest.raises(ValueError) as interpreter:
        x.log() + y.log()
    with pytest.raises(ValueError) as replay:
        compiled()
    assert "x=-1.0" in str(interpreter.value)
    assert str(replay.value) == str(interpreter.value)


def float_bits(x: float) -> str:
    return struct.pack("<d", x).hex()


@pytest.mark.parametrize("seed", [math.nan, -math.nan], ids=["nan", "-nan"])
def test_a_negated_gradient_keeps_the_nans_sign_bit_as_backward_does(seed: float) -> None:
    x, y = Value(1.0), Value(2.0)
    # a negation, and a subtraction's -1: one path from the seed to each leaf, so one NaN
    build = lambda: -(x * 2.0) + (1.0 - y.tanh())  # noqa: E731
    build().backward(seed)
    want = [float_bits(x.grad), float_bits(y.grad)]
    x.grad = y.grad = 0.0
    compile(build())(seed)
    assert [float_bits(x.grad), float_bits(y.grad)] == want


def test_a_domain_error_in_a_batch_names_the_example() -> None:
    w = Value(1.0, label="w")
    compiled = compile(lambda x: (w * x).log(), 1.0)
    with pytest.raises(ValueError, match=r"log\(.*\): defined for x > 0") as raised:
        compiled.batch([1.0, 2.0, -3.0, 4.0])
    if sys.version_info >= (3, 11):  # exceptions carry notes from Python 3.11
        assert raised.value.__notes__ == ["(in example 2 of the batch)"]
    assert w.grad == 0.0


@pytest.mark.parametrize(
    ("call", "error", "fragment"),
    [
        (lambda c: c(1.0), TypeError, "takes 2 arguments (x, t), got 1"),
        (lambda c: c([1.0, 2.0, 3.0], 1.0), ValueError, "x must hold 2 items, as traced, got 3"),
        (lambda c: c([1.0, "a"], 1.0), TypeError, "x[1] must be a number, got str 'a'"),
        (lambda c: c([1.0, True], 1.0), TypeError, "x[1] must be a number, got bool"),
        (lambda c: c(1.0, 1.0), TypeError, "x must be a list or tuple of 2, as traced, got float"),
        (lambda c: c([1.0, 2.0], Value(1.0)), TypeError, "t must be a number, got Value"),
        (lambda c: c.batch([[1.0, 2.0]]), TypeError, "takes 2 columns (x, t), got 1"),
        (lambda c: c.batch([[1.0, 2.0]], [1.0, 2.0]), ValueError, "got lengths [1, 2]"),
        (lambda c: c.batch([[1.0, 2.0]], [None]), TypeError, "t must be a number, got NoneType"),
        (lambda c: c.batch([[1.0]], [1.0]), ValueError, "x must hold 2 items"),
        (lambda c: c.batch([[1.0, 2.0]], [1.0], seed="s"), TypeError, "seed"),
        (lambda c: c.batch([[1.0, 2.0]], [1.0], seed=lambda o: []), ValueError, "one seed per"),
    ],
)
def test_wrong_arguments_get_a_clear_error(call, error, fragment) -> None:
    w = Value(1.0)

    def f(x: list[Value], t: Value) -> Value:
        return (w * x[0] + x[1] - t) ** 2

    compiled = compile(f, [0.0, 0.0], 0.0)
    with pytest.raises(error) as raised:
        call(compiled)
    assert fragment in str(raised.value)
    assert w.grad == 0.0


def test_a_seed_functions_own_error_is_raised_as_it_is() -> None:
    compiled = compile(lambda x: x * 2.0, 1.0)

    def broken(outputs: list[float]) -> list[float]:
        raise KeyError("mine")

    with pytest.raises(KeyError, match="mine"):
        compiled.batch([1.0], seed=broken)


@pytest.mark.parametrize(
    ("target", "args", "fragment"),
    [
        (Value(1.0) * 2, (1.0,), "takes no example arguments"),
        (3.0, (), "expects a Value or a function"),
        (lambda x: 2.0, (1.0,), "must be a Value or a list of Values, got float"),
        (lambda x: x, ("a",), "argument x must be a number, got str 'a'"),
        (lambda x: [], (1.0,), "returned no Value, got []"),
        (lambda x, y: x * y, (), "compile(<lambda>) needs example arguments"),
        (lambda x, y: x * y, (1.0,), "needs other example arguments"),
    ],
    ids=[
        "root with arguments",
        "a number",
        "a function returning a float",
        "a string",
        "none",
        "no example arguments",
        "too few example arguments",
    ],
)
def test_what_cannot_be_compiled_says_why(target, args, fragment) -> None:
    with pytest.raises(TypeError, match=re.escape(fragment)):
        compile(target, *args)


def test_a_graph_larger_than_max_nodes_says_the_limit() -> None:
    x = Value(1.0)
    y = x
    for _ in range(50):
        y = y * 1.0001
    with pytest.raises(ValueError, match="51 nodes, more than max_nodes=50"):
        compile(y, max_nodes=50)
    assert compile(y, max_nodes=None)() == y.data


@pytest.mark.parametrize("max_nodes", ["a", 1.5, True, 0, -3])
def test_max_nodes_says_what_it_must_be(max_nodes: object) -> None:
    with pytest.raises(
        TypeError, match=r"max_nodes must be a whole number .*" + re.escape(repr(max_nodes))
    ):
        compile(Value(1.0) * 2.0, max_nodes=max_nodes)  # type: ignore[call-overload]


@pytest.mark.slow
def test_a_chain_of_10_to_the_5_nodes_compiles_and_replays_exactly() -> None:
    x = Value(1.0)
    y = x
    for _ in range(50_000):
        y = y * 1.0001 + 0.001
    compiled = compile(y)
    assert compiled.node_count == 100_001
    assert replayed(compiled, [x]) == interpreted(lambda: y, [x])


def test_a_logsumexp_replays_its_softmax_bitwise_on_every_python() -> None:
    """The softmax rule sums its exponentials with sum(), compensated from Python 3.12: the
    compiled code calls the rule, so a replay at new data is still the interpreter's
    (written out as additions it differed in the last bit on 3.12, found by CI there)."""
    xs = [Value(0.0) for _ in range(5)]
    step = compile(logsumexp(xs))
    for x, data in zip(xs, [0.0, 0.0, 0.0, 1.5, 0.0], strict=True):
        x.data, x.grad = data, 0.0
    step()
    rebuilt = [Value(x.data) for x in xs]
    logsumexp(rebuilt).backward()
    assert [repr(x.grad) for x in xs] == [repr(x.grad) for x in rebuilt]
    assert "softmax(" in step.source  # the rule, called

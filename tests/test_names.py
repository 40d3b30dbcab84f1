"""autograd.names: the reading order, the names every reader shows, formulas and numbers."""

from __future__ import annotations

import math
from collections import Counter
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from autograd import CustomOp, Value, dot, mean, topological_order
from autograd.names import (
    DefaultLabel,
    format_number,
    formula,
    node_names,
    one_line,
    op_label,
    reading_order,
    term,
)
from tests.strategies import expression_dags, node_labels


def evaluate(dag_and_point) -> Value:
    dag, point = dag_and_point
    return dag(*(Value(p) for p in point))


# -- the reading order -------------------------------------------------------------------------
def left_first(root: Value, seen: set[Value] | None = None) -> list[Value]:
    """The reading order written recursively: each input's graph, left to right, then the node."""
    seen = set() if seen is None else seen
    seen.add(root)
    order = []
    for x in root.inputs:
        if x not in seen:
            order += left_first(x, seen)
    return [*order, root]


@given(expression_dags())
def test_the_reading_order_takes_inputs_left_to_right(dag_and_point):
    out = evaluate(dag_and_point)
    order = reading_order(out)
    assert order == left_first(out)
    assert set(order) == set(topological_order(out)) and len(order) == len(set(order))
    position = {v: k for k, v in enumerate(order)}
    assert all(position[x] < position[v] for v in order for x in v.inputs)  # topological


@given(expression_dags(), expression_dags())
def test_the_reading_order_of_several_roots_reads_them_left_to_right(first, second):
    a, b = evaluate(first), evaluate(second)
    assert reading_order(a, b) == reading_order(a + b)[:-1]  # as one node's inputs
    order = reading_order(b, a, b)
    assert order[: len(reading_order(b))] == reading_order(b)
    assert len(order) == len(set(order)) and set(order) == set(reading_order(a + b)[:-1])
    assert reading_order() == []


def test_the_reading_order_handles_a_chain_of_any_length():
    v = Value(1.0)
    for _ in range(20_000):  # far past Python's recursion limit
        v = v * 1.0
    order = reading_order(v)
    assert len(order) == 20_001 and order[-1] is v


# -- names -----------------------------------------------------------------------------------
@given(expression_dags(), st.data())
def test_names_are_unique_and_keep_every_first_label(dag_and_point, data):
    out = evaluate(dag_and_point)
    nodes = reading_order(out)
    for v in nodes:
        v.label = data.draw(node_labels)
    names = node_names(nodes)
    assert len(set(names.values())) == len(nodes)
    assert all(names[v] for v in nodes)
    first = {}
    for v in nodes:
        first.setdefault(v.label, v)
    assert all(names[v] == one_line(label) for label, v in first.items() if label)
    assert all("\n" not in name and len(name.splitlines()) == 1 for name in names.values())


@given(expression_dags())
def test_generated_names_count_up_in_reading_order(dag_and_point):
    out = evaluate(dag_and_point)
    order = reading_order(out)
    names = node_names(order)
    counts: Counter[str] = Counter()
    for v in order:
        base = names[v].rstrip("0123456789")
        counts[base] += 1
        assert names[v] == f"{base}{counts[base]}"


def test_the_first_neuron_of_a_layer_is_named_first():
    x = [0.5, -1.0]
    w = [[Value(0.1), Value(0.2)], [Value(0.3), Value(0.4)]]
    hidden = [dot(row, x).sigmoid() for row in w]
    out = dot([Value(1.0), Value(-1.0)], hidden)
    names = node_names(reading_order(out))
    assert [names[h.inputs[0]] for h in hidden] == ["dot1", "dot2"]
    assert [names[h] for h in hidden] == ["sigmoid1", "sigmoid2"]
    assert names[out] == "dot3"


def test_unlabelled_nodes_are_named_by_op_and_count():
    a, b = Value(1.0), Value(2.0, label="mul1")  # a label that a generated name must avoid
    inner = a * b
    outer = inner * a
    squashed = outer.tanh()
    out = squashed + b
    names = node_names(reading_order(out))
    assert [names[v] for v in (a, b, inner, outer, squashed, out)] == [
        "leaf1",
        "mul1",
        "mul2",
        "mul3",
        "tanh1",
        "add1",
    ]


def test_a_users_label_takes_its_name_before_a_default_label():
    """nn labels what it builds (DefaultLabel); a user's own label wins wherever it is."""
    built = Value(1.0, label=DefaultLabel("A1[0]"))
    mine = built * 2.0
    mine.label = "A1[0]"  # later in reading order, still first to its name
    other = Value(3.0, label=DefaultLabel("A1[0]"))
    names = node_names(reading_order(mine + other))
    assert [names[v] for v in (mine, built, other)] == ["A1[0]", "A1[0]#2", "A1[0]#3"]


def test_a_label_is_shown_on_one_line():
    for label, shown in [("a\nb", "a\\nb"), ("a\u2028b", "a\\u2028b"), ("x\ud800", "x\\ud800"),
                         ("σ(Z1) ∘ W", "σ(Z1) ∘ W"), ("tab\there", "tab\\there")]:  # fmt: skip
        (name,) = node_names([Value(0.0, label=label)]).values()
        assert name == shown and name.isprintable()


def test_a_repeated_label_is_numbered_from_its_second_copy():
    w1, w2 = Value(1.0, label="w"), Value(2.0, label="w")
    names = node_names([w1, w2])
    assert (names[w1], names[w2]) == ("w", "w#2")


# -- op labels and formulas ------------------------------------------------------------------
def test_an_op_label_shows_the_constants_where_they_were_written():
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    cases = {
        "* 3": x * 3, "+ 3": x + 3, "- 3": x - 3, "3 -": 3 - x, "/ 4": x / 4, "4 /": 4 / x,
        "** 2": x**2, "2 **": 2**x, "* (-1)": x * -1, "*": x * y, "tanh": x.tanh(),
        "dot (0.5, -1)": dot([x, y], [0.5, -1.0]), "dot": dot([x, y], [y, x]),
        "dot (1, 2, 3, 4, …)": dot([x] * 5, [1.0, 2.0, 3.0, 4.0, 5.0]), "mean": mean([x, y]),
    }  # fmt: skip
    assert {label: op_label(v) for label, v in cases.items()} == {label: label for label in cases}
    assert op_label(x) == ""


def test_a_formula_writes_the_op_with_names_and_constants():
    x, y, b = Value(2.0, label="x"), Value(3.0, label="y"), Value(1.0, label="b")
    cases = {
        "x * y": x * y, "x - 3": x - 3, "3 - x": 3 - x, "x ** 2": x**2, "2 ** x": 2**x,
        "x * (-1)": x * -1, "tanh(x)": x.tanh(), "mean(x, y)": mean([x, y]),
        "x·0.5 + y·(-1) + b": dot([x, y], [0.5, -1.0], b), "x·y + y·x": dot([x, y], [y, x]),
        "x·y + b": dot([x], [y], b),
    }  # fmt: skip
    for written, v in cases.items():
        assert formula(v, node_names(reading_order(v))) == written
    assert formula(x, {x: "x"}) == "x"


@given(expression_dags())
def test_every_formula_names_each_input(dag_and_point):
    out = evaluate(dag_and_point)
    names = node_names(reading_order(out))
    for v in reading_order(out):
        written = formula(v, names)
        assert all(names[x] in written for x in v.inputs)
        assert all(format_number(abs(c)) in written for c in v.constants)


# -- numbers ---------------------------------------------------------------------------------
def shown_number(text: str) -> Decimal:
    """The number a formatted text says: ``-1 + 2.3e-07`` is -0.99999977."""
    whole, sign, off = (text.split(" ") + ["+", "0"])[:3]
    return Decimal(whole) + (Decimal(off) if sign == "+" else -Decimal(off))


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_numbers_keep_four_significant_digits(x):
    text = format_number(x)
    shown, exact = shown_number(text), Decimal(x)  # Decimal: no overflow near the float maximum
    assert abs(shown - exact) <= abs(exact) * Decimal("5e-4")
    mantissa = text.split(" ")[0].lstrip("-").split("e")[0]
    assert len(mantissa.replace(".", "").lstrip("0")) <= 4


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_a_number_reads_as_a_whole_number_only_when_it_is_one(x):
    """Four digits would show tanh(-8) = -0.99999977 as -1 beside its derivative 4.5e-07:
    a whole number is written only for itself, else with what the value is off by."""
    text = format_number(x)
    if " " in text:
        whole, sign, off = text.split(" ")
        assert float(whole).is_integer() and float(whole) != x
        assert (sign == "+") == (x > float(whole))
        assert abs(Decimal(off) - abs(Decimal(x) - Decimal(whole))) <= abs(Decimal(off)) / 10
    elif "e" not in text and float(text).is_integer():
        assert float(text) == x


def test_a_value_next_to_a_whole_number_shows_how_far_it_is():
    assert format_number(math.tanh(-8.0)) == "-1 + 2.3e-07"
    assert format_number(1.0 - 2.0**-40) == "1 - 9.1e-13"
    assert [format_number(x) for x in (1.0, -3.0, 0.5000001, 2 / 3)] == ["1", "-3", "0.5", "0.6667"]


def test_negative_zero_prints_as_zero():
    assert format_number(-0.0) == "0"


def test_a_compound_name_is_one_term_in_parentheses():
    assert [term(n) for n in ("x", "W1[0][1]", "x#2", "σ(Z)")] == ["x", "W1[0][1]", "x#2", "σ(Z)"]
    assert [term(n) for n in ("A2 - y", "a-b", "(a + b)", "(a) - (b)", "(a)^2")] == [
        "(A2 - y)",
        "(a-b)",
        "(a + b)",
        "((a) - (b))",
        "((a)^2)",
    ]
    x = Value(2.0, label="x")
    diff = x - 1
    diff.label = "x - 1"
    square = diff * diff
    assert formula(square, node_names(reading_order(square))) == "(x - 1) * (x - 1)"


def test_the_formula_of_an_op_whose_layout_groups_its_operands() -> None:
    """A custom op's arguments may group operands in tuples, as the weighted sums' does."""
    weighted = CustomOp(
        "weighted",
        lambda xs, ws: sum(x * w for x, w in zip(xs, ws, strict=True)),
        lambda xs, ws, out: ws,
        arguments=lambda inputs, constants: (inputs, constants),
    )
    a, b = Value(2.0, label="a"), Value(-1.0, label="b")
    out = weighted(a, b, constants=[3.0, 0.5])
    assert formula(out, node_names(reading_order(out))) == "weighted(a, b, 3, 0.5)"

"""The emitter: a graph written out as lines of Python (``autograd.emitter.Program``).

``tests/test_compiler.py`` runs the generated code against the interpreter; here the
lines themselves: one forward line per computed node in reading order, one backward line
per chain-rule step that reaches a leaf needing a gradient, in the engine's order, names
that no label can turn into the code's own, and sources that parse.
"""

from __future__ import annotations

import ast
import re

from hypothesis import given

from autograd import Value, dot
from autograd.codegen import RESERVED
from autograd.emitter import Program
from autograd.engine import chain_rule_steps
from autograd.names import reading_order
from tests.strategies import expression_dags, hostile_labels


def program_of(case: tuple, labels: list[str] | None = None) -> tuple[Program, list[Value]]:
    dag, point = case
    xs = [Value(p, label=(labels or [""] * len(point))[i]) for i, p in enumerate(point)]
    return Program([dag(*xs)], [], None), xs


@given(expression_dags())
def test_the_forward_has_one_line_per_computed_node_in_reading_order(case) -> None:
    program, _ = program_of(case)
    computed = [v for v in reading_order(*program.outputs) if v.inputs]
    assigned = [line.split(" = ")[0] for line in program.forward()]
    assert assigned == [program.names[v] for v in computed]


@given(expression_dags())
def test_the_backward_has_one_line_per_chain_rule_step_in_the_engines_order(case) -> None:
    program, _ = program_of(case)
    root = program.outputs[0]
    steps = [(x, v) for v, _, x, _ in chain_rule_steps(root)]
    lines = [line for line in program.backward(["_seed"]) if not line.startswith("d_")]
    assert lines[0] == f"g_{program.names[root]} = _seed"
    pairs = [re.match(r"g_(\w+) [-+]?= .*?g_(\w+)  #", line) for line in lines[1:]]
    assert all(pairs)
    names = {name: v for v, name in program.names.items()}
    assert [(names[m[1]], names[m[2]]) for m in pairs if m] == steps


@given(expression_dags(), hostile_labels())
def test_every_name_is_unique_and_none_is_the_codes_own(case, label: str) -> None:
    program, _ = program_of(case, [label] * len(case[1]))
    names = list(program.names.values())
    assert len(set(names)) == len(names)
    assert not set(names) & RESERVED and not any(n.startswith("_") for n in names)
    for source in (program.graph_source(True), program.call_source()):
        ast.parse(source)  # one statement per line: a label is only ever in a comment


def test_the_leaves_are_read_in_the_order_the_forward_first_uses_them() -> None:
    a, b, c = Value(1.0, label="a"), Value(2.0, label="b"), Value(3.0, label="c")
    program = Program([dot([c, a], [b, c])], [b], None)  # b is an argument: no .data read
    assert program.leaves == [c, a]
    assert program.read_leaves() == ["c = _leaves[0].data", "a = _leaves[1].data"]
    assert program.write_back() == ["_leaves[0].grad += g_c", "_leaves[1].grad += g_a"]
    assert program.start_gradients() == ["g_c = 0.0", "g_a = 0.0"]


def test_a_node_that_needs_no_gradient_writes_no_step() -> None:
    w, x = Value(0.5, label="w"), Value(2.0, label="x")
    program = Program([(w * x).tanh()], [x], None)  # x is data: only w gets a gradient
    backward = program.backward(["1.0"])
    assert not any(line.startswith("g_x") for line in backward)
    assert any(line.startswith("g_w += ") for line in backward)


def test_a_batch_of_a_function_of_no_arguments_loops_over_empty_examples() -> None:
    w = Value(3.0, label="w")
    source = Program([w * w], [], None).batch_source("batch", "()", True)
    assert "for () in _examples:" in source
    ast.parse(source)

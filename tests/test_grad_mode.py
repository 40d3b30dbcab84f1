"""The modes: no_grad, enable_grad and detect_anomaly; what each switches inside, nesting and
restoring, decorators, threads and tasks."""

from __future__ import annotations

import asyncio
import math
import threading
from collections.abc import Callable

import pytest
from hypothesis import given

from autograd import (
    Value,
    detect_anomaly,
    dot,
    enable_grad,
    grad,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
)
from autograd.grad_mode import DEFAULT, current_mode, special_mode, tracing
from tests.strategies import expression_dags


def _records_a_graph() -> bool:
    """Whether an op made now records its inputs (checked directly, not via is_grad_enabled)."""
    x = Value(1.0)
    return (x * 2.0).inputs == (x,)


def _checks() -> bool:
    """Whether an op made now checks its result (checked directly, not via is_anomaly_enabled)."""
    try:
        Value(math.inf) * 1.0
    except FloatingPointError:
        return True
    return False


def _mode() -> tuple[bool, bool]:
    """(recording, checking), each read from what an op does and from the mode's getter."""
    assert (is_grad_enabled(), is_anomaly_enabled()) == (_records_a_graph(), _checks())
    return is_grad_enabled(), is_anomaly_enabled()


def test_recording_is_on_by_default() -> None:
    assert is_grad_enabled()
    assert _records_a_graph()


@given(case=expression_dags())
def test_no_grad_records_no_graph_but_computes_the_same_values(case) -> None:
    dag, point = case
    recorded = dag(*map(Value, point))
    with no_grad():
        inputs = [Value(x) for x in point]
        out = dag(*inputs)
        extra = [inputs[0] * inputs[-1], dot(inputs, inputs), inputs[0].exp(), 2.0**out]
    assert out.data == recorded.data
    for node in [out, *extra]:
        assert (node.op, node.operation, node.inputs, node.local_grads) == ("", None, (), ())
        if node not in inputs:
            with pytest.raises(RuntimeError, match=r"has no graph: it was computed under no_grad"):
                node.backward()
            with pytest.raises(RuntimeError, match=r"grad: .* no graph"):
                grad(node, inputs)
    assert [x.grad for x in inputs] == [0.0] * len(inputs)


def test_no_grad_nests_and_restores() -> None:
    with no_grad():
        assert not is_grad_enabled()
        with no_grad():
            assert not _records_a_graph()
        assert not is_grad_enabled()
        assert not _records_a_graph()
    assert is_grad_enabled()
    assert _records_a_graph()


def test_enable_grad_inside_no_grad_records_then_restores() -> None:
    with no_grad():
        with enable_grad():
            assert is_grad_enabled()
            assert _records_a_graph()
        assert not is_grad_enabled()
    assert is_grad_enabled()


def test_one_instance_can_be_entered_while_already_active() -> None:
    off, on = no_grad(), enable_grad()
    with off:
        with on:
            with off:
                assert not is_grad_enabled()
            assert is_grad_enabled()
        assert not is_grad_enabled()
    assert is_grad_enabled()


def test_the_mode_is_restored_when_the_block_raises() -> None:
    with pytest.raises(RuntimeError), no_grad():
        raise RuntimeError("inside")
    assert is_grad_enabled()


@pytest.mark.parametrize("decorator", [no_grad(), no_grad], ids=["@no_grad()", "@no_grad"])
def test_no_grad_as_a_decorator_with_or_without_parentheses(decorator: Callable) -> None:
    @decorator
    def update(w: Value) -> Value:
        """Docstring kept."""
        return w - 0.1 * w

    w = Value(1.0)
    assert update(w).inputs == ()
    assert update.__doc__ == "Docstring kept."
    assert is_grad_enabled()


def test_enable_grad_decorates_without_parentheses_too() -> None:
    @enable_grad
    def build(x: Value) -> Value:
        return x * x

    x = Value(3.0)
    with no_grad():
        assert build(x).inputs == (x, x)


def test_no_grad_given_something_that_is_not_a_function_says_so() -> None:
    with pytest.raises(TypeError, match=r"no_grad\(\) takes no arguments, or decorates a function"):
        no_grad(3)


def test_a_decorated_function_called_recursively_restores_each_level() -> None:
    """Each call switches recording off and restores what its caller had, level by level."""
    seen: list[bool] = []

    @no_grad()
    def descend(depth: int) -> None:
        if depth:
            with enable_grad():
                descend(depth - 1)
                seen.append(_records_a_graph())  # the inner call restored enable_grad's mode
        seen.append(_records_a_graph())

    descend(2)
    assert seen == [False, True, False, True, False]
    assert is_grad_enabled()


def test_a_decorated_function_that_raises_restores_the_mode() -> None:
    @no_grad()
    def fail() -> None:
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        fail()
    assert is_grad_enabled()


def test_enable_grad_as_a_decorator_inside_no_grad() -> None:
    @enable_grad()
    def build(x: Value) -> Value:
        return x * x

    x = Value(3.0)
    with no_grad():
        out = build(x)
        assert not is_grad_enabled()
    assert grad(out, [x]) == [6.0]


def test_grad_with_create_graph_works_inside_no_grad() -> None:
    """The derivative graph is recorded even under no_grad: create_graph asks for it."""
    x = Value(2.0)
    out = x**3
    with no_grad():
        (first,) = grad(out, [x], create_graph=True)
        assert not is_grad_enabled()
    assert grad(first, [x]) == [12.0]


# -- threads and tasks: the mode belongs to one context ----------------------------------------


def _in_thread(target: Callable[[], None]) -> threading.Thread:
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


# Each switch and the mode (recording, checking) it sets when entered from the default.
SWITCHES = [(no_grad, (False, False)), (detect_anomaly, (True, True))]
each_switch = pytest.mark.parametrize(
    ("switch", "inside"), SWITCHES, ids=[switch.__name__ for switch, _ in SWITCHES]
)


@each_switch
def test_a_mode_in_one_thread_leaves_another_in_the_default(
    switch: type, inside: tuple[bool, bool]
) -> None:
    entered, checked = threading.Event(), threading.Event()
    seen: list[tuple[bool, bool]] = []

    def hold() -> None:
        with switch():
            entered.set()
            checked.wait(timeout=30)
            seen.append(_mode())

    thread = _in_thread(hold)
    assert entered.wait(timeout=30)
    here = _mode()
    checked.set()
    thread.join(timeout=30)
    assert here == (True, False)
    assert seen == [inside]


@each_switch
def test_a_new_thread_starts_in_the_default_mode_whatever_its_creator_is_in(
    switch: type, inside: tuple[bool, bool]
) -> None:
    result: list[tuple[bool, bool]] = []
    with switch():
        thread = _in_thread(lambda: result.append(_mode()))
        thread.join(timeout=30)
    assert result == [(True, False)]


@each_switch
def test_a_mode_in_one_task_leaves_another_in_the_default(
    switch: type, inside: tuple[bool, bool]
) -> None:
    async def main() -> tuple[tuple[bool, bool], tuple[bool, bool]]:
        entered, checked = asyncio.Event(), asyncio.Event()

        async def hold() -> tuple[bool, bool]:
            with switch():
                entered.set()
                await checked.wait()
                return _mode()

        async def look() -> tuple[bool, bool]:
            await entered.wait()
            mode = _mode()
            checked.set()
            return mode

        held, looked = await asyncio.gather(hold(), look())
        return held, looked

    assert asyncio.run(main()) == (inside, (True, False))


def test_one_instance_entered_from_two_threads_at_once_restores_each() -> None:
    shared = no_grad()
    both_inside = threading.Barrier(2, timeout=30)
    first_left = threading.Event()
    seen: dict[str, list[bool]] = {"first": [], "second": []}
    errors: list[BaseException] = []

    def run(name: str) -> None:
        try:
            with shared:
                both_inside.wait()
                if name == "second":
                    first_left.wait(timeout=30)
                seen[name].append(_records_a_graph())
            seen[name].append(_records_a_graph())
            if name == "first":
                first_left.set()
        except BaseException as exc:
            errors.append(exc)

    threads = [_in_thread(lambda name=name: run(name)) for name in ("first", "second")]
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert seen == {"first": [False, True], "second": [False, True]}


def test_two_threads_share_one_decorated_function() -> None:
    both_inside = threading.Barrier(2, timeout=30)
    results: list[tuple[bool, bool]] = []

    @no_grad
    def evaluate(x: Value) -> bool:
        both_inside.wait()
        return (x * 2.0).inputs == ()

    def run() -> None:
        results.append((evaluate(Value(1.0)), _records_a_graph()))

    threads = [_in_thread(run) for _ in range(2)]
    for thread in threads:
        thread.join(timeout=30)
    assert results == [(True, True), (True, True)]
    assert is_grad_enabled()


# -- detect_anomaly: one more mode, switched the same way ---------------------------------------


def test_anomaly_detection_is_off_by_default() -> None:
    assert _mode() == (True, False)
    with detect_anomaly(), no_grad():
        assert (is_grad_enabled(), is_anomaly_enabled()) == (False, True)  # bools, not modes


def test_detect_anomaly_nests_with_no_grad_and_enable_grad_each_restoring() -> None:
    with detect_anomaly():
        assert _mode() == (True, True)
        with no_grad():
            assert _mode() == (False, True)
            with enable_grad():
                assert _mode() == (True, True)
                with detect_anomaly():
                    assert _mode() == (True, True)
                assert _mode() == (True, True)
            assert _mode() == (False, True)
        assert _mode() == (True, True)
    assert _mode() == (True, False)
    with no_grad():
        with detect_anomaly():
            assert _mode() == (False, True)
        assert _mode() == (False, False)
    assert _mode() == (True, False)


def test_detect_anomaly_is_restored_when_its_block_raises() -> None:
    with pytest.raises(FloatingPointError), detect_anomaly():
        Value(1e308) * 10
    assert _mode() == (True, False)


@pytest.mark.parametrize(
    "decorator", [detect_anomaly(), detect_anomaly], ids=["@detect_anomaly()", "@detect_anomaly"]
)
def test_detect_anomaly_as_a_decorator_with_or_without_parentheses(decorator: Callable) -> None:
    @decorator
    def overflow(x: Value) -> Value:
        """Docstring kept."""
        return x * 1e308

    assert overflow(Value(0.5)).data == 5e307
    with pytest.raises(FloatingPointError, match=r"\*\(10\.0, 1e\+308\)"):
        overflow(Value(10.0))
    assert overflow.__doc__ == "Docstring kept."
    assert _mode() == (True, False)


def test_detect_anomaly_given_something_that_is_not_a_function_says_so() -> None:
    with pytest.raises(TypeError, match=r"detect_anomaly\(\) takes no arguments"):
        detect_anomaly("on")


# -- compile's tracing: a flag of the mode -------------------------------------------------------
def test_tracing_calls_its_hook_on_a_branch_through_every_inner_mode_then_restores() -> None:
    branches: list[str] = []
    with tracing(lambda v, test, other: branches.append(test)):
        x = Value(1.0)
        assert _records_a_graph() and x < 2.0  # ops record as outside; the test is seen
        with no_grad():
            assert not _records_a_graph() and current_mode().tracing is not None
            assert x >= 0.0
        with detect_anomaly():
            assert is_anomaly_enabled() and bool(x)
        with enable_grad():
            assert x <= 1.0
        assert x > 0.0
    assert branches == ["<", ">=", "bool", "<=", ">"]
    assert current_mode() == DEFAULT and special_mode() is False
    assert Value(1.0) < 2.0 and branches == ["<", ">=", "bool", "<=", ">"]


def test_tracing_is_restored_when_its_block_raises() -> None:
    with pytest.raises(KeyError), tracing(lambda v, test, other: None):
        raise KeyError("inside")
    assert special_mode() is False

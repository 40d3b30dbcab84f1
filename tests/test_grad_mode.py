"""no_grad and enable_grad: no graph inside, nesting and restoring, decorators, threads, tasks."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import pytest
from hypothesis import given

from autograd import Value, dot, enable_grad, grad, is_grad_enabled, no_grad
from tests.strategies import expression_dags


def _records_a_graph() -> bool:
    """Whether an op made now records its inputs (checked directly, not via is_grad_enabled)."""
    x = Value(1.0)
    return (x * 2.0).inputs == (x,)


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


def test_no_grad_in_one_thread_leaves_another_recording() -> None:
    entered, checked = threading.Event(), threading.Event()
    inside: list[bool] = []

    def hold_no_grad() -> None:
        with no_grad():
            entered.set()
            checked.wait(timeout=30)
            inside.append(_records_a_graph())

    thread = _in_thread(hold_no_grad)
    assert entered.wait(timeout=30)
    here = (is_grad_enabled(), _records_a_graph())
    checked.set()
    thread.join(timeout=30)
    assert here == (True, True)
    assert inside == [False]


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


def test_a_new_thread_records_even_when_started_inside_no_grad() -> None:
    result: list[bool] = []
    with no_grad():
        thread = _in_thread(lambda: result.append(_records_a_graph()))
        thread.join(timeout=30)
    assert result == [True]


def test_no_grad_in_one_task_leaves_another_recording() -> None:
    async def main() -> tuple[bool, bool]:
        entered, checked = asyncio.Event(), asyncio.Event()

        async def hold_no_grad() -> bool:
            with no_grad():
                entered.set()
                await checked.wait()
                return _records_a_graph()

        async def look() -> bool:
            await entered.wait()
            recording = _records_a_graph()
            checked.set()
            return recording

        return tuple(await asyncio.gather(hold_no_grad(), look()))

    assert asyncio.run(main()) == (False, True)

"""nn.checkpoint: reading a file, trusted or not, costs a bounded multiple of its size.

Every malformed file raises ``StateError`` (never RecursionError, OverflowError or a
MemoryError), and no file makes ``nn.load`` build more than its weights account for: the
architecture's shapes are checked against the weights before the model is built.
"""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nn
from nn import MLP, Layer, Neuron, StateError
from tests.strategies import architectures, byte_edits, json_values

tmp_path_ok = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])

# What reading may allocate: Python objects for each byte of JSON (a list per "[", a float
# of 24 bytes per short number), well under this many bytes per byte of file, plus a
# constant for the interpreter's own work (the exception, the message, tracebacks).
BYTES_PER_BYTE, CONSTANT = 64, 256 * 1024


def good_checkpoint(tmp_path: Path) -> bytes:
    path = tmp_path / "good.json"
    MLP(2, [3, 1], seed=0).save(path)
    return path.read_bytes()


def document(tmp_path: Path, **changes: object) -> dict:
    return {**json.loads(good_checkpoint(tmp_path)), **changes}


def peak_of_loading(path: Path) -> tuple[int, BaseException | None]:
    """The peak memory ``nn.load(path)`` allocates, and what it raised (None if nothing)."""
    raised: BaseException | None = None
    tracemalloc.start()
    try:
        nn.load(path)
    except BaseException as exc:  # the test looks at what was raised
        raised = exc
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak, raised


def assert_refused_within_bound(path: Path) -> StateError:
    peak, raised = peak_of_loading(path)
    assert isinstance(raised, StateError), f"{type(raised).__name__}: {raised}"
    assert str(path) in str(raised)
    size = path.stat().st_size
    assert peak < BYTES_PER_BYTE * size + CONSTANT, f"{peak} bytes for a {size}-byte file"
    assert len(str(raised)) < 1000  # a message quotes a bounded part of the file
    return raised


HUGE_ARCHITECTURES = {
    "a wide MLP": {"nin": 2000, "nouts": [2000, 1]},
    "a billion inputs": {"nin": 10**9, "nouts": [1]},
    "100,000 layers": {"nin": 2, "nouts": [3] * 10**5},
    "a huge neuron": {"nin": 10**12},
}


@pytest.mark.parametrize("architecture", HUGE_ARCHITECTURES.values(), ids=HUGE_ARCHITECTURES)
def test_a_file_declaring_a_huge_model_is_refused_before_it_is_built(tmp_path, architecture):
    module = "Neuron" if "nouts" not in architecture else "MLP"
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(document(tmp_path, module=module, architecture=architecture)))
    assert_refused_within_bound(path)


def test_the_file_of_the_issue_173_bytes_is_refused_at_once(tmp_path):
    path = tmp_path / "small.json"
    text = {"format": "chainrule.nn", "version": 2, "module": "MLP", "state": {}}
    path.write_text(json.dumps({**text, "architecture": {"nin": 2000, "nouts": [2000, 1]}}))
    raised = assert_refused_within_bound(path)
    assert "missing layers.0.W" in str(raised)


@pytest.mark.parametrize("depth", [500, 5_000, 200_000])
def test_deep_nesting_in_the_state_or_anywhere_is_a_state_error(tmp_path, depth):
    deep = "[" * depth + "0.5" + "]" * depth
    good = good_checkpoint(tmp_path).decode()
    for where in ('"layers.1.b": [\n   0.0\n  ]', '"nin": 2', '"module": "MLP"'):
        assert where in good
        path = tmp_path / "deep.json"
        path.write_text(good.replace(where, f"{where.split(':')[0]}: {deep}"))
        assert_refused_within_bound(path)


@pytest.mark.parametrize("number", ["9" * 400, "-" + "9" * 5000, "1e999", "-1e400"])
def test_a_number_no_float_holds_is_a_state_error(tmp_path, number):
    good = good_checkpoint(tmp_path).decode()
    path = tmp_path / "huge.json"
    for where, replacement in [
        ('"layers.1.b": [\n   0.0', f'"layers.1.b": [\n   {number}'),
        ('"nin": 2', f'"nin": {number}'),
    ]:
        assert where in good
        path.write_text(good.replace(where, replacement))
        raised = assert_refused_within_bound(path)
        assert "9" * 200 not in str(raised)


def test_a_state_of_200000_unexpected_tensors_gives_a_short_message(tmp_path):
    path = tmp_path / "keys.json"
    saved = document(tmp_path)
    saved["state"] = {**saved["state"], **{f"extra.{i}": 0.0 for i in range(200_000)}}
    path.write_text(json.dumps(saved))
    with pytest.raises(StateError, match=r"unexpected \['extra\.0', .*\] and 199995 more"):
        MLP(2, [3, 1]).load(path)


@tmp_path_ok
@given(edit=st.data())
def test_any_edit_of_a_checkpoints_bytes_loads_or_is_a_state_error(tmp_path, edit):
    good = good_checkpoint(tmp_path)
    path = tmp_path / "edited.json"
    path.write_bytes(edit.draw(byte_edits(good)))
    peak, raised = peak_of_loading(path)
    assert raised is None or isinstance(raised, StateError), f"{type(raised).__name__}: {raised}"
    assert peak < BYTES_PER_BYTE * len(good) * 2 + CONSTANT


def replace_at(tree: object, path: list[int], value: object) -> object:
    """``tree`` with the item reached by ``path`` (indices into its lists and dicts) replaced."""
    if not path or not isinstance(tree, (list, dict)) or not tree:
        return value
    keys = list(tree) if isinstance(tree, dict) else list(range(len(tree)))
    key = keys[path[0] % len(keys)]
    copy = dict(tree) if isinstance(tree, dict) else list(tree)
    copy[key] = replace_at(tree[key], path[1:], value)  # type: ignore[index]
    return copy


@tmp_path_ok
@given(where=st.lists(st.integers(0, 10), max_size=5), value=json_values, kind=st.data())
def test_any_part_of_a_checkpoint_replaced_by_any_json_loads_or_is_a_state_error(
    tmp_path, where, value, kind
):
    module = kind.draw(st.sampled_from([MLP(2, [3, 1], seed=0), Layer(2, 2), Neuron(3)]))
    path = tmp_path / "edited.json"
    module.save(path)
    path.write_text(json.dumps(replace_at(json.loads(path.read_text()), where, value)))
    peak, raised = peak_of_loading(path)
    assert raised is None or isinstance(raised, StateError), f"{type(raised).__name__}: {raised}"
    assert peak < BYTES_PER_BYTE * path.stat().st_size + CONSTANT


@given(arch=architectures())
def test_state_shapes_are_the_shapes_of_the_built_modules_state(arch):
    nin, nouts = arch
    for module in (MLP(nin, nouts), Layer(nin, nouts[0]), Neuron(nin)):
        state = module.state_dict()
        shapes = dict(type(module).state_shapes(module.architecture()))
        assert list(shapes) == list(state)
        for name, shape in shapes.items():
            tensor, dims = state[name], []
            while isinstance(tensor, list):
                dims.append(len(tensor))
                tensor = tensor[0]
            assert tuple(dims) == shape


def test_a_valid_checkpoint_still_loads_within_a_bound_of_its_size(tmp_path):
    path = tmp_path / "model.json"
    model = MLP(3, [8, 8, 2], seed=0)
    model.save(path)
    peak, raised = peak_of_loading(path)
    assert raised is None
    assert peak < BYTES_PER_BYTE * path.stat().st_size + CONSTANT

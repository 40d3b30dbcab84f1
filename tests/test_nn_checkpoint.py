"""nn.checkpoint: models saved as JSON and read back whole, or refused naming the file.

Reading a file, trusted or not, costs a bounded multiple of its size. Every malformed file
raises ``StateError`` (never RecursionError, OverflowError or a MemoryError), and no file
makes ``nn.load`` build more than its weights account for: the architecture's shapes are
checked against the weights before the model is built.
"""

from __future__ import annotations

import json
import math
import os
import stat
import sys
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nn
from nn import MLP, Layer, Module, Neuron, StateError
from tests.strategies import (
    activations,
    architectures,
    byte_edits,
    init_seeds,
    json_values,
    network_inputs,
)
from tests.test_nn_module import Custom, weights

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


# -- checkpoints --------------------------------------------------------------------------------
@tmp_path_ok
@given(arch=architectures(), seed=init_seeds, x=network_inputs)
def test_save_then_load_restores_the_exact_weights_and_outputs(tmp_path, arch, seed, x):
    nin, nouts = arch
    source, target = MLP(nin, nouts, seed=seed), MLP(nin, nouts, seed=seed + 1)
    path = tmp_path / "model.json"
    source.save(path)
    target.load(path)
    assert weights(target) == weights(source)  # floats survive JSON exactly
    out_source, out_target = source([x] * nin), target([x] * nin)
    if isinstance(out_source, list):
        assert [v.data for v in out_target] == [v.data for v in out_source]
    else:
        assert out_target.data == out_source.data


def test_the_checkpoint_is_readable_json_with_format_version_and_matrices(tmp_path):
    model = MLP(2, [3, 1], seed=0)
    path = tmp_path / "model.json"
    model.save(str(path))
    document = json.loads(path.read_text())
    assert document["format"] == "chainrule.nn" and document["version"] == 2
    assert document["module"] == "MLP"
    assert document["architecture"] == {
        "nin": 2,
        "nouts": [3, 1],
        "activation": "sigmoid",
        "output_activation": None,
    }
    assert document["state"] == model.state_dict()


def test_save_leaves_no_temporary_file_and_replaces_an_old_checkpoint(tmp_path):
    path = tmp_path / "model.json"
    MLP(2, [3, 1], seed=0).save(path)
    newer = MLP(2, [3, 1], seed=1)
    newer.save(path)
    assert os.listdir(tmp_path) == ["model.json"]
    loaded = MLP(2, [3, 1], seed=2)
    loaded.load(path)
    assert weights(loaded) == weights(newer)


def test_save_refuses_non_finite_weights_and_writes_nothing(tmp_path):
    model = MLP(2, [3, 1], seed=0)
    model.layers[1].b[0].data = math.nan
    with pytest.raises(StateError, match=r"layers\.1\.b\.0 is nan"):
        model.save(tmp_path / "model.json")
    assert os.listdir(tmp_path) == []


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")
def test_a_new_checkpoint_is_readable_by_others_like_an_ordinary_file(tmp_path):
    path = tmp_path / "model.json"
    MLP(2, [3, 1], seed=0).save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def edited(good: str, **changes: object) -> bytes:
    """The checkpoint text ``good`` with some top-level fields changed (None: removed)."""
    document = {**json.loads(good), **changes}
    return json.dumps({k: v for k, v in document.items() if v is not None}).encode()


def with_bias(good: str, bias: float) -> bytes:
    state = json.loads(good)["state"]
    return edited(good, state={**state, "layers.1.b": [bias]})  # json writes nan as NaN


CORRUPTIONS = {
    "empty": (lambda good: b"", "truncated or corrupted"),
    "truncated": (lambda good: good[: len(good) // 2].encode(), "truncated or corrupted"),
    "garbage": (lambda good: b"\x00\xff\xfe not json", "truncated or corrupted"),
    "not an object": (lambda good: b"[1, 2, 3]", "not a chainrule.nn checkpoint"),
    "other format": (lambda good: edited(good, format="pickle"), "not a chainrule.nn"),
    "newer version": (
        lambda good: edited(good, version=3),
        "version 3, this library reads versions 1 and 2",
    ),
    "no state": (
        lambda good: edited(good, state=None),
        "the state must be an object, got NoneType",
    ),
    "list state": (lambda good: edited(good, state=[1.0]), "the state must be an object, got list"),
    "bad architecture": (
        lambda good: edited(good, architecture=[2, [3, 1]]),
        r"the architecture must be an object, got \[2, \[3, 1\]\]",
    ),
    "nameless module": (lambda good: edited(good, module=7), "module's name must be a string"),
    "nan token": (lambda good: with_bias(good, math.nan), "NaN is not a number JSON allows"),
    "other architecture": (
        lambda good: edited(good, state=MLP(2, [4, 1], seed=0).state_dict()),
        r"expected shape \(3, 2\), got \(4, 2\)",
    ),
}


@pytest.mark.parametrize(("corrupt", "reason"), CORRUPTIONS.values(), ids=CORRUPTIONS.keys())
def test_a_bad_checkpoint_raises_naming_the_file_and_leaves_the_weights(tmp_path, corrupt, reason):
    good = tmp_path / "good.json"
    MLP(2, [3, 1], seed=1).save(good)
    bad = tmp_path / "bad.json"
    bad.write_bytes(corrupt(good.read_text()))
    model = MLP(2, [3, 1], seed=0)
    before = weights(model)
    with pytest.raises(StateError, match=reason) as raised:
        model.load(bad)
    assert str(bad) in str(raised.value)
    assert weights(model) == before


def test_loading_another_architecture_names_both(tmp_path):
    path = tmp_path / "wide.json"
    MLP(2, [4, 1], seed=0).save(path)
    with pytest.raises(StateError) as raised:
        MLP(2, [3, 1], seed=0).load(path)
    assert str(raised.value) == (
        f"{path} holds MLP(nin=2, nouts=[4, 1], activation='sigmoid', output_activation=None), "
        "but this model is MLP(nin=2, nouts=[3, 1], activation='sigmoid', output_activation=None)"
    )


def test_a_sigmoid_checkpoint_does_not_load_into_a_tanh_model_of_the_same_shape(tmp_path):
    path = tmp_path / "sigmoid.json"
    MLP(2, [3, 1], activation="sigmoid", seed=0).save(path)
    tanh = MLP(2, [3, 1], activation="tanh", seed=1)
    before = weights(tanh)
    with pytest.raises(StateError, match=r"holds MLP\(.*activation='sigmoid'.*but this model is "):
        tanh.load(path)
    assert weights(tanh) == before


def test_the_same_network_written_two_ways_has_one_architecture(tmp_path):
    path = tmp_path / "model.json"
    pairs = [  # (saved, loaded): the same layers and activations, spelled two ways
        (
            MLP(2, [3, 1], activation="tanh", output_activation="tanh", seed=0),
            MLP(2, [3, 1], activation="tanh", seed=1),  # output_activation None: the same
        ),
        (
            MLP(2, [1], activation="sigmoid", seed=0),
            MLP(2, [1], activation="relu", output_activation="sigmoid", seed=1),
        ),
    ]
    for saved, loaded in pairs:
        saved.save(path)
        assert weights(loaded) != weights(saved)
        loaded.load(path)
        assert weights(loaded) == weights(saved)  # the file's weights, not the model's own
        assert loaded([0.3, -0.7]).data == saved([0.3, -0.7]).data


@tmp_path_ok
@given(arch=architectures(), hidden=activations, output=activations, seed=init_seeds)
def test_nn_load_rebuilds_the_saved_mlp_from_the_file_alone(tmp_path, arch, hidden, output, seed):
    nin, nouts = arch
    model = MLP(nin, nouts, hidden, output_activation=output, seed=seed)
    path = tmp_path / "model.json"
    model.save(path)
    for loaded in (nn.load(path), MLP.from_file(path)):
        assert isinstance(loaded, MLP)
        assert loaded.architecture() == model.architecture()
        assert [layer.activation for layer in loaded.layers] == [
            layer.activation for layer in model.layers
        ]
        assert weights(loaded) == weights(model)


@pytest.mark.parametrize(
    "module",
    [Layer(3, 2, "relu", seed=0), Neuron(2, "tanh", seed=0)],
    ids=["layer", "neuron"],
)
def test_nn_load_rebuilds_layers_and_neurons(tmp_path, module):
    path = tmp_path / "unit.json"
    module.save(path)
    loaded = nn.load(path)
    assert type(loaded) is type(module) and repr(loaded) == repr(module)
    assert weights(loaded) == weights(module)


def test_from_file_refuses_a_file_saved_from_another_class(tmp_path):
    path = tmp_path / "model.json"
    MLP(2, [3, 1], seed=0).save(path)
    with pytest.raises(StateError, match=r"model\.json was saved from MLP, not Layer"):
        Layer.from_file(path)


def test_an_architecture_that_builds_nothing_is_a_state_error(tmp_path):
    path = tmp_path / "model.json"
    MLP(2, [3, 1], seed=0).save(path)
    path.write_bytes(edited(path.read_text(), architecture={"nin": 0, "nouts": [1]}))
    with pytest.raises(StateError, match="its architecture does not build MLP: MLP: nin must be"):
        nn.load(path)


def version_1(model: Module) -> bytes:
    """The checkpoint the first version of nn wrote: no architecture."""
    document = {"format": "chainrule.nn", "version": 1, "module": "MLP"}
    return json.dumps({**document, "state": model.state_dict()}, indent=1).encode()


def test_a_version_1_checkpoint_still_loads_into_a_model_built_by_hand(tmp_path):
    path = tmp_path / "old.json"
    old = MLP(2, [3, 1], seed=0)
    path.write_bytes(version_1(old))
    model = MLP(2, [3, 1], activation="tanh", seed=1)  # version 1 cannot tell the activation
    model.load(path)
    assert weights(model) == weights(old)
    with pytest.raises(
        StateError, match=r"saved from MLP\): layers\.0\.W: expected shape \(4, 2\)"
    ):
        MLP(2, [4, 1], seed=0).load(path)


def test_nn_load_of_a_version_1_checkpoint_says_to_build_the_model(tmp_path):
    path = tmp_path / "old.json"
    path.write_bytes(version_1(MLP(2, [3, 1], seed=0)))
    with pytest.raises(
        StateError, match=r"does not record the architecture of its MLP \(a version 1"
    ):
        nn.load(path)


def test_a_module_without_an_architecture_saves_and_loads_but_is_not_rebuilt(tmp_path):
    path = tmp_path / "custom.json"
    source, target = Custom(), Custom()
    for p in source.parameters():
        p.data += 1.0
    source.save(path)
    assert json.loads(path.read_text())["architecture"] is None
    target.load(path)
    assert weights(target) == weights(source)
    with pytest.raises(StateError, match=r"was saved from Custom; nn\.load rebuilds MLP, Layer"):
        nn.load(path)
    with pytest.raises(StateError, match=r"holds Custom \(architecture not recorded\), but this"):
        MLP(2, [3, 1]).load(path)


def test_saving_into_a_missing_directory_names_the_users_path(tmp_path):
    path = tmp_path / "no" / "such" / "model.json"
    with pytest.raises(FileNotFoundError) as raised:
        MLP(2, [3, 1], seed=0).save(path)
    assert str(path) in str(raised.value) and ".tmp" not in str(raised.value)


def test_loading_a_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        MLP(2, [3, 1]).load(Path(tmp_path) / "absent.json")

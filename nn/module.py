"""Module: a container of parameters with names, gradients reset, and JSON checkpoints.

A module's parameters are the Values found in its attributes, in the order they were
set, looking inside sub-modules and lists: an MLP's ``layers[0].W[1][0]`` is named
``layers.0.W.1.0``. Parameters are grouped into *tensors*, the lists that hold only
Values and lists of them (``layers.0.W`` is W1, a list of rows), which is how
``state_dict()`` and the saved JSON show them, so a checkpoint reads like the network's
matrices.
"""

from __future__ import annotations

import json
import math
import numbers
import os
from collections.abc import Iterator
from typing import Any, TypeVar

from autograd import Value
from nn import checkpoint
from nn.checkpoint import StateError

# A tensor's state: a float for a scalar parameter, else a (nested) list of floats.
Nested = Any
M = TypeVar("M", bound="Module")


class Module:
    """Base class of everything with parameters: Neuron, Layer, MLP and your own."""

    def named_parameters(self) -> list[tuple[str, Value]]:
        """(name, parameter) pairs in a stable order, each parameter once."""
        seen: set[Value] = set()
        named = []
        for tensor, index, value in self._entries():
            if value not in seen:
                seen.add(value)
                named.append((_dotted(tensor, index), value))
        return named

    def parameters(self) -> list[Value]:
        """Every parameter, in the order of ``named_parameters()``."""
        return [value for _, value in self.named_parameters()]

    def zero_grad(self) -> None:
        """Reset every parameter's ``.grad`` to 0 (``backward()`` accumulates)."""
        for p in self.parameters():
            p.grad = 0.0

    def state_dict(self) -> dict[str, Nested]:
        """The weights as plain floats, one entry per tensor: ``{"layers.0.W": [[...], ...]}``."""
        state: dict[str, Nested] = {}
        for tensor, index, value in self._entries():
            if not index:
                state[tensor] = value.data
                continue
            rows = state.setdefault(tensor, [])
            for i in index[:-1]:
                if i == len(rows):
                    rows.append([])
                rows = rows[i]
            rows.append(value.data)
        return state

    def load_state_dict(self, state: dict[str, Nested]) -> None:
        """Set every weight from ``state`` (as made by ``state_dict()``).

        Checks everything first: a missing or unexpected tensor, a wrong shape or a value
        that is not a finite number raises ``StateError`` and leaves the weights untouched.
        """
        if not isinstance(state, dict):
            raise StateError(f"a state dict must be a dict, got {type(state).__name__}")
        expected = self.state_dict()
        missing = [name for name in expected if name not in state]
        unexpected = [name for name in state if name not in expected]
        if missing or unexpected:
            raise StateError(
                f"the state does not fit this {type(self).__name__}: "
                f"missing {missing or 'nothing'}, unexpected {unexpected or 'nothing'}"
            )
        updates: list[tuple[str, float]] = []
        for name, ours in expected.items():
            theirs = list(_state_numbers(state[name], name))
            if [n for n, _ in theirs] != [n for n, _ in _state_numbers(ours, name)]:
                raise StateError(
                    f"{name}: expected shape {_shape(ours)}, got {_shape(state[name])}"
                )
            updates.extend(theirs)
        for (_, _, p), (_, data) in zip(self._entries(), updates, strict=True):
            p.data = data

    def architecture(self) -> dict[str, Any] | None:
        """The constructor arguments that rebuild this module's shape and activations, as
        JSON values; saved beside the weights. None (the default) when not described."""
        return None

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the architecture and the weights to ``path`` as JSON, atomically.

        The JSON goes to a temporary file in the same directory, is flushed to disk, then
        renamed over ``path``: a crash leaves the old file or the new one, never half of one.
        Non-finite weights raise ``StateError`` (JSON has no NaN) and write nothing; a
        directory that does not exist raises ``FileNotFoundError`` naming ``path``.
        """
        for tensor, index, p in self._entries():
            if not math.isfinite(p.data):
                raise StateError(f"cannot save: parameter {_dotted(tensor, index)} is {p.data}")
        checkpoint.write(path, type(self).__name__, self.architecture(), self.state_dict())

    def load(self, path: str | os.PathLike[str]) -> None:
        """Set the weights from a file written by ``save``.

        A truncated or corrupted file, another format or version, a file saved from another
        architecture (which the message names beside this one) or weights of other shapes
        raise ``StateError`` naming the file; the weights stay untouched.
        """
        self._load_checkpoint(checkpoint.read(path), path)

    @classmethod
    def from_file(cls: type[M], path: str | os.PathLike[str]) -> M:
        """A new module of this class, built from the architecture saved at ``path`` and
        holding its weights (``MLP.from_file("xor.json")``)."""
        return cls.from_checkpoint(checkpoint.read(path), path)

    @classmethod
    def from_checkpoint(cls: type[M], saved: checkpoint.Checkpoint, path: object) -> M:
        """``from_file`` for a checkpoint already read; ``path`` names it in errors."""
        if saved.module != cls.__name__:
            raise StateError(f"{path} was saved from {saved.module}, not {cls.__name__}")
        if saved.architecture is None:
            raise StateError(
                f"{path} does not record the architecture of its {saved.module} (a version "
                f"{saved.version} file): build the model, then call its load({str(path)!r})"
            )
        try:
            module = cls(**saved.architecture)
        except (TypeError, ValueError) as exc:
            reason = f"its architecture does not build {cls.__name__}: {exc}"
            raise StateError(f"{path}: {reason}") from None
        module._load_checkpoint(saved, path)
        return module

    def _load_checkpoint(self, saved: checkpoint.Checkpoint, path: object) -> None:
        ours = _as_json(self.architecture())
        # Version 1 files record no architecture: only the shapes of their weights are checked.
        if saved.version >= 2 and (saved.module, saved.architecture) != (type(self).__name__, ours):
            raise StateError(
                f"{path} holds {checkpoint.describe(saved.module, saved.architecture)}, "
                f"but this model is {checkpoint.describe(type(self).__name__, ours)}"
            )
        try:
            self.load_state_dict(saved.state)
        except StateError as exc:
            raise StateError(f"{path} (saved from {saved.module}): {exc}") from None

    def _entries(self) -> list[tuple[str, tuple[int, ...], Value]]:
        """(tensor, index, parameter) for every place a parameter is held, shared ones repeated."""
        return list(_walk(vars(self), ""))

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _walk(item: Any, name: str) -> Iterator[tuple[str, tuple[int, ...], Value]]:
    """(tensor name, index in it, Value) for every Value inside ``item``.

    A *tensor* is a Value, or a list or tuple holding only Values and such lists (a weight
    matrix, a row, a bias vector): its Values are indexed inside it. Anything else (a
    Module, a dict, a list that also holds other things) is a container whose items are
    named one by one, so ``[row, "note", row]`` holds two tensors, ``.0`` and ``.2``.
    """
    if _is_tensor(item):
        yield from _indexed(item, name, ())
        return
    if isinstance(item, Module):
        item = vars(item)
    if isinstance(item, dict):
        pairs = ((str(key), value) for key, value in item.items())
    elif isinstance(item, (list, tuple)):
        pairs = ((str(i), value) for i, value in enumerate(item))
    else:
        return
    for key, value in pairs:
        yield from _walk(value, f"{name}.{key}" if name else key)


def _is_tensor(item: Any) -> bool:
    if isinstance(item, Value):
        return True
    return isinstance(item, (list, tuple)) and bool(item) and all(map(_is_tensor, item))


def _indexed(
    tensor: Any, name: str, index: tuple[int, ...]
) -> Iterator[tuple[str, tuple[int, ...], Value]]:
    """(name, index, Value) for every Value of a tensor, in row-major order."""
    if isinstance(tensor, Value):
        yield name, index, tensor
        return
    for i, item in enumerate(tensor):
        yield from _indexed(item, name, (*index, i))


def _dotted(tensor: str, index: tuple[int, ...]) -> str:
    """A parameter's name: ``("layers.0.W", (1, 0))`` -> ``"layers.0.W.1.0"``."""
    return ".".join([tensor, *map(str, index)])


def _shape(nested: Nested) -> tuple[int, ...] | str:
    """``()`` for a number, ``(rows, cols)`` for a matrix, ``"ragged"`` for uneven rows."""
    if not isinstance(nested, (list, tuple)):
        return ()
    inner = {_shape(item) for item in nested}
    if len(inner) > 1 or "ragged" in inner:
        return "ragged"
    return (len(nested), *inner.pop()) if inner else (0,)


def _state_numbers(nested: Nested, name: str) -> Iterator[tuple[str, float]]:
    """(name, float) for every number in ``nested``; StateError for anything else."""
    if isinstance(nested, (list, tuple)):
        for i, item in enumerate(nested):
            yield from _state_numbers(item, f"{name}.{i}")
        return
    if isinstance(nested, bool) or not isinstance(nested, numbers.Real):
        raise StateError(f"{name}: expected a number, got {type(nested).__name__} {nested!r}")
    data = float(nested)
    if not math.isfinite(data):
        raise StateError(f"{name}: expected a finite number, got {data}")
    yield name, data


def _as_json(architecture: dict[str, Any] | None) -> dict[str, Any] | None:
    """The architecture as it reads back from JSON (tuples become lists), to compare."""
    return None if architecture is None else dict(json.loads(json.dumps(architecture)))

"""Module: a container of parameters with names, gradients reset, and JSON checkpoints.

A module's parameters are the Values found in its attributes, in the order they were
set, looking inside sub-modules and lists: an MLP's ``layers[0].W[1][0]`` is named
``layers.0.W.1.0``. Parameters are grouped into *tensors* by dropping the trailing
indices (``layers.0.W`` is W1, a list of rows), which is how ``state_dict()`` and the
saved JSON show them, so a checkpoint reads like the network's matrices.
"""

from __future__ import annotations

import json
import math
import numbers
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from autograd import Value
from autograd.files import write_atomic

FORMAT = "chainrule.nn"
VERSION = 1

# A tensor's state: a float for a scalar parameter, else a (nested) list of floats.
Nested = Any


class StateError(ValueError):
    """A state dict or a checkpoint file that is malformed or does not fit the module."""


class Module:
    """Base class of everything with parameters: Neuron, Layer, MLP and your own."""

    def named_parameters(self) -> list[tuple[str, Value]]:
        """(name, parameter) pairs in a stable order, each parameter once."""
        seen: set[Value] = set()
        named = []
        for name, value in self._entries():
            if value not in seen:
                seen.add(value)
                named.append((name, value))
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
        for name, value in self._entries():
            tensor, index = _split_name(name)
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
            theirs = list(_flatten(state[name], name))
            if [n for n, _ in theirs] != [n for n, _ in _flatten(ours, name)]:
                raise StateError(
                    f"{name}: expected shape {_shape(ours)}, got {_shape(state[name])}"
                )
            updates.extend(theirs)
        for (_, p), (_, data) in zip(self._entries(), updates, strict=True):
            p.data = data

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the weights to ``path`` as JSON, atomically.

        The JSON goes to a temporary file in the same directory, is flushed to disk, then
        renamed over ``path``: a crash leaves the old file or the new one, never half of one.
        Non-finite weights raise ``StateError`` (JSON has no NaN) and write nothing.
        """
        for name, p in self._entries():
            if not math.isfinite(p.data):
                raise StateError(f"cannot save: parameter {name} is {p.data}")
        document = {
            "format": FORMAT,
            "version": VERSION,
            "module": type(self).__name__,
            "state": self.state_dict(),
        }
        write_atomic(path, (json.dumps(document, indent=1) + "\n").encode())

    def load(self, path: str | os.PathLike[str]) -> None:
        """Set the weights from a file written by ``save``.

        A truncated or corrupted file, another format or version, or the weights of another
        architecture raise ``StateError`` naming the file; the weights stay untouched.
        """
        raw = Path(path).read_bytes()
        try:
            document = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
        except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            reason = f"not a valid checkpoint (truncated or corrupted): {exc}"
            raise StateError(f"{path}: {reason}") from exc
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise StateError(f"{path}: not a {FORMAT} checkpoint")
        if document.get("version") != VERSION:
            raise StateError(
                f"{path}: checkpoint format version {document.get('version')!r}, "
                f"this library reads version {VERSION}"
            )
        try:
            state: Any = document.get("state")  # load_state_dict checks what it is
            self.load_state_dict(state)
        except StateError as exc:
            raise StateError(f"{path} (a saved {document.get('module')}): {exc}") from None

    def _entries(self) -> list[tuple[str, Value]]:
        """(name, parameter) for every place a parameter is held, shared ones repeated."""
        return list(_walk(vars(self), ""))

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _walk(item: Any, name: str) -> Iterator[tuple[str, Value]]:
    """(dotted name, Value) for every Value inside ``item``: a Module, list, tuple or dict."""
    if isinstance(item, Value):
        yield name, item
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


def _split_name(name: str) -> tuple[str, tuple[int, ...]]:
    """``"layers.0.W.1.0"`` -> ``("layers.0.W", (1, 0))``: the tensor and the index in it."""
    parts = name.split(".")
    end = len(parts)
    while end > 1 and parts[end - 1].isdigit():
        end -= 1
    return ".".join(parts[:end]), tuple(int(p) for p in parts[end:])


def _shape(nested: Nested) -> tuple[int, ...] | str:
    """``()`` for a number, ``(rows, cols)`` for a matrix, ``"ragged"`` for uneven rows."""
    if not isinstance(nested, (list, tuple)):
        return ()
    inner = {_shape(item) for item in nested}
    if len(inner) > 1 or "ragged" in inner:
        return "ragged"
    return (len(nested), *inner.pop()) if inner else (0,)


def _flatten(nested: Nested, name: str) -> Iterator[tuple[str, float]]:
    """(name, float) for every number in ``nested``; StateError for anything else."""
    if isinstance(nested, (list, tuple)):
        for i, item in enumerate(nested):
            yield from _flatten(item, f"{name}.{i}")
        return
    if isinstance(nested, bool) or not isinstance(nested, numbers.Real):
        raise StateError(f"{name}: expected a number, got {type(nested).__name__} {nested!r}")
    data = float(nested)
    if not math.isfinite(data):
        raise StateError(f"{name}: expected a finite number, got {data}")
    yield name, data


def _reject_constant(token: str) -> float:
    raise ValueError(f"{token} is not a number JSON allows")

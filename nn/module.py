"""Module: a container of parameters with names, gradients reset, and JSON checkpoints.

A module's parameters are the leaf Values found in its attributes (made by ``Value(...)``,
not computed by an op), in the order they were set, looking inside sub-modules, dicts and
lists: an MLP's ``layers[0].W[1][0]`` is named ``layers.0.W.1.0``. A computed Value held
by a module, such as an output cached with ``self.last = out``, is not a parameter.
Parameters are grouped into *tensors*, the lists that hold only Values and lists of them
(``layers.0.W`` is W1, a list of rows), which is how ``state_dict()`` and the saved JSON
show them, so a checkpoint reads like the network's matrices.

Why ``named_parameters()`` and ``state_dict()`` name different things, where PyTorch's
agree: a PyTorch parameter is a tensor, a chainrule parameter is one scalar Value (what
``backward()`` fills and an optimizer steps), so ``named_parameters()`` names scalars, and
``state_dict()`` groups them into the tensors a reader expects. The two agree on every
name: parameter ``layers.0.W.1.0`` is ``state_dict()["layers.0.W"][1][0]``, its tensor's
key followed by its index. (Checkpoints store the tensors, as they always have.)
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator
from typing import Any, TypeVar

from autograd import Value, tree
from nn import checkpoint
from nn.checkpoint import StateError
from nn.validation import listing, real, shortened

# A tensor's state: a float for a scalar parameter, else a (nested) list of floats.
Nested = Any
M = TypeVar("M", bound="Module")


class Module:
    """Base class of everything with parameters: Neuron, Layer, MLP and your own.

    A parameter is declared by holding a leaf Value in an attribute (``self.w = Value(0.5)``,
    or lists and dicts of them): what ``named_parameters()``, ``state_dict()``, checkpoints
    and optimizers see. A Value computed from others (an output or activation cached on
    the module) has inputs and is never a parameter, so caching one changes none of them.
    """

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
        numbers = checked_numbers(state, self.state_dict(), type(self).__name__)
        for (_, _, p), data in zip(self._entries(), numbers, strict=True):
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
        self.save_with(path, {})

    def save_with(self, path: str | os.PathLike[str], extra: dict[str, Any]) -> None:
        """``save``, with ``extra``'s fields beside the module's (``fit`` adds the optimizer
        and the training's progress); ``load`` reads the module's and ignores the rest."""
        for tensor, index, p in self._entries():
            if not math.isfinite(p.data):
                raise StateError(f"cannot save: parameter {_dotted(tensor, index)} is {p.data}")
        name, architecture = type(self).__name__, self.architecture()
        checkpoint.write(path, name, architecture, self.state_dict(), extra)

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
    def state_shapes(cls, architecture: dict[str, Any]) -> Iterator[tuple[str, tuple[int, ...]]]:
        """(name, shape) of each tensor of ``cls(**architecture)``, found without building it.

        ``from_checkpoint`` checks a file's weights against these shapes, one tensor at a
        time, before it builds the module: a file claiming a huge architecture costs no
        more than its size. Nothing (the default): not known, and the module is built
        before its weights are checked. TypeError or ValueError: an architecture that
        builds nothing.
        """
        yield from ()

    @classmethod
    def from_checkpoint(cls: type[M], saved: checkpoint.Checkpoint, path: object) -> M:
        """``from_file`` for a checkpoint already read; ``path`` names it in errors.

        The weights are checked against ``state_shapes(architecture)`` (names, shapes,
        finite numbers) before the module is built."""
        if saved.module != cls.__name__:
            raise StateError(f"{path} was saved from {saved.module}, not {cls.__name__}")
        if saved.architecture is None:
            raise StateError(
                f"{path} does not record the architecture of its {saved.module} (a version "
                f"{saved.version} file): build the model, then call its load({str(path)!r})"
            )
        numbers: list[float] = []
        try:  # the tensors the architecture declares (a subclass may hold more)
            for name, shape in cls.state_shapes(saved.architecture):
                if name not in saved.state:
                    raise StateError(f"the state does not fit this {cls.__name__}: missing {name}")
                _numbers_fitting(shape, saved.state[name], name, numbers)
            module = cls(**saved.architecture)
        except (TypeError, ValueError) as exc:
            if isinstance(exc, StateError):
                raise StateError(f"{path} (saved from {saved.module}): {exc}") from None
            reason = f"its architecture does not build {cls.__name__}: {shortened(str(exc), 300)}"
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

    A *tensor* is a leaf Value, or a list or tuple holding only leaf Values and such lists
    (a weight matrix, a row, a bias vector): its Values are indexed inside it. Anything else (a
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
    """A leaf Value, or a non-empty list or tuple whose leaves are all leaf Values."""
    if isinstance(item, Value):
        return not item.inputs  # a leaf: a parameter; a computed node is no parameter
    if not isinstance(item, (list, tuple)):
        return False
    found = tree.leaves(item)
    return bool(found) and all(isinstance(v, Value) and not v.inputs for v in found)


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


def checked_numbers(state: Any, expected: dict[str, Nested], owner: str) -> list[float]:
    """The numbers of ``state``, tensor by tensor in ``expected``'s order, each in reading
    order, if ``state`` holds exactly the tensors of ``expected`` in their shapes; else
    StateError.

    ``expected`` maps each tensor's name to a template: its own state (a number, or nested
    lists of them, maybe ragged) or a shape tuple. The walk follows the templates, never
    the state's own nesting, and stops at the first mismatch, so a hostile state costs no
    more than the templates and its own size.
    """
    if not isinstance(state, dict):
        raise StateError(f"a state dict must be a dict, got {type(state).__name__}")
    missing = [name for name in expected if name not in state]
    unexpected = [name for name in state if name not in expected]
    if missing or unexpected:
        raise StateError(
            f"the state does not fit this {owner}: "
            f"missing {listing(missing) if missing else 'nothing'}, "
            f"unexpected {listing(unexpected) if unexpected else 'nothing'}"
        )
    numbers: list[float] = []
    for name, template in expected.items():
        _numbers_fitting(template, state[name], name, numbers)
    return numbers


def _numbers_fitting(template: Any, tensor: Any, name: str, numbers: list[float]) -> None:
    """Append ``tensor``'s numbers to ``numbers`` if it has ``template``'s shape."""
    pending: list[tuple[Any, Any, tuple[int, ...]]] = [(template, tensor, ())]
    while pending:
        expected, item, index = pending.pop()
        if isinstance(expected, list) or (isinstance(expected, tuple) and expected):
            size = len(expected) if isinstance(expected, list) else expected[0]
            if not isinstance(item, (list, tuple)) or len(item) != size:
                wanted = template if isinstance(template, tuple) else _shape(template)
                raise StateError(f"{name}: expected shape {wanted}, got {_shape(tensor)}")
            inner = expected if isinstance(expected, list) else [expected[1:]] * size
            children = list(enumerate(zip(inner, item, strict=True)))
            pending.extend((e, t, (*index, i)) for i, (e, t) in reversed(children))
        else:
            numbers.append(_finite_number(item, name, index))


def _finite_number(x: Any, name: str, index: tuple[int, ...]) -> float:
    if type(x) is float and math.isfinite(x):
        return x
    try:  # any finite real number: (-inf, inf), open at both ends
        return real(x, "a weight", _dotted(name, index), low=-math.inf, low_inclusive=False)
    except (TypeError, ValueError) as exc:
        raise StateError(str(exc)) from None


def _shape(nested: Nested) -> tuple[int, ...] | str:
    """``()`` for a number, ``(rows, cols)`` for a matrix, ``"ragged"`` for uneven rows.

    Level by level, each item looked at once: no recursion, however deep ``nested`` is."""
    dims: list[int] = []
    level = [nested]
    while level and all(isinstance(item, (list, tuple)) for item in level):
        if len({len(item) for item in level}) > 1:
            return "ragged"
        dims.append(len(level[0]))
        level = [inner for item in level for inner in item]
    if any(isinstance(item, (list, tuple)) for item in level):
        return "ragged"
    return tuple(dims)


def _as_json(architecture: dict[str, Any] | None) -> dict[str, Any] | None:
    """The architecture as it reads back from JSON (tuples become lists), to compare."""
    return None if architecture is None else dict(json.loads(json.dumps(architecture)))

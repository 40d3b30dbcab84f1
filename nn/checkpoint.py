"""The checkpoint file: a module's architecture and weights as JSON, checked when read.

A checkpoint is a JSON object, never a pickle, so reading one runs no code::

    {"format": "chainrule.nn", "version": 2, "module": "MLP",
     "architecture": {"nin": 2, "nouts": [4, 1], "activation": "sigmoid", ...},
     "state": {"layers.0.W": [[...], ...], ...}}

Version 2 records the architecture (the arguments that rebuild the module, or null for a
module that does not describe itself) beside the weights; version 1 files, weights only,
are still read. Files are written whole or not at all (``autograd.files.write_atomic``).

Reading an untrusted file costs at most a fixed multiple of its size: a file nested deeper
than Python can parse, or holding a number no float can hold, raises ``StateError``, and
``Module.from_checkpoint`` checks the weights against the architecture before it builds
anything.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, NamedTuple

from autograd.files import write_atomic
from nn.validation import preview

FORMAT = "chainrule.nn"
VERSION = 2  # what save() writes
READABLE_VERSIONS = (1, 2)


class StateError(ValueError):
    """A state dict or a checkpoint file that is malformed or does not fit the module."""


class Checkpoint(NamedTuple):
    """What a checkpoint file holds; ``architecture`` is None in version 1 files.

    ``extra`` holds the document's other fields, unchecked: a run saved by ``fit`` adds
    ``optimizer`` (its ``state_dict()``) and ``training`` (the epoch, the losses so far
    and the shuffling generator's state), which ``load`` ignores."""

    version: int
    module: str
    architecture: dict[str, Any] | None
    state: dict[str, Any]
    extra: dict[str, Any]


def write(
    path: str | os.PathLike[str],
    module: str,
    architecture: dict[str, Any] | None,
    state: dict[str, Any],
    extra: dict[str, Any] | None = None,
) -> Path:
    """Write a version-2 checkpoint to ``path`` atomically (with ``extra``'s fields); return
    the path. A number JSON cannot hold (NaN, inf) raises ``StateError`` and writes nothing."""
    document = {
        **(extra or {}),
        "format": FORMAT,
        "version": VERSION,
        "module": module,
        "architecture": architecture,
        "state": state,
    }
    try:
        text = json.dumps(document, indent=1, allow_nan=False)
    except ValueError as exc:
        raise StateError(f"cannot save {path}: {exc}") from None
    return write_atomic(path, (text + "\n").encode("utf-8"))


def read(path: str | os.PathLike[str]) -> Checkpoint:
    """The checkpoint at ``path``; ``StateError`` naming the file if it is not a whole one.

    The state's numbers are checked later, against the module they are loaded into.
    """
    raw = Path(path).read_bytes()
    try:
        document = json.loads(
            raw.decode("utf-8"), parse_constant=_reject_constant, parse_int=_bounded_int
        )
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        reason = f"not a valid checkpoint (truncated or corrupted): {exc}"
        raise StateError(f"{path}: {reason}") from None
    except RecursionError:
        raise StateError(f"{path}: not a valid checkpoint: nested too deep to read") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise StateError(f"{path}: not a {FORMAT} checkpoint")
    version = document.get("version")
    if version not in READABLE_VERSIONS or isinstance(version, bool):
        raise StateError(
            f"{path}: checkpoint format version {preview(version)}, "
            f"this library reads versions {' and '.join(map(str, READABLE_VERSIONS))}"
        )
    module, architecture = document.get("module"), document.get("architecture")
    if not isinstance(module, str):
        raise StateError(f"{path}: the module's name must be a string, got {preview(module)}")
    if architecture is not None and not isinstance(architecture, dict):
        raise StateError(f"{path}: the architecture must be an object, got {preview(architecture)}")
    state = document.get("state")
    if not isinstance(state, dict):
        raise StateError(f"{path}: the state must be an object, got {type(state).__name__}")
    extra = {k: v for k, v in document.items() if k not in _FIELDS}
    return Checkpoint(version, module, architecture, state, extra)


def describe(module: str, architecture: dict[str, Any] | None) -> str:
    """``MLP(nin=2, nouts=[4, 1], ...)``: a module as its constructor call."""
    if architecture is None:
        return f"{module[:_NAME_SHOWN]} (architecture not recorded)"
    arguments = [f"{k}={preview(v)}" for k, v in list(architecture.items())[:_ARGUMENTS_SHOWN]]
    if len(architecture) > _ARGUMENTS_SHOWN:
        arguments.append(f"... {len(architecture) - _ARGUMENTS_SHOWN} more")
    return f"{module[:_NAME_SHOWN]}({', '.join(arguments)})"


_NAME_SHOWN, _ARGUMENTS_SHOWN = 80, 8
_FIELDS = {"format", "version", "module", "architecture", "state"}
# A float holds integers of up to 309 digits; a longer one is no weight and no size, and
# parsing it would cost time quadratic in its length (Python 3.10 sets no limit).
_MAX_DIGITS = 309


def _reject_constant(token: str) -> float:
    raise ValueError(f"{token} is not a number JSON allows")


def _bounded_int(token: str) -> int:
    digits = len(token.lstrip("-"))
    if digits > _MAX_DIGITS:
        raise ValueError(f"an integer of {digits} digits is too large for any weight or size")
    return int(token)

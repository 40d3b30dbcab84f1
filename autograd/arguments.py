"""What a compiled function takes and returns: trees of numbers (``autograd.tree``),
checked against the shapes it was traced with, and the seeds a batch's seed function gives.

Shared by the scalar compiled function (``autograd.compiler``) and the vectorized one
(``autograd.matrix``), so both say the same of a misshapen argument or seed.
"""

from __future__ import annotations

import reprlib
from collections.abc import Callable
from typing import Any, NoReturn

from autograd import tree
from autograd.tree import TreeDef
from autograd.value import as_float, is_real_number

Shape = Any  # a TreeDef's, lists and tuples alike: None for a number, else its items' shapes


def shape_of(treedef: TreeDef) -> Shape:
    """A tree's shape as nested tuples (None for a number): lists and tuples alike."""
    return None if treedef.kind == "leaf" else tuple(map(shape_of, treedef.children))


def leaf_names(treedef: TreeDef, name: str) -> list[str]:
    """How each number of a tree is reached from ``name``: ``x``, ``x[0][1]``."""
    return [name + "".join(f"[{i}]" for i in path) for path in tree.leaf_paths(treedef)]


def as_tree(arg: Any) -> Any:
    """``arg`` as a tree: a NumPy array (anything with ``tolist``) as its nested lists."""
    return arg.tolist() if hasattr(type(arg), "tolist") else arg


def numbers_of(arg: Any, shape: Shape, where: str) -> list[float]:
    """The numbers of ``arg`` as floats, checking it has the traced shape."""
    found, treedef = tree.flatten(arg := as_tree(arg))
    if shape_of(treedef) != shape:
        _raise_misshapen(arg, shape_of(treedef), shape, where)
    if all(type(x) is float for x in found):
        return found
    numbers = []
    for x, path in zip(found, leaf_names(treedef, where), strict=True):
        if not is_real_number(x):
            raise TypeError(f"{path} must be a number, got {type(x).__name__} {x!r}")
        numbers.append(as_float(x, path))
    return numbers


def _raise_misshapen(arg: Any, got: Shape, traced: Shape, where: str) -> NoReturn:
    """The first place where ``arg``'s shape differs from the traced one, as an error."""
    if got is None or traced is None:
        wanted = "a number" if traced is None else f"a list or tuple of {len(traced)}"
        shown = reprlib.repr(arg)
        raise TypeError(f"{where} must be {wanted}, as traced, got {type(arg).__name__} {shown}")
    if len(got) != len(traced):
        raise ValueError(f"{where} must hold {len(traced)} items, as traced, got {len(got)}")
    i = next(i for i, (g, t) in enumerate(zip(got, traced, strict=True)) if g != t)
    _raise_misshapen(arg[i], got[i], traced[i], f"{where}[{i}]")


class SeedError(Exception):
    """An error of the user's seed function, to be raised as it is."""

    def __init__(self, error: Exception) -> None:
        self.error = error


class SeedsOf:
    """The user's seed function, its result checked: for each example, seeds shaped as
    its outputs (a number for a single Value), flattened for the generated backward."""

    def __init__(self, function: Callable[[list[Any]], Any], shape: TreeDef, title: str):
        self.function, self.treedef, self.title = function, shape, title

    def __call__(self, outputs: list[Any]) -> list[Any]:
        try:
            seeds = list(self.function(outputs))
            if len(seeds) != len(outputs):
                raise ValueError(
                    f"{self.title}.batch: the seed function must return one seed per example "
                    f"({len(outputs)}), got {len(seeds)}"
                )
            checked: list[Any] = []
            for i, seed in enumerate(seeds):
                flat = numbers_of(seed, shape_of(self.treedef), f"{self.title}.batch: seed[{i}]")
                checked.append(flat[0] if self.treedef.kind == "leaf" else tuple(flat))
            return checked
        except Exception as error:
            raise SeedError(error) from None

"""Nested lists and tuples of leaves (numbers, Values), flattened to one list and rebuilt.

One walker for every nested argument: the transforms' and compile's arguments (a weight
matrix, a batch), nn's outputs and states. As JAX's ``tree_util``, a tree is a leaf or a
list or tuple of trees; ``flatten`` gives its leaves in reading order and a ``TreeDef``, the
shape without the leaves, from which ``unflatten`` builds a tree of the same shape.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["TreeDef", "flatten", "leaf_paths", "leaves", "tree_map", "unflatten"]


@dataclass(frozen=True)
class TreeDef:
    """A tree's shape: ``kind`` is "leaf", "list" or "tuple"; a container has its children."""

    kind: str
    children: tuple[TreeDef, ...] = ()

    @property
    def num_leaves(self) -> int:
        """How many leaves a tree of this shape holds."""
        if self.kind == "leaf":
            return 1
        return sum(child.num_leaves for child in self.children)

    def __str__(self) -> str:
        """The shape as JAX prints it, ``*`` for a leaf: ``[[*, *], (*, *)]``."""
        if self.kind == "leaf":
            return "*"
        inside = ", ".join(map(str, self.children))
        return (
            f"[{inside}]" if self.kind == "list" else f"({inside}{',' * (len(self.children) == 1)})"
        )


LEAF = TreeDef("leaf")


def flatten(tree: Any) -> tuple[list[Any], TreeDef]:
    """The leaves of ``tree`` in reading order (depth first, left to right), and its shape."""
    found: list[Any] = []
    return found, _flatten_into(tree, found)


def _flatten_into(tree: Any, found: list[Any]) -> TreeDef:
    if isinstance(tree, (list, tuple)):
        children = tuple(_flatten_into(item, found) for item in tree)
        return TreeDef("list" if isinstance(tree, list) else "tuple", children)
    found.append(tree)
    return LEAF


def leaves(tree: Any) -> list[Any]:
    """The leaves of ``tree`` in reading order."""
    return flatten(tree)[0]


def unflatten(treedef: TreeDef, items: Iterable[Any]) -> Any:
    """A tree shaped as ``treedef`` whose leaves are ``items``, in reading order.

    Raises ValueError when ``items`` holds more or fewer leaves than the shape has.
    """
    pending = iter(items)
    tree = _build(treedef, pending)
    if next(pending, _END) is not _END:
        raise ValueError(f"unflatten: more leaves than the tree's {treedef.num_leaves}")
    return tree


_END = object()


def _build(treedef: TreeDef, pending: Any) -> Any:
    if treedef.kind == "leaf":
        item = next(pending, _END)
        if item is _END:
            raise ValueError("unflatten: fewer leaves than the tree has")
        return item
    children = [_build(child, pending) for child in treedef.children]
    return children if treedef.kind == "list" else tuple(children)


def leaf_paths(treedef: TreeDef) -> list[tuple[int, ...]]:
    """Where each leaf sits, in reading order: the indices that reach it from the root
    (``()`` for a tree that is one leaf), so an error can say ``W[1][0]``."""
    if treedef.kind == "leaf":
        return [()]
    return [(i, *path) for i, child in enumerate(treedef.children) for path in leaf_paths(child)]


def tree_map(function: Callable[[Any], Any], tree: Any) -> Any:
    """A tree of the same shape whose leaves are ``function`` of ``tree``'s leaves."""
    found, treedef = flatten(tree)
    return unflatten(treedef, map(function, found))

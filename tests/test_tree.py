"""autograd.tree: flatten then unflatten gives the tree back, for any nesting of lists, tuples."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd.tree import flatten, leaf_paths, leaves, tree_map, unflatten

trees = st.recursive(
    st.floats(allow_nan=False) | st.integers() | st.none(),
    lambda children: st.lists(children, max_size=4) | st.tuples(children, children),
    max_leaves=20,
)


@given(trees)
def test_unflatten_rebuilds_what_flatten_took_apart(tree: Any) -> None:
    found, treedef = flatten(tree)
    assert unflatten(treedef, found) == tree
    assert type(unflatten(treedef, found)) is type(tree)
    assert treedef.num_leaves == len(found) == len(leaves(tree))


@given(trees)
def test_tree_map_keeps_the_shape_and_maps_each_leaf(tree: Any) -> None:
    mapped = tree_map(repr, tree)
    assert flatten(mapped)[1] == flatten(tree)[1]
    assert leaves(mapped) == [repr(leaf) for leaf in leaves(tree)]


def test_leaves_come_in_reading_order() -> None:
    assert leaves([[1.0, 2.0], (3.0, [4.0]), 5.0]) == [1.0, 2.0, 3.0, 4.0, 5.0]


def test_unflatten_refuses_the_wrong_number_of_leaves() -> None:
    _, treedef = flatten([[1.0, 2.0], 3.0])
    with pytest.raises(ValueError, match="fewer leaves"):
        unflatten(treedef, [1.0, 2.0])
    with pytest.raises(ValueError, match="more leaves than the tree's 3"):
        unflatten(treedef, [1.0, 2.0, 3.0, 4.0])


@given(trees)
def test_each_leaf_path_indexes_its_leaf(tree: Any) -> None:
    found, treedef = flatten(tree)
    paths = leaf_paths(treedef)
    assert len(paths) == len(found)
    for path, leaf in zip(paths, found, strict=True):
        reached = tree
        for i in path:
            reached = reached[i]
        assert reached is leaf


def test_a_shape_prints_as_jax_prints_it() -> None:
    assert str(flatten([[1.0, 2.0], (3.0,), ()])[1]) == "[[*, *], (*,), ()]"
    assert str(flatten(5.0)[1]) == "*"

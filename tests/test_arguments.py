"""autograd.arguments: a compiled function's arguments and seeds, checked against the
shapes it was traced with, with errors that say where they differ."""

from __future__ import annotations

from fractions import Fraction

import pytest

from autograd import tree
from autograd.arguments import SeedError, SeedsOf, leaf_names, numbers_of, shape_of


def test_a_trees_numbers_are_named_by_the_indices_that_reach_them() -> None:
    _, treedef = tree.flatten([[1.0, 2.0], (3.0,)])
    assert shape_of(treedef) == ((None, None), (None,))
    assert leaf_names(treedef, "x") == ["x[0][0]", "x[0][1]", "x[1][0]"]


def test_numbers_of_an_argument_are_floats_in_reading_order() -> None:
    shape = shape_of(tree.flatten([[0.0, 0.0], 0.0])[1])
    assert numbers_of([[1, Fraction(1, 2)], 3.0], shape, "x") == [1.0, 0.5, 3.0]


def test_a_misshapen_argument_names_the_first_place_it_differs() -> None:
    shape = shape_of(tree.flatten([[0.0, 0.0], 0.0])[1])
    with pytest.raises(ValueError, match=r"^x\[0\] must hold 2 items, as traced, got 3$"):
        numbers_of([[1.0, 2.0, 3.0], 0.0], shape, "x")
    with pytest.raises(TypeError, match=r"^x\[1\] must be a number, as traced, got list"):
        numbers_of([[1.0, 2.0], [0.0]], shape, "x")
    with pytest.raises(TypeError, match=r"^x\[0\]\[1\] must be a number, got str 'a'$"):
        numbers_of([[1.0, "a"], 0.0], shape, "x")


def test_a_seed_function_gives_one_seed_per_example_shaped_as_the_outputs() -> None:
    _, outputs = tree.flatten((0.0, 0.0))
    seeds = SeedsOf(lambda outs: [(1.0, 2.0) for _ in outs], outputs, "f")
    assert seeds([None, None]) == [(1.0, 2.0), (1.0, 2.0)]
    wrong = SeedsOf(lambda outs: [1.0], outputs, "f")
    with pytest.raises(SeedError) as raised:
        wrong([None, None])
    assert "one seed per example (2), got 1" in str(raised.value.error)

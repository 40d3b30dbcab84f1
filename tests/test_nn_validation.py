"""nn's argument checks: the number back, or an error naming where, what and the value."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nn.validation import count, listing, preview, real


@given(x=st.integers(0, 10**6), minimum=st.integers(0, 10))
def test_count_returns_an_int_at_or_above_the_minimum_and_refuses_below(x, minimum):
    if x >= minimum:
        assert count(x, "epochs", "fit", minimum) == x
    else:
        with pytest.raises(ValueError, match=f"fit: epochs must be at least {minimum}, got {x}"):
            count(x, "epochs", "fit", minimum)


@pytest.mark.parametrize("x", [True, 2.0, "3", None], ids=repr)
def test_count_refuses_anything_but_an_int(x):
    with pytest.raises(TypeError, match=rf"Layer: nin must be an int, got {type(x).__name__}"):
        count(x, "nin", "Layer")


@given(x=st.floats(allow_nan=False) | st.integers(-5, 5))
def test_real_accepts_exactly_the_half_open_interval(x):
    inside = 0.0 <= x < 1.0
    if inside:
        assert real(x, "momentum", "SGD", low=0.0, high=1.0) == x
        assert type(real(x, "momentum", "SGD", low=0.0, high=1.0)) is float
    else:
        with pytest.raises(ValueError, match=r"SGD: momentum must lie in \[0.0, 1.0\)"):
            real(x, "momentum", "SGD", low=0.0, high=1.0)


def test_real_with_an_open_lower_bound_refuses_the_bound_and_nan():
    with pytest.raises(ValueError, match=r"lr must lie in \(0.0, inf\), got 0"):
        real(0, "lr", "Adam", low=0.0, low_inclusive=False)
    for bad in (math.nan, math.inf):
        with pytest.raises(ValueError, match="lr must lie in"):
            real(bad, "lr", "Adam", low=0.0, low_inclusive=False)


@pytest.mark.parametrize("x", [False, "0.1", None, [0.1]], ids=repr)
def test_real_refuses_anything_but_a_number(x):
    with pytest.raises(TypeError, match="Adam: eps must be a number"):
        real(x, "eps", "Adam", low=0.0)


@pytest.mark.parametrize("x", [Fraction(1, 3), np.float32(0.25), np.int64(2), 1], ids=repr)
def test_real_accepts_every_real_number_the_engine_takes(x):
    assert real(x, "lr", "SGD", low=0.0) == float(x)


def test_a_message_quotes_at_most_a_few_items_and_says_how_many_more():
    names = [f"extra.{i}" for i in range(200_000)]
    text = listing(names)
    assert text == "['extra.0', 'extra.1', 'extra.2', 'extra.3', 'extra.4'] and 199995 more"
    assert listing(["a"]) == "['a']"
    assert len(preview(list(range(10**5)))) <= 100 and len(preview("x" * 10**6)) <= 100
    with pytest.raises(TypeError) as raised:
        real("x" * 10**6, "lr", "SGD", low=0.0)
    assert len(str(raised.value)) < 200


@pytest.mark.parametrize("x", [np.int64(3), np.uint8(3), 3], ids=repr)
def test_count_takes_any_integer_numpy_s_too_and_returns_a_plain_int(x):
    n = count(x, "nin", "Layer")
    assert n == 3 and type(n) is int


@given(x=st.integers(0, 10**6), maximum=st.integers(0, 10**6))
def test_count_refuses_above_its_maximum(x, maximum):
    if x <= maximum:
        assert count(x, "nin", "Neuron", 0, maximum) == x
    else:
        with pytest.raises(ValueError, match=f"Neuron: nin must be at most {maximum:,}, got {x}"):
            count(x, "nin", "Neuron", 0, maximum)


@pytest.mark.parametrize("digits", [4_000, 5_000, 100_000])
def test_a_preview_of_an_int_too_long_for_repr_gives_its_length(digits):
    shown = preview([1, 10**digits])
    assert shown.startswith("[1, ") and len(shown) <= 100
    if digits > 4_300:  # longer than Python turns into text
        assert f"an int of about {digits:,} digits" in shown

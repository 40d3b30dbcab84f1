"""Datasets: the right shapes and labels, exact geometry without noise, seeded, no global RNG."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nn import data
from tests.strategies import init_seeds

sizes = st.integers(1, 60)
noises = st.floats(0.0, 0.5)
MAKERS = {
    "moons": data.moons,
    "circles": data.circles,
    "spiral": data.spiral,
}
each_maker = pytest.mark.parametrize("make", MAKERS.values(), ids=MAKERS.keys())


def test_xor_is_the_four_corners_labelled_by_exclusive_or():
    points, labels = data.xor()
    assert sorted(map(tuple, points)) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert all(label == int(a != b) for (a, b), label in zip(points, labels, strict=True))


@each_maker
@given(n=sizes, noise=noises, seed=init_seeds)
def test_every_dataset_has_n_points_in_the_plane_with_int_labels(make, n, noise, seed):
    points, labels = make(n=n, noise=noise, seed=seed)
    assert len(points) == len(labels) == n
    assert all(
        len(p) == 2 and all(isinstance(c, float) and math.isfinite(c) for c in p) for p in points
    )
    assert all(type(label) is int and label >= 0 for label in labels)


@pytest.mark.parametrize("make", [data.moons, data.circles], ids=["moons", "circles"])
@given(n=sizes, seed=init_seeds)
def test_two_class_datasets_are_balanced(make, n, seed):
    _, labels = make(n=n, seed=seed)
    assert labels.count(0) == n // 2 and labels.count(1) == n - n // 2


@given(n=sizes, classes=st.integers(1, 5))
def test_spiral_arms_take_turns(n, classes):
    _, labels = data.spiral(n=n, classes=classes)
    assert sorted(set(labels)) == list(range(min(n, classes)))
    assert (
        max(labels.count(c) for c in set(labels)) - min(labels.count(c) for c in set(labels)) <= 1
    )


@each_maker
@given(seed=init_seeds)
def test_the_same_seed_gives_the_same_data_and_the_global_rng_is_untouched(make, seed):
    state = random.getstate()
    first = make(n=30, seed=seed)
    random.seed(12345)  # the global generator has no say in the data
    assert make(n=30, seed=seed) == first
    random.setstate(state)


@each_maker
def test_different_seeds_give_different_data(make):
    assert make(n=30, seed=1) != make(n=30, seed=2)


def test_noiseless_moons_lie_on_their_two_half_circles():
    points, labels = data.moons(n=41, noise=0.0)
    for (x, y), label in zip(points, labels, strict=True):
        if label == 0:  # upper arc: centre (0, 0), y >= 0
            assert math.hypot(x, y) == pytest.approx(1.0) and y >= -1e-12
        else:  # lower arc: centre (1, 0.5), y <= 0.5
            assert math.hypot(x - 1, y - 0.5) == pytest.approx(1.0) and y <= 0.5 + 1e-12
    upper = [x for (x, _), label in zip(points, labels, strict=True) if label == 0]
    assert min(upper) == pytest.approx(-1.0) and max(upper) == pytest.approx(1.0)  # t from 0 to π


@given(factor=st.floats(0.1, 0.9))
def test_noiseless_circles_have_radii_1_and_factor(factor):
    points, labels = data.circles(n=20, noise=0.0, factor=factor)
    for (x, y), label in zip(points, labels, strict=True):
        assert math.hypot(x, y) == pytest.approx(1.0 if label == 0 else factor)


def test_noiseless_spiral_points_sit_at_angle_4_times_arm_plus_radius():
    points, labels = data.spiral(n=60, classes=3, noise=0.0)
    for (x, y), label in zip(points, labels, strict=True):
        r = math.hypot(x, y)
        assert 0.0 <= r <= 1.0 + 1e-12
        if r > 1e-9:
            t = 4.0 * (label + r)
            assert (x, y) == pytest.approx((r * math.sin(t), r * math.cos(t)), abs=1e-9)


@given(n=st.integers(2, 90), classes=st.integers(2, 5))
def test_noiseless_spiral_arms_start_off_the_origin_and_never_share_a_point(n, classes):
    points, labels = data.spiral(n=n, classes=classes, noise=0.0)
    assert all(math.hypot(x, y) > 0.0 for x, y in points)
    owners: dict[tuple[float, float], int] = {}
    for (x, y), label in zip(points, labels, strict=True):
        assert owners.setdefault((round(x, 9), round(y, 9)), label) == label


def test_each_spiral_arm_reaches_radius_1():
    points, labels = data.spiral(n=30, classes=3, noise=0.0)
    for arm in range(3):
        radii = [math.hypot(*p) for p, label in zip(points, labels, strict=True) if label == arm]
        assert max(radii) == pytest.approx(1.0) and min(radii) == pytest.approx(0.1)


def test_noise_moves_the_points_by_about_its_deviation():
    clean, _ = data.moons(n=400, noise=0.0, seed=3)
    noisy, _ = data.moons(n=400, noise=0.1, seed=3)
    # the same seed shuffles alike, so points pair up; offsets have deviation ~0.1 per axis
    offsets = [a - b for p, q in zip(noisy, clean, strict=True) for a, b in zip(p, q, strict=True)]
    rms = math.sqrt(sum(o * o for o in offsets) / len(offsets))
    assert rms == pytest.approx(0.1, rel=0.1)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: data.moons(n=0), ValueError, "moons: n must be at least 1, got 0"),
        (lambda: data.moons(n=2.5), TypeError, "moons: n must be an int, got float 2.5"),
        (lambda: data.circles(noise=-0.1), ValueError, r"circles: noise must lie in \[0.0, inf\)"),
        (lambda: data.circles(noise=math.nan), ValueError, "noise must lie in"),
        (lambda: data.circles(factor=1.0), ValueError, r"factor must lie in \(0.0, 1.0\)"),
        (lambda: data.spiral(classes=0), ValueError, "spiral: classes must be at least 1"),
        (lambda: data.spiral(classes=True), TypeError, "classes must be an int, got bool"),
    ],
)
def test_bad_arguments_are_refused(call, error, message):
    with pytest.raises(error, match=message):
        call()

"""Tiny classification datasets, made in code: seeded, pure Python, no downloads.

Each returns ``(points, labels)``: a list of points (lists of floats) and a list of int
class labels. The same seed gives the same data; the global ``random`` state is untouched.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from nn.validation import count, real

Dataset = tuple[list[list[float]], list[int]]
PointMaker = Callable[[int, int], list[float]]  # (i, count) -> the i-th of count points


def xor() -> Dataset:
    """The four corners of the unit square, labelled x1 XOR x2."""
    corners = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    return corners, [int(a) ^ int(b) for a, b in corners]


def moons(n: int = 100, noise: float = 0.1, seed: int = 0) -> Dataset:
    """Two interleaving half circles (as scikit-learn's ``make_moons``), shuffled.

    Class 0 is the upper arc (cos t, sin t), class 1 the lower (1 - cos t, 1/2 - sin t),
    t spread evenly over [0, π]; each coordinate gets Gaussian noise of deviation ``noise``.
    """
    rng = _generator(n, noise, seed, "moons")

    def half_turn(i: int, count: int) -> float:
        return math.pi * i / max(count - 1, 1)

    points = _two_classes(
        n,
        lambda i, count: [math.cos(half_turn(i, count)), math.sin(half_turn(i, count))],
        lambda i, count: [1 - math.cos(half_turn(i, count)), 0.5 - math.sin(half_turn(i, count))],
    )
    return _noisy_shuffled(points, noise, rng)


def circles(n: int = 100, noise: float = 0.05, factor: float = 0.5, seed: int = 0) -> Dataset:
    """A circle of radius 1 (class 0) around one of radius ``factor`` (class 1), shuffled."""
    rng = _generator(n, noise, seed, "circles")
    real(factor, "factor", "circles", low=0.0, high=1.0, low_inclusive=False)

    def circle(radius: float) -> PointMaker:
        def point(i: int, count: int) -> list[float]:
            t = 2 * math.pi * i / count
            return [radius * math.cos(t), radius * math.sin(t)]

        return point

    return _noisy_shuffled(_two_classes(n, circle(1.0), circle(factor)), noise, rng)


def spiral(n: int = 100, classes: int = 3, noise: float = 0.2, seed: int = 0) -> Dataset:
    """``classes`` interleaved spiral arms around the origin (as in CS231n), n points in all.

    Arm j has radii r = 1/count, 2/count, ..., 1 for its ``count`` points and angles
    4 (j + r) plus Gaussian noise of standard deviation ``noise``: the classes are not
    linearly separable. The arms start off the origin, so no two classes share a point.
    """
    rng = _generator(n, noise, seed, "spiral")
    count(classes, "classes", "spiral")
    points, labels = [], []
    for k in range(n):
        label, index = k % classes, k // classes
        points_in_arm = (n - label + classes - 1) // classes
        r = (index + 1) / points_in_arm
        t = 4.0 * (label + r) + rng.gauss(0.0, noise)
        points.append([r * math.sin(t), r * math.cos(t)])
        labels.append(label)
    return points, labels


def _two_classes(n: int, class0: PointMaker, class1: PointMaker) -> list[tuple[list[float], int]]:
    """n // 2 points of class 0, then the rest of class 1: ``point(i, count)`` for each."""
    first = n // 2
    groups = ((0, class0, first), (1, class1, n - first))
    return [(point(i, count), label) for label, point, count in groups for i in range(count)]


def _noisy_shuffled(
    labelled: list[tuple[list[float], int]], noise: float, rng: random.Random
) -> Dataset:
    """Shuffle the points, then move each coordinate by Gaussian noise."""
    rng.shuffle(labelled)
    points = [[x + rng.gauss(0.0, noise), y + rng.gauss(0.0, noise)] for (x, y), _ in labelled]
    return points, [label for _, label in labelled]


def _generator(n: int, noise: float, seed: int, name: str) -> random.Random:
    """The dataset's private generator, once n and noise are checked."""
    count(n, "n", name)
    real(noise, "noise", name, low=0.0)
    return random.Random(seed)

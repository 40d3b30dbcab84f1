"""A 2-16-16-1 MLP separates two moons: hinge loss + L2, SGD with momentum, decision boundary.

The network scores each point (relu hidden layers, a linear output); the sign of the
score is its class. Training minimises the mean hinge loss max(0, 1 - y s) for labels
y in {-1, +1}, plus alpha * Σ p² over the parameters, by mini-batch SGD with momentum and
a learning rate decaying linearly to a tenth. The decision boundary and the loss curve
are written as PNGs when matplotlib is installed (``pip install -e '.[plot]'``); the
boundary is printed as text otherwise, and the loss curve always as a line of text.

Run: python -m demos.moons   (``--help`` lists the options; ``--compile`` trains with the
model compiled to generated Python, several times faster, with the same losses)
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from pathlib import Path

from autograd import no_grad
from nn import MLP, SGD, data, fit, hinge_loss, l2_penalty
from nn.plots import loss_curve, loss_line

Points = list[list[float]]


def make_model(seed: int) -> MLP:
    return MLP(2, [16, 16, 1], activation="relu", output_activation="linear", seed=seed)


def train(args: argparse.Namespace) -> tuple[MLP, Points, list[float], list[float]]:
    """The moons, as points and ±1 labels, the network trained on them, each epoch's loss."""
    points, classes = data.moons(n=args.points, noise=args.noise, seed=args.seed)
    labels = [2.0 * c - 1.0 for c in classes]  # hinge loss wants -1 / +1
    model = make_model(args.seed)
    steps = args.epochs * math.ceil(args.points / args.batch_size)
    optimizer = SGD(
        model.parameters(),
        lr=args.lr,
        momentum=args.momentum,
        schedule=lambda step: 1.0 - 0.9 * step / steps,  # down to lr / 10 at the end
    )
    history = fit(
        model,
        points,
        labels,
        loss=hinge_loss,
        optimizer=optimizer,
        penalty=lambda: l2_penalty(model.parameters(), args.alpha),
        epochs=args.epochs,
        batch_size=args.batch_size,
        seed=args.seed,
        log_every=max(1, args.epochs // 10),
        compile=args.compile,
    )
    return model, points, labels, history


@no_grad()
def scores(model: MLP, points: Points) -> list[float]:
    """The network's score for each point, with no graph recorded."""
    return [model(p).data for p in points]


def accuracy(model: MLP, points: Points, labels: list[float]) -> float:
    """The fraction of points whose score has the sign of their label."""
    return sum(
        (s > 0) == (y > 0) for s, y in zip(scores(model, points), labels, strict=True)
    ) / len(labels)


def grid(points: Points, columns: int, rows: int) -> tuple[list[float], list[float]]:
    """x and y coordinates spanning the points with a margin (y from top to bottom)."""
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    x0, x1, y0, y1 = min(xs) - 0.5, max(xs) + 0.5, min(ys) - 0.5, max(ys) + 0.5
    return (
        [x0 + (x1 - x0) * i / (columns - 1) for i in range(columns)],
        [y1 - (y1 - y0) * j / (rows - 1) for j in range(rows)],
    )


def text_boundary(model: MLP, points: Points, labels: list[float], columns: int = 64) -> str:
    """The plane as characters: '.' where the network says +1, blank for -1; points o / x."""
    rows = columns * 3 // 8  # a character is about twice as tall as it is wide
    xs, ys = grid(points, columns, rows)
    region = scores(model, [[x, y] for y in ys for x in xs])
    canvas = [
        ["." if region[j * columns + i] > 0 else " " for i in range(columns)] for j in range(rows)
    ]
    for (x, y), label in zip(points, labels, strict=True):
        i = round((x - xs[0]) / (xs[-1] - xs[0]) * (columns - 1))
        j = round((ys[0] - y) / (ys[0] - ys[-1]) * (rows - 1))
        canvas[j][i] = "x" if label > 0 else "o"
    frame = "+" + "-" * columns + "+"
    body = ["|" + "".join(row) + "|" for row in canvas]
    legend = "o: class -1, x: class +1, '.': the network says +1"
    return "\n".join([frame, *body, frame, legend])


def png_boundary(model: MLP, points: Points, labels: list[float], path: Path) -> None:
    """A filled contour of the score's sign with the points on top, saved as a PNG."""
    from matplotlib.figure import Figure  # optional: the `plot` extra

    xs, ys = grid(points, 120, 120)
    region = scores(model, [[x, y] for y in ys for x in xs])
    zs = [
        [1.0 if region[j * len(xs) + i] > 0 else -1.0 for i in range(len(xs))]
        for j in range(len(ys))
    ]
    figure = Figure(figsize=(6, 5))
    axes = figure.subplots()
    axes.contourf(xs, ys, zs, levels=[-2, 0, 2], colors=["#cfe2ff", "#ffd98a"], alpha=0.8)
    for label, colour, marker in ((-1.0, "#1f4e9c", "o"), (1.0, "#b35c00", "x")):
        chosen = [p for p, y in zip(points, labels, strict=True) if y == label]
        axes.scatter(
            [p[0] for p in chosen],
            [p[1] for p in chosen],
            c=colour,
            marker=marker,
            label=f"class {label:+.0f}",
        )
    axes.set_title("2-16-16-1 MLP on two moons: decision boundary")
    axes.legend(loc="upper right")
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m demos.moons", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--points", type=int, default=100, help="number of points (default 100)")
    parser.add_argument("--noise", type=float, default=0.1, help="noise deviation (default 0.1)")
    parser.add_argument("--epochs", type=int, default=30, help="epochs (default 30)")
    parser.add_argument("--batch-size", type=int, default=10, help="batch size (default 10)")
    parser.add_argument("--lr", type=float, default=0.1, help="initial learning rate (default 0.1)")
    parser.add_argument("--momentum", type=float, default=0.9, help="SGD momentum (default 0.9)")
    parser.add_argument("--alpha", type=float, default=1e-4, help="L2 strength (default 1e-4)")
    parser.add_argument("--seed", type=int, default=0, help="seed of data, weights, batches")
    parser.add_argument(
        "--plot", type=Path, default=Path("out/moons.png"), help="where to write the PNG"
    )
    parser.add_argument(
        "--loss-plot", type=Path, help="where to write the loss curve (default: beside --plot)"
    )
    parser.add_argument("--text", action="store_true", help="print the boundary as text only")
    parser.add_argument("--no-plot", action="store_true", help="no decision boundary at all")
    parser.add_argument(
        "--compile",
        action="store_true",
        help="train with the model compiled to generated Python (autograd.compile): faster",
    )
    args = parser.parse_args(argv)
    if args.loss_plot is None:
        args.loss_plot = args.plot.with_name(f"{args.plot.stem}_loss.png")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    print(f"{make_model(args.seed)} on {args.points} moons, hinge loss + {args.alpha} * L2, SGD")
    model, points, labels, history = train(args)
    correct = accuracy(model, points, labels)
    print(f"training accuracy {100 * correct:.1f}%")
    print(loss_line(history))
    if args.no_plot:
        return 0
    if not args.text:
        try:
            png_boundary(model, points, labels, args.plot)
            loss_curve(history, args.loss_plot, title="two moons: mean hinge loss + L2 penalty")
        except ImportError:
            print("matplotlib is not installed (pip install -e '.[plot]'): the boundary as text")
        else:
            print(f"decision boundary written to {args.plot}, loss curve to {args.loss_plot}")
            return 0
    print(text_boundary(model, points, labels))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

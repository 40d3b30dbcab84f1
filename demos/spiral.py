"""A 2-16-16-3 MLP learns three interleaved spiral arms: softmax, cross-entropy and Adam.

The network gives each point three logits, one per class; softmax turns them into class
probabilities and the predicted class is the largest. Training minimises the mean
cross-entropy -log softmax(z)_y (each example's log-sum-exp is one node of the graph) by
mini-batch Adam. The decision regions and the loss curve are written as PNGs when
matplotlib is installed (``pip install -e '.[plot]'``); the regions are printed as text
otherwise, and the loss curve always as a line of text.

Run: python -m demos.spiral   (``--help`` lists the options)
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from autograd import no_grad
from demos.moons import grid
from nn import MLP, Adam, cross_entropy, data, fit
from nn.plots import loss_curve, loss_line

Points = list[list[float]]
REGION_CHARACTERS = " .:-=+*#%@"  # the class a region is given, as text
COLOURS = ["#1f4e9c", "#b35c00", "#2e7d32", "#8e24aa", "#c62828"]  # points, by class
FILLS = ["#cfe2ff", "#ffd98a", "#c8e6c9", "#e1bee7", "#ffcdd2"]  # regions, by class


def make_model(args: argparse.Namespace) -> MLP:
    hidden = [args.hidden, args.hidden]
    return MLP(2, [*hidden, args.classes], "relu", output_activation="linear", seed=args.seed)


def train(args: argparse.Namespace) -> tuple[MLP, Points, list[int], list[float]]:
    """The spiral's points and labels, the network trained on them, each epoch's loss."""
    points, labels = data.spiral(
        n=args.points, classes=args.classes, noise=args.noise, seed=args.seed
    )
    model = make_model(args)
    history = fit(
        model,
        points,
        labels,
        loss=cross_entropy,
        optimizer=Adam(model.parameters(), lr=args.lr),
        epochs=args.epochs,
        batch_size=args.batch_size,
        seed=args.seed,
        log_every=max(1, args.epochs // 8),
    )
    return model, points, labels, history


@no_grad()
def classify(model: MLP, points: Points) -> list[int]:
    """The class of each point: the index of its largest logit (no graph recorded)."""
    classes = []
    for point in points:
        logits = model(point)
        assert isinstance(logits, list)  # an MLP with several outputs returns a list
        classes.append(logits.index(max(logits)))  # Values order by their data
    return classes


def accuracy(model: MLP, points: Points, labels: list[int]) -> float:
    """The fraction of points whose predicted class is their label."""
    predicted = classify(model, points)
    return sum(p == y for p, y in zip(predicted, labels, strict=True)) / len(labels)


def text_regions(model: MLP, points: Points, labels: list[int], columns: int = 64) -> str:
    """The plane as characters, one per class region; the points as their class digit."""
    rows = columns * 3 // 8  # a character is about twice as tall as it is wide
    xs, ys = grid(points, columns, rows)
    region = classify(model, [[x, y] for y in ys for x in xs])
    canvas = [
        [REGION_CHARACTERS[region[j * columns + i]] for i in range(columns)] for j in range(rows)
    ]
    for (x, y), label in zip(points, labels, strict=True):
        i = round((x - xs[0]) / (xs[-1] - xs[0]) * (columns - 1))
        j = round((ys[0] - y) / (ys[0] - ys[-1]) * (rows - 1))
        canvas[j][i] = str(label)
    frame = "+" + "-" * columns + "+"
    body = ["|" + "".join(row) + "|" for row in canvas]
    regions = ", ".join(f"{REGION_CHARACTERS[k]!r} class {k}" for k in sorted(set(labels)))
    legend = f"digits: the points, by class; regions: {regions}"
    return "\n".join([frame, *body, frame, legend])


def png_regions(model: MLP, points: Points, labels: list[int], path: Path) -> None:
    """Filled class regions with the points on top, saved as a PNG."""
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure  # optional: the `plot` extra

    classes = max(labels) + 1
    xs, ys = grid(points, 150, 150)
    region = classify(model, [[x, y] for y in ys for x in xs])
    zs = [[region[j * len(xs) + i] for i in range(len(xs))] for j in range(len(ys))]
    figure = Figure(figsize=(6, 5.4))
    axes = figure.subplots()
    levels = [k - 0.5 for k in range(classes + 1)]
    axes.contourf(xs, ys, zs, levels=levels, cmap=ListedColormap(FILLS[:classes]), alpha=0.9)
    for k in range(classes):
        chosen = [p for p, y in zip(points, labels, strict=True) if y == k]
        axes.scatter(
            [p[0] for p in chosen],
            [p[1] for p in chosen],
            c=COLOURS[k % len(COLOURS)],
            s=18,
            edgecolors="white",
            linewidths=0.5,
            label=f"class {k}",
        )
    axes.set_title(f"{model}\non a {classes}-arm spiral: decision regions", fontsize=10)
    axes.set_aspect("equal")
    axes.legend(loc="upper right", fontsize=8)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m demos.spiral", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--points", type=int, default=150, help="number of points (default 150)")
    parser.add_argument("--classes", type=int, default=3, help="spiral arms (default 3, at most 5)")
    parser.add_argument("--noise", type=float, default=0.2, help="angle noise (default 0.2)")
    parser.add_argument("--hidden", type=int, default=16, help="units per hidden layer (16)")
    parser.add_argument("--epochs", type=int, default=40, help="epochs (default 40)")
    parser.add_argument("--batch-size", type=int, default=30, help="batch size (default 30)")
    parser.add_argument("--lr", type=float, default=0.02, help="Adam's learning rate (0.02)")
    parser.add_argument("--seed", type=int, default=0, help="seed of data, weights, batches")
    parser.add_argument("--plot", type=Path, default=Path("out/spiral.png"), help="regions PNG")
    parser.add_argument(
        "--loss-plot", type=Path, help="where to write the loss curve (default: beside --plot)"
    )
    parser.add_argument("--text", action="store_true", help="print the regions as text only")
    parser.add_argument("--no-plot", action="store_true", help="no decision regions at all")
    args = parser.parse_args(argv)
    if not 2 <= args.classes <= len(COLOURS):
        parser.error(f"--classes must be between 2 and {len(COLOURS)}, got {args.classes}")
    if args.loss_plot is None:
        args.loss_plot = args.plot.with_name(f"{args.plot.stem}_loss.png")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    print(f"{make_model(args)} on {args.points} spiral points, cross-entropy, Adam")
    model, points, labels, history = train(args)
    print(f"training accuracy {100 * accuracy(model, points, labels):.1f}%")
    print(loss_line(history))
    if args.no_plot:
        return 0
    if not args.text:
        try:
            png_regions(model, points, labels, args.plot)
            loss_curve(history, args.loss_plot, title="spiral: mean cross-entropy")
        except ImportError:
            print("matplotlib is not installed (pip install -e '.[plot]'): the regions as text")
        else:
            print(f"decision regions written to {args.plot}, loss curve to {args.loss_plot}")
            return 0
    print(text_regions(model, points, labels))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

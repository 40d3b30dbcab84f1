"""The derivation's two-layer sigmoid network: its gradients by hand beside the engine's,
then training.

1. One example (m = 1): the derivation's backward pass, done by hand in plain floats step by
   step (dLoss/dA2, δ2, dW2, ..., db1), printed beside the gradients the engine found.
2. Gradient descent on that example, W <- W - η dLoss/dW: the loss each epoch.
3. XOR (m = 4): the same network learns it; the loss every k epochs, then predictions.
4. The chain-rule graph of the example's loss, written as SVG when Graphviz is there,
   and XOR's loss curve: a line of text always, a PNG when matplotlib is there.

Run: python -m demos.two_layer   (``--help`` lists the options)
"""

# ruff: noqa: N803, N806  (W1, X, A2, ...: the derivation's own notation)
from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from pathlib import Path

from autograd import Value
from nn import MLP, SGD, data, fit, mse_loss
from nn.plots import loss_curve, loss_line

Matrix = list[list[float]]
EXAMPLE_X, EXAMPLE_Y = [0.5, -1.0], 1.0  # the dummy example: two inputs, target 1


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def seed_backward(
    W1: Matrix, b1: list[float], W2: Matrix, b2: list[float], x: list[float], y: float, scale: float
) -> dict[str, float | list[float] | Matrix]:
    """Every quantity of the derivation's forward and backward pass for one example, in floats.

    The loss term for the example is (scale / 2) (A2 - y)²: scale = 2 / m for the
    derivation's mean squared error over m examples, so dLoss/dA2 = scale (A2 - y).
    """
    n_hidden, n_in = len(W1), len(x)
    # Forward pass: Z1 = W1 X + b1, A1 = σ(Z1), Z2 = W2 A1 + b2, A2 = σ(Z2)
    Z1 = [sum(W1[j][i] * x[i] for i in range(n_in)) + b1[j] for j in range(n_hidden)]
    A1 = [sigmoid(z) for z in Z1]
    Z2 = sum(W2[0][j] * A1[j] for j in range(n_hidden)) + b2[0]
    A2 = sigmoid(Z2)
    # Step 1: dLoss/dA2 = 2 (A2 - y), with the 1/m of the mean
    dA2 = scale * (A2 - y)
    # Step 2: dA2/dZ2 = A2 (1 - A2)
    dA2_dZ2 = A2 * (1 - A2)
    # Step 3: δ2 = dLoss/dZ2 = dLoss/dA2 · dA2/dZ2
    delta2 = dA2 * dA2_dZ2
    # Step 4: dLoss/dW2 = δ2 A1^T, dLoss/db2 = δ2
    dW2 = [[delta2 * A1[j] for j in range(n_hidden)]]
    db2 = [delta2]
    # Step 5: dLoss/dA1 = W2^T δ2
    dA1 = [W2[0][j] * delta2 for j in range(n_hidden)]
    # Step 6: dA1/dZ1 = A1 (1 - A1)
    dA1_dZ1 = [a * (1 - a) for a in A1]
    # Step 7: δ1 = dLoss/dZ1 = (W2^T δ2) ⊙ A1 (1 - A1)
    delta1 = [dA1[j] * dA1_dZ1[j] for j in range(n_hidden)]
    # Step 8: dLoss/dW1 = δ1 X^T, dLoss/db1 = δ1
    dW1 = [[delta1[j] * x[i] for i in range(n_in)] for j in range(n_hidden)]
    db1 = list(delta1)
    return {
        "Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2, "dA2": dA2, "delta2": delta2,
        "dA1": dA1, "delta1": delta1, "W1": dW1, "b1": db1, "W2": dW2, "b2": db2,
    }  # fmt: skip


def seed_gradients(
    W1: Matrix,
    b1: list[float],
    W2: Matrix,
    b2: list[float],
    X: Sequence[list[float]],
    Y: Sequence[float],
    half: bool = False,
) -> dict[str, list]:
    """dLoss/dW1, db1, dW2, db2 of Loss = (1/m) Σ (A2 - y)², by hand, as nested lists.

    Each example contributes the derivation's gradients scaled by 1/m. ``half=True`` is the
    derivation's "simplified" δ2 = (A2 - y) A2 (1 - A2), without the factor 2: the gradient of
    half of that loss, (1/2m) Σ (A2 - y)².
    """
    scale = (1.0 if half else 2.0) / len(X)
    total: dict[str, list] = {}
    for x, y in zip(X, Y, strict=True):
        step = seed_backward(W1, b1, W2, b2, x, y, scale)
        for name in ("W1", "b1", "W2", "b2"):
            total[name] = _add(total.get(name), step[name])
    return total


def _add(total: list | None, term: list) -> list:
    """Elementwise total + term over nested lists (``term`` itself when there is no total)."""
    if total is None:
        return term
    return [_add(t, u) if isinstance(u, list) else t + u for t, u in zip(total, term, strict=True)]


def engine_pass(model: MLP, x: list[float], y: float) -> tuple[dict[str, list[Value]], Value]:
    """The example through ``model`` layer by layer, and the nodes it made, named as in the
    derivation (``nn`` labels them so: ``Z1[0]``, ``A1[0]``, ..., ``Loss``)."""
    hidden, output = model.layers
    A1 = hidden(x)
    Z1 = [a.inputs[0] for a in A1]
    (A2,) = output(A1)
    Z2 = A2.inputs[0]
    loss = mse_loss(A2, y)
    return {"Z1": Z1, "A1": A1, "Z2": [Z2], "A2": [A2]}, loss


def gradient_table(model: MLP, x: list[float], y: float) -> tuple[str, Value]:
    """The derivation's gradients, by hand, beside the engine's, one row per quantity."""
    hidden, output = model.layers
    nodes, loss = engine_pass(model, x, y)
    loss.backward()
    weights = model.state_dict()
    hand = seed_backward(
        weights["layers.0.W"], weights["layers.0.b"], weights["layers.1.W"],
        weights["layers.1.b"], x, y, scale=2.0,
    )  # fmt: skip
    rows = [("dLoss/dA2 = 2(A2 - y)", hand["dA2"], nodes["A2"][0].grad)]
    rows.append(("δ2 = dLoss/dZ2", hand["delta2"], nodes["Z2"][0].grad))
    rows += [(f"dLoss/dA1[{j}]", hand["dA1"][j], a.grad) for j, a in enumerate(nodes["A1"])]
    rows += [
        (f"δ1[{j}] = dLoss/dZ1[{j}]", hand["delta1"][j], z.grad) for j, z in enumerate(nodes["Z1"])
    ]
    for name, layer in (("W2", output), ("W1", hidden)):
        for j, row in enumerate(layer.W):
            rows += [(f"d{name}[{j}][{i}]", hand[name][j][i], w.grad) for i, w in enumerate(row)]
        bias = "b" + name[1]
        rows += [(f"d{bias}[{j}]", hand[bias][j], b.grad) for j, b in enumerate(layer.b)]
    lines = [f"{'quantity':<24}{'by hand':>16}{'engine .grad':>16}{'|difference|':>14}"]
    lines += [f"{n:<24}{h:>16.10f}{e:>16.10f}{abs(h - e):>14.1e}" for n, h, e in rows]
    return "\n".join(lines), loss


def write_graph(loss: Value, model: MLP, path: Path) -> None:
    """Render the loss's chain-rule graph, or say in one line why it was not."""
    try:
        from autograd.viz import render

        path.parent.mkdir(parents=True, exist_ok=True)
        written = render(loss, path, format="svg", params=model.parameters())
    except (ImportError, OSError, RuntimeError, ValueError) as exc:
        print(f"graph not written: {exc}")
        return
    print(f"chain-rule graph of the loss written to {written}")


def write_loss_curve(history: list[float], path: Path) -> None:
    """Draw XOR's loss curve as a PNG, or say in one line why it was not."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        title = "XOR, the derivation's network: mean squared error"
        written = loss_curve(history, path, title=title)
    except ImportError:
        print("loss curve not written: matplotlib is not installed (pip install -e '.[plot]')")
        return
    except (OSError, ValueError) as exc:
        print(f"loss curve not written: {exc}")
        return
    print(f"loss curve written to {written}")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m demos.two_layer", description=" ".join(__doc__.split("\n\n")[0].split())
    )
    parser.add_argument("--hidden", type=int, default=4, help="hidden units (default 4)")
    parser.add_argument("--lr", type=float, default=5.0, help="learning rate η (default 5)")
    parser.add_argument("--epochs", type=int, default=600, help="XOR epochs (default 600)")
    parser.add_argument(
        "--example-epochs", type=int, default=10, help="epochs on the one example (default 10)"
    )
    parser.add_argument("--log-every", type=int, default=50, help="XOR loss every k epochs")
    parser.add_argument("--seed", type=int, default=0, help="weight initialisation seed")
    parser.add_argument(
        "--graph", type=Path, default=Path("out/two_layer.svg"), help="where to write the graph"
    )
    parser.add_argument("--no-graph", action="store_true", help="do not write the graph")
    parser.add_argument(
        "--loss-plot",
        type=Path,
        default=Path("out/two_layer_loss.png"),
        help="where to write XOR's loss curve (PNG, needs matplotlib)",
    )
    parser.add_argument("--no-loss-plot", action="store_true", help="no loss-curve PNG")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    model = MLP(2, [args.hidden, 1], activation="sigmoid", seed=args.seed)
    x, y = EXAMPLE_X, EXAMPLE_Y

    print(f"The derivation's network: {model}, one example x = {x}, y = {y}")
    print("Loss = (A2 - y)^2; the backward pass by hand (Steps 1 to 8) and by the engine:\n")
    table, loss = gradient_table(model, x, y)
    print(table)
    if not args.no_graph:
        write_graph(loss, model, args.graph)

    print(f"\nGradient descent on the example, W <- W - η dLoss/dW with η = {args.lr}:")
    optimizer = SGD(model.parameters(), lr=args.lr)
    fit(model, [x], [y], optimizer=optimizer, epochs=args.example_epochs, log_every=1)

    inputs, targets = data.xor()
    model = MLP(2, [args.hidden, 1], activation="sigmoid", seed=args.seed)
    print(f"\nXOR (m = 4) with a fresh {model}, mean squared error, η = {args.lr}:")
    optimizer = SGD(model.parameters(), lr=args.lr)
    history = fit(
        model, inputs, targets, optimizer=optimizer, epochs=args.epochs, log_every=args.log_every
    )
    print("\n x1   x2   target  prediction")
    for point, target in zip(inputs, targets, strict=True):
        print(f"{point[0]:>3.0f}  {point[1]:>3.0f}  {target:>6}  {model(point).data:>10.4f}")
    if history:
        print(f"final loss {history[-1]:.6f}")
        print(loss_line(history))
        if not args.no_loss_plot:
            write_loss_curve(history, args.loss_plot)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

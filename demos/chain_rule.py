"""The chain rule, drawn and spelled out: three graphs as SVG and their backward steps.

- ``chain``: the seed's x -> z -> y example, z = 3x and y = z^2, so dy/dx = 6 * 3.
- ``neuron``: one tanh neuron, o = tanh(x1 w1 + x2 w2 + b), with every product its own node.
- ``two_layer``: the seed's network with 2 inputs, 2 sigmoid hidden units and 1 sigmoid
  output, Z1 = W1 X + b1, A1 = sigmoid(Z1), Z2 = W2 A1 + b2, A2 = sigmoid(Z2), and the
  loss (A2 - y)^2, built from plain Values and ``dot``.

Run: python -m demos.chain_rule  (writes the SVGs into demos/images, as in the README;
``--out DIR`` writes them elsewhere).
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from autograd import Value, dot
from autograd.trace import explain_backward
from autograd.viz import GraphvizNotFoundError, render

IMAGES = Path(__file__).resolve().parent / "images"

Example = tuple[Value, list[Value]]  # the output and the parameters to colour as such


def chain() -> Example:
    """The seed's x -> z -> y: z = 3x, y = z^2."""
    x = Value(1.0, label="x")
    z = 3 * x
    z.label = "z"
    y = z**2
    y.label = "y"
    return y, []


def neuron() -> Example:
    """o = tanh(x1 w1 + x2 w2 + b), with the weights and bias as parameters."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2, b = Value(-3.0, label="w1"), Value(1.0, label="w2"), Value(6.8814, label="b")
    x1w1, x2w2 = x1 * w1, x2 * w2
    x1w1.label, x2w2.label = "x1w1", "x2w2"
    n = x1w1 + x2w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o, [w1, w2, b]


def two_layer(seed: int) -> Example:
    """The seed's network on one example, weights drawn from ``seed``."""
    rng = random.Random(seed)

    def weight(label: str) -> Value:
        return Value(round(rng.uniform(-1.0, 1.0), 2), label=label)

    x = [Value(0.5, label="x1"), Value(-1.0, label="x2")]
    y = Value(1.0, label="y")
    w1 = [[weight(f"W1_{j}{i}") for i in range(2)] for j in range(2)]
    b1 = [weight(f"b1_{j}") for j in range(2)]
    w2, b2 = [weight(f"W2_{j}") for j in range(2)], weight("b2")
    a1 = []
    for j in range(2):
        z1 = dot(w1[j], x, b1[j])
        z1.label = f"Z1_{j}"
        a1.append(z1.sigmoid())
        a1[-1].label = f"A1_{j}"
    z2 = dot(w2, a1, b2)
    z2.label = "Z2"
    a2 = z2.sigmoid()
    a2.label = "A2"
    diff = a2 - y
    diff.label = "(A2-y)"
    loss = diff**2
    loss.label = "loss"
    return loss, [*w1[0], *w1[1], *b1, *w2, b2]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demos.chain_rule", description=__doc__)
    parser.add_argument("--out", type=Path, default=IMAGES, help="folder for the SVG files")
    parser.add_argument("--seed", type=int, default=0, help="seed of the network's weights")
    args = parser.parse_args(argv)
    examples: dict[str, Callable[[], Example]] = {
        "chain": chain,
        "neuron": neuron,
        "two_layer": lambda: two_layer(args.seed),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    for name, build in examples.items():
        output, params = build()
        print(f"== {name}: backward pass, step by step")
        print(explain_backward(output))
        output.backward()
        path = args.out / f"{name}.svg"
        try:
            render(output, path, params=params)
        except GraphvizNotFoundError as error:
            print(error, file=sys.stderr)
            return 1
        print(f"graph: {path}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The chain rule, drawn and spelled out: three graphs, their backward steps, and a page to
step through the derivation's network (``python -m demos.chain_rule --help``).

The examples are ``chain`` (x -> z = 3x -> y = z²), ``neuron`` (one tanh neuron, every
product its own node) and ``two_layer`` (the derivation's network on one example, each
layer and the loss framed under their equations). Files go to ``out/chain_rule/`` unless
``--out`` says otherwise; only ``--images`` rewrites the committed pictures in
``demos/images/`` that the README and the docs show.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograd import Value
from autograd.names import reading_order
from autograd.player import write_page
from autograd.trace import explain_backward
from autograd.viz import GraphvizNotFoundError, render
from demos.two_layer import EXAMPLE_X, EXAMPLE_Y, engine_pass
from nn import MLP

IMAGES = Path(__file__).resolve().parent / "images"  # committed: written only with --images
OUT = Path("out") / "chain_rule"
HELP = """\
The chain rule, drawn and spelled out. For three graphs, prints the steps backward()
takes and draws the graph with every local derivative on it (SVG, needs Graphviz's dot),
then writes the derivation's network as a page to step through in a browser:

  chain      x -> z = 3x -> y = z², so dy/dx = dy/dz * dz/dx = 6 * 3
  neuron     one tanh neuron, o = tanh(x1 w1 + x2 w2 + b), every product its own node
  two_layer  the derivation's network, MLP(2, [2, 1], activation="sigmoid"), on one
             example: Z1 = W1 X + b1, A1 = σ(Z1), Z2 = W2 A1 + b2, A2 = σ(Z2), and its
             loss (A2 - y)², each layer and the loss framed under their equations

The files (chain.svg, neuron.svg, two_layer.svg, two_layer.html) go to out/chain_rule/
by default. --screenshot also photographs the page in headless Chromium (player.png;
needs pip install -e '.[browser]' and Chromium).
"""
# Chromium without a sandbox (it may run as root in CI), a GPU, or any network of its own.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
LOSS_TITLE = "loss: Loss = (A2 - y)², the mean squared error of one example"
SCREENSHOT_STEP = 3  # the backward step the README's screenshot shows: δ2 = dLoss/dZ2
LEARNING_RATE = 0.5  # the update the network's page plays after its backward pass


@dataclass(frozen=True)
class Example:
    """A graph to draw: its output, the parameters to colour, the layers to frame."""

    output: Value
    params: Sequence[Value] = ()
    clusters: Mapping[str, Sequence[Value]] | None = None

    def draw_options(self) -> dict[str, Any]:
        return {"params": self.params, "clusters": self.clusters}


def chain() -> Example:
    """x -> z -> y: z = 3x, y = z²."""
    x = Value(1.0, label="x")
    z = 3 * x
    z.label = "z"
    y = z**2
    y.label = "y"
    return Example(y)


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
    return Example(o, [w1, w2, b])


def two_layer(seed: int = 0) -> Example:
    """The derivation's network (2 inputs, 2 hidden units) on one example, from ``seed``."""
    model = MLP(2, [2, 1], activation="sigmoid", seed=seed)
    _, loss = engine_pass(model, EXAMPLE_X, EXAMPLE_Y)
    clusters = model.layer_clusters(loss)
    layers = {v for values in clusters.values() for v in values}
    clusters[LOSS_TITLE] = [v for v in reading_order(loss) if v.inputs and v not in layers]
    return Example(loss, model.parameters(), clusters)


EXAMPLES: dict[str, Callable[[], Example]] = {
    "chain": chain,
    "neuron": neuron,
    "two_layer": two_layer,
}


def launch_chromium(playwright: Any) -> Any:
    """Headless Chromium through Playwright: the system's ``chromium`` when there is one
    (Debian's package), else the browser ``playwright install chromium`` downloads."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    return playwright.chromium.launch(
        executable_path=executable, headless=True, args=list(CHROMIUM_ARGS)
    )


def screenshot(page: Path, picture: Path, step: int = SCREENSHOT_STEP) -> Path:
    """Open ``page`` in headless Chromium, go to backward step ``step``, save a PNG."""
    from playwright.sync_api import sync_playwright  # the browser extra

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            tab = browser.new_page(viewport={"width": 1280, "height": 800}, device_scale_factor=2)
            tab.goto(page.resolve().as_uri())
            tab.locator(".cr-steps li", has_text=re.compile(f"^Step {step}: ")).click()
            tab.screenshot(path=str(picture), full_page=True)
        finally:
            browser.close()
    return picture


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m demos.chain_rule",
        description=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--out", type=Path, default=OUT, metavar="DIR", help=f"folder for the files ({OUT})"
    )
    where.add_argument(
        "--images",
        action="store_const",
        dest="out",
        const=IMAGES,
        help="write into demos/images, the committed pictures the README and docs show",
    )
    parser.add_argument(
        "--screenshot", action="store_true", help="also photograph two_layer.html (player.png)"
    )
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, build in EXAMPLES.items():
        example = build()
        print(f"== {name}: backward pass, step by step")
        print(explain_backward(example.output))
        example.output.backward()
        path = args.out / f"{name}.svg"
        try:
            render(example.output, path, **example.draw_options())
        except GraphvizNotFoundError as error:
            print(error, file=sys.stderr)
            return 1
        print(f"graph: {path}\n")
    network = two_layer()
    network.output.backward()  # where scripts are off, the page's picture shows the result
    page = write_page(
        network.output,
        args.out / "two_layer.html",
        forward=True,
        lr=LEARNING_RATE,
        **network.draw_options(),
    )
    print(
        f"the network's forward pass, backward pass and update to step through: {page} "
        "(open it in a browser)"
    )
    if args.screenshot:
        print(f"screenshot: {screenshot(page, args.out / 'player.png')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

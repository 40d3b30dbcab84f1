"""python -m demos.chain_rule: prints the backward steps, writes three SVGs and the network's
step-through page, and keeps the README's committed pictures current."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from autograd import topological_order
from autograd.names import format_number
from autograd.viz import draw_dot
from demos import chain_rule
from tests.test_player import browser_installed
from tests.test_viz import SVG, dot_program, no_dot_program, parse, svg_node_titles

__all__ = ["browser_installed", "dot_program", "no_dot_program"]  # fixtures shared with other tests


def svg_texts(svg: bytes) -> list[str]:
    return sorted(t.text or "" for t in ET.fromstring(svg).iter(f"{SVG}text"))


def test_the_demo_prints_the_steps_and_writes_the_graphs_and_the_page(
    dot_program, tmp_path, capsys
):
    assert chain_rule.main(["--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    y = chain_rule.chain().output
    (x,) = (v for v in topological_order(y) if v.label == "x")
    dy_dz = 2 * (3 * x.data)  # y = z^2 with z = 3x
    step = f"x.grad += dz/dx (3) * z.grad ({format_number(dy_dz)}) = {format_number(3 * dy_dz)}"
    assert f"Step 2: {step}" in printed
    assert printed.count("(the seed)") == len(chain_rule.EXAMPLES)
    for name, build in chain_rule.EXAMPLES.items():
        example = build()
        example.output.backward()
        nodes, _ = parse(draw_dot(example.output, **example.draw_options()).source)
        assert sorted(svg_node_titles((tmp_path / f"{name}.svg").read_bytes())) == sorted(nodes)
    page = (tmp_path / "two_layer.html").read_text(encoding="utf-8")
    assert "forward pass, backward pass and update of Loss" in page
    assert f"{tmp_path / 'two_layer.html'}" in printed


def test_the_network_reads_like_the_derivation():
    example = chain_rule.two_layer()
    labels = {v.label for v in topological_order(example.output)}
    assert {"W1[0][0]", "W1[1][1]", "b1[0]", "Z1[0]", "A1[1]", "W2[0][1]", "Z2", "A2"} <= labels
    assert list(example.clusters) == [
        "layer 1: Z1 = W1 X + b1, A1 = σ(Z1)",
        "layer 2: Z2 = W2 A1 + b2, A2 = σ(Z2)",
        chain_rule.LOSS_TITLE,
    ]
    assert example.output in example.clusters[chain_rule.LOSS_TITLE]
    framed = [v for values in example.clusters.values() for v in values]
    computed = [v for v in topological_order(example.output) if v.inputs]
    assert set(computed) <= set(framed) and len(framed) == len(set(framed))
    source = draw_dot(example.output, **example.draw_options()).source
    assert source.count("subgraph cluster_") == 3


def test_the_committed_pictures_and_page_match_a_fresh_run(dot_program, tmp_path, capsys):
    """The README shows demos/images; regenerate them with `python -m demos.chain_rule`."""
    chain_rule.main(["--out", str(tmp_path)])
    for name in chain_rule.EXAMPLES:
        committed = (chain_rule.IMAGES / f"{name}.svg").read_bytes()
        assert svg_texts(committed) == svg_texts((tmp_path / f"{name}.svg").read_bytes())
    page, fresh = (
        re.sub(
            r'(?:points|d|x|y|transform|viewBox|width|height)="[^"]*"',
            "",
            (folder / "two_layer.html").read_text(),
        )
        for folder in (chain_rule.IMAGES, tmp_path)
    )
    assert page == fresh  # the same page, up to where Graphviz placed things
    assert (chain_rule.IMAGES / "player.png").read_bytes().startswith(b"\x89PNG")


def test_without_dot_the_demo_says_how_to_install_graphviz(no_dot_program, tmp_path, capsys):
    assert chain_rule.main(["--out", str(tmp_path)]) == 1
    assert "apt-get install graphviz" in capsys.readouterr().err
    assert (tmp_path / "chain.dot").exists()


def test_the_network_is_seeded():
    def drawn(seed: int) -> str:
        return draw_dot(chain_rule.two_layer(seed).output).source

    assert drawn(0) == drawn(0)
    assert drawn(0) != drawn(1)


def test_the_screenshot_shows_the_page_in_a_browser(browser_installed, tmp_path, capsys):
    """`python -m demos.chain_rule --screenshot` photographs the page for the README."""
    assert chain_rule.main(["--out", str(tmp_path), "--screenshot"]) == 0
    picture = (tmp_path / "player.png").read_bytes()
    assert picture.startswith(b"\x89PNG")
    width, height = int.from_bytes(picture[16:20], "big"), int.from_bytes(picture[20:24], "big")
    assert width == 2 * 1280 and height >= 2 * 700  # a 1280-pixel-wide page, at twice the density


def test_the_help_is_plain_text(capsys):
    """`--help` reads in a terminal: no reStructuredText or Markdown markup."""
    with pytest.raises(SystemExit):
        chain_rule.main(["--help"])
    shown = capsys.readouterr().out
    assert "the derivation's network" in shown and "--images" in shown
    assert not re.search(r"``|\*\*|:func:|:class:", shown)


def test_by_default_the_files_go_to_out_and_only_images_writes_the_committed_ones(
    dot_program, tmp_path, monkeypatch, capsys
):
    committed = tmp_path / "committed"
    monkeypatch.setattr(chain_rule, "IMAGES", committed)
    monkeypatch.chdir(tmp_path)
    assert chain_rule.main([]) == 0
    assert (tmp_path / "out" / "chain_rule" / "two_layer.html").is_file()
    assert not committed.exists()
    assert chain_rule.main(["--images"]) == 0
    assert sorted(p.name for p in committed.iterdir()) == sorted(
        [*(f"{name}.svg" for name in chain_rule.EXAMPLES), "two_layer.html"]
    )

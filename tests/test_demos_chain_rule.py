"""python -m demos.chain_rule: prints the backward steps, writes three SVGs, and keeps the
README's committed pictures current."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from autograd import topological_order
from autograd.names import format_number
from autograd.viz import draw_dot
from demos import chain_rule
from tests.test_viz import SVG, dot_program, no_dot_program, parse, svg_node_titles

NAMES = ("chain", "neuron", "two_layer")
__all__ = ["dot_program", "no_dot_program"]  # fixtures shared with tests/test_viz.py


def svg_texts(svg: bytes) -> list[str]:
    return sorted(t.text or "" for t in ET.fromstring(svg).iter(f"{SVG}text"))


def test_the_demo_prints_the_steps_and_writes_the_graphs(dot_program, tmp_path, capsys):
    assert chain_rule.main(["--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    y, _ = chain_rule.chain()
    (x,) = (v for v in topological_order(y) if v.label == "x")
    dy_dz = 2 * (3 * x.data)  # y = z^2 with z = 3x
    step = f"x.grad += dz/dx (3) * z.grad ({format_number(dy_dz)}) = {format_number(3 * dy_dz)}"
    assert f"Step 2: {step}" in printed
    assert printed.count("(the seed)") == len(NAMES)
    for name in NAMES:
        output, params = getattr(chain_rule, name)(*((0,) if name == "two_layer" else ()))
        output.backward()
        nodes, _ = parse(draw_dot(output, params=params).source)
        assert sorted(svg_node_titles((tmp_path / f"{name}.svg").read_bytes())) == sorted(nodes)


def test_the_committed_pictures_match_a_fresh_run(dot_program, tmp_path, capsys):
    """The README shows demos/images; regenerate them with `python -m demos.chain_rule`."""
    chain_rule.main(["--out", str(tmp_path)])
    for name in NAMES:
        committed = (chain_rule.IMAGES / f"{name}.svg").read_bytes()
        assert svg_texts(committed) == svg_texts((tmp_path / f"{name}.svg").read_bytes())


def test_without_dot_the_demo_says_how_to_install_graphviz(no_dot_program, tmp_path, capsys):
    assert chain_rule.main(["--out", str(tmp_path)]) == 1
    assert "apt-get install graphviz" in capsys.readouterr().err
    assert (tmp_path / "chain.dot").exists()


def test_the_network_is_seeded():
    def drawn(seed: int) -> str:
        return draw_dot(chain_rule.two_layer(seed)[0]).source

    assert drawn(0) == drawn(0)
    assert drawn(0) != drawn(1)

"""Smoke tests of the nn demos: they run, say what they should, and write their pictures."""

from __future__ import annotations

import re
import shutil
import sys

import pytest

from autograd.viz import GraphvizNotFoundError
from demos import moons, spiral, two_layer

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is missing")
QUICK_TWO_LAYER = ["--epochs", "40", "--example-epochs", "2", "--log-every", "20"]
QUICK_MOONS = ["--points", "24", "--epochs", "2", "--batch-size", "8"]
QUICK_SPIRAL = ["--points", "30", "--epochs", "2", "--batch-size", "10"]


# -- two_layer ---------------------------------------------------------------------------------
def table_rows(output: str) -> list[tuple[str, float, float, float]]:
    """(quantity, by hand, engine, |difference|) for each row of the printed table."""
    rows = []
    for line in output.splitlines():
        match = re.fullmatch(r"(.+?)\s+(-?\d\.\d{10})\s+(-?\d\.\d{10})\s+(\S+)", line)
        if match:
            rows.append((match[1], float(match[2]), float(match[3]), float(match[4])))
    return rows


def test_two_layer_prints_the_hand_derivation_beside_the_engine(capsys):
    assert two_layer.main([*QUICK_TWO_LAYER, "--hidden", "3", "--no-graph"]) == 0
    rows = table_rows(capsys.readouterr().out)
    names = [name for name, *_ in rows]
    # dLoss/dA2, δ2, 3 dA1, 3 δ1, 3 dW2 + db2, 6 dW1 + 3 db1
    assert len(rows) == 2 + 3 + 3 + 4 + 9
    assert names[:2] == ["dLoss/dA2 = 2(A2 - y)", "δ2 = dLoss/dZ2"]
    assert {"dW1[2][1]", "db1[2]", "dW2[0][2]", "db2[0]"} <= set(names)
    assert all(difference < 1e-12 for *_, difference in rows)
    assert any(abs(hand) > 1e-3 for _, hand, _, _ in rows)


def test_two_layer_trains_the_example_and_xor(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    assert two_layer.main(["--no-graph", "--no-loss-plot"]) == 0  # the defaults
    output = capsys.readouterr().out
    example = output.split("Gradient descent on the example")[1].split("XOR")[0]
    losses = [float(x) for x in re.findall(r"loss (\S+)", example)]
    assert len(losses) == 10 and losses[-1] < losses[0]
    assert float(re.search(r"final loss (\S+)", output)[1]) < 0.01
    predictions = re.findall(r"^\s+(\d)\s+(\d)\s+(\d)\s+(\d\.\d+)$", output, re.M)
    assert [round(float(p)) == int(t) for *_, t, p in predictions] == [True] * 4
    assert re.search(
        r"^loss [▁▂▃▄▅▆▇█]{50} 0\.2586 -> 0\.001255 \(600 epochs, log scale\)$", output, re.M
    )
    assert not (tmp_path / "out").exists()


@needs_dot
def test_two_layer_writes_the_chain_rule_graph(tmp_path, capsys):
    path = tmp_path / "graph" / "net.svg"
    assert two_layer.main([*QUICK_TWO_LAYER, "--graph", str(path)]) == 0
    svg = path.read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    for label in ("W1[0][0]", "b2[0]", "Z2", "A2", "A2 &#45; y", "Loss"):
        assert f">{label}<" in svg
    assert f"written to {path}" in capsys.readouterr().out


def test_two_layer_without_graphviz_says_so_in_one_line(monkeypatch, tmp_path, capsys):
    def missing(*args: object, **kwargs: object) -> None:
        raise GraphvizNotFoundError("render: Graphviz's `dot` program was not found")

    monkeypatch.setattr("autograd.viz.render", missing)
    assert two_layer.main([*QUICK_TWO_LAYER, "--graph", str(tmp_path / "g.svg")]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if "graph" in line]
    assert lines == ["graph not written: render: Graphviz's `dot` program was not found"]


def test_two_layer_without_the_rendering_module_still_runs(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "autograd.viz", None)  # import fails
    assert two_layer.main([*QUICK_TWO_LAYER, "--graph", str(tmp_path / "g.svg")]) == 0
    assert "graph not written" in capsys.readouterr().out
    assert not (tmp_path / "g.svg").exists()


def test_two_layer_writes_the_loss_curve_beside_its_outputs(monkeypatch, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    assert two_layer.main([*QUICK_TWO_LAYER, "--no-graph"]) == 0
    path = tmp_path / "out" / "two_layer_loss.png"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "loss curve written to out/two_layer_loss.png" in capsys.readouterr().out


def test_two_layer_without_matplotlib_prints_the_loss_line_only(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # import fails
    path = tmp_path / "loss.png"
    assert two_layer.main([*QUICK_TWO_LAYER, "--no-graph", "--loss-plot", str(path)]) == 0
    output = capsys.readouterr().out
    assert re.search(r"^loss [▁▂▃▄▅▆▇█]+ \S+ -> \S+ \(40 epochs", output, re.M)
    assert "loss curve not written: matplotlib is not installed" in output
    assert not path.exists()


def test_two_layer_help_lists_its_options(capsys):
    with pytest.raises(SystemExit) as exited:
        two_layer.main(["--help"])
    assert exited.value.code == 0
    help_text = capsys.readouterr().out
    options = ("--epochs", "--lr", "--hidden", "--seed", "--graph", "--no-graph", "--loss-plot")
    for option in (*options, "--no-loss-plot"):
        assert option in help_text


# -- moons -------------------------------------------------------------------------------------
def test_moons_reaches_97_percent_training_accuracy_with_its_defaults():
    args = moons.parse_args([])
    model, points, labels, history = moons.train(args)
    assert len(history) == args.epochs and history[-1] < history[0]
    assert len(points) == 100
    assert moons.accuracy(model, points, labels) >= 0.97


def test_moons_prints_progress_and_accuracy(capsys):
    assert moons.main([*QUICK_MOONS, "--no-plot"]) == 0
    output = capsys.readouterr().out
    assert "MLP(2, [16, 16, 1], activation='relu', output_activation='linear')" in output
    assert re.findall(r"^epoch +\d+/2  loss \S+$", output, re.M)
    assert re.search(r"training accuracy \d+\.\d%", output)
    assert re.search(r"^loss [▁▂▃▄▅▆▇█]{2} \S+ -> \S+ \(2 epochs", output, re.M)


def test_moons_compiled_prints_the_same_losses_and_accuracy(capsys):
    assert moons.main([*QUICK_MOONS, "--no-plot"]) == 0
    interpreted = capsys.readouterr().out
    assert moons.main([*QUICK_MOONS, "--no-plot", "--compile"]) == 0
    assert capsys.readouterr().out == interpreted


def test_moons_draws_the_boundary_as_text(capsys):
    assert moons.main([*QUICK_MOONS, "--text"]) == 0
    output = capsys.readouterr().out
    frame = [line for line in output.splitlines() if line.startswith(("+", "|"))]
    assert frame[0] == frame[-1] == "+" + "-" * 64 + "+"
    body = "".join(frame[1:-1])
    assert body.count("o") + body.count("x") > 0
    assert set(body) <= set("|+-.ox ")


def test_moons_falls_back_to_text_without_matplotlib(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # import fails
    assert moons.main([*QUICK_MOONS, "--plot", str(tmp_path / "m.png")]) == 0
    output = capsys.readouterr().out
    assert "matplotlib is not installed" in output and "+" + "-" * 64 + "+" in output
    assert not (tmp_path / "m.png").exists()


def test_moons_writes_a_png_with_matplotlib(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    path = tmp_path / "plots" / "moons.png"
    assert moons.main([*QUICK_MOONS, "--plot", str(path)]) == 0
    loss_path = tmp_path / "plots" / "moons_loss.png"
    for png in (path, loss_path):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"written to {path}, loss curve to {loss_path}" in capsys.readouterr().out


# -- spiral ------------------------------------------------------------------------------------
def test_spiral_reaches_95_percent_training_accuracy_with_its_defaults():
    args = spiral.parse_args([])
    model, points, labels, history = spiral.train(args)
    assert (len(points), sorted(set(labels))) == (150, [0, 1, 2])
    assert spiral.accuracy(model, points, labels) >= 0.95
    assert len(history) == args.epochs and history[-1] < history[0] / 10


def test_spiral_prints_progress_accuracy_and_the_loss_line(capsys):
    assert spiral.main([*QUICK_SPIRAL, "--no-plot"]) == 0
    output = capsys.readouterr().out
    assert "MLP(2, [16, 16, 3], activation='relu', output_activation='linear')" in output
    assert re.findall(r"^epoch +\d+/2  loss \S+$", output, re.M)
    assert re.search(r"training accuracy \d+\.\d%", output)
    assert re.search(r"^loss [▁▂▃▄▅▆▇█]{2} \S+ -> \S+ \(2 epochs", output, re.M)


def test_spiral_draws_the_regions_as_text(capsys):
    assert spiral.main([*QUICK_SPIRAL, "--text"]) == 0
    lines = capsys.readouterr().out.splitlines()
    frame = [line for line in lines if line.startswith(("+", "|"))]
    assert frame[0] == frame[-1] == "+" + "-" * 64 + "+" and len(frame) == 2 + 24
    body = "".join(line[1:-1] for line in frame[1:-1])
    assert set(body) <= set(" .:012") and {"0", "1", "2"} <= set(body)
    assert (
        lines[-1] == "digits: the points, by class; regions: ' ' class 0, '.' class 1, ':' class 2"
    )


def test_spiral_classifies_by_the_largest_logit():
    model = spiral.make_model(spiral.parse_args([]))
    for point in ([0.3, -0.2], [-0.9, 0.4]):
        logits = [z.data for z in model(point)]
        assert spiral.classify(model, [point]) == [logits.index(max(logits))]


def test_spiral_falls_back_to_text_without_matplotlib(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # import fails
    assert spiral.main([*QUICK_SPIRAL, "--plot", str(tmp_path / "s.png")]) == 0
    output = capsys.readouterr().out
    assert "matplotlib is not installed" in output and "+" + "-" * 64 + "+" in output
    assert list(tmp_path.iterdir()) == []


def test_spiral_writes_the_regions_and_the_loss_curve_as_pngs(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    path = tmp_path / "plots" / "spiral.png"
    assert spiral.main([*QUICK_SPIRAL, "--plot", str(path)]) == 0
    loss_path = tmp_path / "plots" / "spiral_loss.png"
    for png in (path, loss_path):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"written to {path}, loss curve to {loss_path}" in capsys.readouterr().out


@pytest.mark.parametrize("classes", ["1", "6"])
def test_spiral_refuses_a_class_count_it_cannot_draw(classes, capsys):
    with pytest.raises(SystemExit):
        spiral.parse_args(["--classes", classes])
    assert "--classes must be between 2 and 5" in capsys.readouterr().err

"""Loss curves: the bars follow the loss, the scale is chosen honestly, the PNG is whole."""

from __future__ import annotations

import itertools
import math
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nn.plots import BARS, log_scale_fits, loss_curve, loss_line, sparkline

losses = st.lists(st.floats(1e-6, 1e6), min_size=1, max_size=200)


@given(values=losses, width=st.integers(1, 80))
def test_a_sparkline_has_one_bar_a_value_up_to_its_width(values, width):
    line = sparkline(values, width)
    assert len(line) == min(len(values), width)
    assert set(line) <= set(BARS)


@given(values=st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=50, unique=True))
def test_the_bars_keep_the_order_of_the_values(values):
    line = sparkline(values, width=len(values), log=False)
    for (a, bar_a), (b, bar_b) in itertools.pairwise(zip(values, line, strict=True)):
        if a < b:
            assert BARS.index(bar_a) <= BARS.index(bar_b)
    assert line[values.index(min(values))] == BARS[0]
    assert line[values.index(max(values))] == BARS[-1]


def test_a_falling_loss_on_a_log_scale_steps_down_evenly():
    decades = [10.0**-k for k in range(8)]  # 1, 0.1, ..., 1e-7: one bar a decade
    assert sparkline(decades) == BARS[::-1]
    assert sparkline(decades, log=False) == "█▂" + "▁" * 6  # linear: a cliff, then flat


def test_long_histories_are_averaged_in_equal_runs():
    assert sparkline([1.0] * 10 + [2.0] * 10, width=2, log=False) == BARS[0] + BARS[-1]


def test_non_finite_losses_are_marked_not_hidden():
    assert sparkline([1.0, math.nan, 3.0, math.inf]) == BARS[0] + "!" + BARS[-1] + "!"
    assert sparkline([math.nan]) == "!"
    assert sparkline([]) == ""


def test_a_constant_loss_sits_mid_height():
    assert sparkline([0.5, 0.5, 0.5]) == BARS[3] * 3


@pytest.mark.parametrize(
    ("values", "fits"),
    [([1.0, 0.1], True), ([1.0, 0.2], False), ([1.0, 0.0], False), ([-1.0, -20.0], False)],
)
def test_a_log_scale_needs_positive_losses_spanning_a_factor_of_10(values, fits):
    assert log_scale_fits(values) is fits


def test_the_loss_line_says_first_last_epochs_and_scale():
    line = loss_line([0.25, 0.1, 0.02])
    assert line == f"loss {BARS[-1]}{BARS[4]}{BARS[0]} 0.25 -> 0.02 (3 epochs, log scale)"
    assert loss_line([0.5]) == f"loss {BARS[3]} 0.5 -> 0.5 (1 epoch)"
    assert loss_line([]) == "loss: no epochs"


def test_a_width_below_one_is_refused():
    with pytest.raises(ValueError, match="width must be at least 1, got 0"):
        sparkline([1.0], width=0)


def test_the_loss_curve_is_a_whole_png_of_the_figures_size(tmp_path):
    pytest.importorskip("matplotlib")
    from matplotlib import image

    path = tmp_path / "loss.png"
    assert loss_curve([0.3 * 0.9**k for k in range(100)], path, title="a falling loss") == path
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert image.imread(path).shape[:2] == (360, 600)  # 6 x 3.6 inches at 100 dpi


def test_the_loss_curve_refuses_an_empty_history_and_writes_nothing(tmp_path):
    pytest.importorskip("matplotlib")
    with pytest.raises(ValueError, match="the history is empty"):
        loss_curve([], tmp_path / "loss.png")
    assert list(tmp_path.iterdir()) == []


def test_loss_curve_into_a_missing_directory_names_the_path(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "absent" / "loss.png"
    with pytest.raises(FileNotFoundError, match=str(path)):
        loss_curve([1.0, 0.5], path)


def test_importing_nn_and_its_plots_loads_no_matplotlib():
    code = "import nn, nn.plots, sys; print('matplotlib' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"

"""The step-through page: its frames replay the trace, its HTML is self-contained, and in a
real browser (headless Chromium through Playwright) every step lights the right edge and
shows the right gradients, ending at the engine's ``.grad``.

The browser tests skip without Playwright or Chromium on a developer's machine, but fail
when ``CI`` is set (``.ci/run`` installs both), so CI never passes by skipping them.
"""

from __future__ import annotations

import html as html_lib
import importlib.util
import json
import math
import os
import re
import shutil
from collections import defaultdict

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Value, grad, topological_order
from autograd.names import format_number, node_names, reading_order, term
from autograd.player import UNKNOWN, fragment, frames, notebook_html, page, write_page
from autograd.trace import explain_backward
from autograd.viz import DEFAULT_MAX_NODES, node_ids
from demos import chain_rule
from nn import MLP, SGD, mse_loss
from tests.strategies import expression_dags
from tests.test_viz import dot_program, no_dot_program

__all__ = ["dot_program", "no_dot_program"]  # fixtures shared with tests/test_viz.py


def evaluate(dag_and_point) -> Value:
    dag, point = dag_and_point
    return dag(*(Value(p) for p in point))


def states(start, shown):
    """The texts and exact values each frame shows, as the page's script computes them."""
    texts, exact = dict(start.texts), dict(start.exact)
    for frame in shown:
        texts.update(frame.texts)
        exact.update(frame.exact)
        yield dict(texts), dict(exact)


def expected_grads(trace, upto: int) -> dict[Value, float]:
    """Each node's gradient after the seed and the first ``upto`` steps of ``trace``."""
    grads: dict[Value, float] = defaultdict(float)
    grads[trace.root] = 1.0
    for step in list(trace)[:upto]:
        grads[step.input] += step.contribution
    return grads


# -- frames ----------------------------------------------------------------------------------
@given(expression_dags())
def test_each_frame_shows_the_gradients_accumulated_so_far_ending_at_the_engines(dag_and_point):
    out = evaluate(dag_and_point)
    trace = explain_backward(out)
    start, shown = frames(trace)
    ids = node_ids(reading_order(out))
    lines = str(trace).splitlines()
    assert [f.text for f in shown] == lines  # the seed, then every step as print shows it
    assert [f.kind for f in shown] == ["seed"] + ["backward"] * len(trace)
    for k, (texts, exact) in enumerate(states(start, shown)):
        grads = expected_grads(trace, k)
        for v, node in ids.items():
            assert texts[f"{node}_grad"] == f"grad {format_number(grads[v])}"
            assert float(exact[f"{node}_grad"]) == grads[v]
    final = dict(zip(topological_order(out), grad(out, topological_order(out)), strict=True))
    assert {v: float(exact[f"{ids[v]}_grad"]) for v in ids} == final  # exactly the engine's


@given(expression_dags())
def test_a_step_lights_its_edge_its_op_and_both_values(dag_and_point):
    out = evaluate(dag_and_point)
    trace = explain_backward(out)
    _, shown = frames(trace)
    ids = node_ids(reading_order(out))
    assert shown[0].lit == (ids[out],) and shown[0].marks == (f"{ids[out]}_grad",)
    for step, frame in zip(trace, shown[1:], strict=True):
        node, into = ids[step.output], ids[step.input]
        assert frame.lit == (f"{node}_in{step.position}", f"{node}_op", node, into)
        assert frame.marks == (f"{node}_local{step.position}", f"{node}_grad", f"{into}_grad")


@given(expression_dags())
def test_the_forward_phase_shows_each_value_as_it_is_computed(dag_and_point):
    out = evaluate(dag_and_point)
    trace = explain_backward(out)
    start, shown = frames(trace, forward=True)
    order = reading_order(out)
    ids, names = node_ids(order), node_names(order)
    computed = [v for v in order if v.inputs]
    given, *shown = shown  # a first frame where nothing is computed yet
    assert given.kind == "given" and given.texts == {} and "nothing is computed yet" in given.text
    assert set(given.lit) == {ids[v] for v in order if not v.inputs}
    forward = shown[: len(computed)]
    assert [f.kind for f in shown] == ["forward"] * len(computed) + ["seed"] + ["backward"] * len(
        trace
    )
    assert [f.text for f in shown[len(computed) :]] == str(trace).splitlines()
    for v in order:  # inputs and parameters are given; computed values start unknown
        data = start.texts[f"{ids[v]}_data"]
        assert data == (f"data {UNKNOWN}" if v.inputs else f"data {format_number(v.data)}")
    for k, ((texts, _), frame, v) in enumerate(
        zip(states(start, shown), forward, computed, strict=False)
    ):
        node = ids[v]
        assert frame.text.startswith(f"{names[v]} = ")
        assert frame.text.endswith(f" = {format_number(v.data)}")
        assert texts[f"{node}_data"] == f"data {format_number(v.data)}"
        for p, d in enumerate(v.local_grads):
            assert texts[f"{node}_local{p}"] == format_number(d)
        later = computed[k + 1 :]
        assert all(texts[f"{ids[u]}_data"] == f"data {UNKNOWN}" for u in later)
        assert frame.lit[:2] == (node, f"{node}_op")


@given(expression_dags(), st.floats(1e-3, 10.0))
def test_the_update_moves_each_parameter_as_sgd_does(dag_and_point, lr):
    """With lr, one frame per parameter after the backward pass shows p - lr * grad, the
    number SGD(params, lr).step() writes, bitwise; the backward frames are unchanged."""
    out = evaluate(dag_and_point)
    order = reading_order(out)
    params = [v for v in order if not v.inputs][::2]
    trace = explain_backward(out)
    start, shown = frames(trace, lr=lr, params=params)
    assert shown[: len(trace) + 1] == frames(trace)[1]
    updates = shown[len(trace) + 1 :]
    assert [f.kind for f in updates] == ["update"] * len(params)
    ids, names = node_ids(order), node_names(order)
    engine = dict(zip(params, grad(out, params), strict=True))
    before = {p: p.data for p in params}
    out.backward()
    SGD(params, lr=lr).step()
    states_after = list(states(start, shown))
    for k, (frame, p) in enumerate(zip(updates, params, strict=True), start=len(trace) + 1):
        texts, exact = states_after[k]
        data = f"{ids[p]}_data"
        assert float(exact[data]).hex() == p.data.hex()  # SGD's own number
        assert texts[data] == f"data {format_number(p.data)}"
        assert frame.lit == (ids[p],) and frame.text.startswith(f"Update: {names[p]} ← ")
        assert frame.text.endswith(f"= {format_number(p.data)}") and "η" in frame.story
        assert float(start.exact[data]) == before[p]
        assert float(exact[f"{ids[p]}_grad"]) == engine[p]
    for p in params:
        p.data = before[p]


def test_a_learning_rate_needs_parameters_and_must_be_a_positive_number(dot_program, tmp_path):
    x = Value(2.0, label="x")
    for lr in (0.0, -1.0, math.nan, math.inf, "0.1", True):
        with pytest.raises(
            ValueError, match=re.escape(f"lr must be a positive number, got {lr!r}")
        ):
            write_page(x * 3, tmp_path / "page.html", lr=lr, params=[x])
    with pytest.raises(ValueError, match=re.escape("pass params=model.parameters()")):
        write_page(x * 3, tmp_path / "page.html", lr=0.1)
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_each_step_that_computes_a_quantity_of_the_derivation_says_which(dot_program):
    """Built by nn with no label set by hand, the page reads as the README's table."""
    model = MLP(2, [2, 1], activation="sigmoid", seed=0)
    loss = mse_loss(model([0.5, -1.0]), 1.0)
    trace = explain_backward(loss)
    _, shown = frames(trace)
    told = {step.input_name: f.story for step, f in zip(trace, shown[1:], strict=True) if f.story}
    assert told == {
        "A2": "Step 1: dLoss/dA2",
        "Z2": "Step 3: δ2 = dLoss/dZ2 = dLoss/dA2 · dA2/dZ2 (Step 2)",
        **{f"W2[0][{j}]": f"Step 4: dLoss/dW2[0][{j}] = δ2 · A1[{j}]" for j in (0, 1)},
        "b2[0]": "Step 4: dLoss/db2[0] = δ2",
        **{f"A1[{j}]": f"Step 5: dLoss/dA1[{j}] = (W2ᵀ δ2)[{j}]" for j in (0, 1)},
        **{
            f"Z1[{j}]": (
                f"Step 7: δ1[{j}] = dLoss/dZ1[{j}] = dLoss/dA1[{j}] · dA1[{j}]/dZ1[{j}] (Step 6)"
            )
            for j in (0, 1)
        },
        **{
            f"W1[{j}][{i}]": f"Step 8: dLoss/dW1[{j}][{i}] = δ1[{j}] · X[{i}]"
            for j in (0, 1)
            for i in (0, 1)
        },
        **{f"b1[{j}]": f"Step 8: dLoss/db1[{j}] = δ1[{j}]" for j in (0, 1)},
    }
    text = page(loss, params=model.parameters(), clusters=model.layer_clusters(loss))
    for name in ("Z1[0]", "A2", "Loss", "Step 3: δ2 = dLoss/dZ2"):
        assert html_lib.escape(name) in text
    batch = mse_loss([model(x) for x in ([0.5, -1.0], [1.0, 2.0])], [1.0, 0.0])
    trace = explain_backward(batch)
    told = [f.story for f in frames(trace)[1][1:]]
    last = {s.input: k for k, s in enumerate(trace)}  # a story once, at the last addition
    quantity = re.compile(r"[WbZA][12](\[\d\])*(#2)?")
    assert [k for k, story in enumerate(told) if story] == sorted(
        k for v, k in last.items() if quantity.fullmatch(trace[k].input_name)
    )
    assert told[last[model.layers[0].W[1][0]]] == (
        "Step 8: dLoss/dW1[1][0] = δ1[1] · X[0], summed over 2 examples"
    )


# -- the HTML ----------------------------------------------------------------------------------
def test_the_page_is_one_self_contained_file(dot_program, tmp_path):
    example = chain_rule.two_layer()
    path = write_page(example.output, tmp_path / "page.html", **example.draw_options())
    html = path.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    without_namespaces = re.sub(r'xmlns(:\w+)?="[^"]*"', "", html)
    assert not re.search(
        r"https?://|//cdn|<link|<img|<iframe|\bsrc=|@import|url\(", without_namespaces
    )
    assert html.count("<script") == 2  # the data and the player's own script, both inline
    assert sorted(p.name for p in tmp_path.iterdir()) == ["page.html"]


def test_every_id_a_frame_names_is_in_the_picture(dot_program):
    example = chain_rule.two_layer()
    html = fragment(example.output, forward=True, **example.draw_options())
    data = json.loads(re.search(r'class="cr-data">(.*?)</script>', html, re.DOTALL)[1])
    drawn = set(re.findall(r'<(?:g|text)\b[^>]*\bid="([^"]+)"', html))
    for frame in [data["start"], *data["frames"]]:
        named = {*frame["texts"], *frame["exact"], *frame["lit"], *frame["marks"]}
        assert named <= drawn, named - drawn


def test_a_label_cannot_break_out_of_the_page(dot_program):
    x = Value(1.0, label="</script><script>alert(1)</script>")
    html = fragment(x * 2)
    assert html.count("</script>") == 2
    assert "<script>alert" not in html


def test_jupyter_shows_a_trace_as_the_player(dot_program):
    trace = explain_backward(Value(2.0, label="x") * 3)
    assert trace._repr_html_() == notebook_html(trace) == fragment(trace)
    assert 'class="chainrule-player"' in trace._repr_html_()


def test_jupyter_shows_the_text_without_dot_or_for_a_graph_too_large(no_dot_program):
    assert explain_backward(Value(2.0) * 3)._repr_html_() is None


def test_a_graph_too_large_to_draw_shows_as_text():
    v = Value(1.0)
    for _ in range(DEFAULT_MAX_NODES):
        v = v * 1.0
    assert explain_backward(v)._repr_html_() is None


def test_the_page_title_says_which_passes_it_plays(dot_program):
    x = Value(2.0, label="x")
    assert "<h1>The chain rule, step by step: the backward pass of mul1</h1>" in page(x * 3)
    assert "the forward and backward pass of mul1</h1>" in page(x * 3, forward=True)
    assert "<h1>mine &amp; yours</h1>" in page(x * 3, title="mine & yours")


# -- in a real browser -------------------------------------------------------------------------
def _skip_or_fail(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}, and the browser tests must run in CI")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser_installed() -> None:
    """Playwright, Chromium and Graphviz are there; a skip without them, a failure in CI."""
    if importlib.util.find_spec("playwright") is None:
        _skip_or_fail("Playwright is not installed (pip install -e '.[browser]')")
    if not (shutil.which("chromium") or shutil.which("chromium-browser")):
        _skip_or_fail("Chromium is not installed (apt-get install chromium)")
    if not shutil.which("dot"):
        _skip_or_fail("Graphviz's dot is not installed")


@pytest.fixture(scope="module")
def browser(browser_installed):
    """Headless Chromium through Playwright, for the tests of one module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = chain_rule.launch_chromium(playwright)
        yield chromium
        chromium.close()


class Tab:
    """A page in the browser that records every request, console error and dialog."""

    def __init__(self, browser, path):
        self.url = path.resolve().as_uri()
        self.page = browser.new_page(viewport={"width": 1280, "height": 800})
        self.requests, self.errors, self.dialogs = [], [], []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("dialog", self._dialog)
        self.page.goto(self.url)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _console(self, message) -> None:
        if message.type in ("error", "warning"):
            self.errors.append(message.text)

    def font_px(self) -> float:
        """The size on screen of the picture's text, in CSS pixels."""
        return self.page.evaluate(
            """() => {
                const svg = document.querySelector(".cr-graph svg");
                const text = svg.querySelector("text[font-size]");
                const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
                return Number(text.getAttribute("font-size")) * scale;
            }"""
        )

    def in_view(self, identifier: str) -> bool:
        """Whether the element's middle is inside the visible part of the picture."""
        return self.page.evaluate(
            """(id) => {
                const box = document.getElementById(id).getBoundingClientRect();
                const view = document.querySelector(".cr-graph").getBoundingClientRect();
                const x = (box.left + box.right) / 2, y = (box.top + box.bottom) / 2;
                return view.left <= x && x <= view.right && view.top <= y && y <= view.bottom;
            }""",
            identifier,
        )

    def state(self, index: int = 0) -> dict:
        """What player ``index`` shows: its frame, its line, the lit ids, every field's text."""
        return self.page.evaluate(
            """(index) => {
                const player = document.querySelectorAll(".chainrule-player")[index];
                const texts = {}, values = {};
                player.querySelectorAll("text[id]").forEach((t) => {
                    texts[t.id] = t.textContent;
                    if (t.hasAttribute("data-value")) values[t.id] = t.getAttribute("data-value");
                });
                const ids = (name) => [...player.querySelectorAll("." + name)].map((e) => e.id);
                return {frame: Number(player.dataset.frame),
                        text: player.querySelector(".cr-text").textContent,
                        story: player.querySelector(".cr-story").textContent,
                        slider: Number(player.querySelector(".cr-slider").value),
                        lit: ids("cr-lit"), marks: ids("cr-mark"), texts, values};
            }""",
            index,
        )


def test_stepping_through_the_derivations_network_in_a_browser(browser, tmp_path):
    """Every frame of the two-layer network's forward pass, backward pass and update."""
    example = chain_rule.two_layer()
    loss = example.output
    options = example.draw_options()
    path = write_page(loss, tmp_path / "two_layer.html", forward=True, lr=0.5, **options)
    trace = explain_backward(loss)
    order = reading_order(loss)
    ids, names = node_ids(order), node_names(order)
    _, shown = frames(trace, forward=True, lr=0.5, params=options["params"])
    n_forward = 1 + sum(1 for v in order if v.inputs)  # the given frame, then one per value
    tab = Tab(browser, path)
    assert tab.font_px() >= 13  # readable at 1280 px wide

    for k, frame in enumerate(shown):
        if k:  # alternate the button and the arrow key
            if k % 2:
                tab.page.click('[data-action="next"]')
            else:
                tab.page.keyboard.press("ArrowRight")
        state = tab.state()
        assert (state["frame"], state["slider"]) == (k, k)
        assert state["text"] == frame.text and state["story"] == frame.story
        assert sorted(state["lit"]) == sorted(frame.lit)
        assert sorted(state["marks"]) == sorted(frame.marks)
        assert tab.in_view(frame.lit[0]), frame.lit[0]  # the picture follows the lit part
        if frame.kind == "backward":  # the step's edge, op and both values, all in view
            assert all(tab.in_view(part) for part in frame.lit), frame.lit
        step = k - n_forward  # 0: the seed; s: after step s of the trace
        if 0 <= step <= len(trace):
            assert state["text"] == str(trace).splitlines()[step]
            grads = expected_grads(trace, step)
            for v, node in ids.items():
                assert state["texts"][f"{node}_grad"] == f"grad {format_number(grads[v])}"
                assert float(state["values"][f"{node}_grad"]) == grads[v]
        if 0 < step <= len(trace):  # one edge lit: the step's own, from its input into its op
            taken = trace[step - 1]
            node = ids[taken.output]
            edges = [i for i in state["lit"] if re.fullmatch(r"n\d+_in\d+", i)]
            assert edges == [f"{node}_in{taken.position}"]
            assert {f"{node}_op", node, ids[taken.input]} <= set(state["lit"])
            assert state["texts"][f"{node}_local{taken.position}"] == format_number(taken.local)
            total = trace.totals()[step - 1]  # the running total the line ends with
            assert state["text"].endswith(
                f"so {term(names[taken.input])}.grad = {format_number(total)}"
            )
            assert state["texts"][f"{ids[taken.input]}_grad"] == f"grad {format_number(total)}"
        elif step == -n_forward:  # nothing computed yet: every computed value unknown
            assert frame.kind == "given"
            assert all(
                state["texts"][f"{ids[v]}_data"] == f"data {UNKNOWN}" for v in order if v.inputs
            )
        elif step < 0:  # forward: the value just computed, with its name
            v = [u for u in order if u.inputs][k - 1]
            assert state["text"].startswith(f"{names[v]} = ")
            assert state["texts"][f"{ids[v]}_data"] == f"data {format_number(v.data)}"
        if frame.kind == "update":
            (node,) = frame.lit
            assert state["texts"][f"{node}_data"] == frame.texts[f"{node}_data"]
            assert state["values"][f"{node}_data"] == frame.exact[f"{node}_data"]
    updated = [f.lit[0] for f in shown if f.kind == "update"]
    assert updated == [ids[p] for p in order if p in set(options["params"])]

    loss.backward()  # the last frame shows exactly the engine's gradients, and SGD's data
    final = tab.state()
    assert {v: float(final["values"][f"{ids[v]}_grad"]) for v in order} == {
        v: v.grad for v in order
    }
    before = {ids[p]: p.data for p in options["params"]}
    SGD(options["params"], lr=0.5).step()
    assert {p: float(final["values"][f"{ids[p]}_data"]) for p in options["params"]} == {
        p: p.data for p in options["params"]
    }
    tab.page.keyboard.press("ArrowRight")  # past the end: stays on the last frame
    assert tab.state()["frame"] == len(shown) - 1
    reading = tab.font_px()
    tab.page.click('[data-action="zoom"]')  # the whole picture, the lit part still in view
    assert tab.font_px() < reading and tab.in_view(shown[-1].lit[0])
    tab.page.click('[data-action="zoom"]')
    assert tab.font_px() == reading
    tab.page.keyboard.press("Home")  # back to the start: the data before the update again
    start = tab.state()
    assert {node: float(start["values"][f"{node}_data"]) for node in updated} == before
    assert tab.errors == []
    assert tab.requests == [tab.url]  # the page itself, nothing else


def test_the_controls_jump_back_and_forth_and_play(browser, tmp_path):
    x = Value(1.0, label="x")
    z = 3 * x
    z.label = "z"
    y = z**2
    y.label = "y"
    path = write_page(y, tmp_path / "chain.html")
    tab = Tab(browser, path)
    last = len(explain_backward(y))  # frames: the seed and one per step
    tab.page.keyboard.press("End")
    assert tab.state()["frame"] == last
    assert tab.state()["texts"]["n0_grad"] == "grad 18"
    tab.page.click('[data-action="previous"]')
    assert tab.state()["texts"]["n0_grad"] == "grad 0"  # x's gradient is not reached yet
    tab.page.keyboard.press("ArrowLeft")
    tab.page.keyboard.press("Home")
    assert tab.state()["frame"] == 0
    tab.page.fill(".cr-slider", str(last))
    assert tab.state()["frame"] == last
    tab.page.click(".cr-steps li >> nth=1")
    assert tab.state()["frame"] == 1
    tab.page.click('[data-action="first"]')
    tab.page.click('[data-action="play"]')
    tab.page.wait_for_function(
        f"document.querySelector('.chainrule-player').dataset.frame == '{last}'", timeout=10_000
    )
    assert tab.page.text_content('[data-action="play"]').strip() == "▶ play"  # stopped at the end
    assert tab.errors == [] and tab.requests == [tab.url]


def test_two_players_on_one_page_step_on_their_own(browser, tmp_path):
    """As in a notebook: each trace's player keeps its own frame."""
    first = explain_backward(Value(2.0, label="a") * 3)
    second = explain_backward((Value(1.0, label="<!--<script>b</script>") * 2).tanh())
    document = f"<!DOCTYPE html><html><body>{fragment(first)}{fragment(second)}</body></html>"
    path = tmp_path / "notebook.html"
    path.write_text(document, encoding="utf-8")
    tab = Tab(browser, path)
    tab.page.locator(".chainrule-player").nth(1).locator('[data-action="last"]').click()
    assert tab.state(0)["frame"] == 0
    assert tab.state(1)["frame"] == len(second)
    assert tab.state(1)["text"] == str(second).splitlines()[-1]
    assert (
        tab.state(1)["texts"]["n0_grad"]
        == f"grad {format_number(grad(second.root, [second.steps[0].input.inputs[0]])[0])}"
    )
    assert tab.errors == [] and tab.requests == [tab.url]

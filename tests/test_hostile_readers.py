"""No label, op name or cluster title can break or inject into what the readers write.

Hostile strings (newlines, quotes, ``\"\"\"``, ``</script>``, markup, ``&``, unicode line
separators, lone surrogates, Python keywords and builtins' names, very long labels) go
through the picture (DOT, HTML-like labels, SVG), the page (HTML, JSON, its script, in
Chromium) and the printed trace. Each must come back as text, on one line, exactly as
``names.one_line`` shows it, and nothing in it may run or change the document's shape.
"""

from __future__ import annotations

import html
import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from autograd import CustomOp, Value
from autograd.names import one_line, term
from autograd.player import page, write_page
from autograd.trace import explain_backward
from autograd.viz import draw_dot, render, svg
from tests.test_player import Tab, browser, browser_installed
from tests.test_viz import SVG, dot_program

__all__ = ["browser", "browser_installed", "dot_program"]  # fixtures shared with other tests

HOSTILE = [
    "a\nb",
    "carriage\r\nreturn",
    'say "hi"',
    "it's",
    '"""',
    "'''",
    "</script><script>window.injected = 1</script>",
    '<img src=x onerror="window.injected = 1">',
    "<!--",
    "<b>bold</b>",
    "</table></td>",
    "]]>",
    "&amp; & &lt;",
    "line\u2028separator\u2029paragraph",
    "\x00nul\x7f",
    "lone \ud800 surrogate",
    "non\ufffecharacter",
    "\u202ereversed",
    "tab\there",
    "\\N \\G \\l \\n",
    "{} %s ${x} `x`",
    "if",
    "lambda",
    "None",
    "sum",
    "type",
    "zip",
    "__import__('os').system('echo INJECTED')",
    "W" * 3000,
]
IDS = [repr(label)[:24] for label in HOSTILE]


def graph_of(label: str) -> tuple[Value, Value]:
    """A small graph whose leaf, op, computed value and output all carry ``label``."""
    x = Value(0.5, label=label)
    op = CustomOp(label, lambda v: 2.0 * v, lambda v, out: (2.0,))
    y = op(x)
    y.label = label  # a second node with the same label: named label#2
    out = (y * x).tanh()
    out.label = label
    return x, out


def texts_of(picture: str) -> list[str]:
    return [t.text or "" for t in ET.fromstring(picture).iter(f"{SVG}text")]


# -- the trace -----------------------------------------------------------------------------------
@pytest.mark.parametrize("label", HOSTILE, ids=IDS)
def test_the_trace_prints_a_label_on_one_line_as_text(label):
    _, out = graph_of(label)
    trace = explain_backward(out)
    lines = str(trace).split("\n")
    assert len(lines) == len(trace) + 1  # one line a step, whatever the label holds
    assert all(line.isprintable() for line in lines)
    name = one_line(label)
    assert trace.root_name == f"{name}#3"
    assert lines[0] == f"{term(trace.root_name)}.grad = 1 (the seed)"
    assert lines[-1].startswith(f"Step {len(trace)}: {term(name)}.grad += ")  # into x, last
    assert str(trace).encode("utf-8")  # even a lone surrogate prints


# -- the picture ---------------------------------------------------------------------------------
@pytest.mark.parametrize("label", HOSTILE, ids=IDS)
def test_the_picture_shows_a_label_and_a_cluster_title_as_written(dot_program, label, tmp_path):
    x, out = graph_of(label)
    clusters = {label: [x]}
    picture = svg(out, params=[x], clusters=clusters)
    shown = texts_of(picture)  # parses: the SVG is whole
    name = one_line(label)
    assert shown.count(name) == 3  # the leaf's name, the op's name, the cluster's title
    assert f"{name}#2" in shown and f"{name}#3" in shown  # the op's result and the output
    tree = ET.fromstring(picture)
    drawn = {g.get("id") for g in tree.iter(f"{SVG}g") if g.get("class") == "node"}
    assert drawn == {f"n{i}" for i in range(4)} | {f"n{i}_op" for i in (2, 3)} | {"n1_op"}
    assert not any(e.tag in (f"{SVG}script", f"{SVG}foreignObject") for e in tree.iter())
    source = draw_dot(out, clusters=clusters).source
    assert source.count("label=<") == source.count("label=")  # every label HTML-like, ours
    written = render(out, tmp_path / "graph.svg", clusters=clusters)
    assert texts_of(written.read_text(encoding="utf-8")).count(name) == 3


# -- the page ------------------------------------------------------------------------------------
class _Reader(HTMLParser):
    """The document's elements as Python's HTML parser reads them: tags, text, scripts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.scripts: list[str] = []
        self.text: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self._in: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += attrs
        self._in.append(tag)
        if tag == "script":
            self.scripts.append("")

    def handle_endtag(self, tag):
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data):
        if self._in and self._in[-1] == "script":
            self.scripts[-1] += data
        else:
            self.text.append(data)


@pytest.mark.parametrize("label", HOSTILE, ids=IDS)
def test_the_page_holds_a_label_as_text_and_data_only(dot_program, label):
    x, out = graph_of(label)
    document = page(out, forward=True, title=label, params=[x], clusters={label: [x]}, lr=0.1)
    reader = _Reader()
    reader.feed(document)
    name = one_line(label)
    assert reader.tags.count("script") == 2  # the data and the player: none from a label
    assert "img" not in reader.tags and "b" not in reader.tags
    assert not any(key.startswith("on") for key, _ in reader.attributes)
    data = json.loads(reader.scripts[0])  # the data block is JSON, whole
    texts = [frame["text"] for frame in data["frames"]]
    made = f"{name}#2 = {name}({term(name)}) = "  # the forward frame of the op, as text
    assert any(text.startswith(made) for text in texts)
    assert all("\n" not in text and text.isprintable() for text in texts)
    assert f"<h1>{html.escape(name)}</h1>" in document  # the title, on one line, as text
    assert name in "".join(reader.text)
    assert "window.injected" not in reader.scripts[1]


@pytest.fixture(scope="module")
def hostile_page(browser_installed, tmp_path_factory):
    """One page holding every hostile label, each on its own value."""
    leaves = [Value(float(k), label=label) for k, label in enumerate(HOSTILE)]
    total = leaves[0]
    for leaf in leaves[1:]:
        total = total + leaf
    total.label = HOSTILE[6]
    folder = tmp_path_factory.mktemp("hostile")
    return write_page(total, folder / "page.html", forward=True, max_nodes=None), total


def test_in_chromium_nothing_in_a_label_runs(browser, hostile_page):
    path, total = hostile_page
    tab = Tab(browser, path)
    tab.page.keyboard.press("End")
    state = tab.state()
    assert state["text"] == str(explain_backward(total)).split("\n")[-1]
    assert tab.page.evaluate("() => window.injected") is None
    assert tab.page.evaluate("() => document.scripts.length") == 2
    assert tab.page.evaluate("() => document.querySelectorAll('img, b, table').length") == 0
    drawn = set(state["texts"].values())
    assert all(one_line(label) in drawn for label in HOSTILE)  # every name, as text
    assert tab.dialogs == [] and tab.errors == []
    assert tab.requests == [tab.url]  # nothing fetched: no <img src=x>

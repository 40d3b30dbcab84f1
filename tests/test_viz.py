"""draw_dot's DOT source read back structurally; real rendering with Graphviz's dot program.

The structural tests parse the DOT text (one statement a line, as the graphviz package
writes it; the HTML-like labels are XML) and need no Graphviz install. Rendering tests need
``dot``: they skip without it on a developer's machine but fail when ``CI`` is set, so CI
never passes by skipping them. They also measure the picture: every local derivative sits
at the end of its own edge.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograd import CustomOp, Value, dot
from autograd.names import format_number, node_names, op_label, reading_order
from autograd.trace import explain_backward
from autograd.viz import (
    DEFAULT_MAX_NODES,
    ROLE_STYLES,
    GraphTooLargeError,
    GraphvizNotFoundError,
    draw_dot,
    node_ids,
    render,
    svg,
    svg_mimebundle,
)
from tests.strategies import expression_dags, node_labels

SVG = "{http://www.w3.org/2000/svg}"


# -- reading DOT text back -------------------------------------------------------------------
_NODE = re.compile(r"^\t+(\w+) \[(.*)\]$")
_EDGE = re.compile(r"^\t+(\w+) -> (\w+)(?::(\w+):(\w))? \[(.*)\]$")
_ATTR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|<.*?</table>>|[^\s"]+)')


def attributes(text: str) -> dict[str, str]:
    """DOT attributes ``a=b c="d e" label=<...>`` as a dict, quotes removed."""
    found = {}
    for key, value in _ATTR.findall(text or ""):
        if value.startswith('"'):
            value = value[1:-1].replace('\\"', '"')
        found[key] = value
    return found


def parse(source: str) -> tuple[dict[str, dict[str, str]], list[dict[str, str]]]:
    """(nodes by id, edges) of a DOT text; an edge is its attributes plus tail, head, port."""
    nodes, edges = {}, []
    for line in source.splitlines():
        if edge := _EDGE.match(line):
            tail, head, port, side, attrs = edge.groups()
            edges.append({"tail": tail, "head": head, "port": port, "side": side,
                          **attributes(attrs)})  # fmt: skip
        elif (node := _NODE.match(line)) and node[1] not in ("graph", "node", "edge"):
            nodes[node[1]] = attributes(node[2])
    return nodes, edges


def cells(label: str) -> list[ET.Element]:
    """The cells of an HTML-like label ``<<table>...</table>>``, in order."""
    return list(ET.fromstring(label[1:-1]).iter("td"))


def fields(label: str) -> list[str]:
    """The text of each cell of an HTML-like label, as Graphviz shows it (a doubled
    backslash shows as one)."""
    return ["".join(cell.itertext()).replace("\\\\", "\\") for cell in cells(label)]


def evaluate(dag_and_point) -> Value:
    dag, point = dag_and_point
    return dag(*(Value(p) for p in point))


FIELDS = ("name", "data", "grad")


def ids(root: Value) -> dict[Value, str]:
    return node_ids(reading_order(root))


# -- structure -------------------------------------------------------------------------------
@given(expression_dags(), st.booleans())
def test_every_value_is_a_box_with_its_name_data_and_grad(dag_and_point, after_backward):
    out = evaluate(dag_and_point)
    if after_backward:
        out.backward()
    nodes, _ = parse(draw_dot(out).source)
    order = reading_order(out)
    names = node_names(order)
    assert len([n for n in nodes.values() if n.get("shape") == "box"]) == len(order)
    for v, i in ids(out).items():
        assert nodes[i]["shape"] == "box" and nodes[i]["id"] == i
        assert [c.get("id") for c in cells(nodes[i]["label"])] == [f"{i}_{f}" for f in FIELDS]
        assert fields(nodes[i]["label"]) == [
            names[v],
            f"data {format_number(v.data)}",
            f"grad {format_number(v.grad)}",
        ]


@given(expression_dags())
def test_every_edge_ends_at_a_cell_holding_its_local_derivative(dag_and_point):
    out = evaluate(dag_and_point)
    nodes, edges = parse(draw_dot(out).source)
    expected = []
    for v, node in ids(out).items():
        op = f"{node}_op"
        if not v.inputs:
            assert op not in nodes
            continue
        ports = {cell.get("port"): "".join(cell.itertext()) for cell in cells(nodes[op]["label"])}
        named = {cell.get("port"): cell.get("id") for cell in cells(nodes[op]["label"])}
        assert named == {None: f"{node}_opname"} | {
            f"in{p}": f"{node}_local{p}" for p in range(len(v.inputs))
        }
        assert ports.pop(None) == op_label(v)  # the one cell without a port names the op
        assert ports == {f"in{p}": format_number(d) for p, d in enumerate(v.local_grads)}
        expected.append((op, node, None, f"{node}_out"))
        for position, x in enumerate(v.inputs):
            expected.append((ids(out)[x], op, f"in{position}", f"{node}_in{position}"))
    found = [(e["tail"], e["head"], e["port"], e["id"]) for e in edges]
    assert sorted(found, key=str) == sorted(expected, key=str)


def test_an_input_used_twice_has_an_edge_and_a_cell_per_argument():
    a = Value(3.0, label="a")
    square = a * a
    nodes, edges = parse(draw_dot(square).source)
    into_op = [(e["tail"], e["port"]) for e in edges if e["head"] == "n1_op"]
    assert into_op == [("n0", "in0"), ("n0", "in1")]
    other = format_number(a.data)  # each argument's partial is the other argument, a
    assert fields(nodes["n1_op"]["label"]) == [other, "*", other]


def test_an_op_shows_its_constant_where_it_was_written():
    x = Value(2.0, label="x")
    expressions = {"* 3": x * 3, "** 2": x**2, "- 3": x - 3, "3 -": 3 - x, "/ 3": x / 3}
    for shown, v in expressions.items():
        nodes, _ = parse(draw_dot(v).source)
        assert fields(nodes["n1_op"]["label"]) == [format_number(v.local_grads[0]), shown]


def test_colours_tell_inputs_parameters_the_output_and_computed_values_apart():
    x, w, b = Value(2.0, label="x"), Value(-1.0, label="w"), Value(0.5, label="b")
    hidden = x * w + b
    out = hidden.tanh()
    nodes, _ = parse(draw_dot(out, params=[w, b]).source)
    node_id = ids(out)
    fill = {v: nodes[node_id[v]]["fillcolor"] for v in node_id}
    assert fill[x] == ROLE_STYLES["input"]["fillcolor"]
    assert fill[w] == fill[b] == ROLE_STYLES["parameter"]["fillcolor"]
    assert fill[out] == ROLE_STYLES["output"]["fillcolor"]
    assert fill[hidden] == ROLE_STYLES["computed"]["fillcolor"]
    assert len({fill[x], fill[w], fill[out], fill[hidden]}) == 4
    assert nodes[node_id[w]]["penwidth"] == "2" and nodes[node_id[out]]["peripheries"] == "2"


def test_without_params_a_leaf_is_an_input():
    x, w = Value(2.0, label="x"), Value(-1.0, label="w")
    out = x * w
    nodes, _ = parse(draw_dot(out).source)
    assert nodes["n0"]["fillcolor"] == nodes["n1"]["fillcolor"] == ROLE_STYLES["input"]["fillcolor"]


def test_the_legend_names_each_role_present():
    x, w = Value(2.0, label="x"), Value(-1.0, label="w")
    out = (x * w).tanh()
    legend = re.search(r"\tlabel=(<.*>)", draw_dot(out, params=[w]).source)[1]
    for role in ("input", "parameter", "output", "computed"):
        assert f'bgcolor="{ROLE_STYLES[role]["fillcolor"]}">{role}<' in legend
    assert "d out / d in" in legend
    only_leaves = re.search(r"\tlabel=(<.*>)", draw_dot(x * 2).source)[1]
    assert ">parameter<" not in only_leaves and ">computed<" not in only_leaves
    assert "\tlabel=<" not in draw_dot(out, legend=False).source


def test_grads_show_as_zero_before_backward_and_as_computed_after():
    x = Value(0.5, label="x")
    y = (x * x).sin()
    before = parse(draw_dot(y).source)[0]
    assert all(fields(before[i]["label"])[2] == "grad 0" for i in ("n0", "n1", "n2"))
    y.backward()
    after = parse(draw_dot(y).source)[0]
    dy_dx = 2 * x.data * math.cos(x.data**2)
    assert fields(after["n0"]["label"])[2] == f"grad {format_number(dy_dx)}"


def test_options_drop_the_local_derivatives_and_the_grads():
    x = Value(0.5, label="x")
    y = x * 3 + x
    nodes, edges = parse(draw_dot(y, show_local=False, show_grad=False).source)
    assert all(e["port"] is None for e in edges)
    assert all(len(fields(n["label"])) == 1 for i, n in nodes.items() if i.endswith("_op"))
    boxes = [n["label"] for n in nodes.values() if n.get("shape") == "box"]
    assert all(len(fields(label)) == 2 for label in boxes)
    assert "d out / d in" not in draw_dot(y, show_local=False).source


@pytest.mark.parametrize(
    ("rankdir", "side", "rows"), [("LR", "w", 3), ("RL", "e", 3), ("TB", "n", 1), ("BT", "s", 1)]
)
def test_fields_stack_across_the_layout_and_edges_enter_facing_their_inputs(rankdir, side, rows):
    x = Value(0.5, label="x")
    y = x * Value(2.0, label="w") + 1
    nodes, edges = parse(draw_dot(y, rankdir=rankdir).source)
    assert len(ET.fromstring(nodes["n0"]["label"][1:-1]).findall("tr")) == rows
    assert {e["side"] for e in edges if e["port"]} == {side}
    names = fields(nodes["n2_op"]["label"])  # derivative cells come on the inputs' side
    first = {"LR": "2", "RL": "*", "TB": "2", "BT": "*"}[rankdir]
    assert names[0] == first


@given(node_labels)
def test_labels_with_markup_come_back_unchanged(label):
    x = Value(1.0, label=label)
    nodes, _ = parse(draw_dot(x * 2).source)
    assert fields(nodes["n0"]["label"])[0] == node_names([x])[x]


def test_a_value_and_its_derivative_never_contradict_each_other():
    """tanh(-8) = -0.99999977 with derivative 4.501e-07: not "-1" beside it."""
    out = Value(-8.0, label="x").tanh()
    nodes, _ = parse(draw_dot(out).source)
    assert fields(nodes["n1"]["label"])[1] == "data -1 + 2.3e-07"
    assert fields(nodes["n1_op"]["label"])[0] == "4.501e-07"
    out.backward()
    (step,) = explain_backward(out)
    assert str(step) == "x.grad += dtanh1/dx (4.501e-07) * tanh1.grad (1) = 4.501e-07"


def test_control_characters_in_a_label_are_spelled_out():
    nodes, _ = parse(draw_dot(Value(1.0, label="a\nb\t") * 2).source)
    assert fields(nodes["n0"]["label"])[0] == "a\\nb\\t"


# -- clusters --------------------------------------------------------------------------------
def test_clusters_frame_their_values_and_ops_under_their_title():
    x = Value(1.0, label="x")
    w1, w2 = Value(0.5, label="w1"), Value(-2.0, label="w2")
    h = (x * w1).tanh()
    out = h * w2
    source = draw_dot(out, clusters={"first: h = tanh(x w1)": [w1, h, h.inputs[0]]}).source
    node_id = ids(out)
    title = "first: h = tanh(x w1)"
    assert f"label=<{title}>" in source  # an HTML-like label: DOT reads no escapes in it
    inside = re.search(r"\tsubgraph cluster_0 \{\n(.*?)\n\t\}", source, re.DOTALL)[1]
    declared = set(re.findall(r"^\t\t(\w+) \[", inside, re.MULTILINE))
    mul = node_id[h.inputs[0]]
    assert declared == {node_id[w1], node_id[h], f"{node_id[h]}_op", mul, f"{mul}_op"}
    assert sorted(parse(source)[0]) == sorted(parse(draw_dot(out).source)[0])  # all drawn


def test_a_cluster_skips_values_outside_the_graph_and_a_value_has_one_cluster():
    x = Value(1.0, label="x")
    out = x * 2
    stranger = Value(3.0)
    source = draw_dot(out, clusters={"a": [x, stranger]}).source
    assert len(parse(source)[0]) == 3
    with pytest.raises(ValueError, match=r"is in two clusters, 'a' and 'b'"):
        draw_dot(out, clusters={"a": [x], "b": [x]})
    with pytest.raises(TypeError, match=r"clusters\['a'\]\[1\] must be a Value, got int 2"):
        draw_dot(out, clusters={"a": [x, 2]})
    with pytest.raises(TypeError, match=r"clusters must map a title to Values, got list"):
        draw_dot(out, clusters=[x])


# -- determinism and size ----------------------------------------------------------------------
@given(expression_dags())
def test_the_same_graph_gives_the_same_dot_text(dag_and_point):
    first, second = evaluate(dag_and_point), evaluate(dag_and_point)  # separate objects
    assert draw_dot(first).source == draw_dot(first).source == draw_dot(second).source


def chain(length: int) -> Value:
    v = Value(0.5, label="x")
    for _ in range(length - 1):
        v = v * 1.5
    return v


def test_a_graph_over_max_nodes_raises_a_clear_error():
    assert len(parse(draw_dot(chain(5), max_nodes=5).source)[0]) == 5 + 4  # values and ops
    with pytest.raises(GraphTooLargeError, match=r"6 values, more than max_nodes=5"):
        draw_dot(chain(6), max_nodes=5)
    with pytest.raises(GraphTooLargeError, match=rf"more than max_nodes={DEFAULT_MAX_NODES}"):
        draw_dot(chain(DEFAULT_MAX_NODES + 1))
    big = draw_dot(chain(DEFAULT_MAX_NODES + 1), max_nodes=None)
    assert len(parse(big.source)[0]) == 2 * DEFAULT_MAX_NODES + 1


def test_bad_arguments_are_named():
    x = Value(1.0)
    with pytest.raises(TypeError, match=r"draw_dot: root must be a Value, got float 1\.0"):
        draw_dot(1.0)
    with pytest.raises(TypeError, match=r"draw_dot: params\[1\] must be a Value, got str 'w'"):
        draw_dot(x, params=[x, "w"])
    with pytest.raises(ValueError, match=r"rankdir must be one of LR, RL, TB, BT, got 'up'"):
        draw_dot(x, rankdir="up")


# -- the file format comes from the extension --------------------------------------------------
@pytest.mark.parametrize(
    ("name", "fmt", "message"),
    [
        ("graph.gif", "gif", r"render: format must be one of svg, png, pdf, got 'gif'"),
        ("graph.gif", None, r"cannot tell the picture's format from '.*graph\.gif'.*\.svg, \.png"),
        ("graph", None, r"cannot tell the picture's format from '.*graph'"),
        ("graph.png", "svg", r"format='svg' does not match the extension of '.*graph\.png'"),
    ],
)
def test_a_format_the_extension_does_not_name_is_refused_before_anything_is_written(
    tmp_path, name, fmt, message
):
    with pytest.raises(ValueError, match=message):
        render(Value(1.0) * 2, tmp_path / name, format=fmt)
    assert list(tmp_path.iterdir()) == []


# -- rendering with Graphviz's dot -------------------------------------------------------------
@pytest.fixture
def dot_program() -> str:
    """The path of ``dot``; a skip without it, but a failure when CI is set."""
    path = shutil.which("dot")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("Graphviz's dot is missing, and rendering tests must run in CI")
        pytest.skip("Graphviz's dot is not installed")
    return path


@pytest.fixture
def no_dot_program(tmp_path, monkeypatch):
    """PATH holds only an empty folder, so no ``dot`` can be found."""
    empty = tmp_path / "empty_path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


def neuron() -> tuple[Value, list[Value]]:
    x, w, b = Value(2.0, label="x"), Value(-1.0, label="w"), Value(0.5, label="b")
    out = (x * w + b).tanh()
    out.backward()
    return out, [w, b]


def svg_node_titles(svg: bytes | str) -> list[str]:
    root = ET.fromstring(svg)
    groups = [g for g in root.iter(f"{SVG}g") if g.get("class") == "node"]
    return [g.find(f"{SVG}title").text for g in groups]


def test_render_writes_an_svg_with_one_group_per_node(dot_program, tmp_path):
    out, params = neuron()
    path = render(out, tmp_path / "neuron.svg", params=params)
    assert path == tmp_path / "neuron.svg"
    nodes, _ = parse(draw_dot(out, params=params).source)
    assert sorted(svg_node_titles(path.read_bytes())) == sorted(nodes)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["neuron.svg"]  # no temporary left


@pytest.mark.parametrize(
    ("name", "fmt", "magic"),
    [("graph.png", None, b"\x89PNG"), ("graph.PDF", None, b"%PDF"), ("g.png", "png", b"\x89PNG")],
)
def test_render_takes_the_format_from_the_extension(dot_program, tmp_path, name, fmt, magic):
    out, _ = neuron()
    path = render(out, tmp_path / name, format=fmt)
    assert path.read_bytes().startswith(magic)


def test_the_output_really_has_a_double_border_and_parameters_a_bold_one(dot_program):
    out, params = neuron()
    root = ET.fromstring(svg(out, params=params))
    groups = {g.get("id"): g for g in root.iter(f"{SVG}g") if g.get("class") == "node"}
    node_id = ids(out)
    outlines = groups[node_id[out]].findall(f"{SVG}polygon")
    assert len(outlines) == 2  # two nested borders, not one
    (bold,) = groups[node_id[params[0]]].findall(f"{SVG}polygon")
    assert bold.get("stroke-width") == "2"


def drawn_texts(picture: str) -> dict[str, ET.Element]:
    return {t.get("id"): t for t in ET.fromstring(picture).iter(f"{SVG}text") if t.get("id")}


@settings(max_examples=20, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(expression_dags(max_steps=5), st.lists(node_labels, max_size=4))
def test_svg_tags_every_field_with_its_id(dot_program, dag_and_point, labels):
    out = evaluate(dag_and_point)
    for v, label in zip(reading_order(out), labels, strict=False):
        v.label = label
    texts = drawn_texts(svg(out))
    names = node_names(reading_order(out))
    for v, node in ids(out).items():
        assert texts[f"{node}_name"].text.strip() == names[v].strip()
        assert texts[f"{node}_data"].text == f"data {format_number(v.data)}"
        assert texts[f"{node}_grad"].text == f"grad {format_number(v.grad)}"
        if v.inputs:
            assert texts[f"{node}_opname"].text == op_label(v)
            for p, d in enumerate(v.local_grads):
                assert texts[f"{node}_local{p}"].text == format_number(d)


def edge_tip(group: ET.Element) -> tuple[float, float]:
    """The point of an edge's arrowhead: its polygon's point farthest from the path's start."""
    start = [float(n) for n in re.findall(r"-?[\d.]+", group.find(f"{SVG}path").get("d"))[:2]]
    points = group.find(f"{SVG}polygon").get("points").split()
    xy = [tuple(float(n) for n in p.split(",")) for p in points]
    return max(xy, key=lambda p: math.dist(p, start))


@pytest.mark.parametrize("rankdir", ["LR", "TB"])
def test_each_local_derivative_sits_at_the_end_of_its_own_edge(dot_program, rankdir):
    """Where five edges meet the second layer's dot, each one ends at its own number."""
    w1 = [[Value(0.3 * (j + i) - 0.4, label=f"W1[{j}][{i}]") for i in range(2)] for j in range(2)]
    a1 = [dot(w, [0.5, -1.0], Value(0.1, label=f"b1[{j}]")).sigmoid() for j, w in enumerate(w1)]
    w2 = [Value(0.6, label="W2[0][0]"), Value(-0.7, label="W2[0][1]")]
    out = dot(w2, a1, Value(0.2, label="b2[0]")).sigmoid()
    root = ET.fromstring(svg(out, rankdir=rankdir))
    texts = drawn_texts(ET.tostring(root, encoding="unicode"))
    edges = {g.get("id"): g for g in root.iter(f"{SVG}g") if g.get("class") == "edge"}
    across = 1 if rankdir == "LR" else 0  # the coordinate along which an op's cells line up
    checked = 0
    for v, node in ids(out).items():
        cells = {p: texts[f"{node}_local{p}"] for p in range(len(v.inputs))}
        for p in cells:
            tip = edge_tip(edges[f"{node}_in{p}"])
            spots = {q: float(t.get("y" if across else "x")) for q, t in cells.items()}
            nearest = min(spots, key=lambda q: abs(spots[q] - tip[across]))
            assert nearest == p, f"{node}_in{p} ends by derivative {nearest}"
            assert math.dist(tip, (float(cells[p].get("x")), float(cells[p].get("y")))) < 30
            checked += 1
    assert checked == 3 * 2 + 2 + 5 + 1


def test_labels_with_markup_render(dot_program, tmp_path):
    label = '{x|y} <p> "q" & \\'
    out = Value(1.0, label=label) * 2
    picture = render(out, tmp_path / "odd.svg").read_text()
    texts = [t.text for t in ET.fromstring(picture).iter(f"{SVG}text")]
    assert label in texts


@pytest.mark.parametrize("name", ['a"b', "back\\slash", "ends\\", "{x|y} <p> &"])
def test_a_custom_ops_name_renders_as_written(dot_program, tmp_path, name):
    """A user's op may be named with characters a DOT label treats as markup or escapes."""
    op = CustomOp(name, lambda x: 2 * x, lambda x, out: (2.0,))
    picture = render(op(Value(1.0, label="x")), tmp_path / "op.svg").read_text()
    texts = [t.text for t in ET.fromstring(picture).iter(f"{SVG}text")]
    assert name in texts


def test_without_dot_render_writes_the_source_and_says_how_to_install(no_dot_program, tmp_path):
    out, params = neuron()
    target = tmp_path / "neuron.svg"
    with pytest.raises(GraphvizNotFoundError) as error:
        render(out, target, params=params)
    source = tmp_path / "neuron.dot"
    assert source.read_text() == draw_dot(out, params=params).source
    assert not target.exists()
    message = str(error.value)
    for needed in (
        str(source),
        "apt-get install graphviz",
        "brew install graphviz",
        "conda install",
        "`dot` program was not found",
    ):
        assert needed in message


def test_a_failed_render_leaves_an_existing_picture_whole(no_dot_program, tmp_path):
    target = tmp_path / "graph.svg"
    target.write_text("<svg>the previous picture</svg>")
    with pytest.raises(GraphvizNotFoundError):
        render(Value(1.0) * 2, target)
    assert target.read_text() == "<svg>the previous picture</svg>"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty_path", "graph.dot", "graph.svg"]


# -- Jupyter ---------------------------------------------------------------------------------
def test_jupyter_gets_the_svg_when_dot_is_present(dot_program):
    out, _ = neuron()
    bundle = svg_mimebundle(out)
    assert list(bundle) == ["image/svg+xml"]
    assert sorted(svg_node_titles(bundle["image/svg+xml"])) == sorted(
        parse(draw_dot(out).source)[0]
    )
    assert svg_mimebundle(out, include=["text/plain"]) == {}
    assert svg_mimebundle(out, exclude=["image/svg+xml"]) == {}


def test_jupyter_falls_back_to_the_repr_without_dot(no_dot_program):
    assert svg_mimebundle(Value(1.0) * 2) == {}


def test_jupyter_falls_back_to_the_repr_for_a_graph_too_large_to_read():
    assert svg_mimebundle(chain(DEFAULT_MAX_NODES + 1)) == {}


def test_a_value_shows_as_its_graph_in_jupyter(dot_program):
    bundle = (Value(1.0, label="x") * 2)._repr_mimebundle_()
    assert list(bundle) == ["image/svg+xml"]
    ET.fromstring(bundle["image/svg+xml"])


def test_importing_the_engine_loads_no_rendering():
    code = (
        "import sys, autograd; "
        "print(*(m in sys.modules for m in ('graphviz', 'autograd.viz', 'autograd.player')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False", "False"]


def test_the_drawing_names_import_from_the_package_loading_viz_only_then():
    code = (
        "import sys, autograd; before = 'graphviz' in sys.modules\n"
        "from autograd import draw_dot, render, explain_backward, GraphTooLargeError\n"
        "import autograd.viz as viz\n"
        "print(before, 'graphviz' in sys.modules, draw_dot is viz.draw_dot, render is viz.render)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True", "True", "True"]


def test_the_package_still_refuses_a_name_it_does_not_have():
    import autograd

    with pytest.raises(AttributeError, match="module 'autograd' has no attribute 'draw_graph'"):
        autograd.draw_graph  # noqa: B018

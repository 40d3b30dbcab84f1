"""Draw the chain-rule graph: each value with its data and grad, each op with the local
derivative of each of its inputs written where that input's edge arrives.

A value is a box of three fields, name, data and grad, stacked across the direction of the
layout so a wide network stays readable (the name is the label, or the generated name
``explain_backward`` prints, like ``mul1``). The op that made a value is a grey box in front
of it: the op's name with any plain-number operand (``+``, ``* 3``, ``** 2``, ``tanh``,
``dot``) and, in a white cell at the end of each incoming edge, the local derivative
d(out)/d(in) of that input. Each derivative sits at its own edge however many edges meet
at one op, and a node's gradient is the sum, over its paths to the output, of the products
of the derivatives along the path. Boxes are filled by role:

- blue: an input, a leaf that is not a parameter;
- amber, bold border: a parameter (the Values passed as ``params``, e.g.
  ``model.parameters()``);
- green, double border: the output, the root the graph is drawn from;
- white: a value computed inside the graph.

A legend in the graph repeats this. ``clusters`` draws groups of values in titled frames,
such as an ``nn`` model's layers titled with their equations (``MLP.layer_clusters``).
Graphviz is imported here only; the engine never depends on rendering.

Every part of the picture has an id, the same in the DOT text and in the SVG, so a page can
light it up (``autograd.player`` does): the value at position i of ``reading_order(root)``
is ``n{i}``, with fields ``n{i}_name``, ``n{i}_data``, ``n{i}_grad``; its op is ``n{i}_op``
(name ``n{i}_opname``); the edge from its p-th input is ``n{i}_in{p}`` and that edge's
derivative ``n{i}_local{p}``; the edge from the op to the value is ``n{i}_out``. A field's
id is on its table cell in the DOT text and, in ``svg()``, on its ``<text>`` element.
"""

from __future__ import annotations

import html
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import graphviz

from autograd.files import write_atomic
from autograd.names import format_number, node_names, one_line, op_label, reading_order
from autograd.value import Value

DEFAULT_MAX_NODES = 200
FORMATS = ("svg", "png", "pdf")
RANKDIRS = ("LR", "RL", "TB", "BT")

LEAF, PARAMETER, OUTPUT, COMPUTED = "input", "parameter", "output", "computed"
# Fill colour and extra node attributes per role; the order is the legend's order.
ROLE_STYLES: dict[str, dict[str, str]] = {
    LEAF: {"fillcolor": "#cfe2ff"},
    PARAMETER: {"fillcolor": "#ffd98a", "penwidth": "2"},
    OUTPUT: {"fillcolor": "#b9ebc5", "peripheries": "2"},
    COMPUTED: {"fillcolor": "#ffffff"},
}
OP_COLOUR = "#e6e6e6"
LOCAL_COLOUR = "#1f4e9c"  # the local derivatives' text
CLUSTER_STYLE = {"style": "rounded,filled", "fillcolor": "#f5f7fa", "color": "#b8c2cc"}
_FONT = "Helvetica"
# The grad field is this wide (points, at the 11-point font), enough for "grad -1.234e-05"
# and "grad -1 + 2.3e-07" (format_number): a page that updates it in place stays in its box.
GRAD_FIELD_WIDTH = 100
# Where an edge enters an op's derivative cell, per layout direction.
_ENTRY_SIDE = {"LR": "w", "RL": "e", "TB": "n", "BT": "s"}
_SVG_NS = "http://www.w3.org/2000/svg"
_NODE_TABLE = re.compile(r"^\t+(\w+) \[label=<(<table.*?</table>)>")  # a node's DOT line

INSTALL_HINT = (
    "Install Graphviz (the `graphviz` Python package alone does not include `dot`): "
    "Debian/Ubuntu `sudo apt-get install graphviz`, macOS `brew install graphviz`, "
    "conda `conda install -c conda-forge graphviz`."
)


class GraphTooLargeError(ValueError):
    """The graph has more values than ``max_nodes``: its picture would be unreadable."""


class GraphvizNotFoundError(RuntimeError):
    """Graphviz's ``dot`` program is not installed, so nothing could be rendered."""


# -- ids ----------------------------------------------------------------------------------
def node_ids(order: Sequence[Value]) -> dict[Value, str]:
    """Each value's id in the picture, ``n{i}`` for its position in ``order``."""
    return {v: f"n{i}" for i, v in enumerate(order)}


def op_id(node: str) -> str:
    """The id of the op box in front of the value ``node``."""
    return f"{node}_op"


def edge_id(node: str, position: int) -> str:
    """The id of the edge from input ``position`` of ``node`` into its op."""
    return f"{node}_in{position}"


def out_edge_id(node: str) -> str:
    """The id of the edge from the op to the value ``node`` it made."""
    return f"{node}_out"


def local_id(node: str, position: int) -> str:
    """The id of the local derivative written at the end of ``edge_id(node, position)``."""
    return f"{node}_local{position}"


def field_id(node: str, field: str) -> str:
    """The id of a field of ``node``: ``name``, ``data``, ``grad`` or ``opname``."""
    return f"{node}_{field}"


# -- drawing ------------------------------------------------------------------------------
def draw_dot(
    root: Value,
    rankdir: str = "LR",
    show_local: bool = True,
    show_grad: bool = True,
    max_nodes: int | None = DEFAULT_MAX_NODES,
    params: Iterable[Value] = (),
    clusters: Mapping[str, Iterable[Value]] | None = None,
    legend: bool = True,
) -> graphviz.Digraph:
    """The graph ``root`` depends on as a Graphviz ``Digraph`` (see the module docstring).

    Works before ``backward()`` (grads show as 0; local derivatives are known as soon as a
    node is made) and after. Values are drawn in ``reading_order(root)`` and named as
    ``explain_backward`` names them, so the same graph always gives the same DOT text.
    ``show_local=False`` leaves out the local derivatives, ``show_grad=False`` the grad
    field, ``legend=False`` the legend. ``clusters`` maps a title to the values framed
    under it (with their ops); values outside the graph are skipped, and a value may be in
    one cluster only.

    A graph of more than ``max_nodes`` values raises ``GraphTooLargeError`` rather than
    drawing an unreadable wall: draw a smaller part of it or raise the limit
    (``max_nodes=None`` draws any size).
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw_dot: root must be a Value, got {type(root).__name__} {root!r}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"draw_dot: rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r}")
    parameters = _as_values(params)
    order = reading_order(root)
    if max_nodes is not None and len(order) > max_nodes:
        raise GraphTooLargeError(
            f"draw_dot: the graph has {len(order)} values, more than max_nodes={max_nodes}, "
            "too many to read in one picture; draw a smaller part of it (for example one "
            "neuron's output) or pass a larger max_nodes (None draws any size)"
        )
    names = node_names(order)
    ids = node_ids(order)
    membership = _cluster_membership(clusters, set(order))

    graph = graphviz.Digraph(name="chain_rule")
    graph.attr(rankdir=rankdir, nodesep="0.15", ranksep="0.3", fontname=_FONT, fontsize="11")
    graph.attr("node", fontname=_FONT, fontsize="11")
    graph.attr("edge", arrowsize="0.6", color="#5b6570")
    frames = [graphviz.Digraph(name=f"cluster_{k}") for k in range(len(membership))]
    for frame, title in zip(frames, membership, strict=True):  # an HTML-like label of our own:
        frame.attr(label=f"<{_html(title)}>", labeljust="l", fontsize="12", margin="10",
                   **CLUSTER_STYLE)  # fmt: skip  # DOT reads no markup or \N in the title
    owner = {v: frames[k] for k, values in enumerate(membership.values()) for v in values}

    roles = set()
    across = rankdir in ("LR", "RL")  # fields stack across the layout's direction
    for v in order:
        node = ids[v]
        role = _role(v, root, parameters)
        roles.add(role)
        where = owner.get(v, graph)
        label = _value_table(node, names[v], v, show_grad, across)
        where.node(node, label, id=node, shape="box", style="filled", margin="0.04,0.02",
                   **ROLE_STYLES[role])  # fmt: skip
        if not v.inputs:
            continue
        op = op_id(node)
        where.node(op, _op_table(node, v, show_local, rankdir), id=op, shape="plain")
        graph.edge(op, node, id=out_edge_id(node))
        for position, x in enumerate(v.inputs):
            head = f"{op}:in{position}:{_ENTRY_SIDE[rankdir]}" if show_local else op
            graph.edge(ids[x], head, id=edge_id(node, position))
    for frame in frames:
        graph.subgraph(frame)
    if legend:
        present = [role for role in ROLE_STYLES if role in roles]
        graph.attr(label=_legend_label(present, show_local), labelloc="b", labeljust="l")
    return graph


def render(
    root: Value,
    path: str | os.PathLike[str],
    format: str | None = None,
    **options: Any,
) -> Path:
    """Write the picture of ``draw_dot(root, **options)`` to ``path`` as svg, png or pdf.

    The format is the extension's (``graph.png`` is a PNG); ``format``, when given, must
    agree with it, and any other extension raises ``ValueError``. The file appears whole or
    not at all (it is written beside ``path`` and then moved into place). Without
    Graphviz's ``dot`` program, the DOT source is written to ``path`` with the suffix
    ``.dot`` and ``GraphvizNotFoundError`` says how to install Graphviz.
    """
    target = Path(path)
    kind = _format_of(target, format)
    graph = draw_dot(root, **options)
    try:
        picture = graph.pipe(format=kind)
    except graphviz.ExecutableNotFound:
        source = target.with_suffix(".dot")
        write_atomic(source, graph.source.encode())
        raise GraphvizNotFoundError(
            f"render: Graphviz's `dot` program was not found on PATH, so {target} was not "
            f"written; the graph's DOT source is in {source} (`dot -T{kind} {source} -o "
            f"{target}` renders it). {INSTALL_HINT}"
        ) from None
    write_atomic(target, picture)
    return target


def svg(root: Value, **options: Any) -> str:
    """The picture of ``draw_dot(root, **options)`` as SVG text, fields tagged with ids.

    Each field's ``<text>`` element carries its id (``n3_grad``, ``n3_local0``: see the
    module docstring), so a page can change what it shows. Needs Graphviz's ``dot``
    (``graphviz.ExecutableNotFound`` without it).
    """
    graph = draw_dot(root, **options)
    return _tag_fields(graph.pipe(format="svg", encoding="utf-8"), _cell_ids(graph))


def svg_mimebundle(
    value: Value, include: Iterable[str] | None = None, exclude: Iterable[str] | None = None
) -> dict[str, str]:
    """Jupyter's rich display of ``value``: its graph as SVG under ``image/svg+xml``.

    Empty (so Jupyter shows the repr) when the SVG is not wanted, when Graphviz's ``dot``
    is missing, or when the graph has more than ``DEFAULT_MAX_NODES`` values.
    """
    mime = "image/svg+xml"
    if (include is not None and mime not in include) or (exclude is not None and mime in exclude):
        return {}
    try:
        return {mime: svg(value)}
    except (graphviz.ExecutableNotFound, GraphTooLargeError):
        return {}


# -- parts of the drawing -----------------------------------------------------------------
def _as_values(params: Iterable[Value]) -> set[Value]:
    values = set()
    for i, p in enumerate(params):
        if not isinstance(p, Value):
            raise TypeError(f"draw_dot: params[{i}] must be a Value, got {type(p).__name__} {p!r}")
        values.add(p)
    return values


def _cluster_membership(
    clusters: Mapping[str, Iterable[Value]] | None, drawn: set[Value]
) -> dict[str, list[Value]]:
    """Each cluster's title and the drawn values in it; a value in two clusters is an error."""
    if clusters is None:
        return {}
    if not isinstance(clusters, Mapping):
        raise TypeError(
            "draw_dot: clusters must map a title to Values, "
            f"got {type(clusters).__name__} {clusters!r}"
        )
    seen: dict[Value, str] = {}
    membership: dict[str, list[Value]] = {}
    for title, values in clusters.items():
        if not isinstance(title, str):
            raise TypeError(f"draw_dot: a cluster title must be a str, got {title!r}")
        members = membership.setdefault(title, [])
        for i, v in enumerate(values):
            if not isinstance(v, Value):
                raise TypeError(
                    f"draw_dot: clusters[{title!r}][{i}] must be a Value, "
                    f"got {type(v).__name__} {v!r}"
                )
            if v in seen and seen[v] != title:
                raise ValueError(
                    f"draw_dot: {v!r} is in two clusters, {seen[v]!r} and {title!r}; "
                    "a value can be drawn in one place only"
                )
            if v in drawn and v not in seen:
                seen[v] = title
                members.append(v)
    return membership


def _role(v: Value, root: Value, parameters: set[Value]) -> str:
    if v is root:
        return OUTPUT
    if v in parameters:
        return PARAMETER
    return COMPUTED if v.inputs else LEAF


def _value_table(node: str, name: str, v: Value, show_grad: bool, across: bool) -> str:
    """The box's table: name, data and grad, each cell carrying its field's id."""
    cells = [
        _cell(field_id(node, "name"), f"<b>{_html(name)}</b>"),
        _cell(field_id(node, "data"), f"data {format_number(v.data)}", ' align="left"'),
    ]
    if show_grad:
        grad = f"grad {format_number(v.grad)}"
        width = f' align="left" width="{GRAD_FIELD_WIDTH}"'
        cells.append(_cell(field_id(node, "grad"), grad, width))
    rows = "".join(f"<tr>{td}</tr>" for td in cells) if across else f"<tr>{''.join(cells)}</tr>"
    return f'<<table border="0" cellborder="0" cellspacing="0" cellpadding="1">{rows}</table>>'


def _op_table(node: str, v: Value, show_local: bool, rankdir: str) -> str:
    """The op's table: its name, and a cell per input with that input's local derivative.

    The derivative cells face the inputs (on the left in an LR layout, on top in TB), one
    per edge, each the port its edge ends at.
    """
    table = (
        f'<table border="1" color="#a7adb4" style="rounded" bgcolor="{OP_COLOUR}" '
        'cellborder="0" cellspacing="2" cellpadding="2">'
    )
    name = _html(op_label(v))
    if not show_local:
        return f"<{table}<tr>{_cell(field_id(node, 'opname'), name)}</tr></table>>"
    n = len(v.inputs)
    locals_ = [
        _cell(
            local_id(node, p),
            f'<font color="{LOCAL_COLOUR}" point-size="10">{format_number(d)}</font>',
            f' port="in{p}" bgcolor="white" border="1" color="#c3c9cf"',
        )
        for p, d in enumerate(v.local_grads)
    ]
    if rankdir in ("LR", "RL"):  # one row per input; the name spans them, after or before
        spanning = _cell(field_id(node, "opname"), name, f' rowspan="{n}"')
        first = [locals_[0], spanning] if rankdir == "LR" else [spanning, locals_[0]]
        rows = [f"<tr>{''.join(first)}</tr>"] + [f"<tr>{cell}</tr>" for cell in locals_[1:]]
    else:  # one row of inputs; the name spans it, below or above
        spanning = "<tr>" + _cell(field_id(node, "opname"), name, f' colspan="{n}"') + "</tr>"
        inputs = f"<tr>{''.join(locals_)}</tr>"
        rows = [inputs, spanning] if rankdir == "TB" else [spanning, inputs]
    return f"<{table}{''.join(rows)}</table>>"


def _cell(identifier: str, content: str, attributes: str = "") -> str:
    """A table cell with its id (Graphviz keeps it in the DOT text; ``svg()`` moves it onto
    the cell's ``<text>``)."""
    return f'<td id="{identifier}"{attributes}>{content}</td>'


def _html(text: str) -> str:
    """``text`` for an HTML-like label: on one line (``one_line``), markup escaped, and
    each backslash doubled, since Graphviz reads a backslash and N or G there as the node's
    or the graph's name."""
    return html.escape(one_line(text)).replace("\\", "\\\\")


def _legend_label(roles: list[str], show_local: bool) -> str:
    """One row under the graph: a swatch per role present, the op, a local derivative."""
    cells = [f'<td bgcolor="{ROLE_STYLES[role]["fillcolor"]}">{role}</td>' for role in roles]
    cells.append(f'<td bgcolor="{OP_COLOUR}">op</td>')
    if show_local:
        cells.append(
            f'<td bgcolor="white"><font color="{LOCAL_COLOUR}">0.5</font></td>'
            f'<td border="0"><font color="{LOCAL_COLOUR}">local derivative d out / d in, '
            "at the end of its edge</font></td>"
        )
    table = '<table border="0" cellborder="1" cellspacing="4" cellpadding="3">'
    return f"<{table}<tr>{''.join(cells)}</tr></table>>"


def _cell_ids(graph: graphviz.Digraph) -> dict[str, list[str]]:
    """Each node's cell ids, in the order of its label's cells: Graphviz draws a table's
    cells row by row, which is the order they are written in."""
    cells = {}
    for line in graph.body:
        if found := _NODE_TABLE.match(line):
            table = ET.fromstring(found[2])
            cells[found[1]] = [td.get("id", "") for td in table.iter("td")]
    return cells


def _tag_fields(picture: str, fields: dict[str, list[str]]) -> str:
    """``picture`` with each node's ``<text>`` elements given the ids in ``fields``."""
    ET.register_namespace("", _SVG_NS)
    ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
    tree = ET.fromstring(picture)
    for group in tree.iter(f"{{{_SVG_NS}}}g"):
        expected = fields.get(group.get("id", ""))
        if group.get("class") != "node" or expected is None:
            continue
        texts = list(group.iter(f"{{{_SVG_NS}}}text"))
        if len(texts) != len(expected):
            raise RuntimeError(
                f"svg: Graphviz drew {len(texts)} texts for {group.get('id')}, "
                f"expected {len(expected)} ({', '.join(expected)})"
            )
        for text, identifier in zip(texts, expected, strict=True):
            text.set("id", identifier)
    return ET.tostring(tree, encoding="unicode")


def _format_of(target: Path, format: str | None) -> str:
    """The picture format ``target``'s extension names; ``format``, if given, must agree."""
    if format is not None and format not in FORMATS:
        raise ValueError(f"render: format must be one of {', '.join(FORMATS)}, got {format!r}")
    extension = target.suffix.lower().lstrip(".")
    if extension not in FORMATS:
        raise ValueError(
            f"render: cannot tell the picture's format from {str(target)!r}: its extension "
            f"must be {', '.join('.' + f for f in FORMATS)}"
        )
    if format is not None and format != extension:
        raise ValueError(
            f"render: format={format!r} does not match the extension of {str(target)!r}; "
            f"name the file .{format} or leave format out"
        )
    return extension

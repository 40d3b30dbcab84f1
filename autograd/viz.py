"""Draw the chain-rule graph: each value with its data and grad, each edge with d(out)/d(in).

A value is a record of three fields, name, data and grad, stacked across the direction of
the layout so a wide network stays readable (the name is the label, or the generated name
``explain_backward`` prints, like ``mul1``). The op that made a value is a small grey ellipse
(``+``, ``*``, ``tanh``, ``dot``, ...) in front of it, and each edge from an input into an op
carries the local derivative d(out)/d(in): a node's gradient is the sum, over its paths to
the output, of the products of the edge labels. Records are filled by role:

- blue: an input, a leaf that is not a parameter;
- amber, bold border: a parameter (the Values passed as ``params``, e.g.
  ``model.parameters()``);
- green, double border: the output, the root the graph is drawn from;
- white: a value computed inside the graph.

A legend in the graph repeats this. A plain-number operand (the ``2`` in ``x * 2``) is not
a node: it shows only through the local derivative on the edge. Graphviz is imported
here only; the engine never depends on rendering.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import graphviz

from autograd.engine import topological_order
from autograd.files import write_atomic
from autograd.names import format_number, node_names
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
EDGE_LABEL_COLOUR = "#1f4e9c"
_FONT = "Helvetica"

INSTALL_HINT = (
    "Install Graphviz (the `graphviz` Python package alone does not include `dot`): "
    "Debian/Ubuntu `sudo apt-get install graphviz`, macOS `brew install graphviz`, "
    "conda `conda install -c conda-forge graphviz`."
)


class GraphTooLargeError(ValueError):
    """The graph has more values than ``max_nodes``: its picture would be unreadable."""


class GraphvizNotFoundError(RuntimeError):
    """Graphviz's ``dot`` program is not installed, so nothing could be rendered."""


def draw_dot(
    root: Value,
    rankdir: str = "LR",
    show_local: bool = True,
    show_grad: bool = True,
    max_nodes: int | None = DEFAULT_MAX_NODES,
    params: Iterable[Value] = (),
    legend: bool = True,
) -> graphviz.Digraph:
    """The graph ``root`` depends on as a Graphviz ``Digraph`` (see the module docstring).

    Works before ``backward()`` (grads show as 0; local derivatives are known as soon as a
    node is made) and after. Node ids follow the topological order (``n0`` is drawn first,
    its op is ``n0_op``), so the same graph always gives the same DOT text. When an input
    is used more than once by the same op (``a * a``), each edge also says which argument
    it is (``arg 0``, ``arg 1``). ``show_local=False`` leaves edges unlabelled,
    ``show_grad=False`` drops the grad field, ``legend=False`` drops the legend.

    A graph of more than ``max_nodes`` values raises ``GraphTooLargeError`` rather than
    drawing an unreadable wall: draw a smaller part of it or raise the limit
    (``max_nodes=None`` draws any size).
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw_dot: root must be a Value, got {type(root).__name__} {root!r}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"draw_dot: rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r}")
    parameters = _as_values(params)
    order = topological_order(root)
    if max_nodes is not None and len(order) > max_nodes:
        raise GraphTooLargeError(
            f"draw_dot: the graph has {len(order)} values, more than max_nodes={max_nodes}, "
            "too many to read in one picture; draw a smaller part of it (for example one "
            "neuron's output) or pass a larger max_nodes (None draws any size)"
        )
    names = node_names(order)
    ids = {v: f"n{i}" for i, v in enumerate(order)}

    graph = graphviz.Digraph(name="chain_rule")
    graph.attr(rankdir=rankdir, nodesep="0.2", ranksep="0.35", fontname=_FONT, fontsize="11")
    graph.attr("node", fontname=_FONT, fontsize="11", style="filled")
    graph.attr("edge", fontname=_FONT, fontsize="10", fontcolor=EDGE_LABEL_COLOUR)

    roles = []
    for v in order:
        role = _role(v, root, parameters)
        roles.append(role)
        record = _record(names[v], v, show_grad, stacked=rankdir in ("LR", "RL"))
        graph.node(ids[v], record, shape="record", **ROLE_STYLES[role])
        if not v.inputs:
            continue
        op_id = f"{ids[v]}_op"
        graph.node(op_id, v.op, shape="ellipse", fillcolor=OP_COLOUR, margin="0.05,0.02")
        graph.edge(op_id, ids[v])
        uses = Counter(v.inputs)
        # Where three or more edges converge, a line ties each label to its edge.
        decorate = "true" if len(v.inputs) > 2 else None
        for position, (x, local) in enumerate(zip(v.inputs, v.local_grads, strict=True)):
            if not show_local:
                graph.edge(ids[x], op_id)
                continue
            label = format_number(local)
            if uses[x] > 1:
                label = f"arg {position}: {label}"
            graph.edge(ids[x], op_id, label=label, decorate=decorate)
    if legend:
        present = [role for role in ROLE_STYLES if role in roles]
        graph.attr(label=_legend_label(present, show_local), labelloc="b", labeljust="l")
    return graph


def render(
    root: Value,
    path: str | os.PathLike[str],
    format: str = "svg",
    **options: Any,
) -> Path:
    """Write the picture of ``draw_dot(root, **options)`` to ``path`` as svg, png or pdf.

    The file appears whole or not at all (it is written beside ``path`` and then moved
    into place). Without Graphviz's ``dot`` program, the DOT source is written to ``path``
    with the suffix ``.dot`` and ``GraphvizNotFoundError`` says how to install Graphviz.
    """
    if format not in FORMATS:
        raise ValueError(f"render: format must be one of {', '.join(FORMATS)}, got {format!r}")
    target = Path(path)
    graph = draw_dot(root, **options)
    try:
        picture = graph.pipe(format=format)
    except graphviz.ExecutableNotFound:
        source = target.with_suffix(".dot")
        write_atomic(source, graph.source.encode())
        raise GraphvizNotFoundError(
            f"render: Graphviz's `dot` program was not found on PATH, so {target} was not "
            f"written; the graph's DOT source is in {source} (`dot -T{format} {source} -o "
            f"{target}` renders it). {INSTALL_HINT}"
        ) from None
    write_atomic(target, picture)
    return target


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
        return {mime: draw_dot(value).pipe(format="svg", encoding="utf-8")}
    except (graphviz.ExecutableNotFound, GraphTooLargeError):
        return {}


def _as_values(params: Iterable[Value]) -> set[Value]:
    values = set()
    for i, p in enumerate(params):
        if not isinstance(p, Value):
            raise TypeError(f"draw_dot: params[{i}] must be a Value, got {type(p).__name__} {p!r}")
        values.add(p)
    return values


def _role(v: Value, root: Value, parameters: set[Value]) -> str:
    if v is root:
        return OUTPUT
    if v in parameters:
        return PARAMETER
    return COMPUTED if v.inputs else LEAF


def _record(name: str, v: Value, show_grad: bool, stacked: bool) -> str:
    """The fields name, data, grad, stacked one above the other (braces turn a record)."""
    fields = [_escape_record(name), f"data {format_number(v.data)}"]
    if show_grad:
        fields.append(f"grad {format_number(v.grad)}")
    text = "|".join(fields)
    return text if stacked else "{" + text + "}"


def _escape_record(text: str) -> str:
    """``text`` with the characters a record label treats as structure escaped."""
    text = text.replace("\\", "\\\\")
    for special in '{}|<>"':
        text = text.replace(special, "\\" + special)
    return text


def _legend_label(roles: list[str], show_local: bool) -> str:
    """One row under the graph: a swatch per role present, the op colour, the edge label."""
    cells = [f'<td bgcolor="{ROLE_STYLES[role]["fillcolor"]}">{role}</td>' for role in roles]
    cells.append(f'<td bgcolor="{OP_COLOUR}">op</td>')
    if show_local:
        cells.append(
            f'<td border="0"><font color="{EDGE_LABEL_COLOUR}">edge label: d out / d in</font></td>'
        )
    table = '<table border="0" cellborder="1" cellspacing="4" cellpadding="3">'
    return f"<{table}<tr>{''.join(cells)}</tr></table>>"

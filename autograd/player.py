"""The backward pass you can play: one self-contained HTML page per graph.

``write_page(loss, "backward.html")`` writes the chain-rule picture of ``autograd.viz`` as
inline SVG, with controls: first, previous, play/pause, next, last, a slider and the arrow
keys. The first frame is the seed; step k lights up its edge, the op and both values, shows
the step as ``print(explain_backward(loss))`` prints it (what it adds, and what the grad
becomes), and every value shows the gradient accumulated so far, so the last step shows
the engine's ``.grad``. For a network built by ``nn``, a step that finishes one of the
derivation's quantities says which (``Step 3: δ2 = dLoss/dZ2``). ``forward=True`` plays the
forward pass first, from a frame where only the inputs and parameters are given: each
computed value, with its op's local derivatives, appears in ``reading_order``. ``lr=``
then plays gradient descent's update of ``params``, each box showing its new data. The
picture is shown at reading size and scrolled to keep what a frame lights in view. The
page needs no network and no server: the small script and style sheet in
``autograd/player_assets`` are inlined. In Jupyter, a ``BackwardTrace`` displays as this
player.
"""

from __future__ import annotations

import html
import json
import math
import os
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import graphviz

from autograd.files import write_atomic
from autograd.names import (
    Derivation,
    format_number,
    formula,
    node_names,
    one_line,
    reading_order,
    term,
)
from autograd.trace import BackwardTrace, explain_backward
from autograd.value import Value, is_real_number
from autograd.viz import (
    DEFAULT_MAX_NODES,
    GraphTooLargeError,
    edge_id,
    field_id,
    local_id,
    node_ids,
    op_id,
    out_edge_id,
    svg,
)

ASSETS = "player_assets"  # the script and style sheet, shipped as package data
UNKNOWN = "?"  # what a value or a derivative shows before the forward pass reaches it


@dataclass(frozen=True)
class Frame:
    """One position of the player: its line of text, what changes, and what lights up.

    ``texts`` maps an element id (see ``autograd.viz``) to the text it shows from this
    frame on; ``exact`` maps a number's field (a grad, or a data the update changes) to
    its value as the ``repr`` of the float; ``lit`` are the edges and boxes lit in this
    frame, ``marks`` the numbers it is about (the local derivative, the upstream gradient,
    the result); ``story`` says which of the derivation's quantities the frame computes
    (``Step 3: δ2 = dLoss/dZ2``), or is empty.
    """

    kind: str  # "given", "forward", "seed", "backward" or "update"
    where: str  # where the frame is in its pass: "forward 3 / 18", "seed", "step 5 / 17"
    text: str
    texts: Mapping[str, str]
    exact: Mapping[str, str]
    lit: tuple[str, ...]
    marks: tuple[str, ...]
    story: str = ""


def frames(
    trace: BackwardTrace,
    forward: bool = False,
    lr: float | None = None,
    params: Iterable[Value] = (),
) -> tuple[Frame, list[Frame]]:
    """Where every element starts (a frame never shown), and the frames of ``trace``.

    Every grad starts at 0, and the seed's frame seeds the output. With ``forward``,
    computed values and their ops' derivatives start unknown: a first frame shows only the
    inputs and parameters, given, then one frame per computed value (in ``reading_order``)
    shows it made, before the seed. A backward frame's ``lit`` starts with its edge. With
    ``lr``, one frame per parameter of ``params`` after the backward pass shows its update
    ``p ← p - lr * grad`` (what ``SGD(params, lr)`` does), in reading order.
    """
    root = trace.root
    order = reading_order(root)
    ids, names = node_ids(order), node_names(order)
    texts = {field_id(ids[v], "grad"): "grad 0" for v in order}
    exact = {field_id(ids[v], "grad"): repr(0.0) for v in order}
    shown: list[Frame] = []
    computed = [v for v in order if v.inputs]
    if forward:
        given = tuple(ids[v] for v in order if not v.inputs)
        shown.append(Frame("given", f"forward 0 / {len(computed)}", _GIVEN, {}, {}, given, ()))
    for v in order:
        node = ids[v]
        data = field_id(node, "data")
        result = {data: f"data {format_number(v.data)}"}
        result.update({local_id(node, p): format_number(d) for p, d in enumerate(v.local_grads)})
        if not (forward and v.inputs):  # inputs and parameters are given from the start
            texts.update(result)
            continue
        texts.update(dict.fromkeys(result, UNKNOWN))
        texts[data] = f"data {UNKNOWN}"
        line = f"{names[v]} = {formula(v, names)} = {format_number(v.data)}"
        edges = tuple(edge_id(node, p) for p in range(len(v.inputs)))
        lit = (node, op_id(node), out_edge_id(node), *edges)
        where = f"forward {len(shown)} / {len(computed)}"
        shown.append(Frame("forward", where, line, result, {}, lit, (data,)))

    grads = dict.fromkeys(order, 0.0)
    grads[root] = 1.0
    seed = field_id(ids[root], "grad")
    seeding, *steps = trace.lines()
    shown.append(
        Frame("seed", "seed", seeding, {seed: "grad 1"}, {seed: repr(1.0)}, (ids[root],), (seed,))
    )
    last_step = {step.input: k for k, step in enumerate(trace, start=1)}
    additions = Counter(step.input for step in trace)
    stories = Derivation(names.values(), names[root])
    for k, (step, line) in enumerate(zip(trace, steps, strict=True), start=1):
        out, inp = ids[step.output], ids[step.input]
        grads[step.input] += step.contribution  # the engine's own additions, in its order
        grad = field_id(inp, "grad")
        shown.append(
            Frame(
                "backward",
                f"step {k} / {len(trace)}",
                line,
                {grad: f"grad {format_number(grads[step.input])}"},
                {grad: repr(grads[step.input])},
                (edge_id(out, step.position), op_id(out), out, inp),
                (local_id(out, step.position), field_id(out, "grad"), grad),
                stories.quantity(names[step.input], additions[step.input])
                if last_step[step.input] == k
                else "",
            )
        )
    if lr is not None:
        updates = _updates(order, ids, names, grads, _learning_rate(lr), params)
        exact.update({field_id(f.lit[0], "data"): repr(p.data) for f, p in updates})
        shown += [f for f, _ in updates]
    return Frame("start", "", "", texts, exact, (), ()), shown


_GIVEN = (
    "Forward pass: the inputs and parameters are given; nothing is computed yet. "
    "Each next frame computes one value from its inputs."
)


def _learning_rate(lr: float) -> float:
    """``lr`` as a float, when it is a finite positive number; else an error naming it."""
    if isinstance(lr, bool) or not is_real_number(lr) or not 0 < float(lr) < math.inf:
        raise ValueError(f"write_page: lr must be a positive number, got {lr!r}")
    return float(lr)


def _updates(
    order: list[Value],
    ids: Mapping[Value, str],
    names: Mapping[Value, str],
    grads: Mapping[Value, float],
    lr: float,
    params: Iterable[Value],
) -> list[tuple[Frame, Value]]:
    """One frame per parameter: gradient descent's step, ``p ← p - η grad``, drawn."""
    chosen = set(params)
    updated = [v for v in order if v in chosen]
    if not updated:
        raise ValueError(
            f"write_page: lr={lr!r} plays the update of the parameters, but none of params is "
            "in the graph; pass params=model.parameters()"
        )
    rate = format_number(lr)
    shown = []
    for k, p in enumerate(updated, start=1):
        node, name, g = ids[p], names[p], grads[p]
        new = p.data - lr * g  # SGD's own arithmetic: p.data -= lr * p.grad
        data, grad = field_id(node, "data"), field_id(node, "grad")
        line = (
            f"Update: {name} ← {name} - η * {term(name)}.grad = {format_number(p.data)} - "
            f"{rate} * {_parenthesised(g)} = {format_number(new)}"
        )
        shown.append(
            (
                Frame(
                    "update",
                    f"update {k} / {len(updated)}",
                    line,
                    {data: f"data {format_number(new)}"},
                    {data: repr(new)},
                    (node,),
                    (data, grad),
                    f"W ← W - η dLoss/dW, with η = {rate}",
                ),
                p,
            )
        )
    return shown


def _parenthesised(x: float) -> str:
    text = format_number(x)
    return f"({text})" if text.startswith("-") or " " in text else text


def fragment(
    graph: Value | BackwardTrace,
    forward: bool = False,
    rankdir: str = "LR",
    params: Iterable[Value] = (),
    clusters: Mapping[str, Iterable[Value]] | None = None,
    max_nodes: int | None = DEFAULT_MAX_NODES,
    lr: float | None = None,
) -> str:
    """The player of ``graph`` (a Value, or the trace of one) as a piece of HTML.

    It carries its own style and script, so it works inside any page or notebook cell;
    ``page`` wraps it in a whole document. The picture options are ``draw_dot``'s; ``lr``
    plays gradient descent's update of ``params`` after the backward pass.
    Needs Graphviz's ``dot`` (``graphviz.ExecutableNotFound`` without it).
    """
    trace = graph if isinstance(graph, BackwardTrace) else explain_backward(graph)
    params = list(params)
    start, shown = frames(trace, forward, lr, params)  # first: a bad lr writes nothing
    picture = svg(trace.root, rankdir=rankdir, params=params, clusters=clusters,
                  max_nodes=max_nodes)  # fmt: skip
    data = {"start": asdict(start), "frames": [asdict(f) for f in shown]}
    # No "<" inside the script element, so no label can end it ("</script>") or bend how
    # HTML reads it ("<!--"): JSON spells the same character "\\u003c".
    payload = json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")
    steps = "\n".join(
        f'<li class="cr-{f.kind}" data-frame="{k}">{html.escape(f.text)}'
        + (f' <span class="cr-tag">{html.escape(f.story)}</span>' if f.story else "")
        + "</li>"
        for k, f in enumerate(shown)
    )
    buttons = "".join(
        f'<button type="button" data-action="{action}" title="{hint}">{text}</button>'
        for action, text, hint in _BUTTONS
    )
    return (
        f"<style>{_asset('player.css')}</style>\n"
        '<div class="chainrule-player" tabindex="0">\n'
        f'<div class="cr-bar">{buttons}\n'
        f'<input class="cr-slider" type="range" min="0" max="{len(shown) - 1}" value="0" '
        'aria-label="frame">\n'
        f'<span class="cr-count">{shown[0].where}</span></div>\n'
        f'<div class="cr-text" aria-live="polite">{html.escape(shown[0].text)}</div>\n'
        f'<div class="cr-story">{html.escape(shown[0].story)}</div>\n'
        f'<div class="cr-graph">{picture[picture.index("<svg") :]}</div>\n'
        f'<p class="cr-help">{_HELP}</p>\n'
        f'<ol class="cr-steps">\n{steps}\n</ol>\n'
        f'<script type="application/json" class="cr-data">{payload}</script>\n'
        "</div>\n"
        f"<script>{_asset('player.js')}</script>\n"
    )


def page(
    graph: Value | BackwardTrace,
    forward: bool = False,
    title: str | None = None,
    **options: Any,
) -> str:
    """A whole HTML document holding the player of ``graph`` (options: see ``fragment``)."""
    trace = graph if isinstance(graph, BackwardTrace) else explain_backward(graph)
    passes = "forward and backward pass" if forward else "backward pass"
    if options.get("lr") is not None:
        passes = "forward pass, backward pass and update" if forward else "backward pass and update"
    heading = one_line(title or f"The chain rule, step by step: the {passes} of {trace.root_name}")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(heading)}</title>\n</head>\n"
        f'<body class="cr-page">\n<h1>{html.escape(heading)}</h1>\n'
        f"{fragment(trace, forward, **options)}</body>\n</html>\n"
    )


def write_page(
    graph: Value | BackwardTrace,
    path: str | os.PathLike[str],
    forward: bool = False,
    title: str | None = None,
    **options: Any,
) -> Path:
    """Write ``page(graph, ...)`` to ``path`` (whole or not at all) and return the path.

    ``options`` are ``fragment``'s: the picture's (``params``, ``clusters``, ...) and
    ``lr``, which plays the update ``p ← p - lr * grad`` of ``params`` at the end.
    """
    return write_atomic(path, page(graph, forward, title, **options).encode())


def notebook_html(trace: BackwardTrace) -> str | None:
    """The player for Jupyter, or None (so it shows the text) when it cannot be drawn."""
    try:
        return fragment(trace)
    except (graphviz.ExecutableNotFound, GraphTooLargeError):
        return None


_BUTTONS = (
    ("first", "|◀", "first frame (Home)"),
    ("previous", "◀ prev", "previous frame (←)"),
    ("play", "▶ play", "play / pause (space)"),
    ("next", "next ▶", "next frame (→)"),
    ("last", "▶|", "last frame (End)"),
    ("zoom", "⤢ size", "fit the whole picture to the width, or show it at reading size"),
)
_HELP = (
    "A backward step multiplies the local derivative written where the lit edge ends by "
    "the grad of the value its op made (the upstream gradient), and adds the product into "
    "the grad of the value the edge starts from. Every box shows the gradient accumulated "
    "so far; after the last step they hold the engine's <code>.grad</code>. An update "
    "(with <code>lr</code>) moves each parameter against its gradient, W ← W - η dW. "
    "Keys: ← → step, space plays, Home and End jump."
)


def _asset(name: str) -> str:
    """A file shipped in ``autograd/player_assets``."""
    return resources.files("autograd").joinpath(ASSETS, name).read_text(encoding="utf-8")

"""Neuron, Layer and MLP, in the seed's notation: layer k computes A_k = σ(W_k A_(k-1) + b_k).

Each output is one fused weighted-sum node, ``dot(w, x, b)``, then the activation: a
neuron is two nodes however many inputs it has. Inputs given as plain numbers stay plain
numbers (constants with no node of their own). ``load`` rebuilds any of the three from a
checkpoint, and an MLP crosses to PyTorch and back (``to_torch``, ``from_torch``).
"""

from __future__ import annotations

import math
import os
import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from autograd import Value, dot, topological_order
from autograd.names import DefaultLabel
from nn import checkpoint, torch_bridge
from nn.activations import TABLE, activation_named
from nn.checkpoint import StateError
from nn.module import Module
from nn.validation import count, preview

Seed = int | random.Random | None
Inputs = Sequence[float | Value]


# The most weights one neuron or layer may have: each is a Value of about 100 bytes, so
# this is some 10 GB, and a typo (a size of 10**10) is an error, not an exhausted machine.
MAX_WEIGHTS = 10**8

# Each activation's function by name (the records, with the rest, are nn.activations.TABLE).
ACTIVATIONS: dict[str, Callable[[Value], Value]] = {n: a.function for n, a in TABLE.items()}


class Neuron(Module):
    """One unit: activation(w · x + b). ``w`` is a list of nin Values, ``b`` a Value."""

    def __init__(self, nin: int, activation: str = "sigmoid", seed: Seed = None, name: str = ""):
        self.nin, self.activation = count(nin, "nin", "Neuron", maximum=MAX_WEIGHTS), activation
        self._activate = activation_named(activation).function
        self.w = _uniform_row(nin, activation, _rng(seed), f"w{name}")
        self.b = Value(0.0, label=f"b{name}")

    def __call__(self, x: Inputs) -> Value:
        x = _input_tuple(x, self.nin, self)
        try:
            return self._activate(dot(self.w, x, self.b))
        except TypeError as exc:
            raise TypeError(f"{self!r}: {exc}") from None

    def architecture(self) -> dict[str, Any]:
        """``Neuron(**architecture)`` is a neuron of the same shape and activation."""
        return {"nin": self.nin, "activation": self.activation}

    @classmethod
    def state_shapes(cls, architecture: dict[str, Any]) -> Iterator[tuple[str, tuple[int, ...]]]:
        """``w``: (nin,), ``b``: a scalar."""
        yield "w", (count(architecture.get("nin"), "nin", "Neuron"),)
        yield "b", ()

    def __repr__(self) -> str:
        return f"Neuron({self.nin}, activation={self.activation!r})"


class Layer(Module):
    """nout neurons reading the same nin inputs: activation(W x + b), always a list.

    ``W`` is nout rows of nin Values and ``b`` a list of nout Values, as in the seed
    (``MLP.layers[0].W`` is W1). Parameters are labelled ``W{name}[j][i]`` and
    ``b{name}[j]``, the nodes a call builds ``Z{name}[j]`` and ``A{name}[j]`` (``Z2``,
    ``A2`` for one output), so a graph of an MLP reads W1[0][1], Z1[0], A2, ...
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str = "sigmoid",
        seed: Seed = None,
        name: str = "",
    ):
        self.nin, self.nout = _layer_shape(nin, nout, "Layer")
        self.activation, self.name = activation, name
        self._activate = activation_named(activation).function
        rng = _rng(seed)
        self.W = [_uniform_row(nin, activation, rng, f"W{name}[{j}]") for j in range(nout)]
        self.b = [Value(0.0, label=f"b{name}[{j}]") for j in range(nout)]
        self._node_labels = _node_labels(name, nout, activation)

    def __call__(self, x: Inputs) -> list[Value]:
        x = _input_tuple(x, self.nin, self)
        activate = self._activate
        outputs = []
        try:
            for w, b, (z_label, a_label) in zip(self.W, self.b, self._node_labels, strict=True):
                z = dot(w, x, b)
                z.label = z_label  # naming costs a store: the labels are made in __init__
                a = activate(z)
                a.label = a_label
                outputs.append(a)
        except TypeError as exc:
            raise TypeError(f"{self!r}: {exc}") from None
        return outputs

    def architecture(self) -> dict[str, Any]:
        """``Layer(**architecture)`` is a layer of the same shape and activation."""
        return {"nin": self.nin, "nout": self.nout, "activation": self.activation}

    @classmethod
    def state_shapes(cls, architecture: dict[str, Any]) -> Iterator[tuple[str, tuple[int, ...]]]:
        """``W``: (nout, nin), ``b``: (nout,)."""
        nin = count(architecture.get("nin"), "nin", "Layer")
        nout = count(architecture.get("nout"), "nout", "Layer")
        yield from (("W", (nout, nin)), ("b", (nout,)))

    def __repr__(self) -> str:
        name = f", name={self.name!r}" if self.name else ""
        return f"Layer({self.nin}, {self.nout}, activation={self.activation!r}{name})"


class MLP(Module):
    """Layers of sizes nin -> nouts[0] -> ... -> nouts[-1], layer k's weights named W{k}.

    ``MLP(n_in, [n_hidden, 1], activation="sigmoid")`` is the seed's network. Hidden layers
    use ``activation``; the last uses ``output_activation`` (None: the same). Calling it
    returns a bare Value when the last layer has one output, else a list.
    Weights come from a private ``random.Random(seed)``: the same seed, the same network.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "sigmoid",
        output_activation: str | None = None,
        seed: Seed = None,
    ):
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Iterable):
            raise TypeError(
                f"MLP: nouts must be a non-empty list of layer sizes, got {preview(nouts)}"
            )
        given = list(nouts)  # a tuple or a NumPy array of sizes too
        if not given:
            raise TypeError("MLP: nouts must be a non-empty list of layer sizes, got []")
        self.nin = count(nin, "nin", "MLP")
        self.nouts = [count(n, f"nouts[{k}]", "MLP") for k, n in enumerate(given)]
        for k, (n_in, n_out) in enumerate(zip([self.nin, *self.nouts], self.nouts)):  # noqa: B905
            _layer_shape(n_in, n_out, f"MLP: layer {k + 1}")  # before any layer is built
        self.activation, self.output_activation = activation, output_activation
        rng = _rng(seed)
        sizes = [self.nin, *self.nouts]
        activations = [activation] * (len(sizes) - 2) + [output_activation or activation]
        self.layers = [
            Layer(sizes[k], sizes[k + 1], activations[k], seed=rng, name=str(k + 1))
            for k in range(len(nouts))
        ]

    def __call__(self, x: Inputs) -> Value | list[Value]:
        values = self.layers[0](x)
        for layer in self.layers[1:]:
            values = layer(values)
        return values[0] if self.nouts[-1] == 1 else values

    def architecture(self) -> dict[str, Any]:
        """``MLP(**architecture)`` is a network of the same shape and activations."""
        activation, output = _activation_arguments([layer.activation for layer in self.layers])
        return {
            "nin": self.nin,
            "nouts": list(self.nouts),
            "activation": activation,
            "output_activation": output,
        }

    @classmethod
    def state_shapes(cls, architecture: dict[str, Any]) -> Iterator[tuple[str, tuple[int, ...]]]:
        """Each layer's ``layers.k.W`` and ``layers.k.b``, as ``Layer.state_shapes``."""
        nouts = architecture.get("nouts")
        if not isinstance(nouts, list) or not nouts:
            raise TypeError(
                f"MLP: nouts must be a non-empty list of layer sizes, got {preview(nouts)}"
            )
        nin = count(architecture.get("nin"), "nin", "MLP")
        for k, n in enumerate(nouts):  # a layer at a time: a file declaring a million
            nout = count(n, f"nouts[{k}]", "MLP")  # layers fails at the first one it lacks
            for tensor, shape in Layer.state_shapes({"nin": nin, "nout": nout}):
                yield f"layers.{k}.{tensor}", shape
            nin = nout

    def to_torch(self) -> Any:
        """An equivalent ``torch.nn.Sequential``: float64 ``Linear`` layers holding the same
        weights, each followed by its activation (none for "linear"). Needs torch."""
        return torch_bridge.sequential(
            [
                (
                    [[w.data for w in row] for row in layer.W],
                    [b.data for b in layer.b],
                    layer.activation,
                )
                for layer in self.layers
            ]
        )

    @classmethod
    def from_torch(cls, module: Any) -> MLP:
        """The MLP of a ``torch.nn.Sequential`` of ``Linear`` layers and activations, with its
        weights as float64. Hidden layers must share one activation, as in every MLP."""
        layers = torch_bridge.layer_weights(module)
        activations = [activation for _, _, activation in layers]
        if len(set(activations[:-1])) > 1:
            raise ValueError(
                f"from_torch: an MLP's hidden layers share one activation, got {activations[:-1]}"
            )
        activation, output = _activation_arguments(activations)
        model = cls(
            len(layers[0][0][0]),
            [len(weight) for weight, _, _ in layers],
            activation=activation,
            output_activation=output,
        )
        state: dict[str, Any] = {}
        for k, (weight, bias, _) in enumerate(layers):
            state[f"layers.{k}.W"], state[f"layers.{k}.b"] = weight, bias
        model.load_state_dict(state)
        return model

    def layer_clusters(self, output: Value) -> dict[str, list[Value]]:
        """Each layer's nodes in ``output``'s graph, keyed by the layer's equations.

        Layer k holds its parameters, the weighted sums Z_k that read them and their
        activations A_k, under a title such as ``layer 1: Z1 = W1 X + b1, A1 = σ(Z1)``:
        ``draw_dot(output, clusters=model.layer_clusters(output))`` frames the picture
        as the derivation writes the network.
        """
        owner = {p: k for k, layer in enumerate(self.layers) for p in layer.parameters()}
        groups: list[list[Value]] = [[*layer.parameters()] for layer in self.layers]
        sums: dict[Value, int] = {}
        for node in topological_order(output):
            read = {owner[x] for x in node.inputs if x in owner}
            if len(read) == 1:  # a weighted sum of one layer's parameters
                sums[node] = k = read.pop()
                groups[k].append(node)
            elif len(node.inputs) == 1 and node.inputs[0] in sums:  # maybe its activation
                k = sums[node.inputs[0]]
                if node.op_entry is TABLE[self.layers[k].activation].op:
                    groups[k].append(node)
        titles = []
        for k, layer in enumerate(self.layers, start=1):
            z, a, previous = f"Z{k}", f"A{k}", "X" if k == 1 else f"A{k - 1}"
            act = TABLE[layer.activation].symbol
            activation = f"{act}({z})" if act else z
            titles.append(f"layer {k}: {z} = W{k} {previous} + b{k}, {a} = {activation}")
        return dict(zip(titles, groups, strict=True))

    def __repr__(self) -> str:
        out = f", output_activation={self.output_activation!r}" if self.output_activation else ""
        return f"MLP({self.nin}, {self.nouts}, activation={self.activation!r}{out})"


def load(path: str | os.PathLike[str]) -> MLP | Layer | Neuron:
    """The MLP, Layer or Neuron saved at ``path``, rebuilt from the file alone.

    A version-1 file records no architecture: build the model and call its ``load``.
    """
    saved = checkpoint.read(path)
    kinds: dict[str, type[MLP | Layer | Neuron]] = {"MLP": MLP, "Layer": Layer, "Neuron": Neuron}
    if saved.module not in kinds:
        raise StateError(
            f"{path} was saved from {saved.module}; nn.load rebuilds MLP, Layer and Neuron "
            "(build your module, then call its load or YourModule.from_file)"
        )
    return kinds[saved.module].from_checkpoint(saved, path)


def _activation_arguments(activations: list[str]) -> tuple[str, str | None]:
    """MLP's (activation, output_activation) for its layers' activations, last one last:
    output_activation is None when the last layer's is the hidden layers' (or it is alone)."""
    *hidden, last = activations
    activation = hidden[0] if hidden else last
    return activation, (last if last != activation else None)


def _rng(seed: Seed) -> random.Random:
    """A private generator: the global ``random`` state is never read or changed."""
    return seed if isinstance(seed, random.Random) else random.Random(seed)


def _layer_shape(nin: Any, nout: Any, where: str) -> tuple[int, int]:
    """(nin, nout) checked as sizes, with at most ``MAX_WEIGHTS`` weights in all."""
    n_in, n_out = count(nin, "nin", where), count(nout, "nout", where)
    if n_in * n_out > MAX_WEIGHTS:
        raise ValueError(
            f"{where}: nin * nout = {preview(n_in * n_out)} weights, more than MAX_WEIGHTS = "
            f"{MAX_WEIGHTS:,} (each weight is a Value of about 100 bytes)"
        )
    return n_in, n_out


def _uniform_row(nin: int, activation: str, rng: random.Random, label: str) -> list[Value]:
    """nin weights labelled ``label[i]``, uniform with variance gain² / nin (the fan-in)."""
    limit = TABLE[activation].gain * math.sqrt(3.0 / nin)
    return [Value(rng.uniform(-limit, limit), label=f"{label}[{i}]") for i in range(nin)]


def _node_labels(name: str, nout: int, activation: str) -> list[tuple[DefaultLabel, DefaultLabel]]:
    """Each neuron's (Z, A) labels in the derivation's notation, made once per layer:
    ``Z1[j]``, ``A1[j]``; ``Z2``, ``A2`` for a single output; a linear layer's one node
    per neuron is its ``Z``. Default labels: a user's own label on any node comes first."""
    names = [f"{name}[{j}]" for j in range(nout)] if nout > 1 else [name]
    return [
        (DefaultLabel(f"Z{n}"), DefaultLabel(f"Z{n}" if activation == "linear" else f"A{n}"))
        for n in names
    ]


def _input_tuple(x: Inputs, nin: int, module: Module) -> tuple[float | Value, ...]:
    """``x`` as a tuple of nin items (converted once, not once per neuron); else an error."""
    try:
        n = len(x)
    except TypeError:
        raise TypeError(
            f"{module!r} expects a sequence of {nin} numbers, got {type(x).__name__} {x!r}"
        ) from None
    if n != nin:
        raise ValueError(f"{module!r} expects {nin} inputs, got {n}")
    return tuple(x)

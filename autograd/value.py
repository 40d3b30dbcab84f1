"""Value: one scalar node of a computation graph, and how every node is made.

A node holds its float ``data``, its accumulated ``grad``, an optional ``label``, and for
a computed node the op that made it, its Value inputs and the local derivatives
d(out)/d(input). Nodes reference only their inputs (no closures, no back references),
so a graph is a DAG that reference counting frees as soon as it is dropped.

The recording API: ``record(op, inputs, constants)`` makes the node of any op entry in the
mode in force (grad_mode). The reductions (``mean``, ...), custom ops (autograd.custom)
and compile's replay of an error call it, with ``as_float`` and ``as_values`` to take
numbers in and ``describe_call`` to show an op applied to its operands in their messages.
The operators and ``dot``, the hot path, inline it (``_unary``, ``_binary``).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable
from functools import partial
from math import isfinite
from operator import attrgetter
from typing import Any, Union, cast

from autograd import anomaly, engine, ops
from autograd.grad_mode import current_mode, is_anomaly_enabled, special_mode
from autograd.ops import Op, Partials

Number = int | float | numbers.Real
Operand = Union["Value", Number]
Constants = tuple[float, ...]
_MATH_ERRORS = (ValueError, ZeroDivisionError, OverflowError)


def _never_evaluated(*operands: Any) -> Any:
    raise RuntimeError("a value computed under no_grad() has no op to evaluate")


# The op of a result computed under no_grad(): it has no inputs, so every reader sees a
# leaf, but backward() can tell it from a leaf the user made and say why it has no graph.
UNTRACKED = Op("", _never_evaluated, _never_evaluated)


class Value:
    """A scalar that records the operations applied to it, for reverse-mode autodiff."""

    # __weakref__: weak caches keyed by node (anomaly mode's source lines, users' own): 8 B a node
    __slots__ = ("data", "grad", "label", "_op", "_inputs", "_locals", "_consts", "__weakref__")
    __array_ufunc__ = None  # numpy scalars on the left defer to our reflected operators

    data: float
    grad: float
    label: str
    _op: Op | None
    _inputs: tuple[Value, ...]
    _locals: Partials
    _consts: tuple[float, ...] | float  # see ``constants``

    def __init__(self, data: Number, label: str = "") -> None:
        self.data = as_float(data, "Value")
        if label is None:
            label = ""
        if not isinstance(label, str):
            raise TypeError(f"Value label must be a str, got {type(label).__name__} {label!r}")
        self.grad = 0.0
        self.label = label
        self._op = None
        self._inputs = ()
        self._locals = ()
        self._consts = ()

    # -- arithmetic: each operator is one line into the op table --------------------------
    def __add__(self, other: Operand) -> Value:
        return _binary(ops.ADD, ops.ADD_CONST, self, other)

    __radd__ = __add__

    def __sub__(self, other: Operand) -> Value:
        return _binary(ops.SUB, ops.SUB_CONST, self, other)

    def __rsub__(self, other: Operand) -> Value:
        return _binary(None, ops.RSUB_CONST, self, other)

    def __mul__(self, other: Operand) -> Value:
        return _binary(ops.MUL, ops.MUL_CONST, self, other)

    __rmul__ = __mul__

    def __truediv__(self, other: Operand) -> Value:
        return _binary(ops.DIV, ops.DIV_CONST, self, other)

    def __rtruediv__(self, other: Operand) -> Value:
        return _binary(None, ops.RDIV_CONST, self, other)

    def __pow__(self, other: Operand) -> Value:
        """self ** other. A number exponent c: a negative base needs an integer c, and 0
        cannot take a negative power. A Value exponent y: the base must be >= 0; 0 ** y
        is 0 for y > 0 and 1 at y = 0, with slope 0 in y (as PyTorch). Where only the
        slope c x^(c-1) overflows (``Value(1e-200) ** -1``), the slope is ±inf."""
        return _binary(ops.POW, ops.POW_CONST, self, other)

    def __rpow__(self, other: Operand) -> Value:
        """c ** self for a number c >= 0: ``0 ** y`` is ``Value(0.0) ** y``, the same value
        and slope (0 for y > 0, 1 at y = 0; y < 0 raises)."""
        return _binary(None, ops.RPOW_CONST, self, other)

    def __neg__(self) -> Value:
        return _unary(ops.NEG, self)

    def __pos__(self) -> Value:
        return self

    def exp(self) -> Value:
        """e ** self."""
        return _unary(ops.EXP, self)

    def log(self) -> Value:
        """Natural logarithm, for data > 0."""
        return _unary(ops.LOG, self)

    def sqrt(self) -> Value:
        """Square root, for data >= 0."""
        return _unary(ops.SQRT, self)

    def tanh(self) -> Value:
        """Hyperbolic tangent."""
        return _unary(ops.TANH, self)

    def sigmoid(self) -> Value:
        """1 / (1 + e^-x), stable for every finite input."""
        return _unary(ops.SIGMOID, self)

    def relu(self) -> Value:
        """max(0, x); its derivative at 0 is taken as 0."""
        return _unary(ops.RELU, self)

    def sin(self) -> Value:
        """Sine."""
        return _unary(ops.SIN, self)

    def cos(self) -> Value:
        """Cosine."""
        return _unary(ops.COS, self)

    def abs(self) -> Value:
        """|x|; its derivative at 0 is taken as 0."""
        return _unary(ops.ABS, self)

    __abs__ = abs

    def heaviside(self) -> Value:
        """1 for x > 0, else 0: relu's slope, as a node (its own slope is 0)."""
        return _unary(ops.HEAVISIDE, self)

    def sign(self) -> Value:
        """-1, 0 or 1: abs's slope, as a node (its own slope is 0)."""
        return _unary(ops.SIGN, self)

    # The slopes with special cases that rules build on Values (see autograd.ops).
    def _sqrt_slope(self) -> Value:
        return _unary(ops.SQRT_SLOPE, self)

    def _pow_slope(self, exponent: Operand) -> Value:
        return _binary(ops.POW_SLOPE, ops.POW_SLOPE_CONST, self, exponent)

    def _log_of_base(self) -> Value:
        return _unary(ops.LOG_OF_BASE, self)

    def _reciprocal_of_base(self) -> Value:
        return _unary(ops.RECIPROCAL_OF_BASE, self)

    def _total_power(self, exponent: Value) -> Value:  # the exponent is always a Value
        return _binary(ops.TOTAL_POWER, ops.TOTAL_POWER, self, exponent)

    # -- gradients ----------------------------------------------------------------------
    def backward(self, gradient: Number = 1.0) -> None:
        """Add d(self)/d(node) * gradient into ``.grad`` of every node this one depends on."""
        check_has_graph(self, "backward")
        engine.accumulate(self, as_float(gradient, "backward gradient"), gradient_check())

    def zero_grad(self) -> None:
        """Reset this node's ``.grad`` to 0."""
        self.grad = 0.0

    # -- comparisons, conversion, display ---------------------------------------------------
    # == and hash stay identity (so Values live in sets and dicts); ordering compares data.
    def __lt__(self, other: Operand) -> bool:
        _while_tracing(self, "<", other)
        return self.data < _data(other)

    def __le__(self, other: Operand) -> bool:
        _while_tracing(self, "<=", other)
        return self.data <= _data(other)

    def __gt__(self, other: Operand) -> bool:
        _while_tracing(self, ">", other)
        return self.data > _data(other)

    def __ge__(self, other: Operand) -> bool:
        _while_tracing(self, ">=", other)
        return self.data >= _data(other)

    def __bool__(self) -> bool:
        """The truth of ``data``, as PyTorch's ``bool(tensor)``: ``bool(Value(0.0))`` is False.

        Refused while tracing (``compile``), where a branch would freeze one outcome.
        """
        _while_tracing(self, "bool", None)
        return bool(self.data)

    def __float__(self) -> float:
        return self.data

    def item(self) -> float:
        """The number this node holds, as a float: ``data`` (PyTorch's name for it)."""
        return self.data

    def detach(self) -> Value:
        """A new leaf with the same data and no graph: gradients do not flow through it."""
        return Value(self.data)

    # -- what the node computes: everything a reader needs to evaluate it again -------------
    @property
    def op_name(self) -> str:
        """The name of the op that made this node: ``'*'``, ``'tanh'`` ('' for a leaf)."""
        return self._op.name if self._op else ""

    @property
    def op_entry(self) -> Op | None:
        """The op table's entry that made this node (None for a leaf); compare by identity."""
        return self._op if self._inputs else None

    # The older names, kept for code that uses them: v.op is v.op_name, v.operation v.op_entry.
    op = op_name
    operation = op_entry

    @property
    def inputs(self) -> tuple[Value, ...]:
        """The Value inputs of the op that made this node, in argument order."""
        return self._inputs

    @property
    def local_grads(self) -> tuple[float, ...]:
        """d(self)/d(input), one for each of ``inputs``, evaluated when the node was made."""
        return self._locals

    @property
    def constants(self) -> Constants:
        """The plain numbers the op took, as floats: ``(3.0,)`` for ``x - 3``; often ``()``."""
        consts = self._consts
        return consts if isinstance(consts, tuple) else (consts,)

    def __repr__(self) -> str:
        label = f"label={self.label!r}, " if self.label else ""
        return f"Value({label}data={self.data!r}, grad={self.grad!r})"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        """Jupyter shows the graph as SVG when Graphviz's dot is installed, else the repr."""
        from autograd.viz import svg_mimebundle  # rendering loads only when a Value is shown

        return svg_mimebundle(self, include, exclude)


def _while_tracing(v: Value, test: str, other: object) -> None:
    """While compile traces a function, a Python branch on a Value (``if v < 0:``) would
    bake the traced example's outcome into the compiled code: the mode's hook raises."""
    mode = special_mode()
    if mode and mode.tracing is not None:
        mode.tracing(v, test, other)


# -- recording ----------------------------------------------------------------------------
def record(
    op: Op,
    inputs: tuple[Value, ...],
    constants: Constants = (),
    *,
    forward: Callable[..., float] | None = None,
    local: Callable[..., Partials] | None = None,
) -> Value:
    """The node of ``op`` applied to ``inputs`` (Values) and ``constants`` (floats), made
    as every node is made, in the mode in force.

    Its data is ``forward(*args)``, with ``args = op.arguments(inputs' data, constants)``;
    when the mode records, its partials are ``local(*args, out)``. ``forward`` and ``local``
    are the op's own unless given (a custom op gives checked ones). A math error
    (ValueError, ZeroDivisionError, OverflowError) comes back of the same type, naming the
    op, its operands and their labels.
    """
    args = op.arguments(tuple(map(_get_data, inputs)), constants)
    try:
        out = (forward or op.forward)(*args)
        if local is None:  # the op's own rule: a math error in it reads as the op's
            return _recorded(out, op, inputs, args, constants, None)
    except _MATH_ERRORS as exc:
        raise _domain_error(op, inputs + constants, exc) from None
    return _recorded(out, op, inputs, args, constants, local)  # a stand-in says its own


def _recorded(
    out: float,
    op: Op,
    inputs: tuple[Value, ...],
    args: tuple[Any, ...],
    constants: Constants,
    local: Callable[..., Partials] | None,
) -> Value:
    if not special_mode():
        return _new(out, op, inputs, (local or op.local)(*args, out), constants)
    return _in_other_mode(out, op, inputs, args, constants, local)


def _new(
    data: float, op: Op, inputs: tuple[Value, ...], local: Partials, consts: Constants | float
) -> Value:
    """Make a node without the checks of __init__ (the engine's inputs are already floats)."""
    node = _object_new(Value)
    node.data = data
    node.grad = 0.0
    node.label = ""
    node._op = op
    node._inputs = inputs
    node._locals = local
    node._consts = consts
    return node


_object_new = object.__new__
# An operator returns NotImplemented to let Python try the other operand (typed as a Value,
# which is what the operator returns whenever it does not refuse).
_REFUSED = cast(Value, NotImplemented)


def _untracked(data: float) -> Value:
    """A result computed under ``no_grad()``: no inputs, so every reader sees a leaf."""
    return _new(data, UNTRACKED, (), (), ())


def _in_other_mode(
    out: float,
    op: Op,
    inputs: tuple[Value, ...],
    args: tuple[Any, ...],
    consts: Constants | float,
    local: Callable[..., Partials] | None = None,
) -> Value:
    """The node for ``out`` when the mode is not the default: under no_grad(), in anomaly
    mode, or both. ``args`` are the operands' floats as ``op.local`` takes them; ``local``
    stands in for ``op.local`` (a custom op's rule, checked as it runs)."""
    mode = current_mode()
    if mode.anomaly and not isfinite(out):
        operands = inputs + (consts if isinstance(consts, tuple) else (consts,))
        raise anomaly.not_finite(describe_call(op, operands), out)
    if mode.recording:
        node = _new(out, op, inputs, (local or op.local)(*args, out), consts)
    else:
        node = _untracked(out)
    if mode.anomaly:
        anomaly.remember_origin(node)
    return node


def _unary(op: Op, x: Value) -> Value:
    a = x.data
    try:
        out = op.forward(a)
        if not special_mode():  # the default mode: record, no checks (see grad_mode)
            return _new(out, op, (x,), op.local(a, out), ())
        return _in_other_mode(out, op, (x,), (a,), ())
    except _MATH_ERRORS as exc:
        raise _domain_error(op, (x,), exc) from None


def _binary(op: Op | None, const_op: Op, x: Value, y: Any) -> Value:
    """x (op) y for a Value y, or x (const_op) c for a number c, kept as the node's constant."""
    if isinstance(y, Value):
        if op is None:  # a reflected operator only ever sees a number on its left
            return _REFUSED
        a, b = x.data, y.data
        try:
            out = op.forward(a, b)
            if not special_mode():
                return _new(out, op, (x, y), op.local(a, b, out), ())
            return _in_other_mode(out, op, (x, y), (a, b), ())
        except _MATH_ERRORS as exc:
            raise _domain_error(op, (x, y), exc) from None
    c = y if type(y) is float else _constant(y, const_op.name)
    if c is None:
        return _REFUSED
    a = x.data
    try:
        out = const_op.forward(a, c)
        # A lone constant is kept as the float itself, not wrapped in a tuple: in a chain
        # such as y = y * 1.0001 + 0.001 that saves a tuple (about 56 bytes) per node, and
        # the float is usually the caller's own literal. ``constants`` wraps it back.
        if not special_mode():
            return _new(out, const_op, (x,), const_op.local(a, c, out), c)
        return _in_other_mode(out, const_op, (x,), (a, c), c)
    except _MATH_ERRORS as exc:
        raise _domain_error(const_op, (x, c), exc) from None


def dot(
    weights: Iterable[Operand], inputs: Iterable[Operand], bias: Operand | None = None
) -> Value:
    """sum(w_i * x_i) + bias as a single node (a neuron's pre-activation).

    Its local derivatives are the other side's values (and 1 for the bias), so a neuron
    is one node with 2n + 1 edges instead of 2n nodes. A side made only of plain numbers
    is taken as constant coefficients: the node keeps them as its constants, with no edges.
    """
    w: tuple[Any, ...] = tuple(weights)  # Values once the sides are checked
    x: tuple[Any, ...] = tuple(inputs)
    if len(w) != len(x):
        raise ValueError(f"dot: weights and inputs differ in length ({len(w)} != {len(x)})")
    b = () if bias is None else (bias if type(bias) is Value else _as_value(bias, "dot bias"),)
    w_kinds, x_kinds = set(map(type, w)), set(map(type, x))  # one pass each, in C
    if w_kinds == _VALUES and x_kinds in (_VALUES, _FLOATS):  # what nn's layers pass
        constant = x_kinds == _FLOATS
    else:
        w, x, constant = _dot_sides(w, x)
    # (a comprehension reads a few .data faster than map(attrgetter) does, on a hot path)
    w_data, b_data = tuple([v.data for v in w]), (b[0].data,) if b else ()
    # The rules take (w, x, b), as the op's ``arguments`` lays a node's operands out.
    if constant:  # x holds constant coefficients: only w and b are inputs
        op, operands, consts, x_data = ops.LINEAR, w + b, x, x
    else:
        op, operands, consts = (ops.AFFINE if b else ops.DOT), w + x + b, ()
        x_data = tuple([v.data for v in x])
    out = op.forward(w_data, x_data, b_data)
    if not special_mode():
        return _new(out, op, operands, op.local(w_data, x_data, b_data, out), consts)
    return _in_other_mode(out, op, operands, (w_data, x_data, b_data), consts)


def mean(values: Iterable[Operand]) -> Value:
    """(1/n) Σ values as one node whose local derivatives are all 1/n (a loss's mean)."""
    return _reduction(ops.MEAN, values)


def logsumexp(values: Iterable[Operand]) -> Value:
    """log Σ e^v as one node whose local derivatives are the softmax probabilities.

    Stable: computed as max + log Σ e^(v - max), so it is finite and correct for logits
    of ±1e300 and for logits that differ hugely. ``x - logsumexp(xs)`` is log_softmax.
    """
    return _reduction(ops.LOGSUMEXP, values)


def sum_squares(values: Iterable[Operand]) -> Value:
    """Σ v² as one node whose local derivatives are 2v (an L2 penalty's sum)."""
    return _reduction(ops.SUM_SQUARES, values)


def _reduction(op: Op, values: Iterable[Operand]) -> Value:
    """One node of an n-ary op over ``values``, numbers made into leaves (mean, logsumexp, ...)."""
    xs = as_values(tuple(values), f"{op.name} values")
    if not xs:
        raise ValueError(f"{op.name}: no values given")
    return record(op, xs)


def _dot_sides(
    w: tuple[Any, ...], x: tuple[Any, ...]
) -> tuple[tuple[Value, ...], tuple[Any, ...], bool]:
    """Any other mix: (Values, Values or constant floats, whether the second is constant)."""
    w_numbers, x_numbers = _is_numbers(w, "weights"), _is_numbers(x, "inputs")
    if w_numbers and x_numbers:
        raise TypeError("dot: weights or inputs must hold at least one Value")
    if w_numbers:  # the product is symmetric: put the Values first
        return as_values(x, "dot inputs"), tuple(map(float, w)), True
    if x_numbers:
        return as_values(w, "dot weights"), tuple(map(float, x)), True
    return as_values(w, "dot weights"), as_values(x, "dot inputs"), False


# -- conversions and errors -----------------------------------------------------------------
def is_real_number(x: object) -> bool:
    """True for the numbers the engine takes (int, float, Fraction, NumPy scalars), not bools."""
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def as_float(data: Any, where: str) -> float:
    """``data`` as a float, or a TypeError that says what was passed instead."""
    if type(data) is float:
        return data
    if type(data) is not int and not is_real_number(data):  # an int skips the ABC check
        raise TypeError(
            f"{where} expects a real number (int, float, Fraction, ...), "
            f"got {type(data).__name__} {data!r}"
        )
    try:
        return float(data)
    except OverflowError:
        raise OverflowError(f"{where}: {data!r} is too large for a float") from None


def _constant(y: Any, where: str) -> float | None:
    """A number operand as a float; None for anything an operator should refuse."""
    if type(y) is int:  # the common literal (x ** 2): no ABC check, one call less
        try:
            return float(y)
        except OverflowError:
            pass  # as_float says so, naming the operator
    elif not is_real_number(y):
        return None
    return as_float(y, where)


def _data(y: Operand) -> float:
    return y.data if isinstance(y, Value) else as_float(y, "comparison")


def check_has_graph(root: object, where: str) -> None:
    """A TypeError unless ``root`` is a Value; a RuntimeError if no_grad() made it."""
    if not isinstance(root, Value):
        raise TypeError(f"{where}: the output must be a Value, got {type(root).__name__} {root!r}")
    if root._op is UNTRACKED:
        name = f" {root.label!r}" if root.label else ""
        raise RuntimeError(
            f"{where}: the value{name} ({root.data!r}) has no graph: it was computed under "
            "no_grad(), which records no inputs; compute it outside no_grad() to differentiate it"
        )


_get_data = attrgetter("data")
_PLAIN_NUMBERS = {float, int}
_VALUES, _FLOATS = {Value}, {float}


def _as_value(item: Operand, where: str) -> Value:
    return item if isinstance(item, Value) else Value(as_float(item, where))


def as_values(items: tuple[Any, ...], where: str) -> tuple[Value, ...]:
    """The items as Values, numbers made into leaves (``where`` names them in errors)."""
    if set(map(type, items)) <= _VALUES:
        return items
    return tuple(_as_value(item, f"{where}[{i}]") for i, item in enumerate(items))


def _is_numbers(items: tuple[Any, ...], side: str) -> bool:
    """True when no item is a Value; a TypeError names any item that is not a number."""
    kinds = set(map(type, items))  # one pass in C: the common cases need no Python loop
    if kinds <= _PLAIN_NUMBERS:
        return True
    if kinds <= _VALUES:
        return False
    for i, item in enumerate(items):
        if not isinstance(item, Value):
            as_float(item, f"dot {side}[{i}]")
    return not any(isinstance(item, Value) for item in items)


def describe(operand: Any) -> str:
    """An operand as messages show it: ``a=-1.0`` for a labelled Value, its number else."""
    if isinstance(operand, Value):
        return f"{operand.label}={operand.data!r}" if operand.label else repr(operand.data)
    return repr(operand)


def describe_call(op: Op, operands: tuple[Any, ...]) -> str:
    """The op applied to its operands, as the user wrote it: ``log(a=-1.0)``, ``/(3, z=0.0)``."""
    shown = ", ".join(describe(a) for a in (operands[::-1] if op.reflected else operands))
    return f"{op.name}({shown})"


def _domain_error(op: Op, operands: tuple[Any, ...], exc: Exception) -> Exception:
    """The same kind of error, with a message naming the op, the values and any labels
    (and in anomaly mode the line that called the op)."""
    if isinstance(exc, OverflowError):
        reason = "the result overflows a float"
    elif callable(op.domain):  # the op tells which of its causes applies
        reason = op.domain(*(a.data if isinstance(a, Value) else a for a in operands))
    else:
        reason = op.domain or str(exc)  # a custom op may say nothing of its domain: Python's
    message = f"{describe_call(op, operands)}: {reason}"
    if is_anomaly_enabled():
        message += f"; at {anomaly.caller()}"
    return type(exc)(message)


def rule_error(op: Op, operands: tuple[Any, ...], exc: Exception, on_values: bool) -> Exception:
    """The error of a local rule that raised, naming the op, its operands and labels, and
    what the rule raised: the same kind of error where it can take a message."""
    where = " on Values (grad(create_graph=True), forward mode)" if on_values else ""
    message = (
        f"{describe_call(op, operands)}: its local rule raised{where} {type(exc).__name__}: {exc}"
    )
    try:
        return type(exc)(message)
    except Exception:  # an exception class that wants other arguments
        return RuntimeError(message)


def gradient_check() -> engine.NonFiniteHandler | None:
    """What the engine calls on a gradient that is not finite: in anomaly mode, a handler
    that raises naming the node (anomaly.non_finite_gradient); otherwise None, and
    backward runs its loop unchecked."""
    return partial(anomaly.non_finite_gradient, describe) if is_anomaly_enabled() else None

"""Python source for one node of a graph: its forward value and its local derivatives.

``autograd.compiler`` writes a graph out as straight-line Python; this module writes the
expression on each line, from the node's op entry and nothing else. It runs the op's own
``forward`` and ``local`` rules on *symbolic operands*: ``Expr`` objects that, where a
float would compute a number, write down the Python that computes it (``x * y`` gives
the source ``x * y``). A rule that branches on an operand (relu's ``1.0 if x > 0 else
0.0``) is run once per outcome and written as the conditional expression it is. Where a
rule cannot run on symbols (``math.exp`` wants a number; sqrt's rule reads an operand's
value) the line calls the op's own function, bound under a readable name. The one forward
that symbols cannot go through, ``sum()``, comes with its source in the op entry
(``Op.forward_code``).

So the generated code performs exactly the rules' float operations, in their order. The
tests check every op's code against its rules bitwise over all floats, and ``NodeWriter``
checks each kind of node's code against its rules at the node's numbers and at the edges
of the floats: where they differ (a rule whose float and Value paths compute different
things, as ``x ** y``'s do at y = 0), the line calls the rule itself.
"""

from __future__ import annotations

import builtins
import keyword
import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from autograd import ops
from autograd.ops import Op

# Python's operator precedences, loosest first, as far as generated expressions use them.
CONDITIONAL, COMPARISON, SUM, PRODUCT, UNARY, POWER, ATOM = range(1, 8)
MAX_PATHS = 16  # outcomes of a rule's branches worth writing out; beyond that, call the rule
MAX_BRANCHES = 32  # branches on one run of a rule (a loop on a symbolic test never ends)
_SLOT = "\x00"  # brackets an operand's index in a template; no Python source contains it


def _value_method(name: str) -> Op | None:
    """The op a Value's method ``name`` makes (``x.exp()`` makes ``EXP``), as the op table's
    entries say: a rule may call it on an operand (``log(x)`` is ``x.log()`` for a Value)."""
    return next((op for op in ops.entries() if op.method == name), None)


class Template(NamedTuple):
    """Python source with holes for a node's operands: the inputs, then the node itself."""

    pieces: tuple[str | int, ...]  # text, operand index, text, operand index, ..., text
    precedence: int

    @classmethod
    def parse(cls, code: str, precedence: int) -> Template:
        parts = code.split(_SLOT)
        return cls(tuple(int(p) if i % 2 else p for i, p in enumerate(parts)), precedence)

    def fill(self, names: Sequence[str]) -> str:
        """The source with each hole replaced by the name of its operand's variable."""
        pieces = self.pieces
        if len(pieces) == 1:
            return str(pieces[0])
        return "".join(names[p] if isinstance(p, int) else p for p in pieces)


class NodeCode(NamedTuple):
    """A node's code: its value, and d(node)/d(input) for each input.

    ``partials`` has one expression per input; where the local rule is called instead,
    it is None and ``partials_call`` is the call, which returns the tuple of partials.
    """

    forward: Template
    partials: tuple[Template, ...] | None
    partials_call: Template | None


def _function_names() -> dict[int, str]:
    """A fixed, readable name for every function of the op table that code may call.

    A function's own name where it has one (``math.exp`` is ``exp``, ``_sigmoid`` is
    ``sigmoid``), else the entry's (``POW``'s lambda is ``pow``); a name already given
    goes to the entry's name instead (``math.pow``, for ``POW_CONST``, is ``pow_const``).
    """
    names: dict[int, str] = {}
    used: set[str] = set()
    for entry_name, entry in vars(ops).items():
        if not isinstance(entry, Op):
            continue
        for function, suffix in ((entry.forward, ""), (entry.local, "_local")):
            if id(function) in names:
                continue
            own = getattr(function, "__name__", "")
            name = own.strip("_") if own.isidentifier() else entry_name.lower() + suffix
            if name in used:
                name = entry_name.lower() + suffix
            names[id(function)] = name
            used.add(name)
    return names


_TABLE_FUNCTIONS = _function_names()
# The only builtins generated code may call (it runs with no other builtins, so a name it
# uses and does not bind fails at once instead of finding whatever Python has).
BUILTINS: dict[str, Any] = {
    "sum": builtins.sum,
    "abs": builtins.abs,
    "type": builtins.type,
    "float": builtins.float,
    "zip": builtins.zip,
    "inf": math.inf,
    "nan": math.nan,
}
# Names the generated code may use for itself: a variable must not take one. Its other
# names (``_leaves``, ``_seed``) begin with ``_``, which ``identifier`` never gives.
RESERVED = frozenset({*BUILTINS, *_TABLE_FUNCTIONS.values()})
GRADIENT, PARTIALS = "g_", "d_"  # the prefixes of a node's gradient and partials variables
MAX_COMMENT = 72  # characters of a label shown in a comment of the generated code
MAX_NAME = 32  # characters of a variable's name taken from a label


def identifier(text: str) -> str:
    """``text`` as a Python name of the program: ``W1[0][1]`` -> ``W1_0_1``, ``A2 - y`` ->
    ``A2_y``. Never a keyword, never starting with ``_`` (the code's own names do) nor
    with ``g_`` or ``d_`` (a node's gradient and partials), cut at ``MAX_NAME``."""
    text = unicodedata.normalize("NFKC", text)  # Python reads names in this form
    name = re.sub(r"\W+", "_", text).strip("_")[:MAX_NAME].rstrip("_")
    if not name.isidentifier():
        name = re.sub(r"[^0-9A-Za-z_]+", "_", name).strip("_")
    if not name:
        return "v"
    if name[0].isdigit():
        name = f"v{name}"[:MAX_NAME]
    elif name.startswith((GRADIENT, PARTIALS)):
        name = f"v_{name}"[:MAX_NAME].rstrip("_")  # the cap holds with the prefix too
    return f"{name}_" if keyword.iskeyword(name) else name


def comment(text: str) -> str:
    """``text`` as the body of a one-line comment: every character that is not printable
    (newlines, U+2028, form feeds) written as its escape, cut at ``MAX_COMMENT``."""
    shown = (
        text
        if text.isprintable()
        else "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    )
    return shown if len(shown) <= MAX_COMMENT else f"{shown[: MAX_COMMENT - 1]}…"


class NotSymbolicError(Exception):
    """A rule cannot run on symbolic operands here."""


class Expr:
    """A symbolic operand: the Python source of a float and how tightly it binds.

    Arithmetic on an Expr gives the Expr of the result. A comparison gives an Expr too;
    asking whether it holds (``bool``) lets the ``Branches`` it belongs to choose.
    """

    __slots__ = ("branches", "code", "precedence")

    def __init__(self, code: str, precedence: int, branches: Branches) -> None:
        self.code, self.precedence, self.branches = code, precedence, branches

    def _binary(self, left: Any, symbol: str, right: Any, precedence: int) -> Expr:
        a, b = self.branches.expr(left), self.branches.expr(right)
        # + - * / group to the left: a right operand as loose as the operator needs brackets
        return self.branches.new(
            f"{_wrap(a, precedence)} {symbol} {_wrap(b, precedence + 1)}", precedence
        )

    def __add__(self, other: Any) -> Expr:
        return self._binary(self, "+", other, SUM)

    def __radd__(self, other: Any) -> Expr:
        return self._binary(other, "+", self, SUM)

    def __sub__(self, other: Any) -> Expr:
        return self._binary(self, "-", other, SUM)

    def __rsub__(self, other: Any) -> Expr:
        return self._binary(other, "-", self, SUM)

    def __mul__(self, other: Any) -> Expr:
        return self._binary(self, "*", other, PRODUCT)

    def __rmul__(self, other: Any) -> Expr:
        return self._binary(other, "*", self, PRODUCT)

    def __truediv__(self, other: Any) -> Expr:
        return self._binary(self, "/", other, PRODUCT)

    def __rtruediv__(self, other: Any) -> Expr:
        return self._binary(other, "/", self, PRODUCT)

    def _power(self, base: Any, exponent: Any) -> Expr:
        if isinstance(base, Expr) and type(exponent) in (int, float) and exponent == 1:
            return base  # x ** 1.0 is x, bitwise, for every float (tests/test_codegen.py)
        a, b = self.branches.expr(base), self.branches.expr(exponent)
        # ** groups to the right and binds tighter than a unary minus on its left
        return self.branches.new(f"{_wrap(a, ATOM)} ** {_wrap(b, UNARY)}", POWER)

    def __pow__(self, other: Any) -> Expr:
        return self._power(self, other)

    def __rpow__(self, other: Any) -> Expr:
        return self._power(other, self)

    def __neg__(self) -> Expr:
        return self.branches.new(f"-{_wrap(self, POWER)}", UNARY)

    def __pos__(self) -> Expr:
        return self

    def __abs__(self) -> Expr:
        return self.branches.new(f"abs({self.code})", ATOM)

    def _compare(self, symbol: str, other: Any) -> Expr:
        a, b = self, self.branches.expr(other)
        return self.branches.new(f"{_wrap(a, SUM)} {symbol} {_wrap(b, SUM)}", COMPARISON)

    def __lt__(self, other: Any) -> Expr:
        return self._compare("<", other)

    def __le__(self, other: Any) -> Expr:
        return self._compare("<=", other)

    def __gt__(self, other: Any) -> Expr:
        return self._compare(">", other)

    def __ge__(self, other: Any) -> Expr:
        return self._compare(">=", other)

    def __eq__(self, other: object) -> Expr:  # type: ignore[override]
        return self._compare("==", other)

    def __ne__(self, other: object) -> Expr:  # type: ignore[override]
        return self._compare("!=", other)

    __hash__ = object.__hash__

    def __bool__(self) -> bool:
        return self.branches.decide(self)

    @property
    def data(self) -> Expr:
        """A rule may test the number behind an operand (``_data(x) == 0``): for a symbol
        that is the symbol itself, so the test becomes a branch."""
        return self

    def __float__(self) -> float:
        raise NotSymbolicError("a symbolic operand has no number")

    __int__ = __index__ = __complex__ = __float__

    def __getattr__(self, name: str) -> Callable[[], Expr]:
        op = _value_method(name)
        if op is None:
            raise AttributeError(name)
        return lambda: self.branches.call(op.forward, op, (self,))


def _wrap(e: Expr, at_least: int) -> str:
    """``e``'s source, in brackets unless it binds at least as tightly as ``at_least``."""
    return e.code if e.precedence >= at_least else f"({e.code})"


def literal(x: object) -> str:
    """A number as Python source that gives back exactly that number (inf and nan are
    names the generated code binds)."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise NotSymbolicError(f"not a number: {x!r}")
    return repr(x)


class Branches:
    """One run of a rule on symbolic operands, and the outcomes its branches took.

    Each test the rule asks about (``if x > 0``) follows ``plan`` where it says, and is
    taken as true past its end; ``taken`` records every test and its outcome.
    """

    def __init__(self, writer: NodeWriter, plan: list[bool]) -> None:
        self.writer, self.plan = writer, plan
        self.taken: list[tuple[Expr, bool]] = []

    def new(self, code: str, precedence: int) -> Expr:
        return Expr(code, precedence, self)

    def operand(self, index: int) -> Expr:
        """The operand in hole ``index`` of the template being written."""
        return Expr(f"{_SLOT}{index}{_SLOT}", ATOM, self)

    def operands(self, n: int) -> tuple[Expr, ...]:
        return tuple(map(self.operand, range(n)))

    def expr(self, x: Any) -> Expr:
        if isinstance(x, Expr):
            return x
        text = literal(x)
        return self.new(text, UNARY if text.startswith("-") else ATOM)

    def call(self, function: Callable[..., Any], op: Op, args: tuple[Expr, ...]) -> Expr:
        name = self.writer.bind(function, op)
        return self.new(f"{name}({', '.join(a.code for a in args)})", ATOM)

    def decide(self, test: Expr) -> bool:
        if len(self.taken) == MAX_BRANCHES:
            raise NotSymbolicError("too many branches")
        i = len(self.taken)
        outcome = self.plan[i] if i < len(self.plan) else True
        self.taken.append((test, outcome))
        return outcome


class _Branch(NamedTuple):
    """A test of a rule, and what the rule gives when it holds and when it does not."""

    test: Expr
    yes: Any
    no: Any


def _outcomes(paths: list[tuple[list[tuple[Expr, bool]], Any]], depth: int) -> Any:
    """The rule's results as a tree of its tests, from the runs that share ``depth`` tests."""
    taken, result = paths[0]
    if len(taken) == depth:
        return result
    test = taken[depth][0]
    if any(p[0][depth][0].code != test.code for p in paths):
        raise NotSymbolicError("the rule asks different questions on the same path")
    yes = [p for p in paths if p[0][depth][1]]
    no = [p for p in paths if not p[0][depth][1]]
    return _Branch(test, _outcomes(yes, depth + 1), _outcomes(no, depth + 1))


def _render(tree: Any, pick: Callable[[Any], Any], branches: Branches) -> Expr:
    """One value of the rule's results as an expression: nested conditionals on its tests
    where the outcome matters, the plain expression where it does not."""
    if not isinstance(tree, _Branch):
        return branches.expr(pick(tree))
    yes, no = _render(tree.yes, pick, branches), _render(tree.no, pick, branches)
    if yes.code == no.code:
        return yes
    code = f"{_wrap(yes, COMPARISON)} if {_wrap(tree.test, COMPARISON)} else {no.code}"
    return branches.new(code, CONDITIONAL)


class NodeWriter:
    """Writes the code of every node of one program, once per kind of node.

    A kind is an op, its number of inputs and its constants: every ``x * 1.0001`` of a
    chain shares one template. ``namespace`` holds the functions the code calls, by the
    names it calls them; ``taken`` are names the program's variables already use.
    """

    def __init__(self, taken: set[str]) -> None:
        self.namespace: dict[str, Any] = {"__builtins__": {}, **BUILTINS}
        self._taken = taken
        self._names: dict[int, str] = {}
        self._kinds: dict[tuple[Any, ...], NodeCode] = {}

    def code(self, node: Any) -> NodeCode:
        """The code of ``node`` (a Value with inputs), as holes for its operands."""
        inputs = node.inputs
        return self.code_for(node.op_entry, len(inputs), node.constants, [x.data for x in inputs])

    def code_for(
        self, op: Op, n: int, constants: tuple[float, ...], example: Sequence[float]
    ) -> NodeCode:
        """The code of an ``op`` node with ``n`` inputs and these constants: written from
        its rules on symbolic operands where that gives what the rules give on floats
        (checked at ``example`` and at the edges of the floats), else calls of its rules."""
        kind = (id(op), n, *map(repr, constants))  # repr: -0.0 is not 0.0
        found = self._kinds.get(kind)
        if found is None:
            found = self.write(op, n, constants)
            calls = self.write(op, n, constants, symbolic=False)  # exact by construction
            if found != calls and not self._trusted(kind, op, found, constants, example):
                found = calls
            self._kinds[kind] = found
        return found

    def bind(self, function: Callable[..., Any], op: Op) -> str:
        """The name under which the generated code calls ``function`` (one of ``op``'s)."""
        name = self._names.get(id(function))
        if name is not None:
            return name
        preferred = _TABLE_FUNCTIONS.get(id(function))
        if preferred is None:  # an op from outside the table: its function's or op's name
            own = getattr(function, "__name__", "")
            base = own if isinstance(own, str) and own.isidentifier() else str(op.name)
            suffix = "_local" if function is op.local and own == "<lambda>" else ""
            preferred = identifier(base + suffix)
        name, count = preferred, 1
        while name in self.namespace or name in self._taken:
            count += 1
            name = f"{preferred}_{count}"
        self.namespace[name] = function
        self._names[id(function)] = name
        return name

    def write(
        self, op: Op, n: int, constants: tuple[float, ...], symbolic: bool = True
    ) -> NodeCode:
        """The code of an ``op`` node with ``n`` inputs and these constants: from its rules
        run on symbolic operands, or (``symbolic=False``, or where they cannot run so)
        calls of its own functions."""
        holes = tuple(f"{_SLOT}{i}{_SLOT}" for i in range(n))
        out = f"{_SLOT}{n}{_SLOT}"
        constant_sources: Any = tuple(map(literal, constants))  # source text where floats go
        sources = op.arguments(holes, constant_sources)
        forward: Template | None = None
        if symbolic and op is ops.POW_CONST and constants == (1.0,):
            forward = Template.parse(holes[0], ATOM)  # math.pow(x, 1.0) is x, bitwise
        elif op.forward_code is not None:
            forward = Template.parse(op.forward_code(*sources), CONDITIONAL)
        elif symbolic:
            written = self._symbolic(
                lambda b: op.forward(*op.arguments(b.operands(n), constants)), [lambda r: r]
            )
            forward = written[0] if written else None
        if forward is None:
            forward = self._call(op.forward, op, sources)
        partials = None
        if symbolic:
            picks = [lambda r, i=i: _partial(r, i, n) for i in range(n)]
            partials = self._symbolic(
                lambda b: op.local(*op.arguments(b.operands(n), constants), b.operand(n)), picks
            )
        if partials is not None:
            return NodeCode(forward, tuple(partials), None)
        return NodeCode(forward, None, self._call(op.local, op, (*sources, out)))

    def _symbolic(
        self, run: Callable[[Branches], Any], picks: Sequence[Callable[..., Any]]
    ) -> list[Template] | None:
        """Run the rule once per outcome of its tests; each pick of its result as a
        template, or None when the rule cannot run on symbolic operands."""
        paths: list[tuple[list[tuple[Expr, bool]], Any]] = []
        plan: list[bool] = []
        try:
            while True:
                branches = Branches(self, plan)
                paths.append((branches.taken, run(branches)))
                choices = [outcome for _, outcome in branches.taken]
                while choices and not choices[-1]:
                    choices.pop()
                if not choices:
                    break
                if len(paths) == MAX_PATHS:
                    return None
                plan = [*choices[:-1], False]
            tree = _outcomes(paths, 0)
            rendered = [_render(tree, pick, branches) for pick in picks]
        except Exception:  # the rule wants numbers, or failed on symbols: call it instead
            return None
        return [Template.parse(e.code, e.precedence) for e in rendered]

    def _call(self, function: Callable[..., Any], op: Op, sources: tuple[Any, ...]) -> Template:
        """A call of the op's own function on the operands, as the rule lays them out."""
        return Template.parse(
            f"{self.bind(function, op)}({', '.join(map(_tuple_source, sources))})", ATOM
        )

    def _trusted(
        self,
        kind: tuple[Any, ...],
        op: Op,
        code: NodeCode,
        constants: tuple[float, ...],
        example: Sequence[float],
    ) -> bool:
        """Whether symbolic code gives bitwise what the rules give on floats: at the
        example and at the edges of the floats (zeros of both signs, ones, infinities, NaN),
        all inputs at once and each input alone. A rule that dispatches on type, as
        ``x ** y``'s does (``isinstance(c, float) and c == 0``), shows here: its symbolic
        run takes the Value path. The verdict is kept for every later program."""
        verdict = _VERDICTS.get(kind)
        if verdict is None:
            verdict = (op, self._agrees_at_edges(op, code, constants, list(example)))
            while len(_VERDICTS) >= MAX_VERDICTS:  # the oldest go: it is only a cache
                del _VERDICTS[next(iter(_VERDICTS))]
            _VERDICTS[kind] = verdict
        return verdict[1]

    def _agrees_at_edges(
        self, op: Op, code: NodeCode, constants: tuple[float, ...], example: list[float]
    ) -> bool:
        n = len(example)
        names = [f"_a{i}" for i in range(n + 1)]
        partials = (
            f"({', '.join(t.fill(names) for t in code.partials)},)"
            if code.partials is not None
            else code.partials_call.fill(names)  # type: ignore[union-attr]
        )
        rules = eval(f"lambda {', '.join(names)}: {partials}", dict(self.namespace))
        value = eval(
            f"lambda {', '.join(names[:-1])}: {code.forward.fill(names)}", dict(self.namespace)
        )
        points = [example] + [[e] * n for e in _EDGES]
        if n <= 4:
            points += [example[:i] + [e] + example[i + 1 :] for i in range(n) for e in _EDGES]
        for point in points:
            args = op.arguments(tuple(point), constants)
            want = _outcome(op.forward, *args)
            if _outcome(value, *point) != want:
                return False
            if want[0] == "value":
                out = op.forward(*args)
                if _outcome(rules, *point, out) != _outcome(_as_tuple(op.local), *args, out):
                    return False
        return True


_EDGES = (0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, 3.0, math.inf, -math.inf, math.nan)
# Whether each kind of node's symbolic code agrees with its rules, for every program
# (the op is kept, so its id names no other op while the verdict stands). A kind holds its
# constants, so a program of many constants would add many: the cache keeps the latest.
MAX_VERDICTS = 4096
_VERDICTS: dict[tuple[Any, ...], tuple[Op, bool]] = {}


def _outcome(function: Callable[..., Any], *args: Any) -> tuple[str, str]:
    """What ``function(*args)`` gives, comparable bitwise: its number's repr (which keeps
    the sign of zero; every NaN alike), or its error's type."""
    try:
        result = function(*args)
    except Exception as error:
        return ("error", type(error).__name__)
    return ("value", repr(result))


def _as_tuple(function: Callable[..., Any]) -> Callable[..., tuple[Any, ...]]:
    return lambda *args: tuple(function(*args))


def _partial(result: Any, i: int, n: int) -> Any:
    if not isinstance(result, tuple) or len(result) != n:
        raise NotSymbolicError("a local rule returns one partial per input")
    return result[i]


def _tuple_source(source: Any) -> str:
    """An operand's source, or a tuple of them as a tuple display."""
    if isinstance(source, tuple):
        items = ", ".join(map(_tuple_source, source))
        return f"({items},)" if len(source) == 1 else f"({items})"
    return str(source)

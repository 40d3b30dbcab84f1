"""The package's shape: imports inside ``autograd`` run one way, and ``nn`` sits on top.

The graph is read from the source with ``ast`` (every import, at any depth, not only the
ones at the top), so a lazy import inside a function counts as an edge too. The
documented exceptions are the Jupyter display hooks: a Value imports ``viz``, and a
backward trace the step-through ``player``, only when a notebook shows them, because
drawing depends on the engine and not the other way round.
"""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "autograd"
ALLOWED_LAZY = {
    ("autograd.value", "autograd.viz"),  # Value._repr_mimebundle_
    ("autograd.trace", "autograd.player"),  # BackwardTrace._repr_html_
    ("autograd.compiler", "autograd.matrix"),  # compile(f, vectorize=True): NumPy loads then
}


def _module_name(path: Path) -> str:
    relative = path.relative_to(ROOT).with_suffix("")
    parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
    return ".".join(parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The modules of ``modules`` that the file at ``path`` imports, anywhere in it."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            # `from autograd import ops` names a submodule; `from autograd import Value` the package
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name in modules}


def import_graph(package: Path) -> dict[str, set[str]]:
    """Each module of ``package`` -> the modules of the package it imports."""
    files = sorted(package.glob("*.py"))
    modules = {_module_name(f) for f in files}
    graph = {}
    for f in files:
        name = _module_name(f)
        graph[name] = _imports(f, modules) - {name}
        if f.name != "__init__.py":  # `from autograd.x import y` also runs __init__ first,
            graph[name].discard(package.name)  # but that is the package's edge, not ours
    return graph


def test_the_imports_inside_autograd_have_no_circle() -> None:
    graph = import_graph(PACKAGE)
    for edge in ALLOWED_LAZY:
        graph[edge[0]].discard(edge[1])
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        pytest.fail(f"a circle of imports inside autograd: {' -> '.join(exc.args[1])}")
    assert set(order) == set(graph)


def test_submodules_import_each_other_not_the_package() -> None:
    """`from autograd import Value` inside autograd would make every module depend on all."""
    graph = import_graph(PACKAGE)
    importers = [name for name, imported in graph.items() if "autograd" in imported]
    assert importers == [], f"import from the submodule instead: {importers}"


def test_data_flows_one_way_ops_nodes_engine_readers() -> None:
    graph = import_graph(PACKAGE)
    for edge in ALLOWED_LAZY:
        graph[edge[0]].discard(edge[1])
    assert graph["autograd.ops"] == set(), "the op table depends on nothing"
    assert graph["autograd.engine"] == set(), "the engine works on the node's shape"
    assert graph["autograd.grad_mode"] == set(), "the modes are plain context variables"
    assert graph["autograd.anomaly"] == set(), "anomaly mode's records know only a node"
    assert {"autograd.ops", "autograd.engine"} <= graph["autograd.value"]
    readers = {
        "autograd.names",
        "autograd.trace",
        "autograd.viz",
        "autograd.player",
        "autograd.testing",
        "autograd.forward",
        "autograd.dual",
        "autograd.transforms",
        "autograd.codegen",
        "autograd.emitter",
        "autograd.compiler",
        "autograd.arguments",
        "autograd.vectorize",
        "autograd.matrix_emitter",
        "autograd.matrix",
    }
    core = ("autograd.ops", "autograd.value", "autograd.engine", "autograd.gradients")
    # A custom op is made the way the core makes its nodes.
    others = ("autograd.grad_mode", "autograd.anomaly", "autograd.gradcheck", "autograd.custom")
    for module in (*core, *others):
        assert not readers & _reachable(graph, module), f"{module} must not depend on a reader"


def test_the_package_never_loads_the_testing_helpers() -> None:
    """autograd.testing imports hypothesis, an optional dependency: `import autograd` must not."""
    graph = import_graph(PACKAGE)
    assert "autograd.testing" not in _reachable(graph, "autograd")


@pytest.mark.parametrize(("importer", "imported"), sorted(ALLOWED_LAZY))
def test_the_lazy_display_hooks_are_the_only_exceptions(importer: str, imported: str) -> None:
    graph = import_graph(PACKAGE)
    assert imported in graph[importer]
    top_level = _top_level_imports(PACKAGE / f"{importer.split('.')[-1]}.py")
    assert imported not in top_level


def test_nn_depends_on_autograd_and_never_the_reverse() -> None:
    for path in PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            assert not any(name == "nn" or name.startswith("nn.") for name in names), path


def _private_reads(path: Path) -> list[str]:
    """The ``obj._name`` reads in a file where ``obj`` is not ``self`` or ``cls``
    (dunders aside), as ``line: source``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.Attribute) or not node.attr.startswith("_"):
            continue
        if node.attr.startswith("__") or (
            isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")
        ):
            continue
        found.append(f"{node.lineno}: {ast.unparse(node)}")
    return found


def _private_members(path: Path) -> set[str]:
    """The private attributes and methods the classes of a file define on themselves."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ClassDef):
            for inner in ast.walk(node):
                if isinstance(inner, ast.FunctionDef | ast.AsyncFunctionDef):
                    names.add(inner.name)
                elif (
                    isinstance(inner, ast.Attribute)
                    and isinstance(inner.value, ast.Name)
                    and inner.value.id == "self"
                ):
                    names.add(inner.attr)
    return {n for n in names if n.startswith("_") and not n.startswith("__")}


def test_the_vectorized_function_reads_the_compiled_one_through_its_public_names() -> None:
    """matrix.py reads no private attribute of another object (the scalar compiled
    function's program, shapes and title are its public properties)."""
    assert _private_reads(PACKAGE / "matrix.py") == []


def test_no_module_reads_the_compilers_private_members() -> None:
    """What ``CompiledFunction`` and ``CompiledGraph`` keep to themselves stays there."""
    private = _private_members(PACKAGE / "compiler.py")
    assert {"_program", "_shapes", "_numbers"} <= private  # the check sees them
    for path in sorted(PACKAGE.glob("*.py")):
        if path.name == "compiler.py":
            continue
        reads = [r for r in _private_reads(path) if r.rsplit(".", 1)[-1] in private]
        assert reads == [], f"{path.name} reads the compiler's private members: {reads}"


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    stack = [start]
    while stack:
        for nxt in graph[stack.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def _top_level_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names

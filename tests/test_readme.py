"""The README tells the truth: its commands exist, its quickstart runs, its errors are real."""

from __future__ import annotations

import ast
import builtins
import contextlib
import importlib
import io
import linecache
import math
import os
import re
from pathlib import Path

import pytest

import autograd
from autograd import GradcheckError, grad

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def fenced_blocks(language: str) -> list[str]:
    """The README's fenced code blocks in ``language``, in order."""
    return re.findall(rf"^```{language}\n(.*?)^```", README, flags=re.DOTALL | re.MULTILINE)


def block_with(language: str, marker: str) -> str:
    """The one fenced block in ``language`` that contains ``marker``."""
    found = [block for block in fenced_blocks(language) if marker in block]
    assert len(found) == 1, f"{len(found)} ```{language} blocks hold {marker!r}"
    return found[0]


def first_commands() -> list[str]:
    """The commands of the README's first bash block (comments and blank lines skipped)."""
    blocks = fenced_blocks("bash")
    assert blocks, "the README has no ```bash block"
    lines = (line.strip() for line in blocks[0].splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def test_the_first_two_commands_are_a_demo_and_the_test_suite() -> None:
    demo, tests = first_commands()[:2]
    assert re.search(r"pip install .*-e \.", demo)
    assert re.search(r"pip install .*-e '?\.\[test\]'?", tests)
    assert tests.endswith("python -m pytest") or " python -m pytest " in tests


def test_the_demo_command_names_a_module_with_main() -> None:
    demo = first_commands()[0]
    found = re.search(r"python -m (demos\.\w+)", demo)
    assert found, f"the first command runs no demo: {demo!r}"
    module = importlib.import_module(found.group(1))
    assert callable(module.main)


def test_the_extras_the_commands_install_exist() -> None:
    tomllib = pytest.importorskip("tomllib")
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    for command in first_commands()[:2]:
        for extra in re.findall(r"\.\[(\w+)\]", command):
            assert extra in extras


def test_ci_runs_exactly_the_test_command() -> None:
    ci_lines = (ROOT / ".ci" / "run").read_text().splitlines()
    assert first_commands()[1] in (line.strip() for line in ci_lines)


def test_the_quickstart_runs_and_its_claims_hold() -> None:
    blocks = fenced_blocks("python")
    assert blocks, "the README has no ```python block"
    namespace: dict = {}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(blocks[0], "README quickstart", "exec"), namespace)
    x, y, z = namespace["x"], namespace["y"], namespace["z"]
    assert {repr(x.grad), repr(y.grad)} <= set(printed.getvalue().split())
    assert [x.grad, y.grad] == grad(z, [x, y])  # what is printed is dz/dx, dz/dy
    assert namespace["dx3"].data == 3 * x.data**2
    assert namespace["d2x3"] == 6 * x.data == 12.0


def _error_examples() -> list[tuple[str, str, str]]:
    """(expression, error type, message) for each ``>>>`` line of the README's text blocks."""
    pattern = r"^>>> (.+)\n(\w+): (.+)$"
    return [
        example
        for block in fenced_blocks("text")
        for example in re.findall(pattern, block, flags=re.MULTILINE)
    ]


def test_the_readme_shows_error_examples() -> None:
    assert len(_error_examples()) >= 3


@pytest.mark.parametrize(("expression", "error", "message"), _error_examples())
def test_each_error_example_raises_what_the_readme_shows(
    expression: str, error: str, message: str
) -> None:
    with pytest.raises(getattr(builtins, error)) as raised:
        eval(expression, dict(vars(autograd)))
    assert type(raised.value) is getattr(builtins, error)
    assert str(raised.value) == message


def test_the_anomaly_example_prints_what_the_readme_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run as the README says, saved as demo.py: the printed lines are the ones it shows."""
    code = block_with("python", "detect_anomaly()")
    shown = block_with("text", "(detect_anomaly)")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "demo.py").write_text(code)
    linecache.checkcache("demo.py")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, "demo.py", "exec"), {"__name__": "__main__"})
    assert printed.getvalue() == shown


def test_the_property_test_example_passes_and_fails_for_a_wrong_function() -> None:
    namespace: dict = {}
    exec(compile(block_with("python", "autograd.testing"), "README example", "exec"), namespace)
    namespace["test_score_derivatives"]()  # hypothesis runs it over its examples

    def score_with_a_cut(x, y):  # e^x times e^x cut out of the graph: d/dx e^2x, not 2 e^2x
        return x.exp() * math.exp(x.data) + y.log()

    namespace["score"] = score_with_a_cut
    with pytest.raises(GradcheckError, match=r"check_grads\(.*score_with_a_cut, order=2\)"):
        namespace["test_score_derivatives"]()


def nn_examples() -> list[str]:
    """The ```python blocks of the README's nn section, in order."""
    section = README.split("\n## Neural networks")[1].split("\n## ")[0]
    return re.findall(r"^```python\n(.*?)^```", section, flags=re.DOTALL | re.MULTILINE)


def shown_values(block: str) -> list[tuple[str, object]]:
    """(expression, value) for each line ``expression  # [literal]...`` of a block."""
    shown = []
    for line in block.splitlines():
        code, _, comment = line.partition("  # ")
        if code and not code.startswith((" ", "#")) and comment.startswith("["):
            literal = comment[: comment.index("]") + 1]
            shown.append((code, ast.literal_eval(literal)))
    return shown


def test_the_nn_section_has_its_examples() -> None:
    blocks = nn_examples()
    assert len(blocks) >= 4
    assert any("cross_entropy" in b for b in blocks) and any("to_torch" in b for b in blocks)


@pytest.mark.parametrize("block", nn_examples(), ids=lambda b: b.splitlines()[0])
def test_each_nn_example_runs_and_shows_what_it_computes(
    block: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if "import torch" in block:
        try:
            importlib.import_module("torch")
        except ImportError:
            if os.environ.get("CI"):
                pytest.fail("torch is missing, and the README's PyTorch example must run in CI")
            pytest.skip("torch is not installed")
    monkeypatch.chdir(tmp_path)  # the examples write checkpoints
    namespace: dict = {}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(block, "README nn example", "exec"), namespace)
    output = printed.getvalue().splitlines()
    epochs = [line[2:] for line in block.splitlines() if line.startswith("# epoch")]
    assert [line for line in output if line.startswith("epoch")] == epochs
    for expression, value in shown_values(block):
        assert eval(expression, namespace) == value, expression
    if "StateError" in block:
        assert "holds MLP(nin=2, nouts=[4, 1], activation='sigmoid'" in output[-1]
        assert "but this model is MLP(nin=2, nouts=[4, 1], activation='tanh'" in output[-1]


# -- forward mode, function transforms and custom ops ---------------------------------------------
TRANSFORMS_SECTION = "## Forward mode, function transforms and custom ops"


def section(heading: str) -> str:
    """The README's text from ``heading`` to the next heading of the same level."""
    start = README.index(f"\n{heading}\n")
    level = heading.split()[0]
    end = README.find(f"\n{level} ", start + len(heading) + 2)
    return README[start : end if end != -1 else len(README)]


def _shown_output(block: str) -> list[str]:
    """What a block says it prints: its full-line comments that follow a print call."""
    shown, after_print = [], False
    for line in block.splitlines():
        if line.startswith("print("):
            after_print = True
        elif line.startswith("# ") and after_print:
            shown.append(line[2:])
        else:
            after_print = False
    return shown


TRANSFORM_BLOCKS = re.findall(
    r"^```python\n(.*?)^```", section(TRANSFORMS_SECTION), flags=re.DOTALL | re.MULTILINE
)


def test_the_transforms_section_shows_forward_mode_transforms_and_a_custom_op() -> None:
    assert len(TRANSFORM_BLOCKS) == 3
    assert all(_shown_output(block) for block in TRANSFORM_BLOCKS)


@pytest.mark.parametrize("block", TRANSFORM_BLOCKS, ids=["forward", "transforms", "custom op"])
def test_each_transforms_example_prints_what_the_readme_shows(block: str) -> None:
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(block, "README transforms section", "exec"), {})
    assert printed.getvalue().splitlines() == _shown_output(block)


def test_the_custom_op_is_defined_in_five_lines() -> None:
    definition = re.search(r"^softplus = CustomOp\(\n(?:    .*\n)*\)\n", TRANSFORM_BLOCKS[2], re.M)
    assert definition and definition.group(0).count("\n") == 5


def test_a_custom_ops_domain_error_reads_as_the_readme_says() -> None:
    text = section(TRANSFORMS_SECTION)
    shown = re.search(r"raises `(\w+): (mylog\(a=-1\.0\): [^`]+)`", text)
    domain = re.search(r'`domain="([^"]+)"`', text)
    assert shown and domain
    mylog = autograd.CustomOp("mylog", math.log, lambda x, out: (1 / x,), domain=domain[1])
    with pytest.raises(getattr(builtins, shown[1])) as raised:
        mylog(autograd.Value(-1.0, label="a"))
    assert str(raised.value) == shown[2]


def test_the_compile_example_prints_the_source_the_readme_shows() -> None:
    """The derivation's network compiled: the README's listing is what compile writes."""
    code = block_with("python", "print(step.source)")
    shown = block_with("text", "def replay(")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, "README compile example", "exec"), {"__name__": "__main__"})
    assert printed.getvalue() == shown


XOR_POINTS = ([[0, 0], [0, 1], [1, 0], [1, 1]], [0, 1, 1, 0])  # the example's batch


def test_the_compiled_function_example_runs_as_the_interpreter_would() -> None:
    code = block_with("python", "loss.batch(")
    namespace: dict = {}
    exec(compile(code, "README compiled function", "exec"), namespace)
    model, losses = namespace["model"], namespace["losses"]
    interpreted = [((model(x) - y) ** 2).data for x, y in zip(*XOR_POINTS, strict=True)]
    assert losses == interpreted  # the forward is bitwise the interpreter's
    weight = model.parameters()[0]
    for p in model.parameters():
        p.grad = 0.0
    namespace["loss"]([1.0, 0.0], 1.0)
    by_compiled = weight.grad
    weight.grad = 0.0
    ((model([1.0, 0.0]) - 1.0) ** 2).backward()
    assert by_compiled == weight.grad

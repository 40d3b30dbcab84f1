"""The README is the front door: its two commands come first and work, it stays short, and
every link in it leads somewhere.

Its code blocks run with their shown output compared in tests/test_docs.py (Sybil); what
no such library checks is here.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def first_commands() -> list[str]:
    """The commands of the README's first bash block (comments and blank lines skipped)."""
    blocks = re.findall(r"^```bash\n(.*?)^```", README, flags=re.DOTALL | re.MULTILINE)
    assert blocks, "the README has no ```bash block"
    lines = (line.strip() for line in blocks[0].splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def test_the_first_two_commands_are_a_demo_and_the_test_suite() -> None:
    demo, tests = first_commands()[:2]
    assert re.search(r"pip install .*-e \.", demo)
    assert re.search(r"pip install .*-e '?\.\[test\]'?", tests)
    assert tests.endswith("python -m pytest") or " python -m pytest " in tests


def test_the_commands_come_before_any_other_code() -> None:
    first_block = re.search(r"^```(\w*)\n", README, flags=re.MULTILINE)
    assert first_block and first_block.group(1) == "bash"


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


def test_the_readme_is_at_most_200_lines() -> None:
    assert len(README.splitlines()) <= 200


def test_every_link_in_the_readme_leads_to_a_file() -> None:
    links = re.findall(r"\]\(([^)\s]+)\)", README)
    local = [link for link in links if not re.match(r"[a-z]+:", link)]
    assert local, "the README links to nothing"
    for link in local:
        path = unquote(link.split("#")[0])
        assert (ROOT / path).is_file(), f"the README links to {link}, which is not there"


def test_the_tutorial_is_one_click_away_and_its_first_player_two() -> None:
    """README -> the tutorial's index -> its first chapter, which plays a trace."""
    assert "(docs/tutorial/index.md)" in README
    index = (ROOT / "docs" / "tutorial" / "index.md").read_text(encoding="utf-8")
    first = re.search(r"\]\((01-[\w-]+\.md)\)", index)
    assert first, "the tutorial's index links to no first chapter"
    chapter = (ROOT / "docs" / "tutorial" / first.group(1)).read_text(encoding="utf-8")
    assert "explain_backward(" in chapter


def test_the_readme_shows_a_picture_and_a_screenshot_of_the_built_tutorial() -> None:
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README)
    assert any(p.startswith("demos/images/") for p in pictures)
    assert any(p.startswith("docs/images/tutorial-") and p.endswith(".png") for p in pictures)

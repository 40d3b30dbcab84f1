"""The documentation tells the truth: every example of the README and of the guides prints
what it shows, every chapter of the tutorial runs as a notebook, the site builds with
warnings as errors, and its tutorial plays in a real browser without the network.

The README and the guides are read by Sybil: a ```python block of ``>>>`` lines is a
doctest (its shown output compared with the real one, ``...`` matching anything), any
other ```python block runs as it is; the blocks of a page share one namespace, in order,
in a fresh folder. The tutorial's chapters are notebooks written as Markdown (jupytext),
executed by nbclient. These tests skip without the ``docs`` extra on a developer's
machine (``pip install -e '.[docs]'``), but fail when ``CI`` is set.
"""

from __future__ import annotations

import doctest
import importlib.util
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
GUIDES = sorted((DOCS / "guides").glob("*.md"))
CHAPTERS = sorted((DOCS / "tutorial").glob("[0-9]*.md"))
PAGES = [ROOT / "README.md", DOCS / "index.md", DOCS / "tutorial" / "index.md", *GUIDES]


def _require(module: str) -> None:
    if importlib.util.find_spec(module) is None:
        reason = f"{module} is not installed (pip install -e '.[docs]')"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}, and the documentation's tests must run in CI")
        pytest.skip(reason)


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


# -- every example shows what it prints --------------------------------------------------------
@pytest.mark.parametrize("path", PAGES, ids=_name)
def test_each_example_prints_what_the_page_shows(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _require("sybil")
    from sybil import Sybil
    from sybil.parsers.markdown import PythonCodeBlockParser, SkipParser

    parser = PythonCodeBlockParser(doctest_optionflags=doctest.ELLIPSIS)
    document = Sybil([parser, SkipParser()], path=str(ROOT)).parse(path)
    monkeypatch.chdir(tmp_path)  # examples write pages and checkpoints
    for example in document.examples():
        example.evaluate()  # raises SybilFailure, naming the line, the expected and the got


def test_no_example_imports_the_demos() -> None:
    """The examples stand alone: what they need, the library gives."""
    for path in [*PAGES, *CHAPTERS]:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(>>> )?(from|import) demos\b", text, re.M), _name(path)

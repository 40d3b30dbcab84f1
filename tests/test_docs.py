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
import subprocess
import sys
from pathlib import Path

import pytest

from demos import chain_rule
from tests.test_player import Tab, browser_installed

__all__ = ["browser_installed"]  # a fixture shared with tests/test_player.py

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


def _python_path() -> str:
    """PYTHONPATH with this checkout first: kernels and builds import its autograd and nn."""
    return os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))


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


# -- the tutorial's chapters are notebooks that run -------------------------------------------
@pytest.fixture
def kernel_sees_this_checkout(monkeypatch: pytest.MonkeyPatch) -> None:
    """The notebooks' kernel imports autograd and nn from this checkout."""
    monkeypatch.setenv("PYTHONPATH", _python_path())


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_each_chapter_runs_as_a_notebook(
    chapter: Path, tmp_path: Path, kernel_sees_this_checkout: None
) -> None:
    """jupytext makes the notebook a learner opens; nbclient runs it, failing on any error."""
    _require("jupytext")
    _require("nbclient")
    import jupytext
    from nbclient import NotebookClient

    notebook = jupytext.read(chapter)
    assert notebook.metadata["kernelspec"]["language"] == "python"
    client = NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
    )
    client.execute()  # raises CellExecutionError, with the cell and its traceback
    outputs = [output for cell in notebook.cells for output in cell.get("outputs", [])]
    players = [o for o in outputs if "chainrule-player" in o.get("data", {}).get("text/html", "")]
    assert players, f"{chapter.name} plays no step-through page"


def test_every_chapter_ends_with_a_checked_exercise() -> None:
    for chapter in CHAPTERS:
        text = chapter.read_text(encoding="utf-8")
        exercise = text.split("\n## Exercise")
        assert len(exercise) == 2, f"{chapter.name} has no exercise section"
        assert re.search(r"\b(gradcheck|gradgradcheck|check_grads)\(", exercise[1]), chapter.name


def test_the_tutorial_covers_steps_1_to_8() -> None:
    text = (DOCS / "tutorial" / "04-backward-pass.md").read_text(encoding="utf-8")
    for step in range(1, 9):
        assert f"| {step} |" in text and f"# Step {step}" in text


# -- the site ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``mkdocs build --strict`` into a fresh folder: any warning, a broken link or a
    docstring reference that leads nowhere, fails the build, and so does a chapter's cell."""
    _require("mkdocs")
    folder = tmp_path_factory.mktemp("site")
    env = dict(os.environ, PYTHONPATH=_python_path())
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(folder)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stderr[-6000:]
    return folder


def test_the_site_builds_every_page(site: Path) -> None:
    for page in [*CHAPTERS, *GUIDES]:
        section = page.parent.name
        assert (site / section / page.stem / "index.html").is_file(), page.name
    assert (site / "reference" / "autograd" / "index.html").is_file()
    reference = (site / "reference" / "nn" / "index.html").read_text(encoding="utf-8")
    assert "cross_entropy" in reference  # generated from the docstrings
    for built in site.rglob("*.html"):  # no Markdown left unread, such as a link in raw HTML
        assert not re.search(r"\]\([\w./-]+\.md", built.read_text(encoding="utf-8")), built


def test_the_guides_pictures_are_on_the_site(site: Path) -> None:
    for guide in GUIDES:
        for name in re.findall(r'src="(?:\.\./)+demos/images/([^"]+)"', guide.read_text()):
            assert (site / "demos" / "images" / name).is_file(), name


def test_the_built_chapters_link_to_pages_not_to_markdown(site: Path) -> None:
    for chapter in CHAPTERS:
        html = (site / "tutorial" / chapter.stem / "index.html").read_text(encoding="utf-8")
        assert not re.search(r'href="[^":]+\.md[#"]', html), chapter.name


# -- the built tutorial in a real browser --------------------------------------------------------
def test_the_tutorial_plays_its_step_through_page_in_a_browser(
    site: Path, browser_installed: None
) -> None:
    """Headless Chromium opens the chapter on Steps 1 to 8 from disk and plays its inline
    page to the end: every frame in turn, the last one each box's final gradient; no
    console error, and no request leaves the machine."""
    from playwright.sync_api import sync_playwright

    page_path = site / "tutorial" / "04-backward-pass" / "index.html"
    with sync_playwright() as playwright:
        browser = chain_rule.launch_chromium(playwright)
        try:
            tab = Tab(browser, page_path)
            player = tab.page.locator(".chainrule-player").first
            player.scroll_into_view_if_needed()
            last = int(player.locator(".cr-slider").get_attribute("max") or 0)
            steps = player.locator(".cr-steps li").evaluate_all(  # each step, without its tag
                "items => items.map(item => item.firstChild.textContent)"
            )
            assert last == len(steps) - 1 >= 16  # the seed, then the network's 16 steps
            player.locator('[data-action="play"]').click()
            tab.page.wait_for_function(
                f"document.querySelector('.chainrule-player').dataset.frame == '{last}'",
                timeout=30_000,
            )
            state = tab.state()
            assert state["text"] == steps[-1].strip()
            assert state["text"].startswith(f"Step {last}: ")
            assert "grad 0" not in [
                text for key, text in state["texts"].items() if key.endswith("_grad")
            ]  # every value has received its gradient
        finally:
            browser.close()
    assert tab.errors == []
    off_the_machine = [url for url in tab.requests if not url.startswith(("file://", "data:"))]
    assert off_the_machine == []


def test_the_demos_call_the_worked_example_the_derivation() -> None:
    """In what the demos print, their help and their plots' titles, the worked example is
    "the derivation"; "seed" stays for random seeds and the gradient's seed."""
    for demo in sorted((ROOT / "demos").rglob("*.py")):
        text = demo.read_text(encoding="utf-8")
        assert not re.search(
            r"\bthe\s+(first\s+)?seed's\b|by hand \(seed\)|seed, by hand", text, re.I
        ), demo.name


def test_a_chapters_links_are_pointed_at_built_pages_or_fail_the_build() -> None:
    """docs/hooks.py: a notebook page's link to a Markdown source becomes the built page's
    address, its anchor kept; a link to a page that does not exist is an error."""
    _require("mkdocs")
    from mkdocs.config import load_config
    from mkdocs.exceptions import PluginError
    from mkdocs.structure.files import get_files
    from mkdocs.structure.pages import Page

    spec = importlib.util.spec_from_file_location("docs_hooks", DOCS / "hooks.py")
    assert spec and spec.loader
    hooks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hooks)
    config = load_config(str(ROOT / "mkdocs.yml"))
    files = hooks.on_files(get_files(config), config=config)
    chapter = files.get_file_from_path("tutorial/01-one-edge.md")
    page = Page(None, chapter, config)
    html = '<div class="jp-Notebook"><a href="../guides/nn.md#checkpoints">nn</a></div>'
    assert hooks.on_post_page(html, page=page) == html.replace(
        "../guides/nn.md#checkpoints", "../../guides/nn/#checkpoints"
    )
    with pytest.raises(PluginError, match=r"'nowhere\.md' leads to no page"):
        hooks.on_post_page('<div class="jp-Notebook"><a href="nowhere.md">x</a></div>', page=page)

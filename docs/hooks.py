"""MkDocs hooks of chainrule's site (mkdocs.yml's ``hooks:``), run by ``mkdocs build``.

- Links between pages are written as links to the Markdown sources (``../guides/nn.md``),
  so they work on GitHub too. MkDocs rewrites them on ordinary pages; the tutorial's
  chapters are notebooks (mkdocs-jupyter), whose HTML MkDocs does not read, so this hook
  rewrites theirs to the built pages' addresses and fails the build on one that leads
  nowhere, as ``--strict`` does for the other pages.
- The guides show the demos' committed pictures (``demos/images/``, outside ``docs/``) with
  ``<img src="../../demos/images/...">``, a path that is right from the Markdown source on
  GitHub and from the built page alike, once the build copies the pictures to the site's
  ``demos/images/``; a picture that is not there fails the build.
- A matrix's subscripts in a docstring (``H[i][j]``) read to Markdown as a reference link
  named ``j``; mkdocstrings' cross-reference checker then warns that no ``j`` exists. Those
  warnings, and only those (a target of one letter or digit), are not errors.
"""

from __future__ import annotations

import logging
import posixpath
import re
import shutil
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

_LINK = re.compile(r'href="(?![a-z]+:|#|/)([^"#]+\.md)(#[^"]*)?"')
_SUBSCRIPT_WARNING = re.compile(r"Could not find cross-reference target '\w'$")
_PICTURE = re.compile(r'src="(?:\.\./)+demos/images/([^"]+)"')
PICTURES = Path(__file__).resolve().parent.parent / "demos" / "images"
_files: Files | None = None


class _NotSubscripts(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not _SUBSCRIPT_WARNING.search(record.getMessage())


def on_config(config: Any, **_: Any) -> Any:
    """The filter on mkdocs-autorefs' loggers (whatever its modules are called)."""
    for name in list(logging.root.manager.loggerDict):
        if name.startswith("mkdocs.plugins.mkdocs_autorefs"):
            logging.getLogger(name).addFilter(_NotSubscripts())
    return config


def on_files(files: Files, **_: Any) -> Files:
    global _files
    _files = files
    return files


def on_post_page(output: str, page: Page, **_: Any) -> str:
    """A notebook page's links to ``.md`` sources, pointed at the pages built from them."""
    if not page.file.src_uri.endswith(".md") or "jp-Notebook" not in output or _files is None:
        return output
    here = posixpath.dirname(page.file.src_uri)

    def built(match: re.Match[str]) -> str:
        target = posixpath.normpath(posixpath.join(here, match[1]))
        file = _files.get_file_from_path(target) if _files else None
        if file is None:
            raise PluginError(f"{page.file.src_uri}: the link {match[1]!r} leads to no page")
        return f'href="{file.url_relative_to(page.file)}{match[2] or ""}"'

    return _LINK.sub(built, output)


def on_page_markdown(markdown: str, page: Page, **_: Any) -> str:
    for name in _PICTURE.findall(markdown):
        if not (PICTURES / name).is_file():
            raise PluginError(f"{page.file.src_uri}: demos/images/{name} is not there")
    return markdown


def on_post_build(config: Any, **_: Any) -> None:
    """The demos' pictures beside the site's pages, where the guides' <img> finds them."""
    shutil.copytree(PICTURES, Path(config["site_dir"]) / "demos" / "images", dirs_exist_ok=True)

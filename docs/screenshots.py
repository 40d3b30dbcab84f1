"""Photograph the built tutorial for the README and the docs: docs/images/*.png.

Run after ``mkdocs build`` (it reads site/): ``python docs/screenshots.py``. Headless
Chromium through Playwright (``pip install -e '.[browser]'``), the system's ``chromium``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "site"
IMAGES = Path(__file__).resolve().parent / "images"
# (picture, chapter, the player's index on the page, the frame it shows)
SHOTS = [
    ("tutorial-backward-pass.png", "04-backward-pass", 0, 4),
    ("tutorial-one-edge.png", "01-one-edge", 0, 2),
]


def show_player(tab: Any, index: int, frame: int) -> Any:
    """Scroll player ``index`` into view and step it to ``frame``; its locator."""
    player = tab.locator(".chainrule-player").nth(index)
    player.scroll_into_view_if_needed()
    player.locator('[data-action="first"]').click()
    for _ in range(frame):
        player.locator('[data-action="next"]').click()
    return player


def main() -> int:
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT))
    from demos.chain_rule import launch_chromium  # the demo's own headless Chromium

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        for picture, chapter, index, frame in SHOTS:
            tab = browser.new_page(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
            tab.goto((SITE / "tutorial" / chapter / "index.html").as_uri())
            player = show_player(tab, index, frame)
            top = player.bounding_box()["y"] + tab.evaluate("scrollY")
            tab.evaluate("(y) => window.scrollTo(0, y)", max(0, top - 160))  # its code above
            tab.screenshot(path=str(IMAGES / picture))
            print(IMAGES / picture)
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

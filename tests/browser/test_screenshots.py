"""The README's screenshots, from the real 2026 feed stream (groundnews_feb2026_dev.jsonl
through the real pipeline): refreshed with EVERYSIDE_SCREENSHOTS=1, otherwise written to a
scratch folder so running the suite never changes tracked files. Also checks what they show:
no blank headline on the front page or the story page."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import httpx
import pytest
from devdb import Site

pytestmark = pytest.mark.browser
SHOTS = (
    Path(__file__).resolve().parents[2] / "docs" / "screenshots"
    if os.environ.get("EVERYSIDE_SCREENSHOTS") == "1"
    else Path(tempfile.gettempdir()) / "everyside-screenshots-2026"
)


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    assert path.stat().st_size > 10_000, f"screenshot {name} looks empty"


def test_readme_screenshots_of_the_real_stream(big_site: Site, page, browser) -> None:  # type: ignore[no-untyped-def]
    page.goto(big_site.base + "/")
    heads = page.locator("ol.stories h3").all_inner_texts()
    assert heads and all(h.strip() for h in heads)
    shot(page, "home")

    # the story with the most outlets on the front page
    stories = httpx.get(big_site.base + "/index.json").json()["stories"]
    top = max(stories, key=lambda s: s.get("outlet_count") or 0)
    page.goto(f"{big_site.base}/story/{top['id']}")
    assert page.locator("h1").inner_text().strip()
    assert page.locator("#coverage-h").inner_text() == "Coverage details"
    shot(page, "story")
    dark = browser.new_context(color_scheme="dark", viewport={"width": 1280, "height": 900})
    dark_page = dark.new_page()
    dark_page.goto(page.url)
    shot(dark_page, "story-dark")
    dark.close()

    page.goto(big_site.base + "/blindspots")
    assert page.locator("h2#bs-left").is_visible()
    shot(page, "blindspots")

    page.goto(f"{big_site.base}/story/{top['id']}")
    page.locator("ol.cards .outlet a").first.click()
    page.wait_for_url("**/outlets/**")
    assert page.locator("h2", has_text="Ratings").is_visible()
    shot(page, "outlet")

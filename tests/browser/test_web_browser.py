"""The pages in a real browser (Debian Chromium through Playwright): the reader's flow
home → story → tab switch → feedback → blindspots → outlet page, keyboard navigation, the pages
without JavaScript, axe-core accessibility checks, and a screenshot of each page for the README
(docs/screenshots/)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from devdb import AXE, Site
from sqlalchemy import text

pytestmark = pytest.mark.browser
# Screenshots of the allsides_dev pages go to a scratch folder (the README's come from the real
# 2026 stream: test_screenshots.py)
SHOTS = Path(tempfile.gettempdir()) / "everyside-screenshots"


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    assert path.stat().st_size > 10_000, f"screenshot {name} looks empty"


def axe_violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `npm ci` in the repo root")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {len(v['nodes'])} node(s)"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def story_with_every_side(site: Site) -> int:
    """A story the pipeline built with Left, Center and Right articles."""
    import httpx

    for s in httpx.get(site.base + "/index.json").json()["stories"]:
        counts = httpx.get(f"{site.base}/story/{s['id']}.json").json()["counts"]
        if counts["left"] and counts["center"] and counts["right"]:
            return int(s["id"])
    pytest.fail("no story on the front page has articles from every side")


def visible_sides(page) -> set[str]:  # type: ignore[no-untyped-def]
    return set(
        page.eval_on_selector_all(
            "ol.cards > li.card:not([hidden])", "els => els.map(e => e.dataset.side)"
        )
    )


def test_reader_flow(site: Site, page, browser) -> None:  # type: ignore[no-untyped-def]
    page.goto(site.base + "/")
    assert page.locator("h1").inner_text() == "Top stories"
    assert page.locator("ol.stories > li").count() == 30
    shot(page, "home")

    page.locator("ol.stories h3 a").first.click()
    page.wait_for_url("**/story/*")
    assert page.locator("#coverage-h").inner_text() == "Coverage details"
    assert page.locator("svg.chart-bias title").first.text_content().startswith("Bias")
    shot(page, "story")
    dark = browser.new_context(color_scheme="dark", viewport={"width": 1280, "height": 900})
    dark_page = dark.new_page()
    dark_page.goto(page.url)
    shot(dark_page, "story-dark")
    dark.close()

    # tab switch with JavaScript: cards filter in place and the URL follows
    all_sides = visible_sides(page)
    page.locator("a.tab-left").click()
    assert visible_sides(page) == {"left"} and "side=left" in page.url
    assert page.locator("a.tab-left").get_attribute("aria-current") == "true"
    page.locator("a.tab-all").click()
    assert visible_sides(page) == all_sides

    # "Does this summary seem wrong?"
    story_id = int(page.url.split("/story/")[1].split("?")[0].split("#")[0])
    page.get_by_text("Does this summary seem wrong?").click()
    page.get_by_label("It describes a different event").check()
    page.get_by_label("Details (optional)").fill("the second bullet is about another vote")
    page.get_by_role("button", name="Send report").click()
    page.wait_for_url("**feedback=thanks**")
    assert "your report was recorded" in page.locator("[role=status]").inner_text()
    with site.store.read() as conn:  # type: ignore[attr-defined]
        rows = conn.execute(text("SELECT story_id, reason, text FROM feedback")).all()
    assert (story_id, "wrong_event", "the second bullet is about another vote") in rows

    page.get_by_role("link", name="Blindspots").click()
    assert page.locator("h2#bs-left").is_visible() and page.locator("h2#bs-right").is_visible()
    assert page.locator("section[aria-labelledby=bs-right] li").count() > 0
    shot(page, "blindspots")

    page.get_by_role("link", name="Outlets", exact=True).click()
    page.get_by_label("Find an outlet by name or domain").fill("nytimes.com")
    page.get_by_role("button", name="Find").click()
    page.locator("table.outlets a").first.click()
    assert page.locator("h2", has_text="Ratings").is_visible()
    assert page.locator("section, h2", has_text="Recent stories").count() > 0
    assert page.locator("ol.stories > li").count() > 0  # the outlet's stories from the import
    shot(page, "outlet")
    assert page.js_errors == []  # no script errors, no CSP violations


def test_keyboard_navigation(site: Site, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{site.base}/story/{story_with_every_side(site)}")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    assert page.evaluate("getComputedStyle(document.activeElement).left") != "-999px"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    for _ in range(60):  # tab forward to the Right tab and activate it from the keyboard
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('tab-right')"):
            break
    else:
        pytest.fail("the Right tab is not reachable with Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"  # a visible focus ring
    page.keyboard.press("Enter")
    assert visible_sides(page) == {"right"}


def test_pages_work_without_javascript(site: Site, browser) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(java_script_enabled=False)
    pg = context.new_page()
    pg.goto(f"{site.base}/story/{story_with_every_side(site)}")
    pg.locator("a.tab-right").click()
    pg.wait_for_url("**side=right**")
    assert visible_sides(pg) == {"right"}
    pg.locator("details.feedback > summary").click()  # <details> opens without JS
    assert pg.locator("details.feedback form").is_visible()
    context.close()


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/story/2",
        "/blindspots",
        "/outlets",
        "/outlets/nytimes.com",
        "/topics",
        "/search?q=vaccine",
        "/story/999",
    ],
)
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_accessibility_violations(
    site: Site,
    browser,
    path: str,  # type: ignore[no-untyped-def]
    scheme: str,
) -> None:
    # bypass_csp only lets the test inject axe-core; the app's own pages never need it
    context = browser.new_context(
        color_scheme=scheme, viewport={"width": 1280, "height": 900}, bypass_csp=True
    )
    pg = context.new_page()
    pg.goto(site.base + path)
    assert axe_violations(pg) == []
    context.close()

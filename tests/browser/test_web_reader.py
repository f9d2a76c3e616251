"""What a reader sees (issue 18), through the running app over the dev database that the real
pipeline built from allsides_dev.jsonl: search totals, paging, sorting and filters in the API and
on the page."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import pytest
from devdb import Site
from sqlalchemy import text

from everyside.store.readmodel import topic_names
from everyside.store.search import fts5_query

pytestmark = pytest.mark.browser
WORD = "biden"  # matches 80-odd stories of the dev file: more than two pages of 30


def api(site: Site, path: str, **params: Any) -> dict[str, Any]:
    r = httpx.get(site.base + path, params=params, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def matching_ids(site: Site, word: str) -> set[int]:
    """Every live story whose headline or articles match, straight from the full-text tables
    (no ranking, no paging): what the search's total must count."""
    sql = (
        "SELECT a.story_id FROM articles a WHERE a.story_id IS NOT NULL AND a.id IN "
        "(SELECT rowid FROM articles_fts WHERE articles_fts MATCH :q) "
        "UNION SELECT rowid FROM stories_fts WHERE stories_fts MATCH :q"
    )
    with site.store.read() as conn:  # type: ignore[attr-defined]
        ids = {int(r[0]) for r in conn.execute(text(sql), {"q": fts5_query(word)})}
        live = {
            int(r[0])
            for r in conn.execute(text("SELECT id FROM stories WHERE merged_into IS NULL"))
        }
    return ids & live


def walk(site: Site, **params: Any) -> tuple[int, list[dict[str, Any]]]:
    """All pages of an API search by its cursors: (the first page's total, every story)."""
    first = api(site, "/api/v1/search", **params)
    out, body, pages = list(first["stories"]), first, 1
    while body["next_cursor"]:
        body = api(site, "/api/v1/search", **params, cursor=body["next_cursor"])
        assert body["total"] == first["total"]
        out += body["stories"]
        pages += 1
        assert pages < 100
    return first["total"], out


def test_search_api_counts_every_match_and_pages_through_them(site: Site) -> None:
    expected = matching_ids(site, WORD)
    assert len(expected) > 60, "the dev file should have more than two pages of matches"
    total, stories = walk(site, q=WORD, limit=25)
    ids = [s["id"] for s in stories]
    assert total == len(expected)
    assert len(ids) == len(set(ids)) and set(ids) == expected  # every match once, none lost
    first = api(site, "/api/v1/search", q=WORD, limit=25)
    assert [s["id"] for s in first["stories"]] == ids[:25] and first["next_cursor"]
    bad = httpx.get(site.base + "/api/v1/search", params={"q": WORD, "cursor": "nope!"})
    assert bad.status_code == 422 and "cursor" in bad.json()["error"]["message"]


def test_search_sorts_by_date_or_relevance(site: Site) -> None:
    total, by_date = walk(site, q=WORD, sort="date", limit=40)
    times = [s["last_published_at"] for s in by_date]
    assert len(by_date) == total and times == sorted(times, reverse=True)
    by_rel = api(site, "/api/v1/search", q=WORD, limit=40)["stories"]
    assert [s["id"] for s in by_rel] != [s["id"] for s in by_date[:40]]
    # relevance: the best story mentions the word in its headline or many of its articles
    top = by_rel[0]
    assert WORD in top["headline"].lower() or top["matched_articles"] >= 2


def sides_of(site: Site, story_id: int) -> set[str]:
    counts = api(site, f"/story/{story_id}.json")["counts"]
    return {side for side in ("left", "center", "right") if counts[side]}


def test_search_filters_by_side_outlet_and_dates(site: Site) -> None:
    total, everything = walk(site, q=WORD, limit=100)
    for side in ("left", "right"):
        n, found = walk(site, q=WORD, side=side, limit=100)
        assert 0 < n < total and len(found) == n
        assert all(side in sides_of(site, s["id"]) for s in found)
        missing = [s for s in everything if side not in sides_of(site, s["id"])]
        assert len(found) + len(missing) == total
    # an outlet: exactly the matching stories one of whose articles it published
    articles = api(site, f"/api/v1/stories/{everything[0]['id']}/articles")["articles"]
    domain = articles[0]["outlet_domain"]
    n, found = walk(site, q=WORD, outlet=domain, limit=100)
    covered = [
        s
        for s in everything
        if domain
        in {
            a["outlet_domain"] for a in api(site, f"/api/v1/stories/{s['id']}/articles")["articles"]
        }
    ]
    assert 0 < n == len(covered) and {s["id"] for s in found} == {s["id"] for s in covered}
    assert walk(site, q=WORD, outlet="no-such-outlet.example")[0] == 0
    # a date range: the stories whose time span overlaps it
    days = sorted(datetime.fromisoformat(s["last_published_at"]).date() for s in everything)
    lo, hi = days[len(days) // 4], days[len(days) // 2]
    n, found = walk(site, **{"q": WORD, "from": lo.isoformat(), "to": hi.isoformat()})

    def overlaps(s: dict[str, Any]) -> bool:
        first = datetime.fromisoformat(s["first_published_at"]).date()
        last = datetime.fromisoformat(s["last_published_at"]).date()
        return last >= lo and first <= hi

    assert 0 < n < total and {s["id"] for s in found} == {
        s["id"] for s in everything if overlaps(s)
    }
    assert isinstance(lo, date)


def test_search_page_shows_the_total_pages_and_keeps_filters(site: Site, page) -> None:  # type: ignore[no-untyped-def]
    total = api(site, "/api/v1/search", q=WORD)["total"]
    page.goto(site.base + "/search")
    page.fill("#search-q", WORD)
    page.select_option("select[name=sort]", "date")
    page.click("#search-form button[type=submit]")
    page.wait_for_load_state()
    assert page.inner_text("#search-total").startswith(f"Stories 1–30 of {total} stories")
    first = page.eval_on_selector_all("ol.stories > li h3 a", "e => e.map(a => a.href)")
    assert len(first) == 30
    page.click("nav.pager a[rel=next]")
    page.wait_for_load_state()
    assert page.inner_text("#search-total").startswith(f"Stories 31–60 of {total} stories")
    second = page.eval_on_selector_all("ol.stories > li h3 a", "e => e.map(a => a.href)")
    assert second and not set(second) & set(first)
    assert page.input_value("select[name=sort]") == "date"  # the filters stay with the pages
    assert page.input_value("#search-q") == WORD
    # the last page has no "next" link, and its count ends at the total
    page.goto(site.base + f"/search?q={WORD}&page={(total + 29) // 30}")
    assert page.inner_text("#search-total").startswith(
        f"Stories {(total - 1) // 30 * 30 + 1}–{total} of {total}"
    )
    assert page.query_selector("nav.pager a[rel=next]") is None
    # a side filter narrows the page and says so
    page.goto(site.base + f"/search?q={WORD}&side=right")
    n_right = api(site, "/api/v1/search", q=WORD, side="right")["total"]
    assert f"of {n_right} stor" in page.inner_text("#search-total") and n_right < total
    assert page.input_value("select[name=side]") == "right"


def legend_numbers(page, scope: str) -> list[int]:  # type: ignore[no-untyped-def]
    texts = page.eval_on_selector_all(
        f"{scope} .bar-legend .legend", "els => els.map(e => e.textContent)"
    )
    return [int(t.strip().rsplit(" ", 1)[1].rstrip("%")) for t in texts if t.strip()[-1] == "%"]


def test_percentages_sum_to_100(site: Site, page) -> None:  # type: ignore[no-untyped-def]
    """Largest-remainder rounding: three equally covered sides show 34/33/33, never 33/33/33."""
    with site.store.read() as conn:  # type: ignore[attr-defined]
        even = [
            int(r[0])
            for r in conn.execute(
                text(
                    "SELECT story_id FROM coverage WHERE rated_outlets = 3 AND "
                    "abs(left_share - center_share) < 1e-6 AND abs(center_share - right_share) "
                    "< 1e-6 ORDER BY story_id LIMIT 5"
                )
            )
        ]
    assert even, "the dev file has roundups with one outlet of each side"
    page.goto(site.base + "/")
    cards = page.query_selector_all("ol.stories > li")
    assert len(cards) == 30
    for i in range(len(cards)):
        shown = legend_numbers(page, f"ol.stories > li:nth-child({i + 1})")
        assert not shown or sum(shown) == 100, shown
    for sid in even:
        page.goto(f"{site.base}/story/{sid}")
        assert sorted(legend_numbers(page, "aside.panel")) == [33, 33, 34]
        assert "Coverage is split evenly between Left, Center and Right" in page.inner_text(
            ".plurality"
        )
        desc = page.text_content("aside.panel svg.chart-bias desc") or ""
        assert sum(int(n) for n in re.findall(r"(\d+)%", desc)) == 100


def test_no_space_before_commas_in_summaries(site: Site, page) -> None:  # type: ignore[no-untyped-def]
    """Extracted text keeps a space where a link ended ("Micro Devices , predicted"); the
    summary's sentences never show it."""
    with site.store.read() as conn:  # type: ignore[attr-defined]
        ids = [
            int(r[0])
            for r in conn.execute(
                text("SELECT story_id FROM summaries WHERE CAST(data AS TEXT) LIKE '% ,%'")
            )
        ]
    assert ids, "the dev file has an extracted sentence with ' ,' in a summary"
    for sid in ids:
        page.goto(f"{site.base}/story/{sid}")
        bullets = page.eval_on_selector_all(
            "#summary ul li", "els => els.map(e => e.firstChild.textContent)"
        )
        assert bullets and not [b for b in bullets if " ," in b], bullets
        body = httpx.get(f"{site.base}/story/{sid}.json").json()
        assert not [b for b in body["summary"]["bullets"] if " ," in b["text"]]


def test_feedback_link_only_beside_a_summary(site: Site, page) -> None:  # type: ignore[no-untyped-def]
    with site.store.read() as conn:  # type: ignore[attr-defined]
        with_summary = conn.execute(text("SELECT min(story_id) FROM summaries")).scalar()
        single = conn.execute(
            text(
                "SELECT min(s.id) FROM stories s LEFT JOIN summaries m ON m.story_id = s.id "
                "WHERE s.article_count = 1 AND s.merged_into IS NULL AND m.story_id IS NULL"
            )
        ).scalar()
    assert with_summary and single
    page.goto(f"{site.base}/story/{with_summary}")
    assert page.locator("#summary ul.bullets > li").count() > 0
    assert page.locator("details.feedback").count() == 1
    page.goto(f"{site.base}/story/{single}")
    assert page.locator("details.feedback").count() == 0
    assert "a summary is written from at least two articles" in page.inner_text("#summary")


def biggest_story(site: Site) -> tuple[int, dict[str, int]]:
    with site.store.read() as conn:  # type: ignore[attr-defined]
        sid = conn.execute(
            text(
                "SELECT id FROM stories WHERE merged_into IS NULL "
                "ORDER BY article_count DESC, id LIMIT 1"
            )
        ).scalar()
    counts = api(site, f"/story/{sid}.json")["counts"]
    return int(sid), counts


def shown_cards(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.eval_on_selector_all(
        "ol.cards > li.card:not([hidden])", "els => els.map(e => e.dataset.side)"
    )


def test_phone_shows_summary_and_coverage_before_25_cards(big_site: Site, browser) -> None:  # type: ignore[no-untyped-def]
    sid, counts = biggest_story(big_site)
    assert counts["all"] > 100, "the 2026 file has a story with hundreds of articles"
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{big_site.base}/story/{sid}")

    def top(selector: str) -> float:
        return float(page.locator(selector).first.bounding_box()["y"])

    assert top("h1") < top("#summary") < top("aside.panel") < top("ol.cards > li.card")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
    assert len(shown_cards(page)) == 25
    more = page.locator("p.more-articles a.more")
    assert more.is_visible() and f"({counts['all'] - 25} not shown)" in more.inner_text()
    more.click()
    assert len(shown_cards(page)) == 50
    assert "shown=50" in page.url
    # a side tab starts again at 25 of that side, and "more" pages through that side only
    side = max(("left", "center", "right"), key=lambda s: counts[s])
    assert counts[side] > 25
    page.locator(f"a.tab-{side}").click()
    assert shown_cards(page) == [side] * 25
    page.locator("p.more-articles a.more").click()
    assert shown_cards(page) == [side] * min(50, counts[side])
    page.locator("a.tab-all").click()
    assert len(shown_cards(page)) == 25
    context.close()


def test_article_paging_without_javascript(big_site: Site, browser) -> None:  # type: ignore[no-untyped-def]
    sid, counts = biggest_story(big_site)
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{big_site.base}/story/{sid}")
    assert len(shown_cards(page)) == 25
    page.locator("p.more-articles a.more").click()
    page.wait_for_url("**shown=50**")
    assert len(shown_cards(page)) == 50
    page.locator("a.tab-right").click()
    page.wait_for_url("**side=right**")
    assert shown_cards(page) == ["right"] * min(25, counts["right"])
    context.close()


def test_outlet_website_is_the_homepage_of_its_own_domain(site: Site, page) -> None:  # type: ignore[no-untyped-def]
    """The directory's "homepage" of some outlets is a section page (BBC: /persian/afghanistan);
    the link is the root of the outlet's own site."""
    with site.store.read() as conn:  # type: ignore[attr-defined]
        rows = conn.execute(
            text("SELECT domain, homepage FROM outlets WHERE homepage LIKE 'http%/%/%'")
        ).all()
    sections = [(d, urlsplit(h)) for d, h in rows if urlsplit(h).path.strip("/")]
    assert sections
    for domain, home in sections[:5]:
        page.goto(f"{site.base}/outlets/{domain}")
        href = page.get_attribute("a.website", "href")
        assert href == f"{home.scheme}://{home.hostname}/", (domain, home, href)


@pytest.mark.parametrize(
    "domain, homepage, link",
    [
        ("bbc.com", "http://www.bbc.com/persian/afghanistan", "http://www.bbc.com/"),
        ("bbc.co.uk", "javascript:alert(1)", "https://bbc.co.uk/"),
        ("bbc.co.uk", "https://other-site.example/bbc", "https://bbc.co.uk/"),
        ("www.example.org", None, "https://example.org/"),
        ("local.example.co.nz", "http://local.example.co.nz/news", "http://local.example.co.nz/"),
    ],
)
def test_website_rule(domain: str, homepage: str | None, link: str) -> None:
    from everyside.services.views import website

    assert website(domain, homepage) == link


def test_every_story_of_two_articles_has_a_summary_and_a_headline(big_site: Site, page) -> None:  # type: ignore[no-untyped-def]
    """After an import of the 2026 file (titles missing from most articles, wire copies spread
    over stories): every story of two articles or more shows a summary, every story a headline,
    on its page, its JSON twin, the API and the list."""
    with big_site.store.read() as conn:  # type: ignore[attr-defined]
        rows = conn.execute(
            text("SELECT id, article_count FROM stories WHERE merged_into IS NULL ORDER BY id")
        ).all()
    assert len(rows) > 100 and sum(n >= 2 for _, n in rows) > 30
    for sid, n in rows:
        body = api(big_site, f"/story/{sid}.json")
        assert body["story"]["headline"].strip(), sid
        assert body["story"]["headline"] != "(untitled story)", sid
        if n >= 2:
            assert body["summary"]["kind"] == "summary" and body["summary"]["bullets"], sid
    listed = api(big_site, "/api/v1/stories", limit=200)["stories"]
    assert listed and all(s["headline"].strip() for s in listed)
    for sid in [sid for sid, n in rows if n >= 2][:5]:
        page.goto(f"{big_site.base}/story/{sid}")
        assert page.locator("h1").inner_text().strip()
        assert page.locator("#summary ul.bullets > li").count() >= 1
        assert page.locator("details.feedback").count() == 1


def test_countries_are_names_from_the_directory_and_filters_take_names(
    big_site: Site, page
) -> None:  # type: ignore[no-untyped-def]
    """The BBC is British (a US audience panel listed it, and that used to make it American);
    pages show country names; the country filter takes a name or a code."""
    page.goto(f"{big_site.base}/outlets/bbc.co.uk")
    assert "United Kingdom" in (page.text_content("p.dateline") or "")  # shown upper-case
    by_code = [
        s["id"] for s in api(big_site, "/api/v1/stories", country="GB", limit=200)["stories"]
    ]
    by_name = api(big_site, "/api/v1/stories", country="united kingdom", limit=200)["stories"]
    assert by_code and [s["id"] for s in by_name] == by_code
    assert {s["country_name"] for s in by_name} == {"United Kingdom"}
    assert api(big_site, "/api/v1/stories", country="Atlantis")["stories"] == []
    page.goto(f"{big_site.base}/?country=United+Kingdom")
    shown = page.eval_on_selector_all(
        "ol.stories > li h3 a", "e => e.map(a => Number(a.getAttribute('href').split('/')[2]))"
    )
    assert shown == by_code[:30]
    assert set(
        page.eval_on_selector_all("ol.stories .place", "e => e.map(x => x.textContent)")
    ) == {"United Kingdom"}


@pytest.mark.parametrize("which", ["site", "big_site"])
def test_similar_stories_share_an_entity_or_key_term(which: str, request, page) -> None:  # type: ignore[no-untyped-def]
    """Similar stories share at least one named entity or key term with the story and are
    close in content (never only a shared word such as "Senate"); the page lists the same."""
    from everyside.domain.similar import MIN_SIMILARITY

    site = request.getfixturevalue(which)
    with site.store.read() as conn:
        ids = [
            int(r[0])
            for r in conn.execute(
                text(
                    "SELECT id FROM stories WHERE merged_into IS NULL AND article_count >= 2 "
                    "ORDER BY id LIMIT 80"
                )
            )
        ]
    pairs = 0
    for sid in ids:
        body = api(site, f"/story/{sid}.json")
        mine = {t.casefold() for t in body["story"]["tags"]}
        for s in body["similar"]:
            theirs = {t.casefold() for t in api(site, f"/story/{s['id']}.json")["story"]["tags"]}
            assert mine & theirs, (sid, s["id"], body["story"]["tags"])
            assert {t.casefold() for t in s["shared"]} <= mine & theirs
            assert s["similarity"] >= MIN_SIMILARITY
            pairs += 1
        if body["similar"] and pairs < 10:
            page.goto(f"{site.base}/story/{sid}")
            shown = page.eval_on_selector_all(
                "ul.similar a", "e => e.map(a => Number(a.getAttribute('href').split('/')[2]))"
            )
            assert shown == [s["id"] for s in body["similar"]]
    # 3 on the Feb stream since the engine groups it into 116 stories (157 before: fragments of
    # one story were each other's similar stories), 5 or more on the small site
    assert pairs >= (3 if which == "big_site" else 5)


@pytest.mark.parametrize("which", ["site", "big_site"])
def test_topics_are_clean_and_have_three_stories(which: str, request, page) -> None:  # type: ignore[no-untyped-def]
    """No junk chips ("MILLION Bitcoins", "Jos", bylines in capitals); a topic page only when
    three stories share the topic; case-folded ("COVID" and "Covid" are one topic)."""
    site = request.getfixturevalue(which)
    topics = api(site, "/topics.json")["topics"]
    assert topics and all(t["stories"] >= 3 for t in topics)
    names = [t["name"] for t in topics]
    assert len({n.casefold() for n in names}) == len(names)
    for n in names:
        words = n.split()
        assert not any(ch.isdigit() for ch in n), n
        assert not (len(words) > 1 and n.isupper()), n
        assert len(n) > 3 or n.isupper(), n
        assert "million" not in n.lower() and "’" not in n and "'" not in n, n
    for t in topics[:5]:
        page.goto(f"{site.base}/topics/{quote(t['name'])}")
        assert page.locator("ol.stories > li").count() >= 3
    # a tag of fewer than three stories has no page, and no chip links to one
    with site.store.read() as conn:
        tags = [r[0] for r in conn.execute(text("SELECT topics FROM coverage"))]
    counts: dict[str, int] = {}
    for raw in tags:
        for tag in {t.casefold() for t in topic_names(raw)}:
            counts[tag] = counts.get(tag, 0) + 1
    rare = next(tag for tag, k in counts.items() if k == 1)
    assert httpx.get(f"{site.base}/topics/{quote(rare)}").status_code == 404
    page.goto(site.base + "/")
    chips = page.eval_on_selector_all("a.chip", "e => e.map(a => a.textContent.trim())")
    assert chips
    for chip in sorted(set(chips))[:10]:  # every chip leads to a topic page
        assert httpx.get(f"{site.base}/topics/{quote(chip)}").status_code == 200, chip

"""The web app in-process (FastAPI TestClient) over a small hand-built database, on SQLite and
PostgreSQL: pages, JSON twins, API, feeds, exports, system pages. Security in test_web_security.
"""

from __future__ import annotations

import csv
import io
import json
import os
import uuid
from collections.abc import Iterator
from datetime import datetime
from xml.etree import ElementTree as ET

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, insert, text

from everyside.settings import load_settings
from everyside.store import Store, open_store
from everyside.store import schema as t
from everyside.store.db import code_heads
from everyside.web import create_app

NOW = datetime(2026, 3, 1, 12, 0)
PG_BASE = os.environ.get("EVERYSIDE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _doc(outs: int, rated: int, shares: tuple, spot: str | None) -> dict:
    """A coverage document of the stored shape (the panel shows the document, nothing else)."""
    sides = dict(zip(("left", "center", "right"), shares, strict=True))
    counts = {k: round((v or 0) * rated) for k, v in sides.items()}
    return {
        "sources": {"total": outs, "rated": rated, "unrated": outs - rated},
        "bias": {"by_outlet": {"counts": counts, "shares": sides}},
        "blindspot": {"flagged": spot is not None, "missed_by": spot, "missing_share": 0.0},
    }


def fill(store: Store) -> None:
    """Three outlets (left/center/right), one unrated; story 1 with a summary and a wire copy;
    story 2 a blindspot for the right; story 3 merged into 1; hostile text in story 4."""

    def go(conn):  # type: ignore[no-untyped-def]
        outlets = [
            (1, "left.example", "Left Daily", -2.0, 3.6, "US"),
            (2, "center.example", "Center Wire", 0.0, 4.0, "US"),
            (3, "right.example", "Right Post", 2.1, 1.2, "GB"),
            (4, "unrated.example", XSS, None, None, None),
        ]
        for oid, dom, name, bias, fact, country in outlets:
            conn.execute(
                insert(t.outlets).values(
                    id=oid,
                    domain=dom,
                    name=name,
                    bias=bias,
                    bias_spread=0.5 if bias else None,
                    factuality=fact,
                    country=country,
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
        conn.execute(insert(t.raters).values(id=1, name="mbfc", title="Media Bias/Fact Check"))
        conn.execute(
            insert(t.ratings).values(
                rater_id=1,
                outlet_id=1,
                axis="bias",
                raw="Left-Center",
                value=-2.0,
                provenance="row 7",
            )
        )
        conn.execute(
            insert(t.ownership).values(outlet_id=2, owner="Wire Co-op", category="Independent")
        )
        stories = [
            (1, "Senate passes climate bill", 4, 4, None),
            (2, "Storm hits coast", 5, 3, None),
            (3, "Old duplicate", 0, 0, 1),
            (4, XSS, 1, 1, None),
        ]
        for sid, head, arts, outs, merged in stories:
            conn.execute(
                insert(t.stories).values(
                    id=sid,
                    headline=head,
                    article_count=arts,
                    outlet_count=outs,
                    merged_into=merged,
                    first_published_at=datetime(2026, 2, sid, 8),
                    last_published_at=datetime(2026, 2, sid, 20),
                    created_at=NOW,
                    updated_at=NOW,
                    why={"shared_entities": ["Senate", "climate"]} if sid == 1 else None,
                )
            )
        arts = [
            (1, 1, 1, "https://left.example/a", "Climate bill clears Senate", None),
            (2, 1, 2, "https://center.example/b", "Senate approves climate package", None),
            (3, 1, 3, "javascript:alert(1)", "Climate law passes", None),
            (4, 1, 2, "https://center.example/c", "Senate approves climate package", 2),
            (5, 2, 1, "https://left.example/s", "Storm batters coast", None),
            (6, 2, 2, "https://center.example/s", "Storm hits coast towns", None),
            (7, 4, 4, "https://unrated.example/x", XSS, None),
        ]
        for aid, sid, oid, url, title, copy in arts:
            conn.execute(
                insert(t.articles).values(
                    id=aid,
                    key=url + str(aid),
                    url=url,
                    outlet_id=oid,
                    story_id=sid,
                    title=title,
                    summary=XSS if aid == 7 else f"Snippet {aid}.",
                    copy_of=copy,
                    published_at=datetime(2026, 2, sid, 8 + aid),
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
        coverage = [
            (1, 3, 3, 1 / 3, 1 / 3, 1 / 3, None, "US", ["climate", "Senate"]),
            (2, 2, 2, 0.5, 0.5, 0.0, "right", "US", ["weather", "Senate"]),
            (4, 1, 0, None, None, None, None, None, [XSS, "senate"]),  # a topic page: 3 stories
        ]
        for sid, outs, rated, le, ce, ri, spot, country, topics in coverage:
            conn.execute(
                insert(t.coverage).values(
                    story_id=sid,
                    outlets=outs,
                    rated_outlets=rated,
                    left_share=le,
                    center_share=ce,
                    right_share=ri,
                    blindspot=spot,
                    country=country,
                    topics=topics,
                    data=_doc(outs, rated, (le, ce, ri), spot),
                    computed_at=NOW,
                )
            )
        conn.execute(
            insert(t.summaries).values(
                story_id=1,
                mode="extractive",
                article_count=4,
                generated_at=NOW,
                data={
                    "bullets": [
                        {
                            "text": "The Senate passed the climate bill.",
                            "citations": [
                                {
                                    "article_id": 1,
                                    "sentence": "The Senate passed the bill on Tuesday.",
                                }
                            ],
                        },
                        {"text": XSS, "citations": [{"article_id": 3, "sentence": XSS}]},
                    ],
                    "sides": {"left": [{"text": "Left view.", "citations": []}]},
                },
            )
        )

    store.write(go)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def client(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    """One app per database for this module: the tests here only read."""
    data = tmp_path_factory.mktemp("web")
    schema = f"web_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_BASE)
    if request.param == "sqlite":
        url = f"sqlite:///{data / 'everyside.db'}"
    else:
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        url = f"{PG_BASE}?options=-csearch_path%3D{schema}"
    settings = load_settings(
        env={}, cli={"data_dir": str(data), "database_url": url, "base_url": "http://testserver"}
    )
    store = open_store(url, migrate=True)
    fill(store)
    with TestClient(create_app(settings, store)) as c:
        yield c
    store.close()
    if request.param == "postgres":
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


def test_home_ranks_by_outlets_and_filters(client: TestClient) -> None:
    stories = client.get("/index.json").json()["stories"]
    assert [s["id"] for s in stories] == [1, 2, 4]  # merged story 3 hidden
    assert stories[0]["shares"]["left"] == pytest.approx(1 / 3)
    assert [s["id"] for s in client.get("/index.json?topic=weather").json()["stories"]] == [2]
    assert client.get("/index.json?country=gb").json()["stories"] == []
    day = client.get("/index.json?range=day").json()["stories"]
    assert [s["id"] for s in day] == [4]  # relative to the newest story, not the clock
    html = client.get("/").text
    assert "Senate passes climate bill" in html and "Blindspot for the Right" in html


def test_json_twin_and_accept_header_agree(client: TestClient) -> None:
    for path in (
        "/",
        "/story/1",
        "/blindspots",
        "/outlets",
        "/outlets/left.example",
        "/topics",
        "/topics/senate",
        "/search?q=climate",
    ):
        twin = path.replace("?", ".json?", 1) if "?" in path else path + ".json"
        twin = "/index.json" if path == "/" else twin
        a = client.get(twin)
        b = client.get(path, headers={"Accept": "application/json"})
        assert a.status_code == b.status_code == 200, path
        assert a.headers["content-type"].startswith("application/json")
        assert a.json() == b.json(), path
        assert client.get(path).headers["content-type"].startswith("text/html")


def test_story_page_sections(client: TestClient) -> None:
    r = client.get("/story/1")
    html = r.text
    for needle in (
        "Senate passes climate bill",
        "4 Articles",
        "Coverage details",
        "Does this summary seem wrong?",
        "The Senate passed the bill on Tuesday.",
        "reposted by 1",
        "Why these articles are one story",
        "Shared entities",
        "Read full article",
        "Machine-written (extractive)",
        "How each side told it",
    ):
        assert needle in html, needle
    assert 'href="https://left.example/a"' in html
    assert "javascript:alert" not in html  # a non-http URL is never a link
    d = client.get("/story/1.json").json()
    assert d["counts"] == {"all": 4, "left": 1, "center": 2, "right": 1}
    assert d["coverage"]["outlets"] == 3 and d["coverage"]["rated_outlets"] == 3
    assert d["summary"]["bullets"][0]["citations"][0]["outlet"] == "Left Daily"
    assert [s["id"] for s in d["similar"]] == []
    # stories 1 and 2 share the tag "Senate" but a climate bill is not a storm: no similar
    # story rather than an unrelated one (issue 18)
    assert [s["id"] for s in client.get("/story/2.json").json()["similar"]] == []
    assert 'href="/story/1">Senate passes climate bill' not in client.get("/story/2").text


@pytest.mark.parametrize(
    "side, visible", [("left", {1}), ("center", {2, 4}), ("right", {3}), ("all", {1, 2, 3, 4})]
)
def test_side_tabs_work_without_javascript(client: TestClient, side: str, visible: set) -> None:
    html = client.get(f"/story/1?side={side}").text
    shown = set()
    for chunk in html.split('<li class="card" id="article-')[1:]:
        aid = int(chunk.split('"', 1)[0])
        if " hidden>" not in chunk.split(">", 1)[0] + ">":
            shown.add(aid)
    assert shown == visible
    assert f'data-side="{side}" href="?side={side}&amp;sort=time#articles" aria-current' in html


def test_sorts(client: TestClient) -> None:
    ids = lambda s: [a["id"] for a in client.get(f"/story/1.json?sort={s}").json()["articles"]]  # noqa: E731
    assert ids("bias") == [1, 2, 4, 3]
    assert ids("factuality") == [2, 4, 1, 3]
    assert ids("time") == [4, 3, 2, 1]


def test_merged_story_redirects_and_missing_story_404(client: TestClient) -> None:
    r = client.get("/story/3", follow_redirects=False)
    assert r.status_code == 301 and r.headers["location"] == "/story/1"
    assert client.get("/story/99").status_code == 404


def test_blindspots_outlets_topics_search(client: TestClient) -> None:
    b = client.get("/blindspots.json").json()
    assert [s["id"] for s in b["right"]] == [2] and b["left"] == []
    assert "Right share: <strong>0%</strong>" in client.get("/blindspots").text
    outlets = client.get("/outlets.json?q=center").json()["outlets"]
    assert [o["domain"] for o in outlets] == ["center.example"]
    page = client.get("/outlets/left.example").text
    assert "Left-Center" in page and "Media Bias/Fact Check" in page and "-2.0" in page
    center = client.get("/outlets/center.example.json").json()["outlet"]
    assert center["articles"] == {"total": 3, "copies": 1, "original_share": 2 / 3}
    assert "67% original, 1 wire copy" in client.get("/outlets/center.example").text
    assert client.get("/outlets/nope.example").status_code == 404
    topics = client.get("/topics.json").json()["topics"]
    assert topics == [{"name": "Senate", "stories": 3}]  # case-folded; one story is no topic
    assert client.get("/topics/climate").status_code == 404
    assert client.get("/topics/SENATE.json").json()["topic"] == "Senate"
    assert client.get("/story/1.json").json()["story"]["topics"] == ["Senate"]  # chips
    found = client.get("/search.json?q=storm").json()["results"]
    assert [s["id"] for s in found] == [2]


def test_api_and_openapi(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    for path in (
        "/api/v1/stories",
        "/api/v1/stories/{story_id}",
        "/api/v1/blindspots",
        "/api/v1/outlets/{domain}/ratings",
        "/api/v1/search",
        "/api/v1/stories/{story_id}/articles",
        "/api/v1/articles/{article_id}",
    ):
        assert path in spec["paths"], path
    assert not any(p.startswith("/story") for p in spec["paths"])
    assert client.get("/api/v1/stories?blindspot=right").json()["stories"][0]["id"] == 2
    detail = client.get("/api/v1/stories/1").json()
    assert detail["coverage"]["counts"]["center"] == 1
    assert len(client.get("/api/v1/stories/1/articles").json()["articles"]) == 4
    ratings = client.get("/api/v1/outlets/left.example/ratings").json()
    assert ratings["ratings"][0]["raw"] == "Left-Center" and ratings["combined_bias"] == -2.0
    assert client.get("/api/v1/search?q=climate").json()["stories"][0]["id"] == 1
    assert client.get("/api/v1/articles/3").json()["article"]["url"] is None


def test_atom_feeds_are_valid_xml(client: TestClient) -> None:
    ns = {"a": "http://www.w3.org/2005/Atom"}
    for path, first in (
        ("/feeds/top.atom", "Senate passes climate bill"),
        ("/feeds/blindspots.atom", "Storm hits coast"),
        ("/feeds/topics/weather.atom", "Storm hits coast"),
        ("/feeds/outlets/left.example.atom", "Storm hits coast"),
    ):
        r = client.get(path)
        assert r.headers["content-type"].startswith("application/atom+xml")
        root = ET.fromstring(r.content)
        assert root.find("a:entry/a:title", ns).text == first, path  # type: ignore[union-attr]
    top = client.get("/feeds/top.atom").text
    assert "<script>" not in top and XSS in ET.tostring(
        ET.fromstring(top), encoding="unicode"
    ).replace("&lt;", "<").replace("&gt;", ">")
    assert client.get("/feeds/outlets/nope.example.atom").status_code == 404


def test_exports(client: TestClient) -> None:
    r = client.get("/story/1/articles.csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [int(x["id"]) for x in rows] == [1, 2, 3, 4] and rows[0]["side"] == "left"
    assert "attachment" in r.headers["content-disposition"]
    lines = [json.loads(x) for x in client.get("/story/1/articles.jsonl").text.splitlines()]
    assert len(lines) == 4 and lines[3]["copy_of"] == 2
    cov = client.get("/story/1/coverage.json").json()
    assert cov["outlets"] == 3 and cov["counts"] == {"left": 1, "center": 1, "right": 1}
    assert client.get("/story/99/articles.csv").status_code == 404


def test_health_and_metrics(client: TestClient) -> None:
    (head,) = code_heads()  # the newest migration, whatever its number after merges
    health = client.get("/-/health").json()
    assert (health["status"], health["database"], health["schema"]) == ("ok", "ok", head)
    assert health["ingestion"]["state"] == "no feeds"  # an import-only database is healthy
    client.get("/")
    store = client.app.state.es.store  # type: ignore[attr-defined]
    store.write(
        lambda c: c.execute(
            insert(t.state).values(key="metrics.cluster_latency_s", value=0.25, updated_at=NOW)
        )
    )
    m = client.get("/-/metrics").text
    assert "everyside_cluster_latency_s 0.25" in m
    assert "everyside_articles 7.0" in m and "everyside_stories 3.0" in m
    assert 'everyside_http_requests_total{route="/",status="200"}' in m
    assert "everyside_http_request_seconds_bucket" in m


def test_page_cache_serves_shared_pages_until_they_expire() -> None:
    from starlette.requests import Request
    from starlette.responses import Response

    from everyside.web.cache import PageCache

    now = [100.0]
    cache = PageCache(5.0, clock=lambda: now[0])

    def req(path: str, query: str = "", accept: str = "text/html") -> Request:
        return Request(
            {
                "type": "http",
                "method": "GET",
                "path": path,
                "query_string": query.encode(),
                "headers": [(b"accept", accept.encode())],
            }
        )

    cache.put(req("/"), Response(b"front page v1", headers={"x-a": "1"}))
    cache.put(req("/", "page=2"), Response(b"not found", status_code=404))
    hit = cache.get(req("/"))
    assert hit is not None and hit.body == b"front page v1" and hit.headers["x-a"] == "1"
    assert cache.get(req("/", "page=2")) is None  # only 200s are kept
    assert cache.get(req("/", accept="application/json")) is None  # the twin is its own entry
    now[0] += 5.1
    assert cache.get(req("/")) is None
    assert PageCache(0.0).put(req("/"), Response(b"x")) and PageCache(0.0).get(req("/")) is None

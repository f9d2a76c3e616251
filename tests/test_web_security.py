"""Web security: escaping of hostile outlet text, CSP and headers, CSRF, the feedback rate
limit, no open redirects, CSV formula injection, and the one JSON error shape."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from everyside.settings import load_settings
from everyside.store import open_store
from everyside.web import create_app, security
from test_web_app import XSS, fill

KEY = b"k" * 32
PAGES = (
    "/",
    "/story/1",
    "/story/4",
    "/blindspots",
    "/outlets",
    "/outlets/unrated.example",
    "/topics",
    "/search?q=alert",
    "/topics/x",
    "/nope",
)


@pytest.fixture
def app_store(sqlite_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, object]]:
    settings = load_settings(
        env={},
        cli={
            "data_dir": str(tmp_path / "data"),
            "database_url": sqlite_url,
            "feedback_rate_limit": 3,
            "base_url": "http://testserver",
        },
    )
    store = open_store(sqlite_url)
    fill(store)
    with TestClient(create_app(settings, store)) as c:
        yield c, store
    store.close()


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One app for the read-only tests of this module (the feedback tests get their own)."""
    data = tmp_path_factory.mktemp("web-ro")
    url = f"sqlite:///{data / 'everyside.db'}"
    settings = load_settings(
        env={}, cli={"data_dir": str(data), "database_url": url, "base_url": "http://testserver"}
    )
    store = open_store(url)
    fill(store)
    with TestClient(create_app(settings, store)) as c:
        yield c
    store.close()


@pytest.mark.parametrize("path", PAGES)
def test_hostile_text_renders_inert(client: TestClient, path: str) -> None:
    html = client.get(path).text
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "onerror=alert" not in html.replace("onerror=alert(1)&gt;", "")
    # the only scripts are same-origin files; no inline handlers or styles (CSP would block them)
    assert re.findall(r"<script(?![^>]*\bsrc=)", html) == []
    assert not re.search(r"\son[a-z]+=", html.replace("&lt;img src=x onerror=", ""))
    assert " style=" not in html and "<style" not in html


def test_hostile_text_is_shown_escaped(client: TestClient) -> None:
    html = client.get("/story/4").text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html  # visible, as text
    assert client.get("/story/4.json").json()["story"]["headline"] == XSS  # JSON keeps it raw


@pytest.mark.parametrize("path", [*PAGES, "/-/health", "/api/v1/stories", "/feeds/top.atom"])
def test_security_headers_everywhere(client: TestClient, path: str) -> None:
    h = client.get(path).headers
    csp = h["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert h["x-content-type-options"] == "nosniff" and h["x-frame-options"] == "DENY"


def test_side_colours_from_settings_are_sanitised(tmp_path: Path, sqlite_url: str) -> None:
    settings = load_settings(
        env={},
        cli={
            "data_dir": str(tmp_path),
            "database_url": sqlite_url,
            "side_colors": "left=#ff0000,right=red;}body{display:none,center=#00aa00",
            "base_url": "http://testserver",
        },
    )
    with open_store(sqlite_url) as store, TestClient(create_app(settings, store)) as c:
        css = c.get("/-/theme.css").text
    assert "--left:#ff0000;" in css and "--center:#00aa00;" in css
    assert "display:none" not in css and "--right:#c0392b;" in css


def _token(client: TestClient) -> str:
    client.get("/story/1")
    token = client.cookies.get(security.CSRF_COOKIE)
    assert token
    return token


def _post(client: TestClient, token: str | None, reason: str = "inaccurate", **kw: object):  # type: ignore[no-untyped-def]
    data = {"reason": reason, "text": "bullet 2 is wrong"}
    if token is not None:
        data["csrf_token"] = token
    return client.post("/story/1/feedback", data=data, follow_redirects=False, **kw)  # type: ignore[arg-type]


def _feedback_rows(store: object) -> list[tuple]:
    with store.read() as conn:  # type: ignore[attr-defined]
        return conn.execute(text("SELECT story_id, reason, text, client FROM feedback")).all()


def test_feedback_is_recorded_with_a_valid_token(app_store) -> None:  # type: ignore[no-untyped-def]
    client, store = app_store
    r = _post(client, _token(client))
    assert r.status_code == 303 and r.headers["location"] == "/story/1?feedback=thanks#summary"
    rows = _feedback_rows(store)
    assert [(s, reason, t) for s, reason, t, _ in rows] == [(1, "inaccurate", "bullet 2 is wrong")]
    assert rows[0][3] and "testclient" not in rows[0][3]  # the address is hashed
    assert "your report was recorded" in client.get("/story/1?feedback=thanks").text


def test_feedback_without_or_with_forged_token_is_refused(app_store) -> None:  # type: ignore[no-untyped-def]
    client, store = app_store
    token = _token(client)
    assert _post(client, None).status_code == 403
    assert _post(client, token[:-1] + ("0" if token[-1] != "0" else "1")).status_code == 403
    client.cookies.clear()  # a cross-site form post carries no SameSite=Strict cookie
    r = _post(client, token, headers={"Accept": "application/json"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    assert _feedback_rows(store) == []


def test_feedback_rejects_unknown_reason(client: TestClient) -> None:
    assert _post(client, _token(client), reason="<b>").status_code == 422


def test_feedback_rate_limit(app_store) -> None:  # type: ignore[no-untyped-def]
    client, store = app_store
    token = _token(client)
    assert [_post(client, token).status_code for _ in range(3)] == [303, 303, 303]
    r = _post(client, token, headers={"Accept": "application/json"})
    assert r.status_code == 429 and r.json()["error"]["code"] == "rate_limited"
    assert len(_feedback_rows(store)) == 3


@pytest.mark.parametrize("age, ok", [(0, True), (3600, True), (2 * 86400, False), (-60, False)])
def test_csrf_token_expiry(age: int, ok: bool) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    token = security.new_csrf_token(KEY, now)
    assert security.check_csrf(KEY, token, token, now + timedelta(seconds=age)) is ok
    assert not security.check_csrf(b"other" * 8, token, token, now)


@pytest.mark.parametrize(
    "value, expected",
    [("=HYPERLINK(1)", "'=HYPERLINK(1)"), ("+1", "'+1"), ("@SUM", "'@SUM"), ("ok", "ok")],
)
def test_csv_cells_never_run_as_formulas(value: str, expected: str) -> None:
    from everyside.web.exports import _cell

    assert _cell(value) == expected


def test_no_open_redirect(client: TestClient) -> None:
    # the only redirects are to local story pages; "read full article" links are stored URLs
    for path in ("/story/3?next=https://evil.example", "/story/3.json"):
        r = client.get(path, follow_redirects=False)
        assert r.headers.get("location") in (None, "/story/1")
    hrefs = re.findall(r'href="([^"]+)"', client.get("/story/1").text)
    external = {h for h in hrefs if h.startswith("http")}
    assert external == {
        "https://left.example/a",
        "https://center.example/b",
        "https://center.example/c",
    }


@pytest.mark.parametrize(
    "method, path, status",
    [
        ("GET", "/api/v1/stories/999", 404),
        ("GET", "/story/999.json", 404),
        ("GET", "/nothing/here.json", 404),
        ("GET", "/api/v1/stories?limit=0", 422),
        ("GET", "/api/v1/search", 422),
        ("GET", "/story/1.json?sort=nonsense", 422),
        ("DELETE", "/api/v1/stories", 405),
        ("POST", "/story/1/feedback", 422),
        ("GET", "/api/v1/outlets/nope.example", 404),
        ("GET", "/feeds/outlets/x.atom", 404),
    ],
)
def test_one_json_error_shape(client: TestClient, method: str, path: str, status: int) -> None:
    r = client.request(method, path, headers={"Accept": "application/json"})
    assert r.status_code == status
    body = r.json()
    assert set(body) == {"error"} and set(body["error"]) == {"status", "code", "message"}
    assert body["error"]["status"] == status and body["error"]["message"]


def test_html_errors_are_pages(client: TestClient) -> None:
    r = client.get("/story/999")
    assert r.status_code == 404 and "story 999 does not exist" in r.text and "<main" in r.text

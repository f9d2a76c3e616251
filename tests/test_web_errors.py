"""No 500s: a property test over the path parameters of every route (and the integer query
parameters), on SQLite and PostgreSQL: integers at the edges (2^63 and beyond, negative), NUL,
other controls, very long values, any Unicode and undecodable bytes. Every answer is a page or
an error in the one shape. And when a 500 does happen, the server keeps the connection."""

from __future__ import annotations

import http.client
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, quote_from_bytes

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from starlette.routing import Route

from everyside.settings import load_settings
from everyside.store import open_store
from everyside.web import create_app
from test_web_app import client, fill  # noqa: F401 (client: a fixture, used by `web`)

EDGE_INTS = [0, 1, -1, 2**31, 2**53 + 1, 2**63 - 1, 2**63, 2**64, 10**30, -(2**63) - 1]
PARAM = re.compile(r"{(\w+)(?::(\w+))?}")
VALUES = st.one_of(
    st.sampled_from([str(i) for i in EDGE_INTS]),
    st.integers().map(str),
    st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=40),
    st.text(st.characters(max_codepoint=0x1F), min_size=1, max_size=5),  # NUL and controls
    st.sampled_from(["\x00", "a\x00b", "x" * 5000, "é" * 3000, "..", "%00", "\u202e\ufeff"]),
    st.binary(min_size=1, max_size=12).map(lambda b: b.decode("latin-1")),  # raw bytes
)


def _flat(routes: list) -> list:  # type: ignore[type-arg]
    """Routes, with included routers expanded (FastAPI >= 0.16x wraps them)."""
    out = []
    for r in routes:
        inner = getattr(r, "original_router", None)
        out.extend(_flat(inner.routes) if inner is not None else [r])
    return out


def _routes(app) -> list[tuple[str, str, list[str]]]:  # type: ignore[no-untyped-def]
    """(method, path template, parameter names) of every route with path parameters."""
    out = []
    for r in _flat(app.routes):
        if isinstance(r, APIRoute | Route) and PARAM.search(r.path):
            for method in sorted((r.methods or set()) - {"HEAD"}):
                out.append((method, r.path, [m.group(1) for m in PARAM.finditer(r.path)]))
    return out


def _url(template: str, values: dict[str, str], raw: bool) -> str:
    def sub(m: re.Match[str]) -> str:
        value = values[m.group(1)]
        if raw:  # the value's bytes as they are, percent-encoded (undecodable UTF-8 included)
            return quote_from_bytes(value.encode("latin-1", "replace"), safe="")
        return quote(value, safe="")

    return PARAM.sub(sub, template)


@pytest.fixture(scope="module")
def web(client: TestClient) -> TestClient:  # noqa: F811 (the imported fixture)
    """test_web_app's app (its small database), on SQLite and on PostgreSQL."""
    return client


def _check(response, accept_json: bool) -> None:  # type: ignore[no-untyped-def]
    """A page, or an error as the JSON shape (asked for, or an API/.json URL) or an HTML page."""
    assert response.status_code < 500, (response.request.url, response.text[:300])
    if response.status_code < 400:
        return
    if response.history and response.request.url.host != "testserver":
        # a redirect out of the app (/go/<article> to the outlet's page): the test client
        # follows it into the app under a foreign Host, which only the host check answers
        assert response.history[-1].status_code in (301, 302, 303, 307, 308)
        return
    url = response.request.url.path
    if accept_json or url.startswith("/api/") or url.endswith(".json"):
        assert response.headers["content-type"] == "application/json"
        body = response.json()
        assert set(body) == {"error"}, body
        assert set(body["error"]) == {"status", "code", "message"}
        assert body["error"]["status"] == response.status_code
    else:
        assert response.headers["content-type"].startswith("text/html")
        assert "<main" in response.text and str(response.status_code) in response.text


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_no_path_parameter_gives_a_500(web: TestClient, data: st.DataObject) -> None:
    routes = _routes(web.app)
    assert len(routes) >= 15  # every route with a path parameter, pages and API alike
    for method, template, names in routes:
        values = {n: data.draw(VALUES, label=f"{template} {n}") for n in names}
        raw = data.draw(st.booleans(), label="raw bytes")
        url = _url(template, values, raw)
        for accept_json in (True, False):
            accept = "application/json" if accept_json else "text/html"
            _check(web.request(method, url, headers={"Accept": accept}), accept_json)


@pytest.mark.parametrize("value", [str(i) for i in EDGE_INTS] + ["\x00", "a\x00", "x" * 5000])
def test_no_integer_query_parameter_gives_a_500(web: TestClient, value: str) -> None:
    for path, name in [
        ("/api/v1/stories", "offset"),
        ("/api/v1/stories", "limit"),
        ("/api/v1/outlets", "offset"),
        ("/api/v1/search?q=senate", "cursor"),
        ("/api/v1/search?q=senate", "from"),
        ("/search.json?q=senate", "to"),
        ("/index.json", "page"),
        ("/outlets.json", "page"),
        ("/search.json?q=senate", "page"),
        ("/index.json", "topic"),
        ("/index.json", "country"),
        ("/search.json", "q"),
    ]:
        sep = "&" if "?" in path else "?"
        _check(web.get(f"{path}{sep}{name}={quote(value)}"), True)


def test_the_edge_ids_are_404_or_422(web: TestClient) -> None:
    assert web.get("/api/v1/stories/9223372036854775807").status_code == 404
    big = web.get("/api/v1/stories/9223372036854775808")
    assert big.status_code == 422 and "less than or equal to" in big.json()["error"]["message"]
    assert web.get("/story/18446744073709551616").status_code == 422
    nul = web.get("/outlets/a%00b.json")
    assert nul.status_code == 422 and "NUL" in nul.json()["error"]["message"]


@pytest.fixture
def broken_server(tmp_path: Path) -> Iterator[tuple[str, int]]:
    """The app under uvicorn over a database whose `articles` table is gone: a real 500."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"sqlite:///{tmp_path / 'everyside.db'}"
    cli = {"data_dir": str(tmp_path), "database_url": url, "port": port}
    store = open_store(url)
    fill(store)
    store.write(lambda conn: conn.execute(text("DROP TABLE articles")))
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(load_settings(env={}, cli=cli), store),
            host="127.0.0.1",
            port=port,
            log_level="critical",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield "127.0.0.1", port
    server.should_exit = True
    thread.join(10)
    store.close()


def test_a_500_keeps_the_connection_alive(broken_server: tuple[str, int]) -> None:
    conn = http.client.HTTPConnection(*broken_server, timeout=10)
    conn.request("GET", "/api/v1/stories/1", headers={"Accept": "application/json"})
    first = conn.getresponse()
    body = first.read()
    assert first.status == 500 and b'"code":"internal_error"' in body
    assert first.getheader("connection", "").lower() != "close"
    sock = conn.sock
    assert sock is not None
    conn.request("GET", "/-/health")
    second = conn.getresponse()
    second.read()
    assert second.status == 200 and conn.sock is sock  # the same connection served both
    conn.close()


@pytest.mark.parametrize(
    "path",
    [
        "/static/../app.py",
        "/static/%2e%2e/app.py",
        "/static/..%2fapp.py",
        "/static/%2e%2e%2f%2e%2e%2fsettings.py",
        "/static/....//app.py",
        "/static/%252e%252e/app.py",
        "/outlets/..%2f..%2fsettings.py",
        "/feeds/outlets/..%2f..%2fapp.py.atom",
    ],
)
def test_no_path_traversal(web: TestClient, path: str) -> None:
    r = web.get(path)
    assert r.status_code in (404, 422) and "import " not in r.text and "def " not in r.text

"""Forged Host headers: refused unless allowed, and never in a link or a cache key. Links come
from `base_url` (default: the bound address); the page cache keys on what the app decided to
render, not on a header substring; a cached response never replays a cookie."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request
from starlette.responses import Response

from everyside.errors import ConfigError
from everyside.settings import load_settings
from everyside.store import open_store
from everyside.web import create_app, hosts
from everyside.web.cache import PageCache
from test_web_app import fill

BASE = "https://news.example.org"


def _settings(tmp_path: Path, **extra: object):  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'everyside.db'}"
    cli = {"data_dir": str(tmp_path), "database_url": url, "base_url": BASE, **extra}
    return load_settings(env={}, cli=cli)


@pytest.fixture
def app_factory(tmp_path: Path) -> Iterator:  # type: ignore[type-arg]
    stores = []

    def make(**extra: object) -> TestClient:
        settings = _settings(tmp_path, **extra)
        store = open_store(settings.db_url)
        if not stores:
            fill(store)
        stores.append(store)
        return TestClient(create_app(settings, store), base_url="http://news.example.org")

    yield make
    for s in stores:
        s.close()


def test_a_forged_host_is_refused_with_the_error_shape(app_factory) -> None:  # type: ignore[no-untyped-def]
    client = app_factory()
    assert client.get("/feeds/top.atom").status_code == 200
    for host in ("evil.example", "news.example.org.evil.example", "[::2]:80"):
        r = client.get("/feeds/top.atom", headers={"Host": host})
        assert r.status_code == 400, host
        body = r.json()
        assert (
            body["error"]["code"] == "bad_request" and "allowed_hosts" in body["error"]["message"]
        )
        assert r.headers["x-frame-options"] == "DENY"  # the security headers are there too


def test_links_and_cache_ignore_the_host_even_when_any_host_is_allowed(app_factory) -> None:  # type: ignore[no-untyped-def]
    client = app_factory(allowed_hosts="*")
    poisoned = client.get("/feeds/top.atom", headers={"Host": "evil.example"})
    assert poisoned.status_code == 200 and "evil.example" not in poisoned.text
    links = re.findall(r'href="([^"]+)"', poisoned.text)
    assert links and all(link.startswith(BASE + "/") for link in links)
    assert client.get("/feeds/top.atom").text == poisoned.text


def test_the_cache_key_follows_the_rendered_representation(app_factory) -> None:  # type: ignore[no-untyped-def]
    client = app_factory()
    # a browser-like Accept naming both: the app renders HTML
    first = client.get("/", headers={"Accept": "application/json, text/html"})
    assert first.headers["content-type"].startswith("text/html")
    api = client.get("/", headers={"Accept": "application/json"})
    assert api.headers["content-type"] == "application/json" and "stories" in api.json()


def _request(path: str) -> Request:
    scope = {"type": "http", "method": "GET", "path": path, "query_string": b"", "headers": []}
    return Request(scope)


def test_a_cached_response_never_replays_a_cookie() -> None:
    cache = PageCache(60.0)
    request = _request("/")
    response = Response(b"page", media_type="text/html")
    response.set_cookie("es_client", "reader-one")
    cache.put(request, response)
    hit = cache.get(_request("/"))
    assert hit is not None and hit.body == b"page"
    assert "set-cookie" not in hit.headers


@pytest.mark.parametrize(
    ("host", "port", "base", "allowed"),
    [
        ("127.0.0.1", 8000, "http://127.0.0.1:8000", ["127.0.0.1", "localhost", "::1"]),
        ("::1", 9000, "http://[::1]:9000", ["::1", "localhost", "127.0.0.1"]),
        ("192.0.2.7", 80, "http://192.0.2.7:80", ["192.0.2.7"]),
    ],
)
def test_defaults_come_from_the_bound_address(
    host: str, port: int, base: str, allowed: list[str]
) -> None:
    settings = load_settings(env={}, cli={"host": host, "port": port})
    assert hosts.base_url(settings) == base
    assert hosts.allowed_hosts(settings) == allowed


def test_configured_base_url_and_allowed_hosts() -> None:
    env = {"EVERYSIDE_BASE_URL": "https://news.example.org/", "EVERYSIDE_ALLOWED_HOSTS": ""}
    settings = load_settings(env=env)
    assert hosts.base_url(settings) == "https://news.example.org"
    assert hosts.allowed_hosts(settings) == ["news.example.org", "localhost", "127.0.0.1", "::1"]
    settings = load_settings(env={**env, "EVERYSIDE_ALLOWED_HOSTS": "a.example, *.b.example"})
    assert hosts.allowed_hosts(settings) == ["a.example", "*.b.example"]
    with pytest.raises(ConfigError, match="base_url"):
        hosts.base_url(load_settings(env={"EVERYSIDE_BASE_URL": "news.example.org"}))


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[str]:
    """The app under uvicorn on 127.0.0.1, as `everyside serve` runs it."""
    import socket

    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = _settings(tmp_path, base_url="", host="127.0.0.1", port=port)
    store = open_store(settings.db_url)
    fill(store)
    config = uvicorn.Config(
        create_app(settings, store), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
    store.close()


def test_a_real_server_refuses_a_forged_host_and_links_to_itself(live_server: str) -> None:
    forged = httpx.get(live_server + "/feeds/top.atom", headers={"Host": "evil.example"})
    assert forged.status_code == 400 and forged.json()["error"]["status"] == 400
    feed = httpx.get(live_server + "/feeds/top.atom")
    assert feed.status_code == 200
    assert set(re.findall(r'href="(http://[^/"]+)/', feed.text)) == {live_server}
    via_name = httpx.get(live_server.replace("127.0.0.1", "localhost") + "/feeds/top.atom")
    assert via_name.status_code == 200 and via_name.text == feed.text

"""Summary disputes count distinct clients (a keyed address hash, an IPv6 /64 being one, and a
per-browser cookie; neither stored raw), weighed against the story's readers; the per-client
rate limit is atomic (50 concurrent requests through a real server let exactly `limit` through);
the operator view lists disputes behind the operator token. On SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import concurrent.futures
import socket
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import create_engine, select, text

from everyside.domain.disputes import dispute_threshold, distinct_clients, is_disputed
from everyside.settings import load_settings
from everyside.store import Store, open_store
from everyside.store import schema as t
from everyside.store.feedback import insert_report_limited
from everyside.web import create_app, security
from test_web_app import fill

TOKEN = "op-secret-token"


def _settings(tmp_path: Path, db_url: str, **extra: object):  # type: ignore[no-untyped-def]
    cli = {
        "data_dir": str(tmp_path),
        "database_url": db_url,
        "base_url": "http://testserver",
        "operator_token": TOKEN,
        **extra,
    }
    return load_settings(env={}, cli=cli)


@pytest.fixture
def site(tmp_path: Path, db_url: str) -> Iterator[tuple[object, Store]]:
    store = open_store(db_url, migrate=True)
    fill(store)
    app = create_app(_settings(tmp_path, db_url), store)
    yield app, store
    store.close()


class Reader:
    """One simulated browser at one address."""

    def __init__(self, app: object, address: str):
        self.http = TestClient(app, client=(address, 40000))  # type: ignore[arg-type]

    def read(self, story: int = 1) -> None:
        assert self.http.get(f"/story/{story}").status_code == 200

    def report(self, story: int = 1, reason: str = "inaccurate") -> int:
        self.read(story)
        token = self.http.cookies.get(security.CSRF_COOKIE)
        r = self.http.post(
            f"/story/{story}/feedback",
            data={"reason": reason, "text": f"from {reason}", "csrf_token": token},
            headers={"Accept": "application/json"},
        )
        return r.status_code


def _settled(store: Store) -> None:
    """Wait for the readers' background writes. They queue on the store's writer thread; on
    PostgreSQL `store.write` runs in the caller's thread and would not wait for them."""
    store.submit_write(lambda conn: None).result()


def _disputed(store: Store, story: int = 1) -> bool:
    _settled(store)
    with store.read() as conn:
        row = conn.execute(select(t.summaries.c.disputed).where(t.summaries.c.story_id == story))
        return bool(row.scalar_one())


def test_one_client_cannot_dispute_a_summary(site) -> None:  # type: ignore[no-untyped-def]
    app, store = site
    one = Reader(app, "198.51.100.7")
    assert [one.report() for _ in range(3)] == [201, 201, 201]
    for _ in range(3):  # new cookies each time: the address still names the client
        one.http.cookies.clear()
        assert one.report() == 201
    for i in range(3):  # one IPv6 /64 is one client, whatever the interface id
        assert Reader(app, f"2001:db8:1:2::{i + 1}").report() == 201
    assert not _disputed(store)


def test_one_browser_hopping_addresses_is_one_client(site) -> None:  # type: ignore[no-untyped-def]
    app, store = site
    hopper = Reader(app, "198.51.100.20")
    assert hopper.report() == 201
    cookie = hopper.http.cookies.get(security.BROWSER_COOKIE)
    assert cookie
    for address in ("198.51.100.21", "203.0.113.9"):
        other = Reader(app, address)
        other.http.cookies.set(security.BROWSER_COOKIE, cookie)
        assert other.report() == 201
    assert not _disputed(store)


def test_distinct_clients_dispute_and_the_threshold_follows_the_readers(site) -> None:  # type: ignore[no-untyped-def]
    app, store = site
    for i in range(95):  # with the 5 reporters, 100 readers: 5% is 5 clients, more than 3
        Reader(app, f"192.0.2.{i + 1}").read()
    _settled(store)  # counted before the reports (under load the writer thread lags behind)
    reporters = [Reader(app, f"203.0.113.{i + 1}") for i in range(5)]
    for r in reporters[:4]:
        assert r.report() == 201
    assert not _disputed(store)
    assert reporters[4].report(reason="wrong_event") == 201
    assert _disputed(store)


def test_a_small_audience_needs_the_minimum(site) -> None:  # type: ignore[no-untyped-def]
    app, store = site
    for i in range(2):
        Reader(app, f"203.0.113.{i + 1}").report()
    assert not _disputed(store)
    Reader(app, "203.0.113.3").report()
    assert _disputed(store)


def test_addresses_and_cookies_are_never_stored_raw(site) -> None:  # type: ignore[no-untyped-def]
    app, store = site
    reader = Reader(app, "198.51.100.99")
    reader.report()
    cookie = reader.http.cookies.get(security.BROWSER_COOKIE)
    store.write(lambda conn: None)
    with store.read() as conn:
        stored = [
            *conn.execute(text("SELECT client, browser FROM feedback")).all(),
            *conn.execute(text("SELECT reader, reader FROM story_readers")).all(),
        ]
    values = {v for row in stored for v in row}
    assert values and all(v and len(v) == 32 for v in values)  # keyed hashes
    assert not any("198.51.100.99" in v or (cookie and cookie in v) for v in values)


def test_the_operator_view_lists_disputes_behind_the_token(site) -> None:  # type: ignore[no-untyped-def]
    app, _ = site
    for i in range(3):
        Reader(app, f"203.0.113.{i + 1}").report(reason=("inaccurate", "one_sided")[i % 2])
    Reader(app, "203.0.113.50").report(story=2)
    http = TestClient(app)  # type: ignore[arg-type]
    assert http.get("/-/disputes.json").status_code == 401
    wrong = base64.b64encode(b"op:nope").decode()
    assert http.get("/-/disputes", headers={"Authorization": f"Basic {wrong}"}).status_code == 401
    basic = base64.b64encode(f"operator:{TOKEN}".encode()).decode()
    page = http.get("/-/disputes", headers={"Authorization": f"Basic {basic}"})
    assert page.status_code == 200 and "Disputed" in page.text and "one_sided" in page.text
    data = http.get("/-/disputes.json", headers={"Authorization": f"Bearer {TOKEN}"}).json()
    by_story = {s["story_id"]: s for s in data["stories"]}
    assert by_story[1]["disputed"] and by_story[1]["dispute"]["clients"] == 3
    assert by_story[1]["dispute"]["reasons"] == {"inaccurate": 2, "one_sided": 1}
    assert by_story[2]["clients"] == 1 and by_story[2]["needed"] == 3
    assert [r["text"] for r in by_story[2]["open_reports"]] == ["from inaccurate"]
    assert "203.0.113" not in page.text and "client" not in str(by_story[2]["open_reports"])


def test_the_operator_view_is_closed_without_a_token(tmp_path: Path, sqlite_url: str) -> None:
    with open_store(sqlite_url) as store:
        app = create_app(_settings(tmp_path, sqlite_url, operator_token=""), store)
        r = TestClient(app).get("/-/disputes.json", headers={"Authorization": "Bearer "})
    assert r.status_code == 403 and "operator_token" in r.json()["error"]["message"]


# -- the rate limit is atomic ----------------------------------------------------------------
@pytest.fixture
def live(tmp_path: Path, db_url: str) -> Iterator[tuple[str, Store]]:
    """The app under uvicorn (its worker threads race for real), rate limit 10 an hour."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    store = open_store(db_url, migrate=True)
    fill(store)
    settings = _settings(tmp_path, db_url, feedback_rate_limit=10, base_url="")
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings, store), host="127.0.0.1", port=port, log_level="error")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", store
    server.should_exit = True
    thread.join(10)
    store.close()


def test_fifty_concurrent_reports_pass_the_limit_exactly(live) -> None:  # type: ignore[no-untyped-def]
    base, store = live
    with httpx.Client(base_url=base) as first:
        first.get("/story/2")
        cookies = dict(first.cookies)
    token = cookies[security.CSRF_COOKIE]
    barrier = threading.Barrier(50)

    def post(_: int) -> int:
        with httpx.Client(base_url=base, cookies=cookies, timeout=60) as c:
            barrier.wait()
            r = c.post(
                "/story/2/feedback",
                data={"reason": "inaccurate", "csrf_token": token},
                headers={"Accept": "application/json"},
            )
            return r.status_code

    with concurrent.futures.ThreadPoolExecutor(50) as pool:
        codes = list(pool.map(post, range(50)))
    assert sorted(set(codes)) == [201, 429] and codes.count(201) == 10, codes
    with store.read() as conn:
        assert conn.execute(text("SELECT count(*) FROM feedback")).scalar() == 10


def test_the_limit_holds_across_independent_connections(db_url: str) -> None:
    """50 writers, each with its own connection (as separate processes would have): the one
    statement (and PostgreSQL's advisory lock) lets exactly `limit` rows in."""
    store = open_store(db_url, migrate=True)
    fill(store)
    store.close()
    engine = create_engine(
        db_url.replace("postgresql://", "postgresql+psycopg://", 1),
        pool_size=50,
        connect_args={"timeout": 60} if db_url.startswith("sqlite") else {},
    )
    now = datetime(2026, 3, 1, 12, 0)
    barrier = threading.Barrier(50)

    def one(_: int) -> bool:
        values = dict(
            story_id=1, kind="summary", reason="inaccurate", text=None, client="c" * 32,
            browser=None, handled=False, created_at=now,
        )  # fmt: skip
        barrier.wait()
        for _attempt in range(50):
            try:
                with engine.begin() as conn:
                    return (
                        insert_report_limited(conn, values, 10, now - timedelta(hours=1))
                        is not None
                    )
            except Exception as e:  # SQLite: "database is locked" past the busy timeout
                if "locked" not in str(e):
                    raise
        raise AssertionError("never got the write lock")

    with concurrent.futures.ThreadPoolExecutor(50) as pool:
        results = list(pool.map(one, range(50)))
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT count(*) FROM feedback")).scalar()
    engine.dispose()
    assert results.count(True) == 10 and stored == 10


# -- the rules, as pure functions -------------------------------------------------------------
def test_distinct_clients_join_shared_addresses_and_browsers() -> None:
    assert distinct_clients([]) == 0
    assert distinct_clients([("a", "x"), ("a", "y"), ("b", "y")]) == 1  # chained
    assert distinct_clients([("a", "x"), ("b", "y"), ("c", None)]) == 3
    assert distinct_clients([(None, None), (None, None)]) == 2  # unidentified: each alone


@given(st.lists(st.tuples(st.sampled_from("abcd"), st.sampled_from(["w", "x", None]))))
def test_distinct_clients_is_bounded_by_addresses_and_browsers(pairs: list) -> None:  # type: ignore[type-arg]
    n = distinct_clients(pairs)
    assert n <= len({a for a, _ in pairs})
    assert n <= len({b for _, b in pairs if b}) + sum(1 for _, b in pairs if not b)


@pytest.mark.parametrize(
    ("readers", "needed"), [(0, 3), (10, 3), (60, 3), (61, 4), (100, 5), (10_000, 500)]
)
def test_the_threshold_grows_with_readers(readers: int, needed: int) -> None:
    assert dispute_threshold(3, 0.05, readers) == needed
    assert is_disputed(needed, 3, 0.05, readers) and not is_disputed(needed - 1, 3, 0.05, readers)


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:1:2:3", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.9", "203.0.113.9"),
        (None, "unknown"),
    ],
)
def test_address_keys(address: str | None, key: str) -> None:
    assert security.address_key(address) == key


def test_concurrent_reports_of_distinct_clients_never_fail(live) -> None:  # type: ignore[no-untyped-def]
    """Ten clients (ten loopback addresses) report at once: several requests see the threshold
    reached and regenerate the summary concurrently; every one of them is answered."""
    base, store = live
    barrier = threading.Barrier(10)

    def post(i: int) -> int:
        transport = httpx.HTTPTransport(local_address=f"127.0.0.{i + 2}")
        with httpx.Client(base_url=base, transport=transport, timeout=60) as c:
            c.get("/story/1")
            barrier.wait()
            r = c.post(
                "/story/1/feedback",
                data={"reason": "inaccurate", "csrf_token": c.cookies[security.CSRF_COOKIE]},
                headers={"Accept": "application/json"},
            )
            return r.status_code

    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        codes = list(pool.map(post, range(10)))
    assert codes == [201] * 10
    assert _disputed(store)

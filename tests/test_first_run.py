"""A first run as a new user has it (issue 18): the home page and /-/health say how fetching the
feeds goes, what fails most and what to do next; health is "degraded" when no feed has
succeeded for an hour."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from everyside.bench.localserver import LocalServer, Routes
from everyside.domain.feed_health import FeedOutcome, error_kind, ingestion_status
from everyside.ingest import run_round
from everyside.ingest.service import bundled_feed_rows, register_feeds
from everyside.settings import load_settings
from everyside.store import open_store
from everyside.web import create_app
from ingest_server import build_site, load_articles

EVERYSIDE = Path(sys.executable).with_name("everyside")


def main_text(html: str) -> str:
    body = html.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", body)).split())


def client_for(data_dir: Path, **settings: object) -> Iterator[TestClient]:
    cli = {"data_dir": str(data_dir), "base_url": "http://testserver", **settings}
    s = load_settings(env={}, cli=cli)
    store = open_store(s.db_url)
    with TestClient(create_app(s, store)) as client:
        yield client
    store.close()


@pytest.mark.slow
def test_first_run_without_network_says_why_and_what_to_do(tmp_path: Path) -> None:
    """`everyside ingest --once` in a network namespace of its own (no interface but lo): every
    bundled feed fails for real, as on a machine without network."""
    if shutil.which("unshare") is None:
        pytest.fail("util-linux's unshare is needed to take the network away")
    run = subprocess.run(
        ["unshare", "-n", str(EVERYSIDE), "--data-dir", str(tmp_path), "ingest", "--once"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    feeds = len(bundled_feed_rows())
    assert feeds > 100
    for client in client_for(tmp_path):
        health = client.get("/-/health.json")
        assert health.status_code == 200  # pages still serve
        report = health.json()
        assert report["status"] == "degraded" and report["database"] == "ok"
        ing = report["ingestion"]
        assert (ing["feeds"], ing["tried"], ing["failing"], ing["succeeded"]) == (
            feeds,
            feeds,
            feeds,
            0,
        )
        assert ing["last_success_at"] is None and ing["last_attempt_at"]
        assert ing["top_error"]["label"] == f"no network: {feeds} feeds unreachable"
        assert "resolve" in ing["top_error"]["example"]
        assert client.get("/-/health").json() == report
        home = client.get("/", headers={"Accept": "text/html"})
        text = main_text(home.text)
        assert f"no network: {feeds} feeds unreachable" in text
        assert f"{feeds} feeds tried, {feeds} failing; no feed has succeeded yet" in text
        assert "Check this machine's network connection" in text
        assert "<code>everyside import FILE.jsonl</code>" in home.text
        assert "<code>everyside feeds add URL</code>" in home.text
        assert "`" not in home.text  # commands are <code>, never literal backticks
        assert client.get("/index.json").json()["ingestion"]["state"] == "degraded"


def test_health_is_degraded_when_no_feed_succeeded_for_an_hour(tmp_path: Path) -> None:
    now, hour = datetime.now(UTC).replace(microsecond=0), timedelta(hours=1)
    cli = {"data_dir": str(tmp_path), "base_url": "http://testserver"}
    s = load_settings(env={}, cli=cli).replace(
        allow_private_addresses=True,
        bundled_feeds=False,
        politeness_delay=0.0,
        extract_workers=-1,
        poll_min_interval=60.0,
        poll_max_interval=600.0,
    )
    store = open_store(s.db_url)
    routes = Routes()
    with LocalServer(routes) as srv:
        feeds = build_site(routes, srv.base, load_articles(8), 2, now - 3 * hour)
        register_feeds(store, [(srv.url(p), None, None) for p in feeds], now - 3 * hour, "user")
        ok = run_round(store, s, now - 2 * hour)
        assert ok.failed == 0 and ok.new == 8
    # the server is gone: connection refused from now on
    failed = run_round(store, s, now)
    assert failed.failed == 2
    with TestClient(create_app(s, store)) as client:
        report = client.get("/-/health.json").json()
        assert report["status"] == "degraded"
        ing = report["ingestion"]
        assert (ing["tried"], ing["failing"], ing["succeeded"]) == (2, 2, 2)
        assert ing["top_error"]["kind"] == "unreachable"
        assert "no network" not in ing["top_error"]["label"]  # the host refused; network is up
        assert "no feed has succeeded for 2 hours" in ing["summary"]
        text = main_text(client.get("/", headers={"Accept": "text/html"}).text)
        assert "Fetching news is failing" in text and "2 feeds unreachable" in text
    store.close()


def test_ingestion_is_ok_with_a_recent_success() -> None:
    now = datetime(2026, 3, 1, 12, tzinfo=UTC)
    hour = timedelta(hours=1)
    recent = FeedOutcome(now - 2 * hour, now - timedelta(minutes=50), None, 0)
    broken = FeedOutcome(now, None, "fetch https://x.example/f: HTTP 404", 3)
    status = ingestion_status([recent, broken], now, hour)
    assert status.state == "ok" and status.failing == 1 and status.succeeded == 1
    assert status.top_error and status.top_error["label"] == "HTTP 404: 1 feed"
    assert ingestion_status([recent], now + 11 * timedelta(minutes=1), hour).state == "degraded"
    assert ingestion_status([], now, hour).state == "no feeds"
    fresh = FeedOutcome(None, None, None, 0)
    assert ingestion_status([fresh], now, hour).state == "not started"


@pytest.mark.parametrize(
    "message, kind",
    [
        (
            "fetch https://a.example/: cannot resolve host a.example: [Errno -3] Temporary",
            "no network",
        ),
        (
            "fetch https://a.example/: ConnectError: [Errno 101] Network is unreachable",
            "no network",
        ),
        ("fetch https://a.example/: ConnectError: [Errno 111] Connection refused", "unreachable"),
        ("fetch https://a.example/: no connection after 10s (connect_timeout)", "unreachable"),
        ("fetch https://a.example/: server sent nothing for 20s (read_timeout)", "timeout"),
        ("fetch https://a.example/: HTTP 503; server asks to retry after 60s", "HTTP 503"),
        ("parse feed https://a.example/: not a feed", "other"),
    ],
)
def test_error_kinds(message: str, kind: str) -> None:
    assert error_kind(message) == kind

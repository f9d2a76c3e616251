"""Decompression bombs (10 GiB of brotli, of gzip inside gzip, of deflate and of gzip, streamed
by a local server) and XML entity bombs (billion laughs and a "safe" entity, hidden from the old
check). The fetcher stops each at its caps (decoded bytes, compression ratio), the
feed keeps the error (stored, and shown by `everyside feeds status`), the round goes on, and a
real `everyside ingest --once` process peaks at the same RSS as without the bombs.

The issue asks for a peak under 300 MB; an ingest process peaks at ~420-470 MB before it fetches
anything (the CLI imports scikit-learn/scipy/rouge, the outlet directory and the language model
are loaded), so the bound pinned here is what the bombs add to the same round without them."""

from __future__ import annotations

import asyncio
import os
import resource
import subprocess
import sys
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bombs import Bomb, brotli_bomb, deflate_bomb, double_gzip_bomb, serve, xml_bombs
from everyside.bench.localserver import Doc, LocalServer, Routes
from everyside.errors import FetchError
from everyside.ingest.fetch import Fetcher
from everyside.ingest.service import register_feeds
from everyside.settings import load_settings
from everyside.store import open_store
from everyside.store import schema as t
from ingest_server import build_site, load_articles

GIB = 10
MAX_ADDED_RSS_MB = 30
BOMBS = {
    "/br.xml": lambda: brotli_bomb(GIB),
    "/gzip-gzip.xml": lambda: double_gzip_bomb(GIB),
    "/deflate.xml": lambda: deflate_bomb(GIB, "deflate"),
    "/gzip.xml": lambda: deflate_bomb(GIB),
}
SETTINGS = load_settings(env={}).replace(
    allow_private_addresses=True, politeness_delay=0.0, read_timeout=5.0, total_timeout=30.0
)


@pytest.fixture(scope="module")
def bomb_site():  # type: ignore[no-untyped-def]
    routes = Routes()
    bombs: dict[str, Bomb] = {path: make() for path, make in BOMBS.items()}
    for path, bomb in bombs.items():
        routes[path] = serve(bomb)
    for name, body in xml_bombs().items():
        routes[f"/xml/{name}.xml"] = Doc(body, etag=False)
    with LocalServer(routes) as srv:
        yield srv, routes, bombs


@pytest.mark.parametrize("path", list(BOMBS))
@pytest.mark.parametrize(
    ("ratio", "expected"),
    [(100.0, "max_compression_ratio=100"), (1e12, "max_response_bytes=5000000")],
)
def test_the_fetcher_stops_a_bomb_at_its_caps(
    bomb_site, path: str, ratio: float, expected: str
) -> None:  # type: ignore[no-untyped-def]
    srv, _, bombs = bomb_site
    assert bombs[path].decoded == GIB << 30

    async def go() -> None:
        async with Fetcher(SETTINGS.replace(max_compression_ratio=ratio)) as f:
            await f.get(srv.url(path))

    with pytest.raises(FetchError) as e:
        asyncio.run(go())
    assert expected in str(e.value) and bombs[path].coding in str(e.value)


def _env(data_dir: Path) -> dict[str, str]:
    return dict(
        os.environ,
        EVERYSIDE_DATA_DIR=str(data_dir),
        EVERYSIDE_ALLOW_PRIVATE_ADDRESSES="1",
        EVERYSIDE_BUNDLED_FEEDS="0",
        EVERYSIDE_POLITENESS_DELAY="0",
        EVERYSIDE_EXTRACT_WORKERS="-1",
        EVERYSIDE_RESPECT_ROBOTS="0",
        EVERYSIDE_LOG_LEVEL="WARNING",
        COLUMNS="400",
    )


def _limit_address_space() -> None:
    """A regression must fail this test, not take the shared machine down with it."""
    cap = 3 << 30
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def _everyside(data_dir: Path, *args: str) -> tuple[int, int, str]:
    """Run `everyside ARGS` as a child process: (exit status, peak RSS in MB, output)."""
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", "from everyside.cli import main; main()", *args],
            env=_env(data_dir),
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=_limit_address_space,
        )
        watchdog = threading.Timer(300, proc.kill)  # a hang must fail the test, not the suite
        watchdog.start()
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage, not the session's
        watchdog.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        return proc.returncode, usage.ru_maxrss // 1024, out.read().decode()


def _site_with_feeds(routes: Routes, srv: LocalServer, data: Path, paths: list[str]) -> None:
    with open_store(f"sqlite:///{data / 'everyside.db'}") as store:
        rows = [(srv.url(p), None, None) for p in paths]
        register_feeds(store, rows, datetime.now(UTC), "user")


@pytest.mark.slow
def test_a_real_ingest_survives_10_gib_bombs_in_constant_memory(bomb_site, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    srv, routes, _ = bomb_site
    good = list(build_site(routes, srv.base, load_articles(6), 2, datetime.now(UTC)))
    _site_with_feeds(routes, srv, tmp_path / "calm", good)
    code, calm_mb, out = _everyside(tmp_path / "calm", "ingest", "--once", "--no-process")
    assert code == 0, out
    data = tmp_path / "bombed"
    xml = [f"/xml/{name}.xml" for name in xml_bombs()]
    _site_with_feeds(routes, srv, data, [*BOMBS, *xml, *good])
    code, rss_mb, out = _everyside(data, "ingest", "--once", "--no-process")
    print(f"ingest peak RSS: {calm_mb} MB; with the bombs: {rss_mb} MB")
    assert code == 0, out
    with open_store(f"sqlite:///{data / 'everyside.db'}") as store, store.read() as conn:
        feeds = {f.url: f for f in conn.execute(select(t.feeds))}
        n_articles = len(conn.execute(select(t.articles.c.id)).all())
    for path in BOMBS:
        error = feeds[srv.url(path)].last_error or ""
        assert "decompression bomb refused" in error and "max_compression_ratio=100" in error
    for path in xml:
        assert "entity declarations refused" in (feeds[srv.url(path)].last_error or ""), path
    assert n_articles == 6, out  # the good feeds of the same round are all stored
    assert rss_mb < calm_mb + MAX_ADDED_RSS_MB, f"peak RSS {rss_mb} MB, {calm_mb} MB without"
    code, _, status = _everyside(data, "feeds", "status", "--errors")
    assert code == 0 and status.count("decompression bomb refused") == len(BOMBS), status
    assert status.count("entity declarations refused") == len(xml), status

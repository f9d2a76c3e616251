"""Browser-test fixtures: a database built from allsides_dev.jsonl by the real pipeline
(devdb.py), the app served by uvicorn in a thread on 127.0.0.1, and Debian's Chromium driven by
Playwright (never `playwright install`)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from devdb import Site

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(settings, store, stand_ins: list[str]) -> Iterator[Site]:  # type: ignore[no-untyped-def]
    """The app over `store`, served by uvicorn in a thread on 127.0.0.1."""
    import uvicorn

    from everyside.web import create_app

    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, store), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the test server did not start")
        time.sleep(0.05)
    yield Site(f"http://127.0.0.1:{port}", store, stand_ins)
    server.should_exit = True
    thread.join(10)
    store.close()


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    import devdb

    from everyside.settings import load_settings
    from everyside.store import open_store

    if not devdb.DEV_FILE.exists():
        pytest.fail(f"missing {devdb.DEV_FILE}: shared/ must sit beside the repo")
    data = tmp_path_factory.mktemp("web")
    # AllSides roundups have at most 3 rated outlets: a lower blindspot minimum makes the
    # two-outlet stories show up in the blindspot feed.
    settings = load_settings(env={}, cli={"data_dir": str(data), "blindspot_min_rated": 2})
    store = open_store(settings.db_url)
    built = devdb.build(store, settings, datetime(2021, 9, 1, tzinfo=UTC))
    yield from _serve(settings, store, built.stand_ins)


@pytest.fixture(scope="session")
def big_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """groundnews_feb2026_dev.jsonl (real 2026 stories, one of them with hundreds of articles,
    many articles without a title) through the same pipeline."""
    import devdb

    from everyside.settings import load_settings
    from everyside.store import open_store

    path = devdb.DATA / "stories" / "groundnews_feb2026_dev.jsonl"
    if not path.exists():
        pytest.fail(f"missing {path}: shared/ must sit beside the repo")
    data = tmp_path_factory.mktemp("web-2026")
    settings = load_settings(env={}, cli={"data_dir": str(data)})
    store = open_store(settings.db_url)
    built = devdb.build(store, settings, datetime(2026, 3, 1, tzinfo=UTC), path)
    yield from _serve(settings, store, built.stand_ins)


# Module scope, not session: Playwright's sync API keeps an event loop running in the main
# thread while it is open, and later tests that call asyncio.run() would fail.
@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: apt-get update && apt-get install -y chromium")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser) -> Iterator[object]:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.js_errors = errors
    yield pg
    context.close()

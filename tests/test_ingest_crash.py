"""Crash safety: SIGKILL a real `everyside ingest --once` mid-round, restart, lose nothing
committed and store nothing twice."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from everyside.bench.localserver import Doc, LocalServer, Routes
from everyside.ingest.service import register_feeds
from everyside.store import open_store
from everyside.store import schema as t
from ingest_server import build_site, load_articles

N_ARTICLES, N_FEEDS = 60, 6


def _slow(doc: Doc):  # type: ignore[no-untyped-def]
    def handler(h) -> None:  # type: ignore[no-untyped-def]
        time.sleep(0.15)  # slow pages keep the round long enough to be killed inside it
        h.send_doc(doc)

    return handler


def _env(data_dir: Path) -> dict[str, str]:
    return dict(
        os.environ,
        EVERYSIDE_DATA_DIR=str(data_dir),
        EVERYSIDE_ALLOW_PRIVATE_ADDRESSES="1",
        EVERYSIDE_BUNDLED_FEEDS="0",
        EVERYSIDE_POLITENESS_DELAY="0",
        EVERYSIDE_PER_HOST_CONCURRENCY="4",
        EVERYSIDE_FETCH_CONCURRENCY="4",
        EVERYSIDE_EXTRACT_WORKERS="1",
        EVERYSIDE_LOG_LEVEL="WARNING",
    )


def _ingest(data_dir: Path) -> subprocess.Popen:
    cmd = [
        sys.executable,
        "-c",
        "from everyside.cli import main; main()",
        "ingest",
        "--once",
        "--no-process",
    ]
    return subprocess.Popen(
        cmd,
        env=_env(data_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def _count(store) -> int:  # type: ignore[no-untyped-def]
    with store.read() as conn:
        return int(conn.execute(select(func.count()).select_from(t.articles)).scalar_one())


def _ids(store) -> set[tuple[int, str]]:  # type: ignore[no-untyped-def]
    with store.read() as conn:
        return {(r.id, r.key) for r in conn.execute(select(t.articles.c.id, t.articles.c.key))}


@pytest.mark.slow
def test_sigkill_mid_round_loses_nothing_and_duplicates_nothing(tmp_path: Path) -> None:
    routes = Routes()
    with LocalServer(routes) as srv:
        build_site(routes, srv.base, load_articles(N_ARTICLES), N_FEEDS)
        for path, doc in list(routes.docs.items()):
            if path.startswith("/a/") and isinstance(doc, Doc):
                routes[path] = _slow(doc)
        store = open_store(f"sqlite:///{tmp_path / 'everyside.db'}")
        now = datetime.now(UTC)
        register_feeds(
            store, [(srv.url(f"/feeds/{i}.xml"), None, None) for i in range(N_FEEDS)], now, "user"
        )
        committed: set[tuple[int, str]] = set()
        for kill_after in (1, 25):  # articles committed before the kill
            proc = _ingest(tmp_path)
            deadline = time.monotonic() + 90
            while _count(store) < kill_after and proc.poll() is None:
                assert time.monotonic() < deadline, "ingest made no progress"
                time.sleep(0.05)
            with contextlib.suppress(ProcessLookupError):  # it may have just finished
                os.killpg(proc.pid, signal.SIGKILL)  # the CLI and its extraction workers
            proc.wait()
            assert proc.returncode in (-signal.SIGKILL, 0), proc.stderr.read().decode()
            now_ids = _ids(store)
            assert committed <= now_ids  # nothing committed before was lost
            committed = now_ids
        assert len(committed) < N_ARTICLES, "the kills came too late to test anything"
        proc = _ingest(tmp_path)
        out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err.decode()
        final = _ids(store)
        assert committed <= final
        assert len(final) == N_ARTICLES == len({k for _, k in final})
        with store.read() as conn:
            guids = [r[0] for r in conn.execute(select(t.articles.c.external_id))]
            feeds = conn.execute(select(t.feeds).where(t.feeds.c.origin == "user")).all()
        assert len(guids) == len(set(guids)) == N_ARTICLES
        assert len(feeds) == N_FEEDS and all(f.etag and f.error_count == 0 for f in feeds)
        store.close()

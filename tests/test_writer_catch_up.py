"""Several writers, one index each (the distributed shape's workers): `ArticleWriter.catch_up`
adds what the others stored, so a syndicated copy is marked `copy_of` across processes too."""

from __future__ import annotations

from datetime import UTC, datetime

from everyside.services.articles import ArticleDraft, ArticleWriter
from everyside.settings import load_settings
from everyside.store import Store

TEXT = " ".join(
    f"The council approved the harbour plan number {i} after a long debate about costs."
    for i in range(12)
)


def _write(writer: ArticleWriter, store: Store, url: str, now: datetime) -> int:
    draft = ArticleDraft(url=url, title="Harbour plan approved", text=TEXT, fetched_at=now)
    written = writer.write_batch(store, [writer.prepare(draft)], now)
    return written.inserted[0]


def _copy_of(store: Store, article_id: int) -> int | None:
    from sqlalchemy import text

    with store.read() as conn:
        return conn.execute(
            text("SELECT copy_of FROM articles WHERE id = :i"), {"i": article_id}
        ).scalar()


def test_a_copy_stored_by_another_writer_is_found_after_catch_up(store: Store) -> None:
    settings = load_settings(env={})
    now = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
    first, second, third = (ArticleWriter(settings) for _ in range(3))
    for w in (first, second, third):
        w.rebuild(store, now)
    original = _write(first, store, "https://a-news.example/harbour", now)
    # a writer that never looks again misses it (one index per process) ...
    missed = _write(second, store, "https://b-news.example/harbour", now)
    assert _copy_of(store, missed) is None
    # ... one that catches up finds the original of the other outlet
    assert third.catch_up(store, now) == 2
    copy = _write(third, store, "https://c-news.example/harbour", now)
    assert _copy_of(store, copy) == original
    assert third.catch_up(store, now) == 0  # nothing new since

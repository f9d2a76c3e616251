"""The feed bookkeeping the ingest engine and the `feeds` commands use: the store's feed
queries (`everyside.store.feeds`), offered to the adapters through the service layer."""

from __future__ import annotations

from everyside.store.feeds import (
    FeedRow,
    aware,
    deactivate_feeds,
    delete_feed,
    due_feeds,
    existing_articles,
    get_feed,
    insert_feed,
    list_feeds,
    make_all_due,
    next_due_at,
    update_feed,
)

__all__ = [
    "FeedRow",
    "aware",
    "deactivate_feeds",
    "delete_feed",
    "due_feeds",
    "existing_articles",
    "get_feed",
    "insert_feed",
    "list_feeds",
    "make_all_due",
    "next_due_at",
    "update_feed",
]

"""The ingestion engine: feeds and pages from many outlets, safely and politely.

Public API (everything else is internal):
- `add_feed(store, settings, url, now) -> FeedRow`: a feed URL or a homepage (discovered).
- `run_round(store, settings, now, progress=None) -> RoundResult`: poll every due feed once;
  new articles are stored with `story_id` NULL for the story engine.
- `run_forever(store, settings, stop, on_round_done=None)`: rounds until stopped.
- `run_loop` / `run_background`: the loop of `everyside ingest` and `everyside up`, each round
  followed by the pipeline (`everyside.services.pipeline.after_ingest`).
"""

from everyside.ingest.discover import FeedNotFoundError
from everyside.ingest.round import Ingestor, RoundResult
from everyside.ingest.service import (
    add_feed,
    add_feed_async,
    bundled_feed_rows,
    register_feeds,
    run_background,
    run_forever,
    run_loop,
    run_round,
    run_round_async,
    sync_bundled_feeds,
)
from everyside.services.feeds import FeedRow

__all__ = [
    "FeedNotFoundError",
    "FeedRow",
    "Ingestor",
    "RoundResult",
    "add_feed",
    "add_feed_async",
    "bundled_feed_rows",
    "register_feeds",
    "run_background",
    "run_forever",
    "run_loop",
    "run_round",
    "run_round_async",
    "sync_bundled_feeds",
]

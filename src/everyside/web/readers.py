"""Counting a story's distinct readers, the audience a summary dispute is weighed against.

A reader is a keyed address hash; the store keeps one row per (story, reader). The first view of
a pair is written in the background (the page never waits for the writer); a bounded memory of
recent pairs spares the writer the repeats, and the table's primary key makes the ones it
forgets harmless.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from concurrent.futures import Future
from datetime import datetime

from everyside.services.disputes import count_reader
from everyside.store import Store

log = logging.getLogger(__name__)
REMEMBERED = 50_000  # (story, reader) pairs known to be stored


class Readers:
    def __init__(self, store: Store, size: int = REMEMBERED):
        self.store = store
        self.size = size
        self._seen: OrderedDict[tuple[int, str], None] = OrderedDict()
        self._lock = threading.Lock()

    def saw(self, story_id: int, reader: str, now: datetime) -> Future[None] | None:
        """Count `reader` among the readers of `story_id` (once); the pending write, if any."""
        pair = (story_id, reader)
        with self._lock:
            if pair in self._seen:
                self._seen.move_to_end(pair)
                return None
            self._seen[pair] = None
            while len(self._seen) > self.size:
                self._seen.popitem(last=False)
        future = self.store.submit_write(lambda conn: count_reader(conn, story_id, reader, now))
        future.add_done_callback(lambda f: self._failed(pair, f))
        return future

    def _failed(self, pair: tuple[int, str], future: Future[None]) -> None:
        error = future.exception()
        if error is not None:  # e.g. the story was deleted meanwhile: forget, count next time
            with self._lock:
                self._seen.pop(pair, None)
            log.warning("web: unable to count a reader of story #%s: %s", pair[0], error)

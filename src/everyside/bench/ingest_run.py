"""`everyside bench ingest`: measure the ingest path against a local server in a subprocess.

Figures, all in one run: articles/s end to end (fetch → parse → extract → dedupe → store) on a
fresh SQLite store; extraction alone on the very pages the round fetched, warmed up, in one
process (`extract_page`: trafilatura and the language) and with the pool (`extract_batch` in
batches, what the workers run in a round: the text fingerprint too); their ratio; robots.txt
requests; the wall time of one round of conditional GETs over many unchanged feeds; and peak
memory. Articles come from a JSONL file of the shared/data format when given (real text),
else from generated text.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import random
import resource
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from everyside.ingest.extract import Extractor, extract_batch, extract_page
from everyside.ingest.round import Ingestor, RoundResult
from everyside.ingest.service import register_feeds
from everyside.services.feeds import deactivate_feeds, make_all_due
from everyside.settings import Settings
from everyside.store import open_store

WORDS = [
    "the",
    "minister",
    "said",
    "on",
    "tuesday",
    "that",
    "government",
    "would",
    "review",
    "policy",
    "after",
    "talks",
    "with",
    "officials",
    "from",
    "several",
    "countries",
    "amid",
    "rising",
    "prices",
    "and",
    "concerns",
    "over",
    "security",
    "while",
    "critics",
    "argued",
    "new",
    "rules",
    "could",
    "affect",
    "workers",
    "families",
    "businesses",
    "across",
    "region",
]


@dataclass
class BenchReport:
    articles: int
    seconds: float
    extract_pages: int
    extract_one_s: float
    extract_pool_s: float
    workers: int
    unchanged_feeds: int
    unchanged_first_s: float
    unchanged_s: float
    peak_rss_mb: float
    children_peak_rss_mb: float
    full_cpu_s: float = 0.0  # CPU seconds of this process and the extraction workers
    unchanged_cpu_s: float = 0.0
    robots_requests: int = 0
    hosts: int = 1
    main_cpu_s: float = 0.0  # of full_cpu_s: this process (fetch, parse, rows, store)
    server_cpu_s: float = 0.0  # the local server's CPU seconds during the round

    @property
    def articles_per_s(self) -> float:
        return self.articles / max(self.seconds, 1e-9)

    @property
    def extract_one_per_s(self) -> float:
        return self.extract_pages / max(self.extract_one_s, 1e-9)

    @property
    def extract_pool_per_s(self) -> float:
        return self.extract_pages / max(self.extract_pool_s, 1e-9)


def _articles(n: int, data: Path | None) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    if data is not None:
        with data.open(encoding="utf-8") as f:
            for line in f:
                a = json.loads(line)
                if a.get("title") and a.get("text") and len(a["text"]) > 300:
                    out.append({"title": a["title"], "text": a["text"]})
    rnd = random.Random(7)
    while len(out) < n:
        paras = [
            " ".join(rnd.choice(WORDS) for _ in range(60)).capitalize() + "." for _ in range(6)
        ]
        out.append(
            {
                "title": " ".join(rnd.choice(WORDS) for _ in range(8)).title(),
                "text": "\n".join(paras),
            }
        )
    return out[:n]


def _page(a: dict[str, str]) -> bytes:
    from html import escape

    paras = "".join(f"<p>{escape(p)}</p>" for p in a["text"].split("\n") if p.strip())
    return (
        f"<!DOCTYPE html><html lang='en'><head><title>{escape(a['title'])}</title></head>"
        f"<body><nav><a href='/'>Home</a></nav><article><h1>{escape(a['title'])}</h1>"
        f"{paras}</article><footer>All rights reserved.</footer></body></html>"
    ).encode()


def _rss(items: list[tuple[str, dict[str, str]]]) -> bytes:
    from html import escape

    body = "".join(
        f"<item><title>{escape(a['title'])}</title><link>{escape(u)}</link>"
        f"<guid>{escape(u)}</guid><description>{escape(a['text'][:200])}"
        "</description></item>"
        for u, a in items
    )
    return (
        f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>B"
        f"</title>{body}</channel></rss>"
    ).encode()


def _serve(spec: dict[str, Any], ready: Any) -> None:
    """Subprocess: build the documents and serve them until terminated."""
    from everyside.bench.localserver import Doc, LocalServer, Routes

    routes = Routes()
    routes["/robots.txt"] = Doc(b"User-agent: *\nAllow: /\n", "text/plain")
    arts = _articles(spec["feeds"] * spec["per_feed"], Path(spec["data"]) if spec["data"] else None)
    srv = LocalServer(routes)
    for i in range(spec["feeds"]):
        items = []
        for j in range(spec["per_feed"]):
            a = arts[i * spec["per_feed"] + j]
            routes[f"/a/{i}/{j}"] = Doc(_page(a), "text/html; charset=utf-8")
            items.append((f"{srv.base}/a/{i}/{j}", a))
        routes[f"/f/{i}.xml"] = Doc(_rss(items))
    empty = Doc(_rss([]))
    for k in range(spec["unchanged"]):
        routes[f"/u/{k}.xml"] = empty
    with srv:
        ready.put(srv.base)
        while True:
            time.sleep(3600)


def run_bench(
    settings: Settings,
    feeds: int,
    per_feed: int,
    unchanged: int,
    data: Path | None,
    say: Callable[[str], None],
    concurrency: int = 8,
) -> BenchReport:
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Queue()
    spec = {
        "feeds": feeds,
        "per_feed": per_feed,
        "unchanged": unchanged,
        "data": str(data) if data else "",
    }
    proc = ctx.Process(target=_serve, args=(spec, ready), daemon=True)
    proc.start()
    try:
        base = ready.get(timeout=300)
        s = settings.replace(fetch_concurrency=concurrency)
        return _measure(s, base, spec, data, say, proc.pid)
    finally:
        proc.terminate()
        proc.join()


def _measure(
    settings: Settings,
    base: str,
    spec: dict[str, Any],
    data: Path | None,
    say: Callable[[str], None],
    server_pid: int | None = None,
) -> BenchReport:
    s = settings.replace(
        allow_private_addresses=True,
        bundled_feeds=False,
        politeness_delay=0.0,
        per_host_concurrency=settings.fetch_concurrency,
    )
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"sqlite:///{Path(tmp) / 'bench.db'}")
        now = datetime.now(UTC)
        register_feeds(
            store, [(f"{base}/f/{i}.xml", None, None) for i in range(spec["feeds"])], now, "user"
        )
        say(f"full path: {spec['feeds']} feeds x {spec['per_feed']} articles ...")
        full, workers, workers_cpu, workers_peak, robots, main_cpu, server_cpu = asyncio.run(
            _round(store, s, now, warm=True, server_pid=server_pid)
        )
        full_cpu = main_cpu + workers_cpu
        say("extraction alone, on the same pages ...")
        pages = [_page(a) for a in _articles(spec["feeds"] * spec["per_feed"], data)]
        one_s, pool_s = _extract_alone(pages, s.extract_workers)
        say(f"{spec['unchanged']} unchanged feeds ...")
        register_feeds(
            store,
            [(f"{base}/u/{k}.xml", None, None) for k in range(spec["unchanged"])],
            now,
            "user",
        )
        store.write(lambda c: deactivate_feeds(c, f"{base}/f/"))
        first, *_ = asyncio.run(_round(store, s.replace(fetch_pages=False), now))
        store.write(make_all_due)
        again, *_, again_cpu, _ = asyncio.run(_round(store, s.replace(fetch_pages=False), now))
        store.close()
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = workers_peak
    return BenchReport(
        full.new,
        full.seconds,
        len(pages),
        one_s,
        pool_s,
        workers,
        again.not_modified,
        first.seconds,
        again.seconds,
        me,
        kids,
        full_cpu,
        again_cpu,
        robots,
        main_cpu_s=main_cpu,
        server_cpu_s=server_cpu,
    )


def _cpu() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    return me.ru_utime + me.ru_stime


async def _round(
    store: Any, s: Settings, now: datetime, warm: bool = False, server_pid: int | None = None
) -> tuple[RoundResult, int, float, float, int, float, float]:
    """One round; also the extraction workers' CPU seconds during it, their peak RSS, the
    robots.txt requests made, and the CPU seconds of this process and of the server."""
    async with Ingestor(store, s) as ing:
        pids: list[int] = []
        if warm and ing.extractor is not None:  # start the worker processes before timing
            await asyncio.gather(
                *(ing.extractor.extract(b"<html></html>", "http://x/") for _ in range(8))
            )
            pids = list(getattr(ing.extractor.pool, "_processes", {}) or {})
        server = [server_pid] if server_pid else []
        cpu0, _ = _proc_stats(pids)
        main0, srv0 = _cpu(), _proc_stats(server)[0]
        result = await ing.run_round(now)
        main1, srv1 = _cpu(), _proc_stats(server)[0]
        cpu1, peak = _proc_stats(pids)
        workers = ing.extractor.processes if ing.extractor else 0
        robots = ing.pages.robots.fetched if ing.pages.robots else 0
        return result, workers, cpu1 - cpu0, peak, robots, main1 - main0, srv1 - srv0


def _proc_stats(pids: list[int]) -> tuple[float, float]:
    """CPU seconds and largest peak RSS (MB) of processes, from /proc (Linux)."""
    cpu, peak = 0.0, 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            cpu += (int(fields[11]) + int(fields[12])) / tick
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]) / 1024)
        except (OSError, IndexError, ValueError):
            continue
    return cpu, peak


def _extract_alone(pages: list[bytes], workers: int) -> tuple[float, float]:
    """Seconds to extract `pages` in this process (after a warm-up pass over a few of them:
    imports and the language model) and with an `Extractor` pool of `workers`."""
    items = [(p, f"http://bench.example/a/{i}") for i, p in enumerate(pages)]
    extract_batch(items[:20])
    start = time.perf_counter()
    for html, url in items:  # the extraction itself: trafilatura and the language
        extract_page(html, url)
    one = time.perf_counter() - start

    async def pool() -> float:
        ex = Extractor(workers)
        try:
            await asyncio.gather(*(ex.extract(b"<html></html>", "http://x/") for _ in range(8)))
            await ex.extract_many(items[:40])
            t0 = time.perf_counter()
            await ex.extract_many(items)
            return time.perf_counter() - t0
        finally:
            ex.close()

    return one, asyncio.run(pool())

"""`everyside bench ingest`: ingest throughput, extraction speed, unchanged-feed polling, memory."""

from __future__ import annotations

import os
import platform
from pathlib import Path

import typer

from everyside.bench.commands import bench_app as app
from everyside.bench.commands import console, err_console, state


@app.command("ingest")
def bench_ingest(
    ctx: typer.Context,
    feeds: int = typer.Option(50, help="Feeds with new articles."),
    per_feed: int = typer.Option(20, help="Articles per feed."),
    unchanged: int = typer.Option(10_000, help="Unchanged feeds polled with conditional GET."),
    concurrency: int = typer.Option(8, help="Requests in flight (all to the one local host)."),
    data: Path | None = typer.Option(
        None, help="JSONL of articles (shared/data format) for page text; default: generated."
    ),
) -> None:
    """Serve feeds and pages from a local server (a subprocess) and print the ingest figures."""
    from everyside.bench.ingest_run import run_bench

    say = lambda m: err_console.print(m, highlight=False)  # noqa: E731
    r = run_bench(state(ctx).settings(), feeds, per_feed, unchanged, data, say, concurrency)
    load = os.getloadavg()[0]
    console.print(
        f"machine: {os.cpu_count()} CPUs, {platform.machine()}, Python "
        f"{platform.python_version()}, load average {load:.1f} at the end"
    )
    console.print(
        f"end to end: {r.articles} articles in {r.seconds:.2f}s = "
        f"{r.articles_per_s:.1f} articles/s (fetch, parse, extract with "
        f"{r.workers} workers, dedupe, store); "
        f"{r.full_cpu_s / max(r.articles, 1) * 1000:.1f} ms CPU per article (client side: "
        f"{r.main_cpu_s / max(r.articles, 1) * 1000:.1f} in this process, "
        f"{(r.full_cpu_s - r.main_cpu_s) / max(r.articles, 1) * 1000:.1f} in the workers; "
        f"the local server: {r.server_cpu_s / max(r.articles, 1) * 1000:.1f}); "
        f"{r.robots_requests} robots.txt request(s) for {r.hosts} host(s)"
    )
    console.print(
        f"extraction alone on the same {r.extract_pages} pages (warm): "
        f"{r.extract_one_per_s:.1f} pages/s in one process (trafilatura and language), "
        f"{r.extract_pool_per_s:.1f} pages/s with the pool of {r.workers} "
        "(batches, text fingerprints included)"
    )
    console.print(
        f"ratio: ingest / extraction alone = {r.articles_per_s / r.extract_one_per_s:.2f}x "
        f"(one process; bar >= 0.5x), "
        f"{r.articles_per_s / r.extract_pool_per_s:.2f}x (the pool)"
    )
    console.print(
        f"unchanged feeds: {r.unchanged_feeds} conditional GETs (304) in "
        f"{r.unchanged_s:.2f}s = {r.unchanged_feeds / max(r.unchanged_s, 1e-9):.0f}/s; "
        f"{r.unchanged_cpu_s / max(r.unchanged_feeds, 1) * 1000:.2f} ms CPU per feed "
        f"(first fetch of them: {r.unchanged_first_s:.2f}s; bar < 60 s)"
    )
    console.print(
        f"peak memory: {r.peak_rss_mb:.0f} MB (this process), "
        f"{r.children_peak_rss_mb:.0f} MB (largest extraction worker)"
    )

"""`everyside feeds ...` (add, list, status, remove, import-opml, export-opml) and the top-level
`everyside ingest` command. Parse input, call everyside.ingest, print."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from everyside.cli.common import app as root
from everyside.cli.common import console, err_console, state
from everyside.errors import InputError

if TYPE_CHECKING:
    from everyside.ingest import RoundResult

app = typer.Typer(help="Manage the feeds everyside polls.", no_args_is_help=True)
root.add_typer(app, name="feeds")


def _now() -> datetime:
    return datetime.now(UTC)


def _when(dt: datetime | None) -> str:
    return dt.strftime("%Y-%m-%d %H:%M") if dt else "-"


@app.command("add")
def add(ctx: typer.Context, url: str = typer.Argument(..., help="Feed URL or homepage.")) -> None:
    """Add a feed (a homepage works too: its feeds are discovered)."""
    from everyside.ingest import add_feed

    st = state(ctx)
    feed = add_feed(st.store(), st.settings(), url, _now())
    console.print(
        f"feed #{feed.id} {feed.url} ({feed.kind or '?'}): {feed.title or ''}", highlight=False
    )


@app.command("list")
def list_cmd(ctx: typer.Context) -> None:
    """List the feeds."""
    from everyside.services.feeds import list_feeds

    with state(ctx).store().read() as conn:
        feeds = list_feeds(conn)
    table = Table("id", "url", "title", "kind", "origin", "active")
    for f in feeds:
        table.add_row(
            str(f.id), f.url, f.title or "", f.kind or "", f.origin, "yes" if f.active else "no"
        )
    console.print(table)
    console.print(f"{len(feeds)} feeds")


@app.command("status")
def status(
    ctx: typer.Context,
    errors_only: bool = typer.Option(False, "--errors", help="Failing feeds only."),
) -> None:
    """Last success, last error, error count and next check of each feed."""
    from everyside.services.feeds import list_feeds

    with state(ctx).store().read() as conn:
        feeds = [f for f in list_feeds(conn) if f.error_count or not errors_only]
    table = Table("id", "url", "last success", "errors", "last error", "next check", "every")
    for f in feeds:
        every = f"{f.interval_s / 60:.0f} min" if f.interval_s else "-"
        error = (f.last_error or "").replace(f"fetch {f.url}: ", "")
        error = error.replace(f"parse feed {f.url}: ", "")
        table.add_row(
            str(f.id),
            f.url,
            _when(f.last_success_at),
            str(f.error_count),
            error[:120],
            _when(f.next_check_at),
            every,
        )
    console.print(table)


@app.command("remove")
def remove(ctx: typer.Context, feed: str = typer.Argument(..., help="Feed id or URL.")) -> None:
    """Remove a feed (its articles stay)."""
    from everyside.services.feeds import delete_feed

    key: int | str = int(feed) if feed.isdigit() else feed
    if not state(ctx).store().write(lambda conn: delete_feed(conn, key)):
        raise InputError(f"no feed {feed!r}; see `everyside feeds list`")
    console.print(f"removed feed {feed}")


@app.command("import-opml")
def import_opml(
    ctx: typer.Context, file: Path = typer.Argument(..., exists=True, dir_okay=False)
) -> None:
    """Subscribe to every feed of an OPML file (checked at their first poll)."""
    from everyside.ingest import register_feeds
    from everyside.ingest.opml import parse_opml

    rows = parse_opml(file.read_bytes(), str(file))
    new = register_feeds(state(ctx).store(), [(u, t, None) for u, t in rows], _now(), "opml")
    console.print(f"{file}: {len(rows)} feeds, {new} new")


@app.command("export-opml")
def export_opml(
    ctx: typer.Context,
    file: Path = typer.Argument(..., dir_okay=False),
    all_feeds: bool = typer.Option(False, "--all", help="Include the bundled directory's feeds."),
) -> None:
    """Write your feeds (or all of them) to an OPML file."""
    from everyside.ingest.opml import write_opml
    from everyside.services.feeds import list_feeds

    with state(ctx).store().read() as conn:
        feeds = [f for f in list_feeds(conn) if all_feeds or f.origin != "bundled"]
    file.write_bytes(write_opml(feeds))
    console.print(f"wrote {len(feeds)} feeds to {file}")


@root.command("ingest")
def ingest(
    ctx: typer.Context,
    once: bool = typer.Option(False, "--once", help="Do one round and exit."),
    process: bool = typer.Option(True, help="Cluster and analyse the new articles after."),
    bundled: bool | None = typer.Option(
        None, "--bundled/--no-bundled", help="Poll the bundled directory's feeds too."
    ),
) -> None:
    """Poll the due feeds, fetch and extract new articles, store them, then cluster and analyse
    them (the same pipeline as `everyside import` and `everyside up`)."""
    import threading

    from everyside.ingest import run_loop, run_round
    from everyside.services import pipeline

    st = state(ctx)
    settings, store = st.settings(bundled_feeds=bundled), st.store()
    if pipeline.ensure_directory(store, _now()):  # outlets and ratings before articles
        pipeline.refresh_ratings(store, settings, _now())
    if not once:
        run_loop(store, settings, threading.Event(), _now, process=process, on_round=_print_round)
        return
    with Progress(
        TextColumn("polling feeds"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        task = bar.add_task("feeds", total=None)
        result = run_round(
            store,
            settings,
            _now(),
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    for url, msg in result.errors[:20]:
        err_console.print(f"[yellow]failed[/yellow] {url}: {msg}", highlight=False)
    _print_round(result)
    if not process:
        pipeline.record_round(store, result, _now())
        return
    report = pipeline.after_ingest(store, settings, result, _now())
    console.print(
        f"stories: {report.stories_changed} changed; coverage {report.coverage_updated}"
        f", summaries {report.summaries_updated} updated"
    )


def _print_round(result: RoundResult) -> None:
    console.print(
        f"{result.feeds} feeds polled in {result.seconds:.1f}s: {result.new} new articles, "
        f"{result.updated} updated, {result.not_modified} unchanged feeds, "
        f"{result.failed} failed feeds, {result.fallbacks} pages fell back to feed content"
    )

"""Top-level commands: up, serve, migrate, import, export, process, cluster, config."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from everyside.cli.common import app, console, err_console, state
from everyside.errors import ConfigError
from everyside.settings import SETTINGS

config_app = typer.Typer(help="Inspect the effective settings.", no_args_is_help=True)
app.add_typer(config_app, name="config")


def utcnow() -> datetime:
    """The wall clock, read here at the edge and passed down (aware UTC)."""
    return datetime.now(UTC)


@app.command()
def migrate(ctx: typer.Context) -> None:
    """Apply schema migrations (automatic for SQLite; required once for PostgreSQL)."""
    store = state(ctx).store(migrate=True)
    console.print(f"database is at schema revision {store.current_revision()}")


@app.command("import")
def import_cmd(
    ctx: typer.Context,
    files: list[Path] = typer.Argument(..., help="JSONL files (shared/data/stories format)."),
    process: bool = typer.Option(True, help="Cluster and analyse after importing."),
    errors: Path | None = typer.Option(
        None,
        "--errors",
        help="Write the skipped lines to this file as JSONL (path, line, reason, bytes, raw).",
    ),
    strict: bool = typer.Option(
        False, "--strict", help="Exit with status 1 when any line was skipped."
    ),
    verbose: bool = typer.Option(
        False, "-v", "--verbose", help="Log each stage and list every skipped line and warning."
    ),
) -> None:
    """Load articles from JSONL files into the store (idempotent), then cluster them.

    Each line is checked against the declared schema; a bad line is skipped and reported with
    its line number and the reason, and every good line is imported."""
    import logging

    from everyside.services.pipeline import import_files

    st = state(ctx)
    settings, store = st.settings(), st.store()
    total = sum(p.stat().st_size for p in files if p.is_file())
    quiet = logging.getLogger("everyside")
    level = quiet.level
    if not verbose:  # one progress bar and a table; the stages' log lines with -v
        quiet.setLevel(max(logging.WARNING, quiet.getEffectiveLevel()))
    try:
        with contextlib.ExitStack() as stack:
            on_bad = None
            if errors is not None:
                out = stack.enter_context(errors.open("w", encoding="utf-8"))

                def on_bad(bad: Any) -> None:
                    out.write(json.dumps(bad.as_json(), ensure_ascii=False) + "\n")

            bar = stack.enter_context(
                Progress(
                    TextColumn("importing"),
                    BarColumn(),
                    DownloadColumn(),
                    TimeRemainingColumn(),
                    console=err_console,
                    transient=True,
                )
            )
            task = bar.add_task("import", total=total or None)
            reports, processed = import_files(
                store,
                settings,
                files,
                utcnow(),
                progress=lambda n: bar.advance(task, n),
                process=process,
                on_bad=on_bad,
            )
    finally:
        quiet.setLevel(level)
    failed = 0
    table = Table("file", "lines", "new", "updated", "unchanged", "failed", "warnings")
    for r in reports:
        shown = r.errors if verbose else r.errors[:5]
        for msg in shown:
            err_console.print(f"skipped {msg}", highlight=False, markup=False, soft_wrap=True)
        if len(r.errors) > len(shown):
            err_console.print(
                f"... and {len(r.errors) - len(shown)} more skipped lines in {r.path} (-v lists "
                "them)"
            )
        if verbose:
            for msg in r.warnings:
                err_console.print(f"[dim]warning[/dim] {msg}", highlight=False)
        table.add_row(
            str(r.path),
            str(r.lines),
            str(r.inserted),
            str(r.updated),
            str(r.unchanged),
            str(r.failed),
            str(len(r.warnings)),
        )
        failed += r.failed
    console.print(table)
    if processed is not None:
        stages = Table("stories changed", "coverage updated", "summaries updated")
        stages.add_row(
            str(processed.stories_changed),
            str(processed.coverage_updated),
            str(processed.summaries_updated),
        )
        console.print(stages)
    if errors is not None and failed:
        console.print(
            f"{failed} skipped lines written to {errors}", highlight=False, soft_wrap=True
        )
    if strict and failed:
        raise typer.Exit(1)


@app.command()
def process(ctx: typer.Context) -> None:
    """Cluster articles without a story and analyse the stories that changed."""
    from everyside.services.pipeline import process_pending

    st = state(ctx)
    rep = process_pending(st.store(), st.settings(), utcnow())
    console.print(f"{rep.stories_changed} stories changed")


@app.command()
def cluster(
    ctx: typer.Context,
    repair: bool = typer.Option(True, "--repair/--no-repair", help="Run the repair pass after."),
) -> None:
    """Assign stored articles that have no story yet, then merge/split stories (repair)."""
    from everyside.services.stories import assign_pending, repair_stories

    st = state(ctx)
    store, settings = st.store(), st.settings()
    now = datetime.now(UTC)
    changed = assign_pending(store, settings, now)
    console.print(f"assigned: {len(changed)} stories changed")
    if repair:
        repaired = repair_stories(store, settings, now)
        console.print(f"repair: {len(repaired)} stories merged or split")


@app.command()
def export(
    ctx: typer.Context,
    out: Path = typer.Argument(..., help="Output file."),
    what: str = typer.Option("articles", "--what", help="articles | outlets | stories"),
    fmt: str = typer.Option("", "--format", help="jsonl | csv | parquet (default: from suffix)"),
) -> None:
    """Write articles, outlets or stories as JSONL, CSV or Parquet."""
    from everyside.services.exporter import export as do_export

    fmt = fmt or out.suffix.lstrip(".").lower()
    n = do_export(state(ctx).store(), what, fmt, out)
    console.print(f"wrote {n} {what} to {out}")


@config_app.command("show")
def config_show(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    show_all: bool = typer.Option(False, "--all", help="Every setting, not only changed ones."),
) -> None:
    """Print the settings that differ from the defaults (all of them with --all), secrets
    redacted, and where each value came from."""
    settings = state(ctx).settings()
    values = settings.redacted() if show_all else settings.changed()
    if as_json:
        console.print_json(json.dumps(values))
        return
    table = Table("setting", "value", "from", "environment variable", "help")
    for s in SETTINGS:
        if s.name in values:
            table.add_row(s.name, str(values[s.name]), settings.origins[s.name], s.env, s.help)
    if values:
        console.print(table)
    else:
        console.print("every setting has its default value (--all lists them)")
    console.print(f"database: {settings.redacted()['database_url'] or settings.db_url}")


def _serve(settings, store, stop: threading.Event | None = None) -> None:  # type: ignore[no-untyped-def]
    import uvicorn

    from everyside.services import mail
    from everyside.web import create_app

    web = create_app(settings, store)
    mailer = None
    if mail.configured(settings):  # briefings, alerts and reset links, beside (never in) ingest
        es = web.state.es
        mailer = mail.MailWorker(store, settings, es.key, es.base_url, utcnow).start()
    config = uvicorn.Config(
        web,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        access_log=False,
    )
    server = uvicorn.Server(config)
    url = f"http://{settings.host}:{settings.port}"
    console.print(f"starting the web server on {url} ...")

    def announce() -> None:  # once the socket listens, not before
        while not server.started and not server.should_exit:
            time.sleep(0.1)
        if server.started:
            console.print(f"everyside is ready: open {url}", highlight=False)

    threading.Thread(target=announce, daemon=True, name="announce").start()
    # uvicorn re-raises Ctrl-C after its graceful shutdown: that is a normal end
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    if mailer is not None:
        mailer.stop()
    if stop is not None:
        stop.set()


@app.command()
def serve(
    ctx: typer.Context,
    host: str | None = typer.Option(None, "--host", help="Listen address."),
    port: int | None = typer.Option(None, "--port", help="Listen port."),
) -> None:
    """Serve the web app and the API (no ingestion)."""
    st = state(ctx)
    settings = st.settings(host=host, port=port)
    _serve(settings, st.store())


@app.command()
def up(
    ctx: typer.Context,
    host: str | None = typer.Option(None, "--host", help="Listen address."),
    port: int | None = typer.Option(None, "--port", help="Listen port."),
    ingest: bool | None = typer.Option(None, "--ingest/--no-ingest", help="Run the ingest loop."),
    distributed: bool | None = typer.Option(
        None,
        "--distributed/--in-process",
        help="Publish the due feeds for `everyside worker` processes (Celery on RabbitMQ, "
        "PostgreSQL) instead of ingesting and analysing in this process.",
    ),
) -> None:
    """Ingest and serve: the whole system in one process (SQLite by default)."""
    st = state(ctx)
    settings = st.settings(host=host, port=port, ingest=ingest, distributed=distributed)
    store = st.store()
    stop = threading.Event()
    if settings.distributed:
        background = _distributed_background(settings, store, stop)
    else:
        from everyside.ingest import run_background

        def background() -> None:
            run_background(store, settings, stop, utcnow)

    # Directory sync, analysis of what arrived while we were down, then the ingest loop (or,
    # distributed, the publishing of due feeds): all in the background, so the pages are
    # served from the first second.
    worker = threading.Thread(target=background, name="everyside-ingest", daemon=True)
    worker.start()
    try:
        _serve(settings, store, stop)
    finally:
        stop.set()
        worker.join(timeout=30)


def _distributed_background(settings, store, stop: threading.Event):  # type: ignore[no-untyped-def]
    """The scheduler of the distributed shape, after checking the broker here: a broker that
    is down stops `up` with a clear message instead of serving a system that never ingests."""
    try:
        from everyside.distributed.app import check_broker, make_app
        from everyside.distributed.scheduler import run_scheduler
    except ImportError as e:
        raise ConfigError(
            f"--distributed needs the distributed extra ({e}); pip install 'everyside[distributed]'"
        ) from None
    if store.is_sqlite:
        raise ConfigError(
            "--distributed needs PostgreSQL: set database_url (EVERYSIDE_DATABASE_URL) to the "
            "postgresql:// URL the workers share"
        )
    check_broker(make_app(settings), settings)

    def run() -> None:
        if not settings.ingest:
            return
        try:
            run_scheduler(store, settings, stop, utcnow)
        except Exception:
            import logging

            logging.getLogger("everyside").exception("the distributed scheduler stopped")

    return run


@app.command()
def worker(
    ctx: typer.Context,
    queues: str = typer.Option(
        "ingest,assign,analyse",
        "--queues",
        "-Q",
        help="Comma-separated work to take: ingest (poll feeds, fetch and write articles), "
        "assign (an assigner candidate beside the pool: one holds the lock and assigns for "
        "the whole system), analyse (coverage and summaries).",
    ),
    concurrency: int = typer.Option(
        1, "--concurrency", "-c", min=1, help="Worker processes (one task at a time each)."
    ),
    name: str | None = typer.Option(None, "--name", help="Node name (default: random@host)."),
) -> None:
    """Run a pipeline worker of the distributed shape (Celery on RabbitMQ, PostgreSQL store;
    the `distributed` extra, docs/deploy.md)."""
    try:
        from everyside.distributed.worker import run_worker
    except ImportError as e:
        raise ConfigError(
            f"`everyside worker` needs the distributed extra ({e}); "
            "pip install 'everyside[distributed]'"
        ) from None
    st = state(ctx)
    raise typer.Exit(run_worker(st.settings(), queues, concurrency, name))

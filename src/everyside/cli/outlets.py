"""`everyside outlets ...`, `everyside ratings ...` and `everyside registry ...` commands.

Commands that read or extend the outlet directory in the store first make sure the store holds
the current bundled directory (a no-op unless the bundled data changed).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from everyside.cli.common import app as root
from everyside.cli.common import console, err_console, state
from everyside.domain.model import bias_tier, factuality_tier
from everyside.domain.places import country_code, country_name
from everyside.errors import InputError

if TYPE_CHECKING:
    from everyside.services.directory import OutletRow
    from everyside.services.outlet_files import ImportReport
    from everyside.store import Store

app = typer.Typer(help="Browse and extend the outlet directory.", no_args_is_help=True)
ratings_app = typer.Typer(help="Import ratings from other raters.", no_args_is_help=True)
registry_app = typer.Typer(
    help="Build, sync and measure the bundled directory.", no_args_is_help=True
)
root.add_typer(app, name="outlets")
root.add_typer(ratings_app, name="ratings")
root.add_typer(registry_app, name="registry")


def _now() -> datetime:
    return datetime.now(UTC)


def _store(ctx: typer.Context) -> Store:
    from everyside.services.directory import ensure_directory

    store = state(ctx).store()
    ensure_directory(store, _now())
    return store


def _fmt_bias(value: float | None, spread: float | None = None) -> str:
    if value is None:
        return "unrated"
    text = f"{bias_tier(value)} ({value:+.2f})"
    return text + (f" ±{spread:.1f}" if spread else "")


def _fmt_fact(value: float | None) -> str:
    return "-" if value is None else f"{factuality_tier(value)} ({value:.1f})"


def _table(rows: list[OutletRow], title: str) -> Table:
    t = Table(title=title)
    for col in ("domain", "name", "country", "bias", "factuality", "origin"):
        t.add_column(col)
    for r in rows:
        t.add_row(
            r.domain,
            r.name,
            country_name(r.country) if r.country else "-",
            _fmt_bias(r.bias, r.bias_spread),
            _fmt_fact(r.factuality),
            r.origin,
        )
    return t


@app.command("list")
def list_cmd(
    ctx: typer.Context,
    country: str | None = typer.Option(
        None, "--country", help="ISO code or name: GB, United Kingdom."
    ),
    rated: bool = typer.Option(False, "--rated", help="Only outlets with a bias rating."),
    limit: int = typer.Option(50, "--limit", help="At most this many (0 = all)."),
) -> None:
    """List outlets by domain."""
    from everyside.services.directory import list_outlets

    with _store(ctx).read() as conn:
        code = (country_code(country) or country.upper()) if country else None
        rows = list_outlets(conn, country=code, rated=rated, limit=limit or None)
    console.print(_table(rows, f"{len(rows)} outlets"))


@app.command("search")
def search_cmd(ctx: typer.Context, text: str, limit: int = typer.Option(50, "--limit")) -> None:
    """Outlets whose name or domain contains TEXT."""
    from everyside.services.directory import search_outlets

    with _store(ctx).read() as conn:
        rows = search_outlets(conn, text, limit)
    console.print(_table(rows, f"{len(rows)} outlets matching {text!r}"))


@app.command("show")
def show_cmd(ctx: typer.Context, domain: str) -> None:
    """Everything known about one outlet (DOMAIN, alias or URL)."""
    from everyside.services.directory import get_outlet
    from everyside.services.lean import outlet_estimates

    with _store(ctx).read() as conn:
        found = get_outlet(conn, domain)
        estimates = outlet_estimates(conn, found[1].id) if found is not None else {}
    if found is None:
        raise InputError(f"no outlet for {domain!r}; try `everyside outlets search`")
    o, row = found
    console.print(f"[bold]{o.name}[/bold]  {o.domain}  ({row.origin})")
    console.print(
        f"country {country_name(o.country) if o.country else '-'} · "
        f"language {o.language or '-'} · scope "
        f"{o.scope or '-'} · type {o.media_type or '-'} · homepage {o.homepage or '-'}"
    )
    console.print(
        f"bias: {_fmt_bias(row.bias, row.bias_spread)}   factuality: {_fmt_fact(row.factuality)}"
    )
    t = Table(title="ratings")
    for col in ("axis", "rater", "raw", "mapped", "date", "provenance"):
        t.add_column(col)
    for r in o.ratings:
        mapped = (
            "-"
            if r.value is None
            else (bias_tier(r.value) if r.axis == "bias" else factuality_tier(r.value))
        )
        value = "" if r.value is None else f" ({r.value:g})"
        t.add_row(r.axis, r.rater, r.raw, mapped + value, r.rated_on or "-", r.provenance)
    console.print(t)
    for axis, e in estimates.items():
        console.print(f"estimated {axis}: {_estimate_line(e)}")
    for w in o.ownership:
        console.print(f"owner: {w.owner} — {w.category}  [dim]{w.provenance}[/dim]")
    console.print("aliases: " + (", ".join(o.aliases) or "-"))
    console.print("feeds: " + (", ".join(o.feeds) or "-"))


def _estimate_line(e: dict) -> str:
    if e["status"] != "estimated":
        return str(e["sentence"])
    value = f"{e['value']:+.2f}" if e["axis"] == "bias" else f"{e['value']:.2f}"
    return (
        f"{e['label']} ({value}; {e['methods']}; expected error ±{e['expected_error']:.2f}, "
        f"guessing ±{e['baseline_error']:.2f}) — {e['sentence']} [dim]({e['computed_at']})[/dim]"
    )


@app.command("estimate")
def estimate_cmd(ctx: typer.Context) -> None:
    """Recompute the estimated lean and factuality of every unrated outlet now."""
    from everyside.services.lean import refresh_estimates

    rep = refresh_estimates(_store(ctx), _now())
    for axis in ("bias", "factuality"):
        console.print(
            f"{axis}: {rep.estimated[axis]} outlets estimated, "
            f"{rep.insufficient[axis]} with articles but not enough evidence"
        )


@app.command("add")
def add_cmd(
    ctx: typer.Context,
    domain: str,
    name: str = typer.Option(..., "--name", help="Display name."),
    country: str | None = typer.Option(None, "--country", help="ISO 3166-1 alpha-2."),
    language: str | None = typer.Option(None, "--language", help="ISO 639-1."),
    scope: str | None = typer.Option(None, "--scope", help="local | national | international"),
    media_type: str | None = typer.Option(None, "--media-type"),
    feed: list[str] = typer.Option([], "--feed", help="Feed URL (repeatable)."),
) -> None:
    """Add (or update) an outlet of your own; it survives updates of the bundled data."""
    from everyside.services.directory import add_outlet

    oid = add_outlet(
        _store(ctx),
        domain,
        name,
        _now(),
        country=country,
        language=language,
        scope=scope,
        media_type=media_type,
        feed_urls=tuple(feed),
    )
    console.print(f"outlet {domain} saved (id {oid})")


@app.command("export")
def export_cmd(
    ctx: typer.Context,
    file: Path,
    fmt: str = typer.Option("json", "--format", help="json | csv"),
) -> None:
    """Write every outlet with its ratings, ownership, aliases and feeds to FILE."""
    from everyside.services.outlet_files import export_records, write_export

    with _store(ctx).read() as conn:
        records = export_records(conn)
    write_export(records, file, fmt)
    console.print(f"{len(records)} outlets written to {file}")


def _print_report(report: ImportReport, what: str) -> None:
    for message in report.errors:
        err_console.print(f"[yellow]skipped[/yellow] {message}", highlight=False)
    console.print(f"{report.path}: {report.ok} {what} imported, {len(report.errors)} skipped")


@app.command("import")
def import_cmd(ctx: typer.Context, file: Path) -> None:
    """Load outlets from a file written by `outlets export` (JSON or CSV)."""
    from everyside.services.outlet_files import import_records

    report = import_records(_store(ctx), file, _now())
    _print_report(report, "outlets")
    if report.errors:
        raise typer.Exit(1)


@ratings_app.command("import")
def ratings_import_cmd(
    ctx: typer.Context,
    file: Path,
    rater: str = typer.Option(..., "--rater", help="Name of the rater, e.g. my-panel."),
) -> None:
    """Load ratings from a CSV with columns domain,axis,label[,value,date]."""
    from everyside.services.outlet_files import import_ratings

    report = import_ratings(_store(ctx), rater, file, _now())
    _print_report(report, "ratings")
    if report.errors:
        raise typer.Exit(1)


@registry_app.command("build")
def build_cmd(
    shared: Path = typer.Option(
        Path("../shared/data"), "--shared", help="The shared data folder (holding outlets/)."
    ),
) -> None:
    """Compile shared/data/outlets/* into the bundled directory files."""
    from everyside.registry.build import build

    if not (shared / "outlets").is_dir() and not shared.is_dir():
        raise InputError(f"{shared} is not a folder; pass --shared path/to/shared/data")
    counts = build(shared)
    for key, value in counts.items():
        console.print(f"{key}: {value:,}")


@registry_app.command("sync")
def sync_cmd(
    ctx: typer.Context, force: bool = typer.Option(False, "--force", help="Sync even if unchanged.")
) -> None:
    """Copy the bundled directory into the store (normally automatic)."""
    from everyside.registry import load_directory
    from everyside.services.directory import sync_directory

    result = sync_directory(state(ctx).store(), load_directory(), _now(), force=force)
    console.print(result)


@registry_app.command("stats")
def stats_cmd(files: list[Path]) -> None:
    """Share of articles (and outlets) in JSONL FILEs whose outlet has a bias rating."""
    from everyside.registry import load_directory
    from everyside.registry.stats import coverage_of_file

    directory = load_directory()
    t = Table(title="bias-rated coverage")
    for col in ("file", "articles", "matched", "bias-rated", "by article", "outlets", "by outlet"):
        t.add_column(col)
    for path in files:
        c = coverage_of_file(directory, path)
        t.add_row(
            str(path),
            str(c.articles),
            str(c.matched),
            str(c.bias_rated),
            f"{c.article_share:.1%}",
            str(len(c.outlets)),
            f"{c.outlet_share:.1%}",
        )
        if c.bad_lines:
            err_console.print(f"{path}: {c.bad_lines} malformed lines skipped")
    console.print(t)


@registry_app.command("bench")
def bench_cmd(
    lookups: int = typer.Option(200_000, "--lookups", help="URLs to match."),
    sync: bool = typer.Option(
        True,
        "--sync/--no-sync",
        help="Also time a sync into a fresh SQLite database in a temporary folder.",
    ),
) -> None:
    """Print load time, match throughput and sync time of the bundled directory."""
    import tempfile
    import time

    from everyside.registry import load_directory
    from everyside.registry.directory import _load
    from everyside.services.directory import sync_directory
    from everyside.store import open_store

    _load.cache_clear()
    start = time.perf_counter()
    directory = load_directory()
    console.print(f"load: {len(directory):,} outlets in {time.perf_counter() - start:.2f} s")
    hosts = sorted(directory.outlets)
    urls = [f"https://www.{hosts[i % len(hosts)]}/news/{i}?utm_source=x" for i in range(lookups)]
    start = time.perf_counter()
    found = sum(directory.match(u) is not None for u in urls)
    rate = lookups / (time.perf_counter() - start)
    console.print(f"match: {rate:,.0f} lookups/s ({found:,} of {lookups:,} found)")
    if sync:
        with tempfile.TemporaryDirectory() as tmp:
            store = open_store(f"sqlite:///{tmp}/bench.db")
            try:
                for label, force in (
                    ("first sync", False),
                    ("unchanged", False),
                    ("forced re-sync", True),
                ):
                    start = time.perf_counter()
                    sync_directory(store, directory, _now(), force=force)
                    console.print(f"{label}: {time.perf_counter() - start:.2f} s")
            finally:
                store.close()

"""`everyside stories ...`: list stories (or blindspots), show one story's full coverage in the
terminal, and (re)compute coverage. Parsing and printing only; what is shown comes from the read
model (`everyside.services.read`) that the web pages and the API show too."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import typer
from rich import box
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from everyside.cli.common import app as root
from everyside.cli.common import console, state
from everyside.domain.percent import percentages
from everyside.domain.places import country_name
from everyside.domain.times import parse_iso
from everyside.errors import EverysideError

app = typer.Typer(help="List stories and show their coverage.", no_args_is_help=True)
root.add_typer(app, name="stories")

SIDES = ("left", "center", "right")
LABELS = {"left": "Left", "center": "Center", "right": "Right"}


class StoryNotFoundError(EverysideError):
    pass


def _colors(settings: Any) -> dict[str, str]:
    out = {"left": "#1f5fbf", "center": "#6b6b6b", "right": "#c0392b"}
    for part in str(settings.side_colors).split(","):
        if "=" in part:
            k, v = part.split("=", 1)
            out[k.strip()] = v.strip()
    return out


def bar(shares: dict[str, float | None], colors: dict[str, str], width: int = 30) -> Text:
    """A coloured L/C/R bar with the percentages written out (never colour alone)."""
    text = Text()
    for side in SIDES:
        n = round((shares.get(side) or 0) * width)
        text.append("█" * n, style=colors[side])
    whole = _pcts(shares)
    text.append("  " + "  ".join(f"{LABELS[s]} {whole[s]}" for s in SIDES))
    return text


def small_bar(shares: dict[str, float | None], colors: dict[str, str]) -> Text:
    """A 10-cell bar plus "L20 C40 R40" (percentages, so colour is never the only cue)."""
    text = Text()
    for side in SIDES:
        text.append("█" * round((shares.get(side) or 0) * 10), style=colors[side])
    whole = _pcts(shares)
    labels = (f"{LABELS[s][0]}{whole[s].rstrip('%')}" for s in SIDES)
    return text.append(" " + " ".join(labels))


def _pct(v: float | None) -> str:
    return "–" if v is None else f"{round(v * 100)}%"


def _pcts(shares: dict[str, float | None]) -> dict[str, str]:
    """Whole percentages that sum to 100 (largest remainder), as the web page shows them."""
    whole = percentages({s: shares.get(s) for s in SIDES})
    return {s: "–" if v is None else f"{v}%" for s, v in whole.items()}


def _when(v: Any) -> str:
    dt = parse_iso(v)
    return dt.strftime("%Y-%m-%d %H:%M") if dt else "–"


@app.command("list")
def list_cmd(
    ctx: typer.Context,
    blindspots: bool = typer.Option(False, "--blindspots", help="Only blindspot stories."),
    side: str | None = typer.Option(None, help="With --blindspots: the side that missed it."),
    limit: int = typer.Option(20, help="How many stories."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line."),
) -> None:
    """Most recent stories with their Left/Center/Right coverage."""
    from everyside.services import read

    if side not in (None, "left", "right"):
        raise typer.BadParameter("--side is left or right")
    st = state(ctx)
    colors = _colors(st.settings())
    f = read.StoryFilter(blindspot=side or "any") if blindspots or side else read.StoryFilter()
    with st.store().read() as conn:
        rows = read.list_stories(conn, f, limit=limit)
    if as_json:
        for r in rows:
            console.print_json(json.dumps(r, default=str))
        return
    table = Table(title="Blindspots" if blindspots else "Stories", box=box.SIMPLE_HEAD)
    table.add_column("id", justify="right", no_wrap=True, min_width=3)
    table.add_column("headline", overflow="ellipsis", no_wrap=True, max_width=30)
    table.add_column("rated", justify="right", no_wrap=True, min_width=5)
    table.add_column("Left / Center / Right", no_wrap=True, min_width=22)
    table.add_column("missed by", no_wrap=True, min_width=9)
    for r in rows:
        spot = LABELS[r["blindspot"]] if r["blindspot"] else ""
        rated = f"{r['rated_outlets'] or 0}/{r['outlet_count'] or 0}"
        table.add_row(str(r["id"]), r["headline"], rated, small_bar(r["shares"], colors), spot)
    console.print(table)


@app.command("analyse")
def analyse_cmd(
    ctx: typer.Context,
    story_ids: list[int] = typer.Argument(None, help="Stories to analyse (default: stale)."),
    all_stories: bool = typer.Option(False, "--all", help="Recompute every story."),
) -> None:
    """(Re)compute stored coverage: of the given stories, every story, or the stale ones."""
    from everyside.services import coverage as cs

    st = state(ctx)
    store = st.store()
    ids: list[int] | None = list(story_ids or [])
    if all_stories:
        ids = None
    elif not ids:
        with store.read() as conn:
            ids = cs.stale_story_ids(conn)
    n = cs.update_coverage(store, st.settings(), ids, datetime.now(UTC))
    console.print(f"coverage written for {n} stories")


@app.command("show")
def show_cmd(
    ctx: typer.Context,
    story_id: int = typer.Argument(..., help="Story id (see `everyside stories list`)."),
    as_json: bool = typer.Option(False, "--json", help="Print the coverage document."),
) -> None:
    """Everything about one story: sources, bias, factuality, ownership, who broke it,
    countries, blindspot, location, topics, timeline, outlets and articles."""
    from everyside.services import coverage as cs
    from everyside.services import read

    st = state(ctx)
    with st.store().read() as conn:
        if read.get_story(conn, story_id) is None:
            raise StoryNotFoundError(f"no story {story_id}; see `everyside stories list`")
        if cs.get_coverage(conn, story_id) is None:
            raise StoryNotFoundError(
                f"story {story_id} has no coverage yet; run `everyside stories analyse {story_id}`"
            )
        detail = read.story_detail(conn, story_id, st.settings(), datetime.now(UTC), document=True)
    assert detail is not None
    if as_json:  # the read model, as /api/v1/stories/N shows it, plus the coverage document
        detail.pop("articles")
        console.print_json(json.dumps(detail, default=str))
        return
    _print_story(detail, _colors(st.settings()))


def _print_story(detail: dict[str, Any], colors: dict[str, str]) -> None:
    story, doc, summary = detail["story"], detail["document"], detail["summary"]
    titles = {a["id"]: a.get("title") for a in detail["articles"]}
    similar = detail["similar"]
    loc = doc.get("location") or {}
    first = doc.get("broke_the_news") or {}
    dateline = " · ".join(x for x in (loc.get("label", "").upper(), _when(first.get("at"))) if x)
    title = Text(story["headline"], style="bold")
    console.print(Panel(title, subtitle=dateline, subtitle_align="left"))
    if summary.get("bullets"):
        for b in summary["bullets"][:5]:
            console.print(f" • {b['text']}")
        console.print("[dim](machine-written summary)[/dim]")
    _print_sources(doc, colors)
    _print_distributions(doc)
    _print_facts(doc, first)
    _print_outlets(doc, colors)
    _print_articles(doc, titles)
    if doc["topics"]:
        console.print("Topics: " + ", ".join(x["tag"] for x in doc["topics"]))
    if similar:
        console.print(
            "Similar stories: " + "; ".join(f"#{x['id']} {x['headline'][:50]}" for x in similar)
        )


def _print_sources(doc: dict, colors: dict[str, str]) -> None:
    src, bias = doc["sources"], doc["bias"]
    console.print(
        f"[bold]{src['articles']} articles[/bold] from {src['total']} sources: "
        f"{src['rated']} rated, {src['unrated']} unrated"
        f" ({src['estimated']} with an estimated bias); {src['original_articles']} original, "
        f"{src['copies']} syndicated copies"
    )
    console.print(bias["plurality"])
    console.print(Text("by outlet   ").append(bar(bias["by_outlet"]["shares"], colors)))
    console.print(Text("by article  ").append(bar(bias["by_article"]["shares"], colors)))
    est = doc["estimated_bias"]
    if est["outlets"]:
        c = est["counts"]
        console.print(
            f"[dim]estimated (not counted above): {c['left']} Left, "
            f"{c['center']} Center, {c['right']} Right[/dim]"
        )


def _print_distributions(doc: dict) -> None:
    grid = Table.grid(padding=(0, 3))
    tiers = Table("bias tier", "outlets", title="Bias (7 tiers)")
    for k, v in doc["bias"]["tiers"]["counts"].items():
        tiers.add_row(k, str(v))
    fact = Table("factuality", "outlets", title="Factuality")
    for k, v in doc["factuality"]["counts"].items():
        fact.add_row(k, str(v))
    own = Table("ownership", "outlets", title="Ownership")
    for k, v in doc["ownership"]["counts"].items():
        own.add_row(k, str(v))
    grid.add_row(tiers, fact, own)
    console.print(grid)


def _print_facts(doc: dict, first: dict) -> None:
    if first:
        where = f" in {country_name(first['country'])}" if first.get("country") else ""
        console.print(
            f"[bold]{first['name']}[/bold] broke the news{where} on "
            f"{_when(first['at'])} UTC [dim]({first['reason']})[/dim]"
        )
    if doc["countries"]["sentence"]:
        console.print(doc["countries"]["sentence"])
    spot = doc["blindspot"]
    if spot["flagged"]:
        console.print(
            f"[bold yellow]Blindspot[/bold yellow]: missed by the {LABELS[spot['missed_by']]} "
            f"({_pct(spot['missing_share'])} of rated sources); covering side's factuality: "
            f"{spot.get('covering_factuality_tier', 'Unknown')}"
        )
    else:
        console.print(
            f"Not a blindspot (needs ≥ {spot['min_rated']} rated sources and a side "
            f"≤ {_pct(spot['threshold'])})"
        )
    points = doc["timeline"]["points"]
    if points:
        tl = Table(
            "time",
            *[LABELS[s] for s in SIDES],
            "unrated",
            title=f"Articles per {doc['timeline']['bucket']}",
        )
        for p in points[-24:]:
            tl.add_row(_when(p["t"]), *(str(p[s]) for s in SIDES), str(p["unrated"]))
        console.print(tl)


def _print_outlets(doc: dict, colors: dict[str, str]) -> None:
    table = Table(
        "outlet",
        "bias",
        "raters / spread",
        "factuality",
        "owner",
        "country",
        "articles",
        title="Sources",
    )
    for o in doc["outlets"]:
        if o["side"]:
            lean = Text(o["bias_tier"], style=colors[o["side"]])
        elif o["estimated_side"]:
            lean = Text(f"estimated {LABELS[o['estimated_side']]}", style="dim italic")
        else:
            lean = Text("unrated", style="dim")
        spread = (
            f"{o['bias_raters']} / {o['bias_spread']:g}" if o["bias_spread"] is not None else "–"
        )
        table.add_row(
            o["name"],
            lean,
            spread,
            o["factuality_tier"],
            o["owner"] or o["owner_category"],
            o["country"] or "–",
            f"{o['original_articles']}/{o['articles']}",
        )
    console.print(table)


def _print_articles(doc: dict, titles: dict) -> None:
    table = Table("id", "outlet", "side", "published", "headline", "note", title="Articles")
    for a in doc["articles"]:
        note = (
            f"reposted by {a['reposted_by']}"
            if a["reposted_by"]
            else (f"copy of #{a['copy_of']}" if not a["original"] else "")
        )
        table.add_row(
            str(a["id"]),
            a["outlet"],
            a["side"] or "–",
            _when(a["published_at"]),
            (titles.get(a["id"]) or "")[:70],
            note,
        )
    console.print(table)

"""`everyside bench summaries [FILE]`: time the default (extractive) summariser on big stories.

Builds stories of `--articles` articles from a labelled JSONL file (default
`../shared/data/stories/allsides_dev.jsonl`): each synthetic article stitches `--paragraphs`
real lead paragraphs together, so a 50-article story has article-length texts (about 30
sentences each) from 50 outlets on three sides. Prints timings; asserts nothing.
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from everyside.bench.commands import bench_app as app
from everyside.bench.commands import console
from everyside.errors import InputError

if TYPE_CHECKING:
    from everyside.domain.summarize import SourceArticle

DEFAULT_FILE = Path("../shared/data/stories/allsides_dev.jsonl")
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def build_story(
    texts: list[str], titles: list[str], articles: int, paragraphs: int, offset: int
) -> list[SourceArticle]:
    """`articles` synthetic articles, each `paragraphs` real paragraphs long."""
    from everyside.domain.summarize import SourceArticle
    from everyside.domain.summarize.model import SIDES

    story = []
    for n in range(articles):
        first = (offset + n * paragraphs) % len(texts)
        body = "\n\n".join(texts[(first + p) % len(texts)] for p in range(paragraphs))
        story.append(
            SourceArticle(
                id=n,
                title=titles[first],
                text=body,
                outlet=f"outlet{n}.example",
                side=SIDES[n % 3],
                factuality=float(n % 5),
                published_at=T0 + timedelta(minutes=n),
            )
        )
    return story


@app.command("summaries")
def bench_summaries(
    file: Path = typer.Argument(DEFAULT_FILE, help="Labelled articles (JSONL) to take text from."),
    articles: int = typer.Option(50, "--articles", help="Articles per story."),
    paragraphs: int = typer.Option(6, "--paragraphs", help="Lead paragraphs per article."),
    stories: int = typer.Option(5, "--stories", help="Stories to time."),
) -> None:
    """Seconds to summarise a story of N articles in the default mode."""
    from everyside.bench.eval_summaries import read_jsonl
    from everyside.domain.summarize import summarize_story
    from everyside.domain.summarize.model import candidates

    if not file.is_file():
        raise InputError("no such file; pass a stories/*.jsonl file with texts", path=str(file))
    rows = [r for r in read_jsonl(file) if r.get("text")]
    if not rows:
        raise InputError("no article with a text", path=str(file))
    texts, titles = [r["text"] for r in rows], [r.get("title") or "" for r in rows]
    summarize_story(build_story(texts, titles, 3, 1, 0), T0)  # warm-up (imports, caches)
    timings, sizes = [], []
    for s in range(stories):
        story = build_story(texts, titles, articles, paragraphs, s * 997)
        sizes.append(len(candidates(story)))
        start = time.perf_counter()
        summarize_story(story, T0)
        timings.append(time.perf_counter() - start)
    table = Table(title=f"Extractive summary of a {articles}-article story ({stories} stories)")
    for col in ("sentences (median)", "median s", "max s"):
        table.add_column(col, justify="right")
    table.add_row(
        str(int(statistics.median(sizes))),
        f"{statistics.median(timings):.3f}",
        f"{max(timings):.3f}",
    )
    console.print(table)

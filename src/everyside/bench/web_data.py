"""A big synthetic database for `everyside bench web`: N stories and M articles whose titles and
snippets are recombined from the dev files in ../shared/data (generated at run time into a
temporary file; nothing is copied into the repository).

Rows go in through the raw sqlite3 driver in large transactions (the schema, FTS triggers
included, comes from the normal migrations), with coverage and summary documents of the same
shape the services store, so that pages do the same work as on a real database.
"""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

from everyside.domain.model import bias_side

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "stories"
ANCHOR = datetime(2026, 3, 1, 12, 0)
OUTLETS = 3000
SIZES = (3, 5, 8, 12, 20, 30, 62)  # mean 20 articles per story
CATEGORIES = ("Independent", "Media Conglomerate", "Corporation", "Wealthy Individual")


def _templates() -> list[tuple[str, str]]:
    out = []
    for name in ("allsides_dev.jsonl", "uci_dev.jsonl"):
        path = DATA / name
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row.get("title"):
                out.append((row["title"], (row.get("text") or row["title"])[:280]))
    return out or [(f"Synthetic headline {i}", "A synthetic snippet.") for i in range(100)]


def _outlets(rng: random.Random) -> list[tuple]:
    rows = []
    for i in range(1, OUTLETS + 1):
        bias = round(rng.uniform(-3, 3), 2) if rng.random() < 0.6 else None
        fact = round(rng.uniform(0, 4), 2) if bias is not None else None
        rows.append(
            (
                i,
                f"outlet{i}.example",
                f"Outlet {i}",
                rng.choice(("US", "GB", "FR")),
                bias,
                0.5 if bias is not None else None,
                fact,
            )
        )
    return rows


def build_bench_db(
    path: Path, articles: int, stories: int, progress: Callable[[str], None] = print
) -> None:
    from everyside.store import open_store

    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    open_store(f"sqlite:///{path}").close()  # schema and FTS triggers from the migrations
    rng = random.Random(42)
    tpl = _templates()
    outlets = _outlets(rng)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")
    conn.executemany(
        "INSERT INTO outlets (id, domain, name, country, bias, bias_spread, factuality, origin,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'bundled', ?, ?)",
        [(*o, ANCHOR, ANCHOR) for o in outlets],
    )
    conn.executemany(
        "INSERT INTO ownership (outlet_id, owner, category, provenance) VALUES (?, ?, ?, 'bench')",
        [(o[0], f"Owner {o[0] % 400}", CATEGORIES[o[0] % 4]) for o in outlets],
    )
    sizes = _sizes(articles, stories)
    aid = 0
    for start in range(0, stories, 2000):
        batch = range(start, min(start + 2000, stories))
        rows, story_rows, cov_rows, sum_rows = [], [], [], []
        for s in batch:
            arts = list(_story_articles(rng, tpl, outlets, s, sizes[s], aid))
            aid += len(arts)
            rows += arts
            story_rows.append(_story_row(s, arts))
            cov_rows.append(_coverage_row(s, arts, outlets))
            sum_rows.append(_summary_row(s, arts))
        _insert(conn, story_rows, rows, cov_rows, sum_rows)
        progress(f"{batch.stop:,} stories, {aid:,} articles")
    conn.execute("ANALYZE")
    conn.close()


def _sizes(articles: int, stories: int) -> list[int]:
    sizes = [SIZES[i % len(SIZES)] for i in range(stories)]
    scale = articles / max(1, sum(sizes))
    sizes = [max(1, round(n * scale)) for n in sizes]
    sizes[-1] = max(1, sizes[-1] + articles - sum(sizes))
    return sizes


def _story_articles(
    rng: random.Random, tpl: list, outlets: list, s: int, n: int, first_id: int
) -> Iterator[tuple]:
    base = rng.randrange(len(tpl))
    start = ANCHOR - timedelta(minutes=40 * (50_000 - s % 50_000)) / 4
    for k in range(n):
        title, snippet = tpl[(base + k) % len(tpl)]
        o = outlets[rng.randrange(len(outlets))]
        aid = first_id + k + 1
        copy = first_id + 1 if k and rng.random() < 0.1 else None
        yield (
            aid,
            f"https://{o[1]}/{s}/{k}",
            f"https://{o[1]}/{s}/{k}",
            o[0],
            o[1],
            o[2],
            title,
            snippet,
            start + timedelta(minutes=7 * k),
            copy,
            s + 1,
            o[4],
            o[6],
            o[3],
        )


def _story_row(s: int, arts: list[tuple]) -> tuple:
    return (
        s + 1,
        arts[0][6],
        arts[0][0],
        arts[0][8],
        arts[-1][8],
        len(arts),
        len({a[3] for a in arts}),
        json.dumps({"shared_terms": arts[0][6].split()[:4]}),
    )


def _coverage_row(s: int, arts: list[tuple], outlets: list) -> tuple:
    per = {a[3]: a for a in arts}
    sides = [bias_side(a[11]).value for a in per.values() if a[11] is not None]
    rated = len(sides)
    shares = {k: (sides.count(k) / rated if rated else None) for k in ("left", "center", "right")}
    spot = None
    if rated >= 5 and shares["left"] != shares["right"]:
        low = min(("left", "right"), key=lambda k: shares[k] or 0.0)
        spot = low if (shares[low] or 0.0) <= 0.2 else None
    doc = {
        "sources": {"total": len(per), "rated": rated, "unrated": len(per) - rated},
        "bias": {
            "by_outlet": {"counts": {k: sides.count(k) for k in shares}, "shares": shares},
            "plurality": None,
        },
        "factuality": {
            "counts": {
                "High": sum(1 for a in per.values() if (a[12] or 0) >= 2.5),
                "Unknown": sum(1 for a in per.values() if a[12] is None),
            }
        },
        "ownership": {"counts": {"Corporation": len(per)}},
        "countries": {"sentence": "Sources are mostly out of United States"},
        "broke_the_news": {
            "name": f"Outlet {arts[0][3]}",
            "country": "US",
            "at": arts[0][8].isoformat(),
            "reason": "earliest plausible time",
        },
        "timeline": {
            "bucket": "hour",
            "points": [
                {"t": a[8].isoformat(), "left": 1, "center": 0, "right": 0, "unrated": 0}
                for a in arts[:24]
            ],
        },
        "outlets": [{"domain": a[4], "side": None} for a in per.values()],
    }
    # topic tags look like entities: longer words of the headline, not its first word
    topics = [w.strip(".,:;'\"?!") for w in arts[0][6].split()[1:] if len(w) > 4][:3]
    return (
        s + 1,
        len(per),
        rated,
        shares["left"],
        shares["center"],
        shares["right"],
        spot,
        "US",
        json.dumps(topics),
        json.dumps(doc),
        ANCHOR,
    )


def _summary_row(s: int, arts: list[tuple]) -> tuple:
    bullets = [
        {"text": a[7][:200], "citations": [{"article_id": a[0], "sentence": a[7][:200]}]}
        for a in arts[:4]
    ]
    doc = {
        "mode": "extractive",
        "headline": {
            "neutral": arts[0][6],
            "earliest": {"article_id": arts[0][0], "outlet": arts[0][4], "title": arts[0][6]},
        },
        "bullets": bullets,
        "sides": {},
    }
    return (s + 1, "extractive", json.dumps(doc), len(arts), ANCHOR)


def _insert(conn: sqlite3.Connection, stories: list, arts: list, cov: list, sums: list) -> None:
    with conn:
        conn.executemany(
            "INSERT INTO stories (id, headline, first_article_id, first_published_at, "
            "last_published_at, article_count, outlet_count, why, created_at, updated_at) "
            f"VALUES (?, ?, ?, ?, ?, ?, ?, ?, '{ANCHOR}', '{ANCHOR}')",
            stories,
        )
        conn.executemany(
            "INSERT INTO articles (id, key, url, outlet_id, domain, source, title, summary, "
            "published_at, copy_of, story_id, extraction, created_at, updated_at) "
            f"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'import', '{ANCHOR}', '{ANCHOR}')",
            [a[:11] for a in arts],
        )
        conn.executemany(
            "INSERT INTO coverage (story_id, outlets, rated_outlets, left_share, center_share, "
            "right_share, blindspot, country, topics, data, computed_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            cov,
        )
        conn.executemany(
            "INSERT INTO summaries (story_id, mode, data, article_count, disputed, generated_at)"
            " VALUES (?, ?, ?, ?, 0, ?)",
            sums,
        )


def story_count(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT max(id) FROM stories").fetchone()[0] or 0)
    finally:
        conn.close()

"""Readers of the third-party outlet tables in shared/data/outlets, one function per dataset.

Each reader turns rows into `Fact`s: what one row says about one host, with the row's
provenance. Mapping raw labels onto everyside's scales happens here, through `raters`; merging
facts into outlets happens in `build`. Readers skip a missing file (a partial shared/ folder
still builds) and never guess: an unknown label keeps its raw text and maps to None.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from everyside.registry import raters as R
from everyside.registry.build.hand import owner_category
from everyside.domain.hosts import host_of


@dataclass
class Fact:
    host: str
    dataset: str
    prov: str
    name: str | None = None
    country: str | None = None  # raw text; normalised by build
    language: str | None = None  # raw text; normalised by build
    scope: str | None = None
    media_type: str | None = None
    homepage: str | None = None
    ratings: list[tuple[str, str, str, float | None, str | None]] = field(default_factory=list)
    ownership: list[tuple[str, str]] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    is_rating_table: bool = False  # rating tables may key a subdomain as a distinct outlet


def _jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    if not path.exists():
        return
    with path.open(encoding="utf-8") as f:
        for i, line in enumerate(f, 1):
            if line.strip():
                yield i, json.loads(line)


def _csv(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    if not path.exists():
        return
    with path.open(encoding="utf-8", newline="") as f:
        yield from enumerate(csv.DictReader(f), 2)


def _fact(host_text: str | None, ds: str, rel: str, line: int, **kw: Any) -> Fact | None:
    host = host_of(host_text or "")
    if not host:
        return None
    return Fact(host, ds, f"{ds}/{rel}:{line}", **kw)


def read_mbfc(root: Path) -> Iterator[Fact]:
    ds, rel = "mbfc_mbfcext", "mbfc_sources.jsonl"
    for line, row in _jsonl(root / ds / rel):
        f = _fact(row.get("domain"), ds, rel, line, name=row.get("name"), is_rating_table=True)
        if f is None:
            continue
        if row.get("bias"):
            f.ratings.append(
                ("mbfc", "bias", row["bias"], R.map_mbfc_bias(row["bias"]), "2026-08-19")
            )
        if row.get("factual_reporting"):
            raw = row["factual_reporting"]
            f.ratings.append(("mbfc", "factuality", raw, R.map_factuality(raw), "2026-08-19"))
        yield f


_MEDIA_TYPES = {
    "website": "digital",
    "internet": "digital",
    "intenet": "digital",
    "newspaper": "newspaper",
    "newspapers": "newspaper",
    "tv station": "tv",
    "broadcast": "broadcast",
    "radio station": "radio",
    "radio": "radio",
    "magazine": "magazine",
    "magazines": "magazine",
    "journal": "magazine",
    "news agency": "agency",
    "press agency": "agency",
    "organization/foundation": "organization",
    "college newspapers": "newspaper",
}


def media_type(raw: str | None) -> str | None:
    if not raw:
        return None
    low = raw.strip().lower()
    return _MEDIA_TYPES.get(low) or _MEDIA_TYPES.get(low.split("/")[0].strip(), "other")


def read_mbfc_2023(root: Path) -> Iterator[Fact]:
    ds, rel = "media_reliability_idiap2024", "mbfc/mbfc.csv"
    for line, row in _csv(root / ds / rel):
        country = (row.get("country") or "").split("(")[0].strip()
        f = _fact(
            row.get("source"),
            ds,
            rel,
            line,
            country=country or None,
            media_type=media_type(row.get("media_type")),
            is_rating_table=True,
        )
        if f is None:
            continue
        if row.get("bias"):
            f.ratings.append(
                ("mbfc_2023", "bias", row["bias"], R.map_mbfc_2023_bias(row["bias"]), None)
            )
        if row.get("factual_reporting"):
            raw = row["factual_reporting"]
            f.ratings.append(("mbfc_2023", "factuality", raw, R.map_factuality(raw), None))
        yield f


def read_baly(root: Path) -> Iterator[Fact]:
    ds, rel = "media_factuality_bias_baly", "media.jsonl"
    for line, row in _jsonl(root / ds / rel):
        dataset = row.get("dataset", "")
        rater = f"baly_{dataset}"
        if rater not in R.BY_NAME:
            continue
        f = _fact(row.get("domain"), ds, rel, line, is_rating_table=True)
        if f is None:
            continue
        date = "2020-07-16" if dataset == "acl2020" else "2018-10-31"
        if row.get("bias"):
            f.ratings.append(
                (rater, "bias", row["bias"], R.map_baly_bias(row["bias"], dataset), date)
            )
        if row.get("factuality"):
            raw = row["factuality"]
            f.ratings.append((rater, "factuality", raw, R.map_factuality(raw), date))
        yield f


def read_us_news(root: Path) -> Iterator[Fact]:
    ds, rel = "us_news_domains", "us-news-domains-v2.0.0.csv"
    for line, row in _csv(root / ds / rel):
        kind = (row.get("type") or "").strip() or None
        f = _fact(row.get("domain"), ds, rel, line, country="US", scope=kind, is_rating_table=True)
        if f is None:
            continue
        if (row.get("ideology") or "").strip():
            score = float(row["ideology"])
            f.ratings.append(
                (
                    "audience_ideology",
                    "bias",
                    row["ideology"].strip(),
                    R.map_audience_ideology(score),
                    "2018-01-01",
                )
            )
        yield f


def read_newsguard(root: Path) -> Iterator[Fact]:
    ds = "media_reliability_idiap2024"
    for rel, col in (
        ("nela-gt/newsguard.csv", "reliability_score"),
        ("golden_truth_dataset.csv", "newsguard_score"),
        ("evaluation_ranking.csv", "newsguard_score"),
    ):
        for line, row in _csv(root / ds / rel):
            raw = (row.get(col) or "").strip()
            f = _fact(row.get("domain"), ds, rel, line, is_rating_table=True)
            if f is None or not raw:
                continue
            f.ratings.append(("newsguard", "factuality", raw, R.map_newsguard(float(raw)), None))
            yield f


def read_wikipedia_rsp(root: Path) -> Iterator[Fact]:
    ds, rel = (
        "media_reliability_idiap2024",
        "wikipedia_perennial_sources/wikipedia_perennial_sources.json",
    )
    path = root / ds / rel
    if not path.exists():
        return
    for i, (domain, code) in enumerate(sorted(json.loads(path.read_text()).items()), 1):
        f = _fact(domain, ds, rel.replace(".json", ".json#"), i, is_rating_table=True)
        if f is None or int(code) not in R.WIKIPEDIA_RSP:
            continue
        raw, value = R.WIKIPEDIA_RSP[int(code)]
        f.ratings.append(("wikipedia_rsp", "factuality", raw, value, None))
        yield f


def read_nela(root: Path) -> Iterator[Fact]:
    ds, rel = "media_reliability_idiap2024", "nela-gt/labels_nela_gt+domain(2018).csv"
    for line, row in _csv(root / ds / rel):
        f = _fact(
            row.get("domain"), ds, rel, line, name=row.get("Source") or None, is_rating_table=True
        )
        if f is None:
            continue
        f.ratings.extend(_nela_ratings(row))
        if (row.get("NewsGuard, score") or "").strip():
            raw = row["NewsGuard, score"].strip()
            f.ratings.append(("newsguard", "factuality", raw, R.map_newsguard(float(raw)), None))
        yield f


def _nela_ratings(row: dict[str, str]) -> Iterator[tuple[str, str, str, float | None, str]]:
    date = "2018-12-31"
    label = row.get("Media Bias / Fact Check, label") or ""
    if label:
        yield ("nela_mbfc", "bias", label, R.map_nela_mbfc_bias(label), date)
    fact = row.get("Media Bias / Fact Check, factual_reporting") or ""
    if fact:
        yield ("nela_mbfc", "factuality", fact, R.map_nela_mbfc_factuality(float(fact)), date)
    allsides = row.get("Allsides, bias_rating") or ""
    if allsides:
        yield ("nela_allsides", "bias", allsides, R.map_allsides_bias(allsides), date)
    lean = row.get("BuzzFeed, leaning") or ""
    if lean:
        yield ("buzzfeed", "bias", lean, R.map_buzzfeed_bias(lean), date)
    tags = {
        k.split(", ", 1)[1]: int(float(v))
        for k, v in row.items()
        if k.startswith("Open Sources, ") and (v or "").strip()
    }
    if tags:
        raw = ";".join(f"{t}={n}" for t, n in sorted(tags.items()))
        yield ("opensources", "factuality", raw, R.map_opensources(tags), date)


def read_local_news(root: Path) -> Iterator[Fact]:
    ds, rel = "us_local_news_ownership", "outlets.jsonl"
    for line, row in _jsonl(root / ds / rel):
        f = _fact(
            row.get("domain") or row.get("website"),
            ds,
            rel,
            line,
            name=row.get("name"),
            country="US",
            scope="local",
            media_type=media_type(row.get("medium")),
            homepage=row.get("website") or None,
        )
        if f is None:
            continue
        if row.get("owner"):
            f.ownership.append((row["owner"], owner_category(row["owner"])))
        yield f


def _label(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        return value.get("label")
    return value if isinstance(value, str) else None


def read_wikidata(root: Path) -> Iterator[Fact]:
    ds, rel = "wikidata_newspapers", "wikidata_newspapers.jsonl"
    for line, row in _jsonl(root / ds / rel):
        if row.get("dissolved"):
            continue
        sites = row.get("website") or []
        sites = [sites] if isinstance(sites, str) else list(sites)
        f = _fact(
            row.get("domain") or (sites[0] if sites else None),
            ds,
            rel,
            line,
            name=row.get("label"),
            country=_label(row.get("country")),
            language=_label(row.get("language")),
            media_type="newspaper",
            homepage=sites[0] if sites else None,
        )
        if f is None:
            continue
        f.aliases = sorted({h for h in map(host_of, sites[1:]) if h and h != f.host})
        owners = row.get("owned_by") or []
        for owner in owners if isinstance(owners, list) else [owners]:
            label = _label(owner)
            if label:
                f.ownership.append((label, owner_category(label)))
        yield f


_ABYZ_SCOPE = {"local": "local", "national": "national", "foreign": "international"}


def read_abyz(root: Path) -> Iterator[Fact]:
    ds, rel = "abyz_news_outlets", "outlets.jsonl"
    for line, row in _jsonl(root / ds / rel):
        region = (row.get("region") or "").strip()
        if region == "Georgia" and row.get("language") != "Georgian":
            region = "United States"  # ABYZ lists US outlets by state; the country has its own
        yield from filter(
            None,
            [
                _fact(
                    row.get("domain") or row.get("url"),
                    ds,
                    rel,
                    line,
                    name=row.get("name"),
                    country=region or None,
                    language=row.get("language"),
                    scope=_ABYZ_SCOPE.get((row.get("scope") or "").strip().lower()),
                    media_type=media_type(row.get("media_type")),
                    homepage=row.get("url") or None,
                )
            ],
        )


# Rating tables first: their hosts decide which subdomains are outlets of their own.
READERS = (
    read_mbfc,
    read_mbfc_2023,
    read_baly,
    read_nela,
    read_newsguard,
    read_wikipedia_rsp,
    read_us_news,
    read_wikidata,
    read_local_news,
    read_abyz,
)

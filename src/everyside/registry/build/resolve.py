"""Attaching the tables keyed by *name* (not domain) to the compiled outlet records.

AllSides 2019 names its entities ("New York Times (News)") and links their Twitter and
Wikipedia pages; the French ownership map names media ("Le Monde"). Both are resolved to an
outlet through, in order: the hand table, the Twitter handle (us_news_domains' account list),
the English Wikipedia title (Wikidata newspapers) and finally a unique folded name. Rows that
stay unresolved are left out and counted, never attached to a guess.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from everyside.registry.build import hand
from everyside.domain.hosts import host_of, name_key
from everyside.registry.raters import map_allsides_bias

Records = dict[str, dict[str, Any]]


def name_index(records: Records, country: str | None = None) -> dict[str, str]:
    """Folded name -> domain, for names that point at exactly one outlet."""
    seen: dict[str, set[str]] = defaultdict(set)
    for domain, rec in records.items():
        if country and rec.get("country") not in (None, country) and not _is_fr(rec, country):
            continue
        if rec.get("name"):
            seen[name_key(rec["name"])].add(domain)
    return {k: next(iter(v)) for k, v in seen.items() if k and len(v) == 1}


def _is_fr(rec: dict[str, Any], country: str) -> bool:
    return str(rec.get("country") or "").lower() in {"france", country.lower()}


def _twitter_index(root: Path) -> dict[str, str]:
    path = root / "us_news_domains" / "us-news-twitter-v1.0.0.csv"
    if not path.exists():
        return {}
    out: dict[str, str] = {}
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            handle = (row.get("twitter_handle") or "").lower()
            host = host_of(row.get("domain") or "")
            if handle and host:
                out.setdefault(handle, host)
    return out


def _wiki_index(root: Path) -> dict[str, str]:
    path = root / "wikidata_newspapers" / "wikidata_newspapers.jsonl"
    out: dict[str, str] = {}
    if path.exists():
        for line in path.open(encoding="utf-8"):
            row = json.loads(line)
            if row.get("enwiki") and row.get("domain"):
                out.setdefault(row["enwiki"].replace("_", " ").lower(), host_of(row["domain"]))
    return out


def _allsides_domain(row: dict[str, str], idx: dict[str, dict[str, str]]) -> str | None:
    name = row.get("news_source") or ""
    if name in hand.ALLSIDES_DOMAINS:
        return hand.ALLSIDES_DOMAINS[name]
    handle = (row.get("twitter") or "").rstrip("/").rsplit("/", 1)[-1].lower()
    wiki = (row.get("wiki") or "").rstrip("/").rsplit("/", 1)[-1].replace("_", " ").lower()
    for found in (
        idx["twitter"].get(handle),
        idx["wiki"].get(wiki),
        idx["names"].get(name_key(name)),
    ):
        if found:
            return found
    return None


def _is_opinion(name: str) -> bool:
    low = name.lower()
    return "opinion" in low or "editorial" in low


def add_allsides(records: Records, root: Path) -> dict[str, int]:
    """Attach AllSides 2019 ratings; a "(News)" row wins over "(Opinion)" for one outlet."""
    path = root / "allsides_ratings_2019" / "allsides_data.csv"
    counts = {"matched": 0, "unmatched": 0}
    if not path.exists():
        return counts
    idx = {"twitter": _twitter_index(root), "wiki": _wiki_index(root), "names": name_index(records)}
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(enumerate(csv.DictReader(f), 2))
    rows.sort(key=lambda lr: (_is_opinion(lr[1]["news_source"]), lr[0]))
    for line, row in rows:
        if row.get("type") == "Author":
            continue
        domain = _allsides_domain(row, idx)
        if domain not in records:
            counts["unmatched"] += 1
            continue
        counts["matched"] += 1
        raw = row["rating"]
        prov = f"allsides_ratings_2019/allsides_data.csv:{line}"
        records[domain]["ratings"].setdefault(
            ("allsides", "bias"),
            ["allsides", "bias", raw, map_allsides_bias(raw), "2019-10-18", prov],
        )
        records[domain]["sources"].add("allsides_ratings_2019")
    return counts


def _french_owners(root: Path) -> dict[str, list[tuple[str, str, int]]]:
    """Media name -> [(ultimate owner, owner_type, line)], following holding chains."""
    path = root / "french_media_ownership" / "ownership_edges.jsonl"
    owners_of: dict[str, list[tuple[str, str, float, int]]] = defaultdict(list)
    if not path.exists():
        return {}
    for line, text in enumerate(path.open(encoding="utf-8"), 1):
        e = json.loads(text)
        share = float((e.get("share") or "0").rstrip("%") or 0)
        owners_of[e["owned"]].append((e["owner"], e["owner_type"], share, line))

    def top(name: str, depth: int = 0) -> list[tuple[str, str, int]]:
        edges = owners_of.get(name, [])
        if not edges or depth > 6:
            return []
        best = max(e[2] for e in edges)
        out: list[tuple[str, str, int]] = []
        for owner, kind, share, line in edges:
            if share == best:
                out.extend(top(owner, depth + 1) or [(owner, kind, line)])
        return out

    return {name: top(name) for name in owners_of}


def add_french_ownership(records: Records, root: Path) -> dict[str, int]:
    """Ultimate controlling owners of French media (persons → Wealthy Individual)."""
    counts = {"matched": 0, "unmatched": 0}
    media_path = root / "french_media_ownership" / "media.jsonl"
    if not media_path.exists():
        return counts
    owners = _french_owners(root)
    names = name_index(records, country="FR")
    for text in media_path.open(encoding="utf-8"):
        media = json.loads(text)["name"]
        domain = hand.FRENCH_MEDIA_DOMAINS.get(media) or names.get(name_key(media))
        if domain not in records or not owners.get(media):
            counts["unmatched"] += 1
            continue
        counts["matched"] += 1
        for owner, kind, line in owners[media]:
            category = "Wealthy Individual" if kind == "person" else hand.owner_category(owner)
            if "état" in owner.lower():
                category = "Government"
            prov = f"french_media_ownership/ownership_edges.jsonl:{line}"
            records[domain]["ownership"].setdefault(owner, [owner, category, prov])
        records[domain]["sources"].add("french_media_ownership")
    return counts

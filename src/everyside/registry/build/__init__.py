"""The compiler of the bundled outlet directory (`everyside registry build`).

Reads every table under shared/data/outlets (through `sources`), merges what the rows say
about each host into one outlet record, resolves the tables keyed by name (AllSides, the French
ownership map) and writes `outlets.jsonl.gz` and `raters.json` deterministically: records sorted
by domain, JSON keys sorted, gzip with mtime 0, so a rebuild from the same input gives the same
bytes. Build-time only: it needs `pycountry` (the `build` extra); loading the result does not.
"""

from __future__ import annotations

import gzip
import io
import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from everyside.domain.urls import registered_domain
from everyside.registry.build import hand
from everyside.registry.build.countries import (
    country_code,
    country_from_domain,
    language_code,
    names_country,
)
from everyside.domain.hosts import name_key
from everyside.registry.raters import RATERS
from everyside.registry.build.resolve import add_allsides, add_french_ownership
from everyside.registry.build.sources import READERS, Fact

DATA_DIR = Path(__file__).parents[1] / "data"  # registry/data, the bundle the runtime reads
OUTLETS_FILE = "outlets.jsonl.gz"
RATERS_FILE = "raters.json"

# Which dataset wins for each field (earlier wins); others only fill gaps.
PRIORITY = {
    "name": (
        "mbfc_mbfcext",
        "wikidata_newspapers",
        "us_local_news_ownership",
        "abyz_news_outlets",
        "media_reliability_idiap2024",
    ),
    "country": (
        "media_reliability_idiap2024",
        "wikidata_newspapers",
        "us_local_news_ownership",
        "abyz_news_outlets",
    ),
    "language": ("wikidata_newspapers", "abyz_news_outlets"),
    "scope": ("us_news_domains", "abyz_news_outlets", "us_local_news_ownership"),
    "media_type": (
        "media_reliability_idiap2024",
        "us_local_news_ownership",
        "abyz_news_outlets",
        "wikidata_newspapers",
    ),
    "homepage": ("abyz_news_outlets", "wikidata_newspapers", "us_local_news_ownership"),
}
# Datasets whose country is the scope of the whole table, not a fact about each outlet: the US
# audience panel of us_news_domains lists the BBC and Al Jazeera too. Their country counts only
# after every dataset that states one and after the domain's country-code TLD (bbc.co.uk: GB).
ASSUMED_COUNTRY = ("us_news_domains",)
PLATFORM_MIN_NAMES = 3  # a host shared by this many differently named rows is a platform


def read_facts(shared: Path) -> list[Fact]:
    root = shared / "outlets" if (shared / "outlets").is_dir() else shared
    return [f for reader in READERS for f in reader(root)]


def _platform_hosts(facts: list[Fact]) -> set[str]:
    names: dict[tuple[str, str], set[str]] = defaultdict(set)
    for f in facts:
        if not f.is_rating_table and f.name:
            names[(f.dataset, f.host)].add(name_key(f.name))
    return {host for (_, host), n in names.items() if len(n) >= PLATFORM_MIN_NAMES}


def _keys(facts: list[Fact]) -> dict[int, str]:
    """Decide the outlet key of every fact (see docs/design-notes/registry.md)."""
    rated = {f.host for f in facts if f.is_rating_table}
    platforms = _platform_hosts(facts) - rated
    out: dict[int, str] = {}
    for i, f in enumerate(facts):
        if f.host in platforms:
            continue
        key = hand.ALIASES.get(f.host, f.host)
        if key == f.host and not f.is_rating_table and f.host not in rated:
            reg = registered_domain(f.host)
            if reg != f.host and reg in rated:
                key = reg
        out[i] = key
    return out


def _empty(domain: str) -> dict[str, Any]:
    return {
        "domain": domain,
        "name": None,
        "country": None,
        "language": None,
        "scope": None,
        "media_type": None,
        "homepage": None,
        "aliases": set(),
        "ratings": {},
        "ownership": {},
        "sources": set(),
        "_from": {},
        "_countries": {},  # dataset -> the country texts of its rows for this outlet
    }


def _merge_fields(rec: dict[str, Any], f: Fact) -> None:
    for fld, order in PRIORITY.items():
        value = getattr(f, fld)
        if not value:
            continue
        if fld == "country":
            if f.dataset in ASSUMED_COUNTRY:
                rec["_assumed_country"] = rec.get("_assumed_country") or value
            else:
                rec["_countries"].setdefault(f.dataset, []).append(value)
            continue
        rank = order.index(f.dataset) if f.dataset in order else len(order)
        if rec[fld] is None or rank < rec["_from"][fld]:
            rec[fld], rec["_from"][fld] = value, rank


def _merge(rec: dict[str, Any], f: Fact) -> None:
    rec["sources"].add(f.dataset)
    if f.host != rec["domain"]:
        rec["aliases"].add(f.host)
    rec["aliases"].update(f.aliases)
    if f.host == rec["domain"]:  # an edition/alias row must not rename or relocate the outlet
        _merge_fields(rec, f)
    for rater, axis, raw, value, date in f.ratings:
        rec["ratings"].setdefault((rater, axis), [rater, axis, raw, value, date, f.prov])
    for owner, category in f.ownership:
        rec["ownership"].setdefault(owner, [owner, category, f.prov])


def merge(facts: list[Fact]) -> dict[str, dict[str, Any]]:
    keys = _keys(facts)
    records: dict[str, dict[str, Any]] = {}
    # a host's own rows first, so its ratings win over those of hosts folded into it
    order = sorted(keys, key=lambda i: (facts[i].host != keys[i], i))
    for i in order:
        key = keys[i]
        _merge(records.setdefault(key, _empty(key)), facts[i])
    return records


def _add_hand(records: dict[str, dict[str, Any]]) -> None:
    prov = "hand:everyside/registry/hand.py"
    for domain, (owner, category) in sorted(hand.OUTLET_OWNERS.items()):
        if domain in records:
            records[domain]["ownership"] = {owner: [owner, category, prov]}
    for alias, target in sorted(hand.ALIASES.items()):
        if target in records and alias not in records:
            records[target]["aliases"].add(alias)


def _dedupe_aliases(records: dict[str, dict[str, Any]]) -> None:
    claims = Counter(a for r in records.values() for a in r["aliases"])
    for r in records.values():
        r["aliases"] = sorted(a for a in r["aliases"] if claims[a] == 1 and a not in records)


def _voted_country(stated: dict[str, list[str]], places: bool) -> str | None:
    """The country most datasets name for an outlet: each dataset votes once, for the code most
    of its rows give (ABYZ lists the BBC under a dozen regions, most often "United Kingdom
    National"); a tie goes to the dataset earlier in PRIORITY["country"]. Rows that name a
    place and not a country ("Birmingham", "Savannah") count only with `places`."""
    order = PRIORITY["country"]
    votes: Counter[str] = Counter()
    first: dict[str, int] = {}
    for dataset, texts in stated.items():
        named = [t for t in texts if names_country(t) or places]
        codes = Counter(c for c in map(country_code, named) if c)
        if not codes:
            continue
        code = codes.most_common(1)[0][0]
        votes[code] += 1
        rank = order.index(dataset) if dataset in order else len(order)
        first[code] = min(first.get(code, rank), rank)
    if not votes:
        return None
    return min(votes, key=lambda c: (-votes[c], first[c]))


def _finish(rec: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in rec.items() if not k.startswith("_")}
    for fld in PRIORITY:
        if isinstance(out[fld], str):
            out[fld] = " ".join(out[fld].split()) or None
    out["name"] = out["name"] or rec["domain"]
    # precedence: the country most datasets name > the domain's country-code TLD > a dataset's
    # assumed country (ASSUMED_COUNTRY) > the country of the places datasets name
    out["country"] = (
        _voted_country(rec["_countries"], places=False)
        or country_from_domain(rec["domain"])
        or country_code(rec.get("_assumed_country"))
        or _voted_country(rec["_countries"], places=True)
    )
    out["language"] = language_code(out["language"])
    out["ratings"] = sorted(rec["ratings"].values(), key=lambda r: (r[0], r[1]))
    out["ownership"] = sorted(rec["ownership"].values())
    out["sources"] = sorted(rec["sources"])
    return out


def compile_directory(shared: Path) -> list[dict[str, Any]]:
    """All outlet records, sorted by domain, from the tables under `shared`."""
    root = shared / "outlets" if (shared / "outlets").is_dir() else shared
    records = merge(read_facts(shared))
    add_allsides(records, root)
    add_french_ownership(records, root)
    _add_hand(records)
    _dedupe_aliases(records)
    return [_finish(records[k]) for k in sorted(records)]


def _gzip_bytes(text: str) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(text.encode("utf-8"))
    return buf.getvalue()


def dumps_outlets(records: list[dict[str, Any]]) -> bytes:
    lines = (
        json.dumps(r, sort_keys=True, ensure_ascii=False, separators=(",", ":")) for r in records
    )
    return _gzip_bytes("".join(line + "\n" for line in lines))


def dumps_raters() -> bytes:
    rows = [
        {
            "name": r.name,
            "title": r.title,
            "family": r.family,
            "rank": r.rank,
            "url": r.url,
            "licence": r.licence,
            "description": r.description,
            "counts": r.counts,
        }
        for r in RATERS
    ]
    return (json.dumps(rows, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode()


def build(shared: Path, out_dir: Path = DATA_DIR) -> dict[str, int]:
    """Compile and write the bundled files; return counts for the command to print."""
    records = compile_directory(shared)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / OUTLETS_FILE).write_bytes(dumps_outlets(records))
    (out_dir / RATERS_FILE).write_bytes(dumps_raters())
    ratings = [r for rec in records for r in rec["ratings"]]
    return {
        "outlets": len(records),
        "ratings": len(ratings),
        "bias_rated_outlets": sum(
            any(r[1] == "bias" and r[3] is not None for r in rec["ratings"]) for rec in records
        ),
        "aliases": sum(len(rec["aliases"]) for rec in records),
        "ownership": sum(len(rec["ownership"]) for rec in records),
        "bytes": (out_dir / OUTLETS_FILE).stat().st_size,
    }

"""The in-memory outlet directory: load the bundled files once, match URLs to outlets fast.

`Directory.match(url_or_domain, source_name=None)` normalises the host (`host_of`) and walks up
its labels (`a.b.cnn.com` → `b.cnn.com` → `cnn.com`) through a dict of outlet keys and aliases,
so subdomains, `www.`, ports, case and punycode all land on the outlet. When the host is
unknown and a source name is given, a unique folded name is tried. No I/O after loading; a
directory is immutable and safe to share between threads.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from everyside.domain.hosts import host_of, name_key, netloc_of, parents
from everyside.domain.model import Outlet, Ownership, Rating
from everyside.domain.ratings import RaterInfo, combined_bias, combined_factuality

DATA_DIR = Path(__file__).parent / "data"


def outlet_from_record(rec: dict[str, Any]) -> Outlet:
    return Outlet(
        domain=rec["domain"],
        name=rec["name"],
        country=rec.get("country"),
        language=rec.get("language"),
        scope=rec.get("scope"),
        media_type=rec.get("media_type"),
        homepage=rec.get("homepage"),
        aliases=list(rec.get("aliases") or []),
        feeds=list(rec.get("feeds") or []),
        ratings=[Rating(r[0], r[1], str(r[2]), r[3], r[4], r[5]) for r in rec.get("ratings", [])],
        ownership=[Ownership(o[0], o[1], o[2]) for o in rec.get("ownership", [])],
    )


class Directory:
    """Outlets by domain, with alias and name indexes. Build with `load_directory()`."""

    def __init__(
        self,
        outlets: Iterable[Outlet],
        raters: list[dict[str, Any]] | None = None,
        version: str = "",
    ) -> None:
        self.outlets: dict[str, Outlet] = {o.domain: o for o in outlets}
        self.raters: list[dict[str, Any]] = raters or []
        self.rater_info: dict[str, RaterInfo] = {
            r["name"]: RaterInfo(r["family"], r["rank"], r.get("counts", True)) for r in self.raters
        }
        self.version = version
        self.sources: dict[str, list[str]] = {}  # domain -> datasets that describe it
        self.feed_titles: dict[str, str] = {}  # bundled feed URL -> title (feeds.csv)
        self._hosts: dict[str, Outlet] = {}
        for o in self.outlets.values():
            for alias in o.aliases:
                self._hosts.setdefault(alias, o)
        self._hosts.update(self.outlets)
        names: dict[str, list[Outlet]] = {}
        for o in self.outlets.values():
            names.setdefault(name_key(o.name), []).append(o)
        self._names = {k: v[0] for k, v in names.items() if k and len(v) == 1}
        self._lookup = lru_cache(maxsize=65536)(self._lookup_host)

    def __len__(self) -> int:
        return len(self.outlets)

    def __iter__(self) -> Iterator[Outlet]:
        return iter(self.outlets.values())

    def get(self, domain: str) -> Outlet | None:
        return self.outlets.get(domain)

    def _lookup_host(self, text: str) -> Outlet | None:
        host = host_of(text)
        if not host:
            return None
        for candidate in parents(host):
            found = self._hosts.get(candidate)
            if found is not None:
                return found
        return None

    def match(self, url_or_domain: str | None, source_name: str | None = None) -> Outlet | None:
        """The outlet of a URL, host or domain; else of a uniquely named source; else None."""
        if url_or_domain and isinstance(url_or_domain, str):
            found = self._lookup(netloc_of(url_or_domain))
            if found is not None:
                return found
        if source_name and isinstance(source_name, str):
            return self._names.get(name_key(source_name))
        return None

    def match_article(self, article: dict[str, Any]) -> Outlet | None:
        """Match a stories/*.jsonl row on its `url`, then `domain`, then `source`."""
        for field in ("url", "domain"):
            found = self.match(article.get(field))
            if found is not None:
                return found
        return self.match(None, article.get("source"))

    def bias(self, outlet: Outlet) -> tuple[float | None, float | None]:
        return combined_bias(outlet.ratings, self.rater_info)

    def factuality(self, outlet: Outlet) -> float | None:
        return combined_factuality(outlet.ratings, self.rater_info)


def read_records(data_dir: Path = DATA_DIR) -> Iterator[dict[str, Any]]:
    with gzip.open(data_dir / "outlets.jsonl.gz", "rt", encoding="utf-8") as f:
        for line in f:
            yield json.loads(line)


def read_feeds(data_dir: Path = DATA_DIR) -> list[dict[str, str]]:
    """Rows of the hand-maintained feeds.csv (domain,url,title,language,country), if any."""
    path = data_dir / "feeds.csv"
    if not path.exists():
        return []
    lines = [
        ln
        for ln in path.read_text(encoding="utf-8").splitlines()
        if ln.strip() and not ln.lstrip().startswith("#")
    ]
    return [
        row
        for row in csv.DictReader(io.StringIO("\n".join(lines)))
        if (row.get("url") or "").strip()
    ]


def data_version(data_dir: Path = DATA_DIR) -> str:
    """A digest of the bundled files: the store re-syncs only when it changes."""
    h = hashlib.sha256()
    for name in ("outlets.jsonl.gz", "raters.json", "feeds.csv"):
        path = data_dir / name
        if path.exists():
            h.update(name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:16]


def _attach_feeds(
    outlets: dict[str, Outlet], directory_hosts: Directory, rows: list[dict[str, str]]
) -> None:
    for row in rows:
        domain = (row.get("domain") or "").strip()
        outlet = directory_hosts.match(domain) or directory_hosts.match(row["url"])
        if outlet is None:
            host = host_of(domain or row["url"])
            if not host:
                continue
            outlet = outlets.setdefault(
                host,
                Outlet(
                    domain=host,
                    name=(row.get("title") or "").strip() or host,
                    country=(row.get("country") or "").strip().upper() or None,
                    language=(row.get("language") or "").strip().lower() or None,
                ),
            )
        if row["url"].strip() not in outlet.feeds:
            outlet.feeds.append(row["url"].strip())


def load_directory(data_dir: Path | None = None) -> Directory:
    """The bundled directory: outlets, raters and bundled feeds. Cached per folder and version
    (a digest of the files, so a rebuilt folder is reloaded)."""
    path = data_dir or DATA_DIR
    return _load(str(path), data_version(path))


@lru_cache(maxsize=4)
def _load(data_dir: str, version: str) -> Directory:
    path = Path(data_dir)
    records = list(read_records(path))
    outlets = {rec["domain"]: outlet_from_record(rec) for rec in records}
    raters = json.loads((path / "raters.json").read_text(encoding="utf-8"))
    feeds = read_feeds(path)
    if feeds:
        _attach_feeds(outlets, Directory(outlets.values()), feeds)
    directory = Directory(outlets.values(), raters, version)
    directory.sources = {rec["domain"]: rec.get("sources", []) for rec in records}
    directory.feed_titles = {
        r["url"].strip(): r["title"].strip() for r in feeds if (r.get("title") or "").strip()
    }
    return directory

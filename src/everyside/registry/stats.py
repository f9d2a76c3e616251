"""How much of a set of articles the directory covers (`everyside registry stats`).

For JSON Lines in the format of shared/data/stories, the share of articles (and of distinct
outlets) whose outlet is known and whose outlet has a mapped bias rating. Matching uses only the
article's `url`, `domain` and `source` fields.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from everyside.errors import InputError
from everyside.registry.directory import Directory


@dataclass
class Coverage:
    path: str
    articles: int = 0
    matched: int = 0
    bias_rated: int = 0
    outlets: set[str] = field(default_factory=set)  # key of each article's outlet or host
    rated_outlets: set[str] = field(default_factory=set)
    unrated_hosts: dict[str, int] = field(default_factory=dict)
    bad_lines: int = 0

    @property
    def article_share(self) -> float:
        return self.bias_rated / self.articles if self.articles else 0.0

    @property
    def outlet_share(self) -> float:
        return len(self.rated_outlets) / len(self.outlets) if self.outlets else 0.0


def coverage_of_rows(
    directory: Directory, rows: Iterable[dict[str, object]], path: str = "-"
) -> Coverage:
    cov = Coverage(path)
    for row in rows:
        cov.articles += 1
        outlet = directory.match_article(row)
        key = outlet.domain if outlet else str(row.get("domain") or row.get("source") or "?")
        cov.outlets.add(key)
        if outlet is None:
            cov.unrated_hosts[key] = cov.unrated_hosts.get(key, 0) + 1
            continue
        cov.matched += 1
        if directory.bias(outlet)[0] is not None:
            cov.bias_rated += 1
            cov.rated_outlets.add(key)
        else:
            cov.unrated_hosts[key] = cov.unrated_hosts.get(key, 0) + 1
    return cov


def coverage_of_file(directory: Directory, path: Path) -> Coverage:
    """Coverage of one JSONL file; a malformed line is counted in `bad_lines` and skipped."""
    if not path.exists():
        raise InputError("no such file; give a JSON Lines file of articles", path=str(path))
    rows: list[dict[str, object]] = []
    bad = 0
    with path.open(encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                bad += 1
                continue
            if isinstance(row, dict):
                rows.append(row)
            else:
                bad += 1
    cov = coverage_of_rows(directory, rows, str(path))
    cov.bad_lines = bad
    return cov

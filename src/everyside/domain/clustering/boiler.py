"""Boilerplate texts: one text that stands under unrelated articles says nothing about them.

Real feeds fill missing excerpts with placeholders ("Excerpt unavailable from publisher
metadata.", "Subscribe to read", a site's standard teaser). 233 of 1,664 rows of the real Feb
2026 stream share one placeholder across 24 stories; matched like any text, it glues them. A
wire copy is the opposite case: the same text under many outlets, all about one event. The two
differ in their headlines: a text is boilerplate once it stands under two articles of
different outlets whose headlines share no word (a wire story keeps its names in every
outlet's headline). From then on that text is left out of every article that carries it.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Set

CARRIERS = 4  # headlines remembered per text
CAPACITY = 200_000  # texts remembered (least recently seen forgotten first)
UNRELATED = 0.1  # headline term Jaccard below this: the two articles are about other things


def text_key(text: str) -> str:
    norm = " ".join(text.lower().split())
    return hashlib.blake2b(norm.encode("utf-8", "replace"), digest_size=12).hexdigest()


def _jaccard(a: Set[str], b: Set[str]) -> float:
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


class BoilerplateFilter:
    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        # text key -> (domain, headline terms) of the articles it stood under
        self._seen: OrderedDict[str, list[tuple[str | None, frozenset[str]]]] = OrderedDict()
        self._known: OrderedDict[str, None] = OrderedDict()  # texts found to be boilerplate

    def check(self, text: str | None, domain: str | None, headline: Set[str]) -> bool:
        """Whether `text` is boilerplate, given the article's outlet and headline terms.

        An article without a headline of its own cannot tell: it is judged by what is known."""
        if not text or not text.strip():
            return False
        key = text_key(text)
        if key in self._known:
            self._known.move_to_end(key)
            return True
        carriers = self._seen.get(key)
        terms = frozenset(headline)
        if carriers is None:
            carriers = self._seen[key] = []
        else:
            self._seen.move_to_end(key)
            if terms and any(
                d != domain and t and _jaccard(terms, t) < UNRELATED for d, t in carriers
            ):
                self._known[key] = None
                self._bound(self._known)
                return True
        if len(carriers) < CARRIERS:
            carriers.append((domain, terms))
        self._bound(self._seen)
        return False

    def _bound(self, table: OrderedDict) -> None:
        while len(table) > self.capacity:
            table.popitem(last=False)

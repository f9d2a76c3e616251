"""Boilerplate texts: one text that stands under unrelated articles says nothing about them.

Real feeds fill missing excerpts with placeholders ("Excerpt unavailable from publisher
metadata.", "Subscribe to read", a site's standard teaser). 233 of 1,664 rows of the real Feb
2026 stream share one placeholder across 24 stories; matched like any text, it glues them. A
wire copy is the opposite case: the same text under many outlets, all about one event. The two
differ in their headlines: a text is boilerplate once it stands under two articles of
different outlets whose headlines share no word (a wire story keeps its names in every
outlet's headline). From then on that text is left out of every article that carries it.

The articles that carried the text before it was found out were read with it as their text (a
story headed "Excerpt unavailable from publisher metadata.", matched on the placeholder's
words). Each carrier may leave a reference (`check(ref=...)`): when its text is found out, the
references of the earlier carriers are handed back (`take_revealed`) so that the engine reads
those articles again without it (the repair pass). References are kept for the most recent
`REF_CAPACITY` texts only: a placeholder recurs within minutes, and an old one's first carrier
has long been judged.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Hashable, Set

CARRIERS = 4  # headlines remembered per text
CAPACITY = 200_000  # texts remembered (least recently seen forgotten first)
UNRELATED = 0.1  # headline term Jaccard below this: the two articles are about other things
REF_CAPACITY = 20_000  # texts whose carriers' references are remembered


def text_key(text: str) -> bytes:
    norm = " ".join(text.lower().split())
    return hashlib.blake2b(norm.encode("utf-8", "replace"), digest_size=12).digest()


def _jaccard(a: frozenset[str], b: tuple[str, ...]) -> float:
    """Jaccard similarity of a set and the distinct terms of a tuple (a carrier's headline
    terms are kept as a tuple: a third of a frozenset's memory, for 200,000 texts)."""
    if not a or not b:
        return 0.0
    inter = len(a.intersection(b))
    return inter / (len(a) + len(b) - inter)


class BoilerplateFilter:
    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        # text key -> (domain, distinct headline terms) of the articles it stood under
        self._seen: OrderedDict[bytes, list[tuple[str | None, tuple[str, ...]]]] = OrderedDict()
        self._known: OrderedDict[bytes, None] = OrderedDict()  # texts found to be boilerplate
        # text key -> references of the articles it stood under (the most recent texts only)
        self._refs: OrderedDict[bytes, list[Hashable]] = OrderedDict()
        self._revealed: list[Hashable] = []

    def check(
        self,
        text: str | None,
        domain: str | None,
        headline: Set[str],
        ref: Hashable | None = None,
    ) -> bool:
        """Whether `text` is boilerplate, given the article's outlet and headline terms.

        An article without a headline of its own cannot tell: it is judged by what is known.
        `ref` identifies the article for `take_revealed` should the text later be found out."""
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
                self._bound(self._known, self.capacity)
                self._revealed.extend(self._refs.pop(key, ()))
                del self._revealed[:-REF_CAPACITY]  # if nobody drains them, the newest
                return True
        if len(carriers) < CARRIERS:
            carriers.append((domain, tuple(terms)))
            if ref is not None:
                refs = self._refs.get(key)
                if refs is None:
                    refs = self._refs[key] = []
                else:
                    self._refs.move_to_end(key)
                refs.append(ref)
                self._bound(self._refs, REF_CAPACITY)
        self._bound(self._seen, self.capacity)
        return False

    def take_revealed(self) -> list[Hashable]:
        """References of the articles that carried a text before it was found to be
        boilerplate, since the last call (oldest first)."""
        out, self._revealed = self._revealed, []
        return out

    @staticmethod
    def _bound(table: OrderedDict, capacity: int) -> None:
        while len(table) > capacity:
            table.popitem(last=False)

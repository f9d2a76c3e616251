"""What an estimate rests on, in numbers and in words.

`evidence` collects each signal's evidence count and detail for one outlet (stored as JSON with
the estimate); `sentence` turns the signals an estimate used into the line shown beside it:
"estimated from 41 stories it covered, the wording of 12 own articles and 3 sibling outlets
(Sinclair Broadcast Group)".
"""

from __future__ import annotations

from collections.abc import Mapping

from everyside.domain.lean.signals import Signal
from everyside.domain.lean.wording import TextEvidence

METHODS: tuple[str, ...] = (
    "owner",
    "audience",
    "labels",
    "profile",
    "type",
    "cocoverage",
    "wording",
)


def evidence(
    dom: str, signals: Mapping[str, Signal], texts: TextEvidence | None
) -> dict[str, float | str]:
    ev: dict[str, float | str] = {}
    for m in METHODS:
        op = signals[m].get(dom)
        if op is not None:
            ev[m] = op.n
            if op.detail:
                ev[f"{m}_detail"] = op.detail
    if texts is not None:
        ev["articles"] = texts.articles.get(dom, 0)
        ev["own_articles"] = len(texts.texts.get(dom, ()))
    return ev


def nothing_known(dom: str, texts: TextEvidence | None) -> str:
    """Why an outlet has no signal at all (the reason shown for "not enough evidence")."""
    if texts is not None and dom in texts.wire_only:
        return "all its articles are copies of other outlets' texts, and nothing else is known"
    if texts is not None and texts.articles.get(dom):
        return "too few articles, and no rated outlet shares its stories, owner, profile or type"
    return "no articles yet, and no owner, audience, rating label, country or type is known"


def _count(n: float | str, one: str, many: str) -> str:
    k = int(float(n))
    return f"{k} {one if k == 1 else many}"


def sentence(ev: Mapping[str, float | str], methods: tuple[str, ...]) -> str:
    """The evidence of the signals in `methods`, in words, most outlet-specific first."""
    parts = []
    if "cocoverage" in methods:
        parts.append(f"{_count(ev['cocoverage'], 'story', 'stories')} it covered")
    if "wording" in methods:
        parts.append(f"the wording of {_count(ev['wording'], 'own article', 'own articles')}")
    if "owner" in methods:
        sibs = _count(ev["owner"], "sibling outlet", "sibling outlets")
        parts.append(f"{sibs} ({ev.get('owner_detail', '')})")
    if "audience" in methods:
        parts.append(f"its audience's ideology score ({ev.get('audience_detail', '')})")
    if "labels" in methods:
        parts.append(f"its other ratings ({ev.get('labels_detail', '')})")
    if "profile" in methods:
        kind = _count(ev["profile"], "rated outlet", "rated outlets")
        parts.append(f"{kind} of its kind ({ev.get('profile_detail', '')})")
    if "type" in methods:
        kind = _count(ev["type"], "rated outlet", "rated outlets")
        parts.append(f"{kind} of its type ({ev.get('type_detail', '')})")
    if not parts:
        return "not enough evidence"
    head = ", ".join(parts[:-1])
    return "estimated from " + (f"{head} and {parts[-1]}" if head else parts[-1])

"""A class prior from what an outlet *is*: its type, read from its domain name (and the
directory's scope and media type where it has them).

Many outlets in the news are in no rating table and not even in the directory (US local TV and
radio stations, small sites), but some domain names follow conventions that say what kind of
outlet it is: a US broadcast call sign (K or W and two or three letters: `kare11.com`,
`wral.com`, `1010wcsi.com`; on `.org` nearly always a public radio station), a radio name
(`...radio`, `.fm`), or a name that declares a political or religious identity
(`conservative...`, `...progressive...`, `catholic...`). The `type` signal is the mean rating of
the rated outlets of the same type (leave-one-out target encoding, refined by scope and then
media type when the directory knows them, each level shrunk toward the coarser one). An outlet
whose name fits no type gets no opinion from it: its type is unknown.

Types were kept only where, on the rated outlets, the type's mean beats guessing the mean by
leave-one-out (MAE and side); TV names, network brands with a channel number and finance words
did not (docs/ratings.md). It is a weak prior: the stackers weigh it, and decide per kind of
evidence whether it beats guessing the mean.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from everyside.domain.lean.axes import OutletRecord
from everyside.domain.lean.signals import Opinion, Signal, hier_encode

SECOND_LEVEL = frozenset({"co", "com", "org", "net", "ac", "gov", "gob", "go", "ne", "or"})
CALL_SIGN = re.compile(r"^(?:\d{3,4})?(?:my)?[kw][a-z]{2,3}(?:\d{1,2}|tv|fm|am|radio|news|now)*$")
RADIO = re.compile(r"radio|^\d{3,4}[a-z]")
RIGHT_WORDS = re.compile(
    r"conservative|patriot|liberty|freedom|republican|maga(?!zine)|trump|gop|redstate|rightwing"
    r"|teaparty|constitution"
)
LEFT_WORDS = re.compile(r"progressive|liberal|democrat|leftist|resist|socialist|bluestate")
RELIGIOUS_WORDS = re.compile(
    r"catholic|christian|church(?!ill)|faith|gospel|bible|baptist|jesus|evangel|jewish"
    r"|islam(?!abad)|muslim"
)
CALL_SIGN_SUFFIXES = frozenset({"com", "org", "net", "fm", "tv"})


def split_domain(domain: str) -> tuple[str, str]:
    """(the registrable name's label, the suffix): `kare11.com` -> (kare11, com);
    `alquds.co.uk` -> (alquds, co.uk); `news.ro` -> (news, ro)."""
    parts = domain.lower().split(".")
    if len(parts) >= 3 and len(parts[-1]) == 2 and parts[-2] in SECOND_LEVEL:
        return parts[-3], ".".join(parts[-2:])
    if len(parts) >= 2:
        return parts[-2], parts[-1]
    return domain.lower(), ""


def outlet_type(domain: str) -> str | None:
    """The outlet's type from naming conventions, or None when its name fits none. The first
    matching rule wins, most specific first."""
    label, suffix = split_domain(domain)
    if RIGHT_WORDS.search(label):
        return "right-wing name"
    if LEFT_WORDS.search(label):
        return "left-wing name"
    if RELIGIOUS_WORDS.search(label):
        return "religious name"
    if CALL_SIGN.match(label) and suffix in CALL_SIGN_SUFFIXES:
        return "call sign .org" if suffix == "org" else "call sign"
    if RADIO.search(label) or suffix == "fm":
        return "radio"
    return None


def type_signal(
    records: Mapping[str, OutletRecord], truth: Mapping[str, float], prior: float
) -> Signal:
    """Rated outlets of the same type, then the same type and scope, then media type."""
    keys = {}
    for d, r in records.items():
        kind = outlet_type(d)
        if kind is not None:
            # an unknown scope or media type is not a category: the rated outlets the directory
            # does not describe are mostly the ones MBFC chose to rate (talk radio among call
            # signs), not a fair sample of the unknown ones
            key = [kind]
            for part in (r.scope, r.media_type):
                if not part:
                    break
                key.append(part)
            keys[d] = tuple(key)
    out = hier_encode(keys, truth, prior)
    return {d: Opinion(o.value, o.n, _detail(keys[d])) for d, o in out.items()}


def _detail(key: tuple[str, ...]) -> str:
    return " ".join(key)

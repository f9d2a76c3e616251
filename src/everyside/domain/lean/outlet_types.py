"""A class prior from what an outlet *is*: its type, read from its domain name (refined by the
directory's scope and media type where it has them).

Many outlets in the news are in no rating table and not even in the directory, and then only
their domain name says what kind of outlet they are. Types read from naming conventions:

- a US call sign on `.org` (K or W and two or three letters: `kpbs.org`, `kuow.org`), nearly
  always a public radio or TV station;
- a name declaring a right-wing, left-wing or religious identity (`conservative...`,
  `...patriot...`, `...progressive...`, `...democrats...`, `catholic...`).

The `type` signal is the mean rating of the rated outlets of the same type (leave-one-out
target encoding, refined by scope and then media type when known, each level shrunk toward the
coarser one). An outlet whose name fits no type gets no opinion: its type is unknown.

Only types whose prior beats guessing the mean on rated outlets (MAE 5% lower and the side right
more often, the estimator's own rule) are read. Commercial call signs (`kare11.com`,
`wral.com`) do not: they are mostly Center, as is the mean of all rated outlets. Neither do
network brands with a channel number, radio, TV or finance names (docs/ratings.md, "Class priors
by outlet type").
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from everyside.domain.lean.axes import OutletRecord
from everyside.domain.lean.signals import Opinion, Signal, hier_encode
from everyside.domain.urls import name_and_suffix

CALL_SIGN = re.compile(r"^(?:\d{3,4})?(?:my)?[kw][a-z]{2,3}(?:\d{1,2}|tv|fm|am|radio|news|now)*$")
RIGHT_WORDS = re.compile(
    r"conservative|patriot|liberty|freedom|republicans|maga(?!zine)|trump|gop|redstate|rightwing"
    r"|teaparty|constitution"
)
LEFT_WORDS = re.compile(
    r"progressive|liberal|democrats|democratic|leftist|resist|socialist|bluestate"
)
RELIGIOUS_WORDS = re.compile(
    r"catholic|christian|church(?!ill)|faith|gospel|bible|baptist|jesus|evangel|jewish"
    r"|islam(?!abad)|muslim"
)


def split_domain(domain: str) -> tuple[str, str]:
    """(the registrable name's label, the public suffix), by the public suffix list the URL
    code uses: `kare11.com` -> (kare11, com); `alquds.co.uk` -> (alquds, co.uk)."""
    return name_and_suffix(domain)


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
    if CALL_SIGN.match(label) and suffix == "org":
        return "call sign .org"
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
    return {d: Opinion(o.value, o.n, " ".join(keys[d])) for d, o in out.items()}

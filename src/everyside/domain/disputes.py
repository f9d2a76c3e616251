"""When reader reports dispute a summary: distinct clients, relative to the story's readers.

A client is known by two keyed hashes: its network address (an IPv6 /64 counts as one) and a
per-browser cookie. Two reports come from the same client when they share either: one address
cycling cookies, or one browser cycling addresses (a VPN), is one client. A report with neither
(a direct service call) counts on its own.

The threshold grows with the audience: at least `minimum` distinct clients, and at least
`share` of the story's distinct readers, so three people cannot flag a story read by thousands,
and a story read by five still can be flagged.
"""

from __future__ import annotations

import math
from collections.abc import Iterable


def distinct_clients(identities: Iterable[tuple[str | None, str | None]]) -> int:
    """How many clients sent reports identified by (address hash, browser hash) pairs."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    anonymous = 0
    for address, browser in identities:
        keys = [f"a:{address}"] if address else []
        keys += [f"b:{browser}"] if browser else []
        if not keys:
            anonymous += 1
            continue
        for k in keys:
            parent.setdefault(k, k)
        if len(keys) == 2:
            parent[find(keys[0])] = find(keys[1])
    return anonymous + len({find(k) for k in parent})


def dispute_threshold(minimum: int, share: float, readers: int) -> int:
    """Distinct clients needed to dispute the summary of a story with `readers` readers."""
    return max(1, minimum, math.ceil(share * max(0, readers)))


def is_disputed(clients: int, minimum: int, share: float, readers: int) -> bool:
    # the reporters read the story too, whether or not their visit was counted
    return clients >= dispute_threshold(minimum, share, max(readers, clients))

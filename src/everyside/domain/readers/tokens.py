"""Signed links that grant exactly one thing.

An unsubscribe token names a reader, their address and one list (`briefing` or `alerts`) and
carries an HMAC of them under the instance's secret key. It opens nothing else: no session, no
page with the reader's data, no API access. A forwarded briefing lets its recipient unsubscribe
the original reader from that list, which anyone could also do by replying; nothing more. The
address is in the MAC, so a token outlives neither a change of address nor an account whose id
was reused.
"""

from __future__ import annotations

import hashlib
import hmac

LISTS = ("briefing", "alerts")


def _mac(key: bytes, reader_id: int, email: str, list_: str) -> str:
    msg = f"unsubscribe\x00{reader_id}\x00{email}\x00{list_}".encode()
    return hmac.new(key, msg, hashlib.sha256).hexdigest()[:40]


def unsubscribe_token(key: bytes, reader_id: int, email: str, list_: str) -> str:
    if list_ not in LISTS:
        raise ValueError(list_)
    return f"{reader_id}.{list_}.{_mac(key, reader_id, email, list_)}"


def parse_unsubscribe(token: str) -> tuple[int, str, str] | None:
    """(reader id, list, mac) of a well-formed token, else None (the MAC is checked by
    `unsubscribe_valid` once the reader's address is known)."""
    parts = (token or "").split(".")
    if len(parts) != 3 or not parts[0].isdigit() or len(parts[0]) > 18 or parts[1] not in LISTS:
        return None
    return int(parts[0]), parts[1], parts[2]


def unsubscribe_valid(key: bytes, token: str, email: str) -> bool:
    parsed = parse_unsubscribe(token)
    if parsed is None:
        return False
    reader_id, list_, mac = parsed
    return hmac.compare_digest(mac, _mac(key, reader_id, email, list_))


def hash_token(token: str) -> str:
    """How sessions, access tokens, reset links and invitations are stored: SHA-256 of a
    random 256-bit value (a slow hash adds nothing to a value nobody can guess)."""
    return hashlib.sha256(token.encode()).hexdigest()


def feed_token(key: bytes, reader_id: int, nonce: str) -> str:
    """The secret part of a reader's feed URLs; changes when the reader resets the nonce."""
    msg = f"feed\x00{reader_id}\x00{nonce}".encode()
    return f"{reader_id}-{hmac.new(key, msg, hashlib.sha256).hexdigest()[:40]}"

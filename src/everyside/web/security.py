"""Web security: the secret key, CSRF tokens, client identities, the operator check and
response headers.

CSRF uses signed double-submit tokens: the token is `<issued>.<nonce>.<hmac>`, set in a
SameSite=Strict cookie and repeated in the form; a POST passes only when both match, the HMAC
verifies under the secret key and the token is younger than a day.

A client is known by two keyed hashes, never by the raw values: its address (an IPv6 /64 is
one client: anyone holds a whole /64) and a random per-browser cookie. The feedback rate limit
(per address hash, in the database, atomic: `services.summaries.record_feedback` with
`rate_limit`, one statement in store/feedback.py) survives restarts and holds
across worker processes; disputes count distinct clients (domain/disputes.py).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import re
import secrets
from datetime import datetime
from pathlib import Path

from everyside.settings import Settings

CSRF_COOKIE = "es_csrf"
CSRF_FIELD = "csrf_token"
CSRF_MAX_AGE = 86400
BROWSER_COOKIE = "es_browser"
BROWSER_MAX_AGE = 365 * 86400
_BROWSER_TOKEN = re.compile(r"^[0-9a-f]{32}$")

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "interest-cohort=()",
}


def secret_key(settings: Settings) -> bytes:
    """The configured key, else one generated once and kept (mode 0600) in data_dir."""
    if settings.secret_key:
        return str(settings.secret_key).encode()
    path = Path(settings.data_path) / "secret_key"
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32).encode()
    path.touch(mode=0o600)
    path.write_bytes(key)
    return key


def _sign(key: bytes, payload: str) -> str:
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()[:32]


def new_csrf_token(key: bytes, now: datetime) -> str:
    payload = f"{int(now.timestamp())}.{secrets.token_hex(12)}"
    return f"{payload}.{_sign(key, payload)}"


def valid_csrf_token(key: bytes, token: str | None, now: datetime) -> bool:
    if not token or token.count(".") != 2:
        return False
    issued, nonce, sig = token.split(".")
    if not hmac.compare_digest(sig, _sign(key, f"{issued}.{nonce}")):
        return False
    try:
        age = now.timestamp() - int(issued)
    except ValueError:
        return False
    return 0 <= age <= CSRF_MAX_AGE


def check_csrf(key: bytes, cookie: str | None, form_value: str | None, now: datetime) -> bool:
    """Double submit: the form's token equals the cookie's, and it is ours and fresh."""
    if not cookie or not form_value or not hmac.compare_digest(cookie, form_value):
        return False
    return valid_csrf_token(key, cookie, now)


def address_key(address: str | None) -> str:
    """The part of an address that names one client: all of IPv4, the /64 of IPv6."""
    try:
        ip = ipaddress.ip_address((address or "").split("%")[0])
    except ValueError:
        return address or "unknown"  # e.g. "testclient", a unix socket
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def client_id(key: bytes, address: str | None) -> str:
    """A keyed hash of the client's address (IPv6: its /64): enough to count and rate-limit,
    useless to identify."""
    return _sign(key, f"client:{address_key(address)}")


def new_browser_token() -> str:
    return secrets.token_hex(16)


def browser_id(key: bytes, cookie: str | None) -> str | None:
    """A keyed hash of the browser cookie, None without a well-formed one."""
    if not cookie or not _BROWSER_TOKEN.match(cookie):
        return None
    return _sign(key, f"browser:{cookie}")


def operator_allowed(token: str, authorization: str | None) -> bool:
    """`Authorization: Bearer <token>` or HTTP Basic with any user and <token> as password."""
    if not token or not authorization:
        return False
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() == "basic":
        try:
            value = base64.b64decode(value, validate=True).decode().partition(":")[2]
        except (ValueError, UnicodeDecodeError):
            return False
    elif scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(value.encode(), token.encode())

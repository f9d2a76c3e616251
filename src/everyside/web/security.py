"""Web security: the secret key, CSRF tokens, the feedback rate limit and response headers.

CSRF uses signed double-submit tokens: the token is `<issued>.<nonce>.<hmac>`, set in a
SameSite=Strict cookie and repeated in the form; a POST passes only when both match, the HMAC
verifies under the secret key and the token is younger than a day. The feedback rate limit
counts a client's (hashed address, `client_id`) reports of the last hour in the database
(`services.summaries.feedback_allowed`), so it survives restarts and holds across workers.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime
from pathlib import Path

from everyside.settings import Settings

CSRF_COOKIE = "es_csrf"
CSRF_FIELD = "csrf_token"
CSRF_MAX_AGE = 86400

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


def client_id(key: bytes, address: str | None) -> str:
    """A keyed hash of the client address: enough to rate-limit, useless to identify."""
    return _sign(key, f"client:{address or 'unknown'}")

"""Readers: accounts, sessions, tokens, follows, saved stories, reading history, My News Bias,
For You, export and deletion (issue 21). Pure rules live in `domain/readers/`, tables in
`store/readers.py`; the web and the CLI call these functions.

Two modes (`auth`): `single` has one local reader (a row of kind `local`, created on first
use) and no sign-in; `accounts` has e-mail + password accounts (argon2id) with server-side
sessions. Secrets are stored hashed: session cookies, access tokens, reset links and
invitations as SHA-256 of 256 random bits, passwords with argon2id. Times are passed in.
"""

from __future__ import annotations

import csv
import hmac
import io
import logging
import secrets
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from everyside.domain.errors import (
    AuthError,
    InputError,
    LimitError,
    RateLimitedError,
)
from everyside.domain.model import bias_side, factuality_tier
from everyside.domain.readers import accounts, alerts, ranking
from everyside.domain.readers import bias as mybias
from everyside.domain.readers.tokens import feed_token, hash_token
from everyside.domain.times import parse_iso
from everyside.services import read as rd
from everyside.services.coverage import get_coverage, load_outlets
from everyside.store import Store
from everyside.store import readers as rows
from everyside.store.readmodel import StoryFilter

log = logging.getLogger(__name__)
HASHER = PasswordHasher()  # argon2id, RFC 9106's second recommended parameters (64 MiB, t=3)
_DUMMY_HASH = HASHER.hash("not a password of anyone " + secrets.token_hex(8))
LOGIN_WINDOW = timedelta(minutes=15)
RESET_HOURS = 2
INVITE_DAYS = 14
TOKEN_PREFIX = "es_pat_"
FOLLOW_KINDS = ("topic", "outlet", "story")
SESSION_TOUCH = timedelta(hours=1)


def _token() -> str:
    return secrets.token_urlsafe(32)


# -- accounts ---------------------------------------------------------------------------------
def local_reader(store: Store, now: datetime) -> dict[str, Any]:
    """The single-mode reader (created on first use)."""
    with store.read() as conn:
        found = rows.local_reader(conn)
    if found is not None:
        return found

    def create(conn: Any) -> dict[str, Any]:
        existing = rows.local_reader(conn)
        if existing is not None:
            return existing
        rid = rows.create_reader(
            conn,
            {
                "kind": "local",
                "username": "local",
                "role": "admin",
                "feed_nonce": secrets.token_hex(16),
                "created_at": now,
            },
        )
        got = rows.get_reader(conn, rid)
        assert got is not None
        return got

    return store.write(create)


def get_reader(store: Store, reader_id: int) -> dict[str, Any] | None:
    with store.read() as conn:
        return rows.get_reader(conn, reader_id)


def create_account(
    store: Store,
    email: str,
    username: str,
    password: str,
    now: datetime,
    *,
    role: str = "reader",
    invitation: str | None = None,
) -> int:
    """A new account (InputError naming the field when something is not acceptable)."""
    addr = accounts.normalize_email(email)
    name, key = accounts.normalize_username(username)
    accounts.check_password(password, addr, name)
    hashed = HASHER.hash(password)

    def create(conn: Any) -> int:
        if invitation is not None and not rows.take_invitation(
            conn, hash_token(invitation), addr, now
        ):
            raise InputError("that invitation is unknown, used, expired or for another address")
        if rows.reader_by_email(conn, addr) is not None:
            raise InputError("an account with that e-mail address exists; sign in instead")
        if rows.username_taken(conn, key):
            raise InputError("that username (or one that looks the same) is taken")
        return rows.create_reader(
            conn,
            {
                "kind": "account",
                "email": addr,
                "username": name,
                "username_key": key,
                "password_hash": hashed,
                "role": role,
                "feed_nonce": secrets.token_hex(16),
                "created_at": now,
            },
        )

    return store.write(create)


def _failure_keys(key: bytes, email: str, client: str) -> tuple[str, str]:
    return "account:" + hash_token(key.hex() + email)[:40], "address:" + client[:40]


def authenticate(
    store: Store,
    settings: Any,
    key: bytes,
    email: str,
    password: str,
    client: str,
    now: datetime,
) -> int:
    """The reader id for a correct e-mail and password. RateLimitedError when the account or
    the client address failed too often in the last 15 minutes (then the password is not even
    checked), AuthError for a wrong pair (same message and about the same time whether or not
    the account exists)."""
    try:
        addr = accounts.normalize_email(email)
    except InputError:
        addr = (email or "").strip().casefold()[:320]
    account_key, address_key = _failure_keys(key, addr, client)
    since = now - LOGIN_WINDOW
    with store.read() as conn:
        if rows.failures_since(conn, account_key, since) >= settings.login_rate_limit:
            raise RateLimitedError("too many failed sign-ins for this account; wait 15 minutes")
        if rows.failures_since(conn, address_key, since) >= settings.login_address_rate_limit:
            raise RateLimitedError("too many failed sign-ins from your address; wait 15 minutes")
        reader = rows.reader_by_email(conn, addr)
        stored = rows.password_hash(conn, reader["id"]) if reader else None
    ok = False
    try:
        ok = HASHER.verify(stored or _DUMMY_HASH, password[: accounts.PASSWORD_MAX])
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or reader is None or stored is None:
        store.write(lambda c: rows.add_failures(c, (account_key, address_key), now))
        raise AuthError("wrong e-mail address or password")
    rid = int(reader["id"])

    def success(conn: Any) -> None:
        rows.clear_failures(conn, account_key, before=now - LOGIN_WINDOW)
        values: dict[str, Any] = {"last_login_at": now}
        if HASHER.check_needs_rehash(stored):
            values["password_hash"] = HASHER.hash(password)
        rows.update_reader(conn, rid, **values)

    store.write(success)
    return rid


def start_session(store: Store, settings: Any, reader_id: int, now: datetime) -> str:
    """A new session (always a new token: a token known before sign-in never becomes one)."""
    token = _token()
    expires = now + timedelta(days=float(settings.session_days))
    store.write(lambda c: rows.add_session(c, hash_token(token), reader_id, now, expires))
    return token


def session_reader(store: Store, token: str | None, now: datetime) -> dict[str, Any] | None:
    if not token or len(token) > 100:
        return None
    h = hash_token(token)
    with store.read() as conn:
        found = rows.session_reader(conn, h, now)
        reader = rows.get_reader(conn, found[0]) if found else None
    if found is None or reader is None:
        return None
    seen = found[1]
    if seen is None or now - seen > SESSION_TOUCH:
        store.write(lambda c: rows.touch_session(c, h, now))
    return reader


def end_session(store: Store, token: str | None) -> None:
    if token:
        store.write(lambda c: rows.delete_session(c, hash_token(token)))


def change_password(store: Store, reader_id: int, password: str, now: datetime) -> None:
    reader = get_reader(store, reader_id)
    if reader is None:
        raise AuthError("no such reader")
    accounts.check_password(password, reader.get("email") or "", reader.get("username") or "")
    hashed = HASHER.hash(password)

    def write(conn: Any) -> None:
        rows.update_reader(conn, reader_id, password_hash=hashed)
        rows.delete_sessions(conn, reader_id, now)  # every signed-in browser is signed out
        rows.delete_tokens(conn, reader_id, "reset")

    store.write(write)


def request_reset(store: Store, email: str, now: datetime) -> tuple[dict, str] | None:
    """A one-time reset token for the account of `email` (None when there is none: the page
    says the same either way)."""
    try:
        addr = accounts.normalize_email(email)
    except InputError:
        return None
    with store.read() as conn:
        reader = rows.reader_by_email(conn, addr)
    if reader is None:
        return None
    token = _token()
    store.write(
        lambda c: rows.add_token(
            c,
            {
                "reader_id": reader["id"],
                "kind": "reset",
                "token_hash": hash_token(token),
                "created_at": now,
                "expires_at": now + timedelta(hours=RESET_HOURS),
            },
        )
    )
    return reader, token


def reset_valid(store: Store, token: str, now: datetime) -> bool:
    with store.read() as conn:
        return rows.token_reader(conn, hash_token(token), "reset", now) is not None


def reset_password(store: Store, token: str, password: str, now: datetime) -> int:
    """Set a new password with a reset token (once); AuthError when the link is not live."""
    with store.read() as conn:
        rid = rows.token_reader(conn, hash_token(token), "reset", now)
        reader = rows.get_reader(conn, rid) if rid is not None else None
    if rid is None or reader is None:
        raise AuthError("this reset link is unknown, used or expired; ask for a new one")
    accounts.check_password(password, reader.get("email") or "", reader.get("username") or "")
    hashed = HASHER.hash(password)

    def write(conn: Any) -> int:
        if rows.use_token(conn, hash_token(token), "reset", now) != rid:
            raise AuthError("this reset link was used meanwhile; ask for a new one")
        rows.update_reader(conn, rid, password_hash=hashed)
        rows.delete_sessions(conn, rid, now)
        rows.delete_tokens(conn, rid, "reset")
        return rid

    return store.write(write)


def create_invitation(store: Store, email: str | None, by: int | None, now: datetime) -> str:
    addr = accounts.normalize_email(email) if email else None
    token = _token()
    store.write(
        lambda c: rows.add_invitation(
            c,
            {
                "token_hash": hash_token(token),
                "email": addr,
                "created_by": by,
                "created_at": now,
                "expires_at": now + timedelta(days=INVITE_DAYS),
            },
        )
    )
    return token


def set_role(store: Store, email: str, role: str) -> None:
    addr = accounts.normalize_email(email)

    def write(conn: Any) -> None:
        reader = rows.reader_by_email(conn, addr)
        if reader is None:
            raise InputError(f"no account with e-mail {addr}")
        rows.update_reader(conn, reader["id"], role=role)

    store.write(write)


def set_preferences(store: Store, reader_id: int, **values: bool) -> None:
    allowed = {"recording", "email_briefing", "email_alerts"}
    clean = {k: bool(v) for k, v in values.items() if k in allowed}
    if clean:
        store.write(lambda c: rows.update_reader(c, reader_id, **clean))


def new_feed_secret(store: Store, reader_id: int) -> None:
    store.write(lambda c: rows.update_reader(c, reader_id, feed_nonce=secrets.token_hex(16)))


def feed_secret(key: bytes, reader: dict[str, Any]) -> str:
    return feed_token(key, int(reader["id"]), str(reader["feed_nonce"]))


def feed_reader(store: Store, key: bytes, secret: str) -> dict[str, Any] | None:
    rid, _, _ = secret.partition("-")
    if not rid.isdigit() or len(rid) > 18:
        return None
    reader = get_reader(store, int(rid))
    if reader is None:
        return None
    return reader if hmac.compare_digest(feed_secret(key, reader), secret) else None


def delete_account(store: Store, reader_id: int) -> None:
    store.write(lambda c: rows.delete_reader(c, reader_id))


def rows_of_reader(store: Store, reader_id: int) -> dict[str, int]:
    with store.read() as conn:
        return rows.rows_of_reader(conn, reader_id)


# -- personal access tokens ---------------------------------------------------------------
def create_api_token(store: Store, reader_id: int, name: str, now: datetime) -> str:
    token = TOKEN_PREFIX + _token()
    name = (name or "").strip()[:100] or "token"
    store.write(
        lambda c: rows.add_token(
            c,
            {
                "reader_id": reader_id,
                "kind": "api",
                "token_hash": hash_token(token),
                "name": name,
                "prefix": token[: len(TOKEN_PREFIX) + 4],
                "created_at": now,
            },
        )
    )
    return token


def api_reader(store: Store, token: str, now: datetime) -> dict[str, Any] | None:
    if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    with store.read() as conn:
        rid = rows.token_reader(conn, hash_token(token), "api", now)
        return rows.get_reader(conn, rid) if rid is not None else None


def list_api_tokens(store: Store, reader_id: int) -> list[dict[str, Any]]:
    with store.read() as conn:
        return rows.list_tokens(conn, reader_id)


def revoke_api_token(store: Store, reader_id: int, token_id: int) -> bool:
    return store.write(lambda c: rows.delete_token(c, reader_id, token_id))


# -- follows and saved stories -------------------------------------------------------------
def _check_follow(kind: str, target: str) -> tuple[str, str]:
    kind, target = (kind or "").strip().lower(), (target or "").strip()
    if kind not in FOLLOW_KINDS:
        raise InputError(f"unknown follow kind {kind[:20]!r}; use topic, outlet or story")
    if not target or len(target) > 253:
        raise InputError("a follow names a topic, an outlet domain or a story id (1-253 chars)")
    if kind == "story" and not (target.isdigit() and int(target) <= rows.INT_MAX):
        raise InputError("a story follow names a story id")
    if kind == "outlet":
        target = target.lower().removeprefix("www.")
    return kind, target


def follow(
    store: Store, settings: Any, reader_id: int, items: list[tuple[str, str]], now: datetime
) -> int:
    """Add follows; the number added. LimitError (nothing added) past `max_follows`."""
    if len(items) > int(settings.max_follows):
        raise LimitError(
            f"{len(items)} follows at once is more than the {settings.max_follows} a reader "
            "may have (max_follows)"
        )
    clean = [_check_follow(k, t) for k, t in items]
    with store.read() as conn:
        sides = {}
        ids = [int(t) for k, t in clean if k == "story"]
        for s in rd.stories_by_ids(conn, ids):
            sides[str(s["id"])] = alerts.encode(alerts.sides_of(s["shares"]))
    batch = [(k, t, sides.get(t) if k == "story" else None) for k, t in clean]
    added, total = store.write(
        lambda c: rows.add_follows(c, reader_id, batch, now, int(settings.max_follows))
    )
    if added < 0:
        raise LimitError(
            f"you follow {total} things; {settings.max_follows} is the most (max_follows). "
            "Unfollow some first."
        )
    return added


def unfollow(store: Store, reader_id: int, kind: str, target: str) -> bool:
    kind, target = _check_follow(kind, target)
    return store.write(lambda c: rows.remove_follow(c, reader_id, kind, target))


def list_follows(store: Store, reader_id: int) -> list[dict[str, Any]]:
    with store.read() as conn:
        return rows.list_follows(conn, reader_id)


def save(store: Store, reader_id: int, story_id: int, now: datetime) -> bool:
    with store.read() as conn:
        if rd.get_story(conn, story_id) is None:
            return False
    store.write(lambda c: rows.save_story(c, reader_id, story_id, now))
    return True


def unsave(store: Store, reader_id: int, story_id: int) -> None:
    store.write(lambda c: rows.unsave_story(c, reader_id, story_id))


def saved(store: Store, reader_id: int) -> list[dict[str, Any]]:
    with store.read() as conn:
        ids = rows.saved_ids(conn, reader_id)
        found = {s["id"]: s for s in rd.stories_by_ids(conn, ids)}
    return [found[i] for i in ids if i in found]


def story_state(store: Store, reader_id: int, story_id: int) -> dict[str, bool]:
    """Whether the reader follows / saved a story (for its page's buttons)."""
    with store.read() as conn:
        f = {(x["kind"], x["target"]) for x in rows.list_follows(conn, reader_id)}
        s = story_id in rows.saved_ids(conn, reader_id)
    return {"following": ("story", str(story_id)) in f, "saved": s}


# -- reading history -----------------------------------------------------------------------
def record_story(store: Store, reader: dict[str, Any], story_id: int, now: datetime) -> bool:
    if not reader.get("recording"):
        return False
    store.write(lambda c: rows.add_read(c, int(reader["id"]), story_id, None, now))
    return True


def open_article(
    store: Store, reader: dict[str, Any] | None, article_id: int, now: datetime
) -> str | None:
    """The stored URL of an article (None when unknown or without one), recording the read
    when there is a reader who records."""
    with store.read() as conn:
        found = rows.article_link(conn, article_id)
    if found is None:
        return None
    story_id, url = found
    if reader is not None and reader.get("recording"):
        rid = int(reader["id"])
        store.write(lambda c: rows.add_read(c, rid, story_id, article_id, now))
    return url if url and url.startswith(("http://", "https://")) else None


def delete_history(store: Store, reader_id: int) -> int:
    return store.write(lambda c: rows.delete_reads(c, reader_id))


def _outlet_row(f: Any) -> dict[str, Any]:
    if f is None:
        return {}
    return {
        "domain": f.domain,
        "name": f.name or f.domain,
        "side": bias_side(f.bias).value if f.bias is not None else None,
        "factuality_tier": factuality_tier(f.factuality),
        "owner_category": f.owner_category or "Unknown",
        "country": f.country,
    }


def _reads(conn: Any, reader_id: int, now: datetime, days: int = 365) -> tuple[list, dict]:
    events = rows.reads_since(conn, reader_id, now - timedelta(days=days))
    facts = load_outlets(conn, {e["outlet_id"] for e in events if e["outlet_id"] is not None})
    docs: dict[int, list[dict[str, Any]]] = {}
    for sid in list(dict.fromkeys(e["story_id"] for e in events if e["story_id"]))[:2000]:
        docs[sid] = (get_coverage(conn, sid) or {}).get("outlets") or []
    story_sides = {sid: {o["side"] for o in outs if o.get("side")} for sid, outs in docs.items()}
    reads = []
    for e in events:
        if e["article_id"] is not None:
            pairs: tuple = ((1.0, _outlet_row(facts.get(e["outlet_id"]))),)
        else:
            outs = docs.get(e["story_id"]) or []
            pairs = tuple((1.0 / len(outs), o) for o in outs)
        reads.append(mybias.Read(e["read_at"], e["story_id"], pairs, e["article_id"] is not None))
    return reads, story_sides


def my_news_bias(store: Store, reader_id: int, now: datetime) -> dict[str, Any]:
    """My News Bias for 7, 30 and 365 days."""
    with store.read() as conn:
        reads, story_sides = _reads(conn, reader_id, now)
    return mybias.dashboard(reads, story_sides, now)


def history(store: Store, reader_id: int, now: datetime, days: int = 3650) -> list[dict]:
    with store.read() as conn:
        events = rows.reads_since(conn, reader_id, now - timedelta(days=days), limit=100_000)
        heads = {
            s["id"]: s["headline"]
            for s in rd.stories_by_ids(conn, list({e["story_id"] for e in events if e["story_id"]}))
        }
    for e in events:
        e["headline"] = heads.get(e["story_id"])
        e.pop("outlet_id", None)
    return events


# -- For You -------------------------------------------------------------------------------
def for_you(store: Store, reader_id: int, now: datetime, limit: int = 30) -> list[dict]:
    with store.read() as conn:
        fl = rows.list_follows(conn, reader_id)
        topics = frozenset(x["target"] for x in fl if x["kind"] == "topic")
        outlets = frozenset(x["target"] for x in fl if x["kind"] == "outlet")
        story_ids = frozenset(int(x["target"]) for x in fl if x["kind"] == "story")
        pool: dict[int, dict[str, Any]] = {}
        for s in rd.list_stories(conn, StoryFilter(), limit=200):
            pool[s["id"]] = s
        for t in sorted(topics)[:25]:
            for s in rd.list_stories(conn, StoryFilter(topic=t), limit=30):
                pool[s["id"]] = s
        extra = sorted(story_ids)[:200]
        extra += rows.story_ids_of_outlets(conn, sorted(outlets)[:200], now - timedelta(days=365))
        for s in rd.stories_by_ids(conn, [i for i in extra if i not in pool]):
            pool[s["id"]] = s
        pool = {i: s for i, s in pool.items() if not s.get("merged_into")}
        domains = rows.story_domains(conn, pool)
        reads, _ = _reads(conn, reader_id, now, days=30)
        read_ids = {r.story_id for r in reads if r.story_id is not None}
        topic_count: Counter[str] = Counter()
        for s in rd.stories_by_ids(conn, sorted(read_ids)[:2000]):
            topic_count.update(s["topics"] or [])
    total = sum(topic_count.values()) or 1
    profile = mybias.profile(reads, {})
    taste = ranking.Taste(
        topic_shares={t: n / total for t, n in topic_count.items()},
        read_stories=frozenset(read_ids),
        leaning=profile["leaning"],
    )
    candidates = [
        {
            **s,
            "domains": sorted(domains.get(i, ())),
            "last_published": parse_iso(s.get("last_published_at")),
        }
        for i, s in pool.items()
    ]
    ranked = ranking.rank(
        candidates, ranking.Follows(topics, outlets, story_ids), taste, now, limit
    )
    for r in ranked:
        r["story"].pop("last_published", None)
    return ranked


def follows_stories(store: Store, reader_id: int, limit: int = 50) -> list[dict[str, Any]]:
    """Recent stories of what the reader follows (the follows feed), newest first."""
    with store.read() as conn:
        fl = rows.list_follows(conn, reader_id)
        ids = {int(x["target"]) for x in fl if x["kind"] == "story"}
        found = {s["id"]: s for s in rd.stories_by_ids(conn, sorted(ids)[:500])}
        for x in fl:
            if x["kind"] == "topic" and len(found) < 5 * limit:
                for s in rd.list_stories(conn, StoryFilter(topic=x["target"]), limit=limit):
                    found[s["id"]] = s
    stories = sorted(found.values(), key=lambda s: s["last_published_at"] or "", reverse=True)
    return stories[:limit]


# -- export --------------------------------------------------------------------------------
def export(store: Store, reader_id: int, now: datetime) -> dict[str, Any]:
    reader = get_reader(store, reader_id)
    if reader is None:
        raise AuthError("no such reader")
    with store.read() as conn:
        mail = rows.mail_status(conn, reader_id, limit=1000)
    return {
        "reader": {k: v for k, v in reader.items() if k != "feed_nonce"},
        "follows": list_follows(store, reader_id),
        "saved_stories": [
            {"id": s["id"], "headline": s["headline"]} for s in saved(store, reader_id)
        ],
        "reads": history(store, reader_id, now),
        "access_tokens": list_api_tokens(store, reader_id),
        "mail": [
            {k: m[k] for k in ("kind", "subject", "status", "created_at", "sent_at")} for m in mail
        ],
        "my_news_bias": my_news_bias(store, reader_id, now),
    }


CSV_FIELDS = ("read_at", "story_id", "headline", "article_id", "article_title", "article_url")


def export_csv(store: Store, reader_id: int, now: datetime) -> str:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(CSV_FIELDS)
    for e in history(store, reader_id, now):
        w.writerow([_cell(e.get(f)) for f in CSV_FIELDS])
    return out.getvalue()


def _cell(v: Any) -> str:
    s = v.isoformat() if isinstance(v, datetime) else ("" if v is None else str(v))
    return "'" + s if s[:1] in ("=", "+", "-", "@", "\t", "\r") else s


PUBLIC_FIELDS = (
    "id",
    "kind",
    "email",
    "username",
    "role",
    "recording",
    "email_briefing",
    "email_alerts",
    "created_at",
)


def public_profile(reader: dict[str, Any]) -> dict[str, Any]:
    """What pages and the API show of a reader's own row (never hashes or nonces)."""
    return {k: reader.get(k) for k in PUBLIC_FIELDS}

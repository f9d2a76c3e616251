"""Readers' tables (see schema.py, migration 0006): accounts, sessions, tokens, invitations,
follows, saved stories, reading history, failed sign-ins and the e-mail outbox.

Every statement that reads a reader's data filters on `reader_id`: there is no query that
returns another reader's rows. Times are aware UTC outside, naive UTC inside.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from everyside.domain.times import from_db, to_db
from everyside.store.locks import advisory_lock
from everyside.store.schema import (
    articles,
    follows,
    invitations,
    login_failures,
    outbox,
    outlets,
    reader_sessions,
    reader_tokens,
    readers,
    reading_events,
    saved_stories,
)

INT_MAX = 2**31 - 1  # the id columns are INTEGER: a larger id from a URL names nothing


def _fits(value: int) -> bool:
    return 0 <= value <= INT_MAX


READER_COLS = (
    "id",
    "kind",
    "email",
    "username",
    "role",
    "recording",
    "email_briefing",
    "email_alerts",
    "feed_nonce",
    "last_briefing_on",
    "created_at",
    "last_login_at",
)


def _reader(row: Any) -> dict[str, Any] | None:
    if row is None:
        return None
    m = row._mapping
    out = {k: m[k] for k in READER_COLS}
    out["created_at"] = from_db(out["created_at"])
    out["last_login_at"] = from_db(out["last_login_at"])
    return out


def _cols() -> list[Any]:
    return [readers.c[k] for k in READER_COLS]


# -- accounts ---------------------------------------------------------------------------------
def create_reader(conn: Connection, values: dict[str, Any]) -> int:
    values = {**values, "created_at": to_db(values["created_at"])}
    result = conn.execute(insert(readers).values(**values))
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def get_reader(conn: Connection, reader_id: int) -> dict[str, Any] | None:
    if not _fits(reader_id):
        return None
    return _reader(conn.execute(select(*_cols()).where(readers.c.id == reader_id)).first())


def local_reader(conn: Connection) -> dict[str, Any] | None:
    row = conn.execute(
        select(*_cols()).where(readers.c.kind == "local").order_by(readers.c.id).limit(1)
    ).first()
    return _reader(row)


def reader_by_email(conn: Connection, email: str) -> dict[str, Any] | None:
    return _reader(conn.execute(select(*_cols()).where(readers.c.email == email)).first())


def username_taken(conn: Connection, key: str) -> bool:
    found = conn.execute(select(readers.c.id).where(readers.c.username_key == key)).first()
    return found is not None


def password_hash(conn: Connection, reader_id: int) -> str | None:
    return conn.execute(
        select(readers.c.password_hash).where(readers.c.id == reader_id)
    ).scalar_one_or_none()


def update_reader(conn: Connection, reader_id: int, **values: Any) -> None:
    for k in ("last_login_at",):
        if k in values:
            values[k] = to_db(values[k])
    conn.execute(update(readers).where(readers.c.id == reader_id).values(**values))


def delete_reader(conn: Connection, reader_id: int) -> None:
    """The account and, by ON DELETE CASCADE, every row that belongs to it."""
    conn.execute(delete(readers).where(readers.c.id == reader_id))


def count_admins(conn: Connection) -> int:
    n = conn.execute(select(func.count()).where(readers.c.role == "admin")).scalar()
    return int(n or 0)


def rows_of_reader(conn: Connection, reader_id: int) -> dict[str, int]:
    """How many rows each reader table holds for `reader_id` (privacy checks, export)."""
    out = {}
    for table in (
        reader_sessions,
        reader_tokens,
        follows,
        saved_stories,
        reading_events,
        outbox,
    ):
        n = conn.execute(
            select(func.count()).select_from(table).where(table.c.reader_id == reader_id)
        ).scalar()
        out[table.name] = int(n or 0)
    return out


# -- sessions -------------------------------------------------------------------------------
def add_session(
    conn: Connection, token_hash: str, reader_id: int, now: datetime, expires: datetime
) -> None:
    conn.execute(
        insert(reader_sessions).values(
            token_hash=token_hash,
            reader_id=reader_id,
            created_at=to_db(now),
            seen_at=to_db(now),
            expires_at=to_db(expires),
        )
    )


def session_reader(conn: Connection, token_hash: str, now: datetime) -> tuple[Any, Any] | None:
    """(reader id, seen_at) of a live session, else None."""
    s = reader_sessions.c
    row = conn.execute(
        select(s.reader_id, s.seen_at).where(s.token_hash == token_hash, s.expires_at > to_db(now))
    ).first()
    return None if row is None else (int(row.reader_id), from_db(row.seen_at))


def touch_session(conn: Connection, token_hash: str, now: datetime) -> None:
    s = reader_sessions.c
    conn.execute(
        update(reader_sessions).where(s.token_hash == token_hash).values(seen_at=to_db(now))
    )


def delete_session(conn: Connection, token_hash: str) -> None:
    conn.execute(delete(reader_sessions).where(reader_sessions.c.token_hash == token_hash))


def delete_sessions(conn: Connection, reader_id: int, now: datetime | None = None) -> None:
    """All sessions of a reader (or, with `now`, also every expired session of anyone)."""
    s = reader_sessions.c
    conn.execute(delete(reader_sessions).where(s.reader_id == reader_id))
    if now is not None:
        conn.execute(delete(reader_sessions).where(s.expires_at <= to_db(now)))


# -- tokens (personal access tokens, reset links) ----------------------------------------
def add_token(conn: Connection, values: dict[str, Any]) -> int:
    values = {
        **values,
        "created_at": to_db(values["created_at"]),
        "expires_at": to_db(values.get("expires_at")),
    }
    result = conn.execute(insert(reader_tokens).values(**values))
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def token_reader(conn: Connection, token_hash: str, kind: str, now: datetime) -> int | None:
    t = reader_tokens.c
    row = conn.execute(
        select(t.reader_id, t.expires_at, t.used_at).where(
            t.token_hash == token_hash, t.kind == kind
        )
    ).first()
    if row is None or row.used_at is not None:
        return None
    if row.expires_at is not None and from_db(row.expires_at) <= now:  # type: ignore[operator]
        return None
    return int(row.reader_id)


def use_token(conn: Connection, token_hash: str, kind: str, now: datetime) -> int | None:
    """Mark a one-time token used (atomically); its reader, or None when it was not live."""
    t = reader_tokens.c
    result = conn.execute(
        update(reader_tokens)
        .where(
            t.token_hash == token_hash,
            t.kind == kind,
            t.used_at.is_(None),
            t.expires_at > to_db(now),
        )
        .values(used_at=to_db(now))
        .returning(t.reader_id)
    )
    found = result.scalar_one_or_none()
    return int(found) if found is not None else None


def token_used(conn: Connection, token_hash: str, now: datetime) -> None:
    t = reader_tokens.c
    conn.execute(update(reader_tokens).where(t.token_hash == token_hash).values(used_at=to_db(now)))


def list_tokens(conn: Connection, reader_id: int, kind: str = "api") -> list[dict[str, Any]]:
    t = reader_tokens.c
    rows = conn.execute(
        select(t.id, t.name, t.prefix, t.created_at, t.used_at)
        .where(t.reader_id == reader_id, t.kind == kind)
        .order_by(t.id)
    ).all()
    return [
        {
            "id": r.id,
            "name": r.name,
            "prefix": r.prefix,
            "created_at": from_db(r.created_at),
            "last_used_at": from_db(r.used_at),
        }
        for r in rows
    ]


def delete_token(conn: Connection, reader_id: int, token_id: int) -> bool:
    if not _fits(token_id):
        return False
    t = reader_tokens.c
    result = conn.execute(
        delete(reader_tokens).where(t.reader_id == reader_id, t.id == token_id, t.kind == "api")
    )
    return bool(result.rowcount)


def delete_tokens(conn: Connection, reader_id: int, kind: str) -> None:
    t = reader_tokens.c
    conn.execute(delete(reader_tokens).where(t.reader_id == reader_id, t.kind == kind))


# -- invitations ------------------------------------------------------------------------------
def add_invitation(conn: Connection, values: dict[str, Any]) -> None:
    values = {
        **values,
        "created_at": to_db(values["created_at"]),
        "expires_at": to_db(values["expires_at"]),
    }
    conn.execute(insert(invitations).values(**values))


def take_invitation(conn: Connection, token_hash: str, email: str, now: datetime) -> bool:
    """Use an invitation (once, before it expires, by its address if it names one)."""
    i = invitations.c
    result = conn.execute(
        update(invitations)
        .where(
            i.token_hash == token_hash,
            i.used_at.is_(None),
            i.expires_at > to_db(now),
            (i.email.is_(None)) | (i.email == email),
        )
        .values(used_at=to_db(now))
    )
    return bool(result.rowcount)


# -- failed sign-ins --------------------------------------------------------------------------
def add_failures(conn: Connection, keys: Iterable[str], now: datetime) -> None:
    rows = [{"key": k, "at": to_db(now)} for k in keys]
    if rows:
        conn.execute(insert(login_failures), rows)


def failures_since(conn: Connection, key: str, since: datetime) -> int:
    f = login_failures.c
    n = conn.execute(select(func.count()).where(f.key == key, f.at >= to_db(since))).scalar()
    return int(n or 0)


def clear_failures(conn: Connection, key: str, before: datetime | None = None) -> None:
    f = login_failures.c
    conn.execute(delete(login_failures).where(f.key == key))
    if before is not None:
        conn.execute(delete(login_failures).where(f.at < to_db(before)))


# -- follows ----------------------------------------------------------------------------------
def add_follows(
    conn: Connection,
    reader_id: int,
    items: Sequence[tuple[str, str, str | None]],
    now: datetime,
    cap: int,
) -> tuple[int, int]:
    """Add (kind, target, sides) follows unless the reader would hold more than `cap`;
    (added, total) — added is -1 when the cap refused the whole batch."""
    advisory_lock(conn, f"follows:{reader_id}")
    f = follows.c
    have = {
        (r.kind, r.target)
        for r in conn.execute(select(f.kind, f.target).where(f.reader_id == reader_id))
    }
    new: dict[tuple[str, str], str | None] = {}
    for kind, target, sides in items:
        if (kind, target) not in have:
            new.setdefault((kind, target), sides)
    if len(have) + len(new) > cap:
        return -1, len(have)
    rows = [
        {"reader_id": reader_id, "kind": k, "target": t, "sides": s, "created_at": to_db(now)}
        for (k, t), s in new.items()
    ]
    for start in range(0, len(rows), 500):
        conn.execute(insert(follows), rows[start : start + 500])
    return len(rows), len(have) + len(rows)


def remove_follow(conn: Connection, reader_id: int, kind: str, target: str) -> bool:
    f = follows.c
    result = conn.execute(
        delete(follows).where(f.reader_id == reader_id, f.kind == kind, f.target == target)
    )
    return bool(result.rowcount)


def list_follows(conn: Connection, reader_id: int) -> list[dict[str, Any]]:
    f = follows.c
    rows = conn.execute(
        select(f.kind, f.target, f.created_at)
        .where(f.reader_id == reader_id)
        .order_by(f.kind, f.target)
    ).all()
    return [{"kind": r.kind, "target": r.target, "created_at": from_db(r.created_at)} for r in rows]


def followed_stories(conn: Connection, limit: int = 100_000) -> list[tuple[int, int, str | None]]:
    """(reader id, story id, sides at the last check) of every followed story, for alerts
    (readers who asked for alerts only)."""
    f, r = follows.c, readers.c
    rows = conn.execute(
        select(f.reader_id, f.target, f.sides)
        .select_from(follows.join(readers, r.id == f.reader_id))
        .where(f.kind == "story", r.email_alerts.is_(True), r.email.is_not(None))
        .limit(limit)
    ).all()
    return [
        (int(x.reader_id), int(x.target), x.sides)
        for x in rows
        if x.target.isdigit() and _fits(int(x.target))
    ]


def set_follow_sides(conn: Connection, reader_id: int, story_id: int, sides: str) -> None:
    f = follows.c
    conn.execute(
        update(follows)
        .where(f.reader_id == reader_id, f.kind == "story", f.target == str(story_id))
        .values(sides=sides)
    )


# -- saved stories ----------------------------------------------------------------------------
def save_story(conn: Connection, reader_id: int, story_id: int, now: datetime) -> None:
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    stmt = dialect.insert(saved_stories).values(
        reader_id=reader_id, story_id=story_id, created_at=to_db(now)
    )
    conn.execute(stmt.on_conflict_do_nothing())


def unsave_story(conn: Connection, reader_id: int, story_id: int) -> None:
    if not _fits(story_id):
        return
    s = saved_stories.c
    conn.execute(delete(saved_stories).where(s.reader_id == reader_id, s.story_id == story_id))


def saved_ids(conn: Connection, reader_id: int, limit: int = 1000) -> list[int]:
    s = saved_stories.c
    rows = conn.execute(
        select(s.story_id)
        .where(s.reader_id == reader_id)
        .order_by(s.created_at.desc())
        .limit(limit)
    )
    return [int(x) for x in rows.scalars()]


# -- reading history --------------------------------------------------------------------------
def add_read(
    conn: Connection, reader_id: int, story_id: int | None, article_id: int | None, now: datetime
) -> None:
    conn.execute(
        insert(reading_events).values(
            reader_id=reader_id, story_id=story_id, article_id=article_id, read_at=to_db(now)
        )
    )


def reads_since(
    conn: Connection, reader_id: int, since: datetime, limit: int = 20_000
) -> list[dict[str, Any]]:
    """The reader's reads since `since`, newest first: story, article, its outlet, when."""
    e, a = reading_events.c, articles.c
    rows = conn.execute(
        select(e.id, e.story_id, e.article_id, e.read_at, a.outlet_id, a.title, a.url)
        .select_from(reading_events.outerjoin(articles, a.id == e.article_id))
        .where(e.reader_id == reader_id, e.read_at >= to_db(since))
        .order_by(e.read_at.desc(), e.id.desc())
        .limit(limit)
    ).all()
    return [
        {
            "id": r.id,
            "story_id": r.story_id,
            "article_id": r.article_id,
            "read_at": from_db(r.read_at),
            "outlet_id": r.outlet_id,
            "article_title": r.title,
            "article_url": r.url,
        }
        for r in rows
    ]


def delete_reads(conn: Connection, reader_id: int) -> int:
    result = conn.execute(delete(reading_events).where(reading_events.c.reader_id == reader_id))
    return int(result.rowcount or 0)


def article_link(conn: Connection, article_id: int) -> tuple[int | None, str | None] | None:
    """(story id, url) of an article, None when it does not exist."""
    if not _fits(article_id):
        return None
    a = articles.c
    row = conn.execute(select(a.story_id, a.url).where(a.id == article_id)).first()
    return None if row is None else (row.story_id, row.url)


def story_domains(conn: Connection, story_ids: Iterable[int]) -> dict[int, set[str]]:
    """The registered domains of the outlets covering each story."""
    ids = list(story_ids)
    out: dict[int, set[str]] = {i: set() for i in ids}
    if not ids:
        return out
    a, o = articles.c, outlets.c
    rows = conn.execute(
        select(a.story_id, o.domain)
        .select_from(articles.join(outlets, o.id == a.outlet_id))
        .where(a.story_id.in_(ids))
        .distinct()
    )
    for sid, dom in rows:
        out[int(sid)].add(dom)
    return out


def story_ids_of_outlets(conn: Connection, domains: Iterable[str], since: datetime) -> list[int]:
    """Stories with an article of one of these outlets since `since` (For You candidates)."""
    doms = list(domains)
    if not doms:
        return []
    a, o = articles.c, outlets.c
    rows = conn.execute(
        select(a.story_id)
        .select_from(articles.join(outlets, o.id == a.outlet_id))
        .where(o.domain.in_(doms), a.story_id.is_not(None), a.published_at >= to_db(since))
        .distinct()
        .limit(500)
    )
    return [int(x) for x in rows.scalars()]


# -- e-mail outbox ----------------------------------------------------------------------------
def enqueue(conn: Connection, values: dict[str, Any]) -> int:
    values = {
        **values,
        "created_at": to_db(values["created_at"]),
        "next_attempt_at": to_db(values["next_attempt_at"]),
    }
    result = conn.execute(insert(outbox).values(**values))
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def due_mail(conn: Connection, now: datetime, limit: int = 50) -> list[dict[str, Any]]:
    m = outbox.c
    rows = conn.execute(
        select(outbox)
        .where(m.status == "pending", m.next_attempt_at <= to_db(now))
        .order_by(m.next_attempt_at, m.id)
        .limit(limit)
    ).all()
    return [dict(r._mapping) for r in rows]


def mail_attempted(
    conn: Connection,
    mail_id: int,
    *,
    now: datetime,
    error: str | None,
    next_at: datetime | None,
    failed: bool,
) -> None:
    m = outbox.c
    values: dict[str, Any] = {"attempts": m.attempts + 1, "last_error": error}
    if error is None:
        values.update(status="sent", sent_at=to_db(now))
    elif failed:
        values.update(status="failed")
    else:
        values.update(next_attempt_at=to_db(next_at))
    conn.execute(update(outbox).where(m.id == mail_id).values(**values))


def mail_status(conn: Connection, reader_id: int | None = None, limit: int = 50) -> list[dict]:
    m = outbox.c
    q = (
        select(
            m.id,
            m.reader_id,
            m.kind,
            m.recipient,
            m.subject,
            m.status,
            m.attempts,
            m.last_error,
            m.created_at,
            m.sent_at,
        )
        .order_by(m.id.desc())
        .limit(limit)
    )
    if reader_id is not None:
        q = q.where(m.reader_id == reader_id)
    return [dict(r._mapping) for r in conn.execute(q).all()]


def briefing_due(conn: Connection, day: str) -> list[dict[str, Any]]:
    r = readers.c
    rows = conn.execute(
        select(*_cols()).where(
            r.email_briefing.is_(True),
            r.email.is_not(None),
            and_((r.last_briefing_on.is_(None)) | (r.last_briefing_on != day)),
        )
    ).all()
    return [x for x in (_reader(row) for row in rows) if x is not None]

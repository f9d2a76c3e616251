"""E-mail: the daily briefing, followed-story alerts, password-reset links and invitations.

Mail is queued in the `outbox` table and delivered by `mail_round`, which the mail worker
(`MailWorker`, a thread of `everyside up` / `serve`, or `everyside readers mail`) runs every
minute: it queues the briefings that are due and the alerts of followed stories, then delivers
what is due through the configured SMTP server with a timeout. A failed delivery is retried
after `email_retry_seconds`, doubling, up to `email_retries` attempts; then it is marked
failed, logged at ERROR and counted in the state table (`mail.failed`): reported, never
raised into anything else. Ingestion never waits for mail (separate thread, own writes).
Nothing is queued or sent while SMTP is not configured (`smtp_host` and `smtp_from`).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from everyside.domain.readers import alerts, mailtext
from everyside.domain.readers.tokens import parse_unsubscribe, unsubscribe_token, unsubscribe_valid
from everyside.services import read as rd
from everyside.store import Store, state
from everyside.store import readers as rows
from everyside.store.readmodel import StoryFilter

log = logging.getLogger(__name__)
Sender = Callable[[Any, EmailMessage], None]


def configured(settings: Any) -> bool:
    return bool(settings.smtp_host and settings.smtp_from)


def unsubscribe_url(base: str, key: bytes, reader: dict[str, Any], list_: str) -> str:
    return (
        f"{base}/unsubscribe?t={unsubscribe_token(key, int(reader['id']), reader['email'], list_)}"
    )


def queue(
    store: Store,
    settings: Any,
    now: datetime,
    kind: str,
    recipient: str,
    content: tuple[str, str, str],
    reader_id: int | None = None,
    headers: dict[str, str] | None = None,
) -> int | None:
    """Queue one e-mail; None (nothing queued) when SMTP is not configured."""
    if not configured(settings):
        log.info("mail: SMTP is not configured; %s to a reader not sent", kind)
        return None
    subject, text, html = content
    values = {
        "reader_id": reader_id,
        "kind": kind,
        "recipient": recipient,
        "subject": subject,
        "body_text": text,
        "body_html": html,
        "headers": headers or {},
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
    return store.write(lambda c: rows.enqueue(c, values))


def message(settings: Any, mail: dict[str, Any], now: datetime) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = settings.smtp_from
    msg["To"] = mail["recipient"]
    msg["Subject"] = mail["subject"]
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = make_msgid(domain=str(settings.smtp_from).rpartition("@")[2] or None)
    msg["Auto-Submitted"] = "auto-generated"
    for k, v in (mail.get("headers") or {}).items():
        msg[k] = v
    msg.set_content(mail["body_text"])
    if mail.get("body_html"):
        msg.add_alternative(mail["body_html"], subtype="html")
    return msg


def smtp_send(settings: Any, msg: EmailMessage) -> None:
    """Deliver one message through the configured server (raises on any failure)."""
    timeout = float(settings.smtp_timeout)
    host, port = str(settings.smtp_host), int(settings.smtp_port)
    if settings.smtp_security == "tls":
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            host, port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        client = smtplib.SMTP(host, port, timeout=timeout)
    with client:
        if settings.smtp_security == "starttls":
            client.starttls(context=ssl.create_default_context())
        if settings.smtp_username:
            client.login(str(settings.smtp_username), str(settings.smtp_password))
        client.send_message(msg)


def deliver_due(
    store: Store, settings: Any, now: datetime, send: Sender = smtp_send
) -> dict[str, int]:
    """Try every due message once; counts of sent, retried and failed."""
    counts = {"sent": 0, "retry": 0, "failed": 0}
    if not configured(settings):
        return counts
    with store.read() as conn:
        due = rows.due_mail(conn, now)
    for mail in due:
        error: str | None = None
        try:
            send(settings, message(settings, mail, now))
        except Exception as e:  # any SMTP, socket or TLS error: retried, then reported
            error = f"{type(e).__name__}: {e}"[:500]
        attempts = int(mail["attempts"]) + 1
        final = error is not None and attempts >= int(settings.email_retries)
        delay = float(settings.email_retry_seconds) * 2 ** (attempts - 1)
        store.write(
            lambda c, m=mail, err=error, fin=final, d=delay: rows.mail_attempted(
                c, m["id"], now=now, error=err, next_at=now + timedelta(seconds=d), failed=fin
            )
        )
        if error is None:
            counts["sent"] += 1
        elif final:
            counts["failed"] += 1
            log.error(
                "mail: giving up on %s #%s to a reader after %d attempts: %s",
                mail["kind"],
                mail["id"],
                attempts,
                error,
            )
            state.add_metrics(store, now, {"mail.failed": 1})
        else:
            counts["retry"] += 1
            log.warning(
                "mail: %s #%s failed (attempt %d), retrying: %s",
                mail["kind"],
                mail["id"],
                attempts,
                error,
            )
    return counts


def queue_briefings(
    store: Store, settings: Any, key: bytes, base: str, now: datetime, force: bool = False
) -> int:
    """Queue today's briefing for every reader who asked for it and has not had it today
    (from `briefing_hour` UTC on; `force`: whatever the hour)."""
    if not configured(settings) or (now.hour < int(settings.briefing_hour) and not force):
        return 0
    day = now.date().isoformat()
    with store.read() as conn:
        due = rows.briefing_due(conn, day)
        if not due:
            return 0
        since = now - timedelta(days=1)  # the day before `now`, whatever the archive holds
        top = rd.list_stories(conn, StoryFilter(since=since), limit=8)
        blind = [
            s
            for side in ("left", "right")
            for s in rd.list_stories(conn, StoryFilter(blindspot=side, since=since), limit=3)
        ]
    n = 0
    for reader in due:
        url = unsubscribe_url(base, key, reader, "briefing")
        content = mailtext.briefing(day, top, blind, base, url)
        queue(
            store,
            settings,
            now,
            "briefing",
            reader["email"],
            content,
            reader["id"],
            _list_headers(url, base, key, reader, "briefing"),
        )
        store.write(lambda c, r=reader: rows.update_reader(c, r["id"], last_briefing_on=day))
        n += 1
    return n


def _list_headers(url: str, base: str, key: bytes, reader: dict, list_: str) -> dict[str, str]:
    # RFC 8058 one-click: a POST to the same URL unsubscribes
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def check_alerts(store: Store, settings: Any, key: bytes, base: str, now: datetime) -> int:
    """Alert readers whose followed story got coverage from a side that had none."""
    with store.read() as conn:
        followed = rows.followed_stories(conn)
        current = {s["id"]: s for s in rd.stories_by_ids(conn, sorted({s for _, s, _ in followed}))}
    n = 0
    for reader_id, story_id, sides_text in followed:
        story = current.get(story_id)
        if story is None:
            continue
        now_sides = alerts.sides_of(story["shares"])
        new = alerts.new_sides(alerts.decode(sides_text), now_sides)
        encoded = alerts.encode(now_sides)
        if encoded != sides_text:
            store.write(
                lambda c, r=reader_id, s=story_id, e=encoded: rows.set_follow_sides(c, r, s, e)
            )
        if not new or not configured(settings):
            continue
        with store.read() as conn:
            reader = rows.get_reader(conn, reader_id)
        if reader is None or not reader.get("email") or not reader.get("email_alerts"):
            continue
        url = unsubscribe_url(base, key, reader, "alerts")
        queue(
            store,
            settings,
            now,
            "alert",
            reader["email"],
            mailtext.alert(story, new, base, url),
            reader_id,
            _list_headers(url, base, key, reader, "alerts"),
        )
        n += 1
    return n


def unsubscribe(store: Store, key: bytes, token: str) -> str | None:
    """Turn off the list a signed token names; the list, or None for a bad token. Grants
    nothing else."""
    parsed = parse_unsubscribe(token)
    if parsed is None:
        return None
    reader_id, list_, _ = parsed
    with store.read() as conn:
        reader = rows.get_reader(conn, reader_id)
    if (
        reader is None
        or not reader.get("email")
        or not unsubscribe_valid(key, token, reader["email"])
    ):
        return None
    column = "email_briefing" if list_ == "briefing" else "email_alerts"
    store.write(lambda c: rows.update_reader(c, reader_id, **{column: False}))
    return list_


def mail_round(
    store: Store, settings: Any, key: bytes, base: str, now: datetime, send: Sender = smtp_send
) -> dict[str, int]:
    queued = queue_briefings(store, settings, key, base, now)
    alerted = check_alerts(store, settings, key, base, now)
    return {"briefings": queued, "alerts": alerted, **deliver_due(store, settings, now, send)}


def mail_status(store: Store, limit: int = 50) -> list[dict[str, Any]]:
    with store.read() as conn:
        return rows.mail_status(conn, None, limit)


class MailWorker:
    """`mail_round` every `interval` seconds on a daemon thread; errors are logged, never
    raised (the web and the ingest loop do not depend on it)."""

    def __init__(
        self,
        store: Store,
        settings: Any,
        key: bytes,
        base: str,
        clock: Callable[[], datetime],
        interval: float = 60.0,
    ):
        self.store, self.settings, self.key, self.base = store, settings, key, base
        self.clock, self.interval = clock, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="everyside-mail", daemon=True)

    def start(self) -> MailWorker:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                mail_round(self.store, self.settings, self.key, self.base, self.clock())
            except Exception as e:  # a broken round must not end the worker
                log.error("mail: round failed: %r", e, exc_info=e)
            self._stop.wait(self.interval)

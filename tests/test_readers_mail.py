"""E-mail through a real SMTP server (aiosmtpd on 127.0.0.1): the daily briefing arrives with
the right stories in a text and an HTML part; its unsubscribe link works without signing in;
a followed story's new side triggers an alert; a failing server is retried with growing delays,
then reported; a hanging server never holds up ingestion; nothing is queued without SMTP."""

from __future__ import annotations

import email
import email.policy
import logging
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import Message
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlalchemy import insert, update

from everyside.services import mail
from everyside.services import readers as svc
from everyside.services.coverage import update_coverage
from everyside.settings import load_settings
from everyside.store import open_store
from everyside.store import schema as t
from everyside.web import create_app
from test_web_app import fill

PASSWORD = "correct horse battery staple"
NOW = datetime(2026, 2, 2, 21, 0, tzinfo=UTC)  # a day that holds story 2 (a blindspot)
BASE = "http://news.test"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Inbox:
    """An aiosmtpd handler that keeps what it receives, or refuses it (451) while `failing`."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []
        self.failing = False
        self.attempts = 0

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.attempts += 1
        if self.failing:
            return "451 4.3.0 mailbox temporarily unavailable"
        self.messages.append(
            (
                list(envelope.rcpt_tos),
                email.message_from_bytes(envelope.content, policy=email.policy.default),
            )
        )
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def _settings(tmp_path: Path, port: int, **extra: object):  # type: ignore[no-untyped-def]
    cli = {
        "data_dir": str(tmp_path),
        "base_url": BASE,
        "auth": "accounts",
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_security": "none",
        "smtp_from": "news@news.test",
        "smtp_timeout": 5.0,
        "blindspot_min_rated": 2,
        "email_retries": 3,
        "email_retry_seconds": 60.0,
        "story_embeddings": False,
        **extra,
    }
    return load_settings(env={}, cli=cli)


@pytest.fixture
def world(tmp_path: Path, smtp) -> Iterator[tuple]:  # type: ignore[no-untyped-def]
    inbox, port = smtp
    settings = _settings(tmp_path, port)
    store = open_store(settings.db_url)
    fill(store)
    update_coverage(store, settings, None, NOW)
    rid = svc.create_account(store, "reader@example.org", "reader", PASSWORD, NOW)
    svc.set_preferences(store, rid, email_briefing=True, email_alerts=True)
    app = create_app(settings, store)
    yield settings, store, app, inbox, rid
    store.close()


def _parts(msg: Message) -> dict[str, str]:
    out = {}
    for part in msg.walk():
        if part.get_content_maintype() == "text":
            out[part.get_content_type()] = part.get_payload(decode=True).decode()
    return out


def test_the_briefing_arrives_with_the_right_stories_and_unsubscribe_works(world) -> None:  # type: ignore[no-untyped-def]
    settings, store, app, inbox, rid = world
    key = app.state.es.key
    result = mail.mail_round(store, settings, key, BASE, NOW)
    assert result["briefings"] == 1 and result["sent"] == 1
    assert len(inbox.messages) == 1
    rcpt, msg = inbox.messages[0]
    assert rcpt == ["reader@example.org"]
    assert msg["Subject"] == "everyside briefing for 2026-02-02"
    parts = _parts(msg)
    assert set(parts) == {"text/plain", "text/html"}
    text, html = parts["text/plain"], parts["text/html"]
    # the day's story (and blindspot for the right), not the day before's
    assert "Storm hits coast" in text and "Blindspots" in text and "missed by the Right" in text
    assert "Senate passes climate bill" not in text
    assert f"{BASE}/story/2" in text and f'href="{BASE}/story/2"' in html
    assert "Left 50% · Center 50% · Right 0%" in text
    # the same day: not twice
    assert mail.mail_round(store, settings, key, BASE, NOW + timedelta(hours=1))["briefings"] == 0
    # the List-Unsubscribe link works without a session (RFC 8058 one-click POST)
    link = msg["List-Unsubscribe"].strip("<>")
    assert link.startswith(f"{BASE}/unsubscribe?t=") and link in text
    anon = TestClient(app, base_url=BASE, client=("10.6.6.6", 1))
    assert anon.post(link.removeprefix(BASE)).status_code == 200
    reader = svc.get_reader(store, rid)
    assert reader is not None and reader["email_briefing"] is False
    next_day = NOW + timedelta(days=1)
    assert mail.mail_round(store, settings, key, BASE, next_day)["briefings"] == 0
    assert len(inbox.messages) == 1


def test_a_followed_story_alerts_on_a_side_that_had_none(world) -> None:  # type: ignore[no-untyped-def]
    settings, store, app, inbox, rid = world
    key = app.state.es.key
    svc.follow(store, settings, rid, [("story", "2")], NOW)  # left + center so far
    svc.set_preferences(store, rid, email_briefing=False)
    assert mail.mail_round(store, settings, key, BASE, NOW)["alerts"] == 0

    def right_joins(conn):  # type: ignore[no-untyped-def]
        conn.execute(
            insert(t.articles).values(
                id=50,
                key="https://right.example/storm",
                url="https://right.example/storm",
                outlet_id=3,
                story_id=2,
                title="Storm: the coast counts the cost",
                published_at=datetime(2026, 2, 2, 20),
                created_at=datetime(2026, 2, 2, 20),
                updated_at=datetime(2026, 2, 2, 20),
            )
        )
        conn.execute(update(t.stories).where(t.stories.c.id == 2).values(outlet_count=3))

    store.write(right_joins)
    update_coverage(store, settings, [2], NOW)
    result = mail.mail_round(store, settings, key, BASE, NOW + timedelta(minutes=1))
    assert result["alerts"] == 1 and result["sent"] == 1
    _, msg = inbox.messages[-1]
    assert msg["Subject"].startswith("New coverage from the Right: ")
    assert "Storm hits coast" in _parts(msg)["text/plain"]
    # once: the next round knows the right has covered it
    assert mail.mail_round(store, settings, key, BASE, NOW + timedelta(minutes=2))["alerts"] == 0


def test_a_failing_server_is_retried_then_reported(world, caplog) -> None:  # type: ignore[no-untyped-def]
    settings, store, app, inbox, rid = world
    key = app.state.es.key
    inbox.failing = True
    caplog.set_level(logging.WARNING, logger="everyside.services.mail")
    r1 = mail.mail_round(store, settings, key, BASE, NOW)
    assert r1["retry"] == 1 and inbox.attempts == 1
    assert mail.deliver_due(store, settings, NOW + timedelta(seconds=59))["retry"] == 0  # not due
    assert mail.deliver_due(store, settings, NOW + timedelta(seconds=60))["retry"] == 1
    assert mail.deliver_due(store, settings, NOW + timedelta(seconds=60 + 119))["retry"] == 0
    r3 = mail.deliver_due(store, settings, NOW + timedelta(seconds=60 + 120))
    assert r3 == {"sent": 0, "retry": 0, "failed": 1} and inbox.attempts == 3
    status = mail.mail_status(store)[0]
    assert status["status"] == "failed" and status["attempts"] == 3
    assert "451" in status["last_error"]
    assert any(r.levelno == logging.ERROR and "giving up" in r.message for r in caplog.records)
    from everyside.store.state import get_value

    with store.read() as conn:
        assert get_value(conn, "mail.failed") == 1
    # reported, and never retried again
    assert mail.deliver_due(store, settings, NOW + timedelta(days=1)) == {
        "sent": 0,
        "retry": 0,
        "failed": 0,
    }
    inbox.failing = False
    assert inbox.messages == []


def test_a_hanging_server_never_holds_up_ingestion(tmp_path: Path, shared_data: Path) -> None:
    # a server that accepts connections and never says a word
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    port = listener.getsockname()[1]
    accepted: list[socket.socket] = []
    seen = threading.Event()

    def accept() -> None:
        conn, _ = listener.accept()
        accepted.append(conn)
        seen.set()

    threading.Thread(target=accept, daemon=True).start()
    settings = _settings(tmp_path, port, smtp_timeout=120.0)
    store = open_store(settings.db_url)
    rid = svc.create_account(store, "hang@example.org", "hang", PASSWORD, NOW)
    svc.set_preferences(store, rid, email_briefing=True)
    worker = mail.MailWorker(store, settings, b"k" * 32, BASE, lambda: NOW, interval=3600).start()
    assert seen.wait(30), "the mail worker never connected"
    sample = tmp_path / "sample.jsonl"
    lines = (shared_data / "stories" / "allsides_dev.jsonl").read_text().splitlines()[:12]
    sample.write_text("\n".join(lines) + "\n")
    from everyside.services.pipeline import import_files

    import_files(store, settings, [sample], NOW)
    with store.read() as conn:
        from sqlalchemy import func, select

        assert conn.execute(select(func.count()).select_from(t.articles)).scalar() == 12
    # the delivery is still in flight: the import did not wait for it
    pending = mail.mail_status(store)[0]
    assert pending["status"] == "pending" and pending["attempts"] == 0
    for c in accepted:
        c.close()
    listener.close()
    worker.stop()
    store.close()


def test_nothing_is_queued_or_sent_without_smtp(tmp_path: Path, smtp) -> None:  # type: ignore[no-untyped-def]
    inbox, port = smtp
    settings = _settings(tmp_path, port, smtp_host="")
    store = open_store(settings.db_url)
    fill(store)
    rid = svc.create_account(store, "none@example.org", "none", PASSWORD, NOW)
    svc.set_preferences(store, rid, email_briefing=True, email_alerts=True)
    result = mail.mail_round(store, settings, b"k" * 32, BASE, NOW)
    assert result == {"briefings": 0, "alerts": 0, "sent": 0, "retry": 0, "failed": 0}
    assert mail.mail_status(store) == [] and inbox.attempts == 0
    app = create_app(settings, store)
    c = TestClient(app, base_url=BASE, client=("10.0.0.1", 1))
    page = c.get("/reset").text
    assert "sends no e-mail" in page
    store.close()


def test_password_reset_by_a_one_time_link(world) -> None:  # type: ignore[no-untyped-def]
    import re

    settings, store, app, inbox, rid = world
    c = TestClient(app, base_url=BASE, client=("10.0.0.9", 1))
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/reset").text).group(1)  # type: ignore[union-attr]
    r = c.post("/reset", data={"email": "reader@example.org", "csrf_token": token})
    assert "on its way" in r.text
    r2 = c.post("/reset", data={"email": "nobody@example.org", "csrf_token": token})
    assert r2.text.count("on its way") == r.text.count("on its way")  # no account enumeration
    mail.deliver_due(store, settings, datetime.now(UTC))
    _, msg = inbox.messages[-1]
    link = re.search(r"(http://news\.test/reset/\S+)", _parts(msg)["text/plain"]).group(1)  # type: ignore[union-attr]
    path = link.removeprefix(BASE)
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get(path).text).group(1)  # type: ignore[union-attr]
    new = "a brand new passphrase"
    assert c.post(path, data={"password": new, "csrf_token": token}).status_code == 200
    assert (
        c.post(path, data={"password": "another new one!", "csrf_token": token}).status_code == 404
    )
    assert (
        svc.authenticate(store, settings, b"k", "reader@example.org", new, "c", datetime.now(UTC))
        == rid
    )

"""summary_service on real databases (SQLite and PostgreSQL) and against a fake
OpenAI-compatible endpoint on 127.0.0.1: one that rewrites faithfully, one that hallucinates,
one that is down. The hallucination must never reach the stored document."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import Connection, func, insert, select

from everyside.domain.summarize import check_support
from everyside.services import summaries as ss
from everyside.services.llm import LLMClient, LLMError
from everyside.settings import load_settings
from everyside.store import Store
from everyside.store import schema as t

NOW = datetime(2026, 1, 2, 12, 0, tzinfo=UTC)
T0 = datetime(2026, 1, 1, 6, 0)

# domain, bias, factuality
OUTLETS = [
    ("left.example", -2.0, 3.0),
    ("center.example", 0.0, 4.0),
    ("right.example", 2.0, 3.0),
    ("junk.example", 2.5, 0.5),
]
TEXTS = [
    (
        "left.example",
        "Senate passes $1.2 trillion infrastructure bill",
        "The Senate passed the $1.2 trillion infrastructure bill on Tuesday by a vote of 69 to "
        "30. Progressive groups said the bill does not go far enough on climate change.",
    ),
    (
        "center.example",
        "Senate approves infrastructure bill",
        "The Senate on Tuesday approved a $1.2 trillion infrastructure bill in a 69 to 30 vote. "
        "The bill includes $550 billion in new spending on roads, bridges and broadband.",
    ),
    (
        "right.example",
        "Republicans join Democrats on infrastructure",
        "Nineteen Senate Republicans voted with Democrats to pass the $1.2 trillion "
        "infrastructure bill on Tuesday. Critics warned the package will add $256 billion to "
        "the federal deficit over ten years.",
    ),
    (
        "junk.example",
        "What they hide about the bill",
        "Secret documents show the infrastructure bill quietly funds a global surveillance "
        "program run by the United Nations.",
    ),
]
HALLUCINATIONS = [
    "The Senate rejected the bill after Vladimir Putin called senators on Tuesday.",
    "The Senate passed the $9 trillion infrastructure bill by a vote of 99 to 1.",
    "The Senate did not pass the infrastructure bill on Tuesday.",
]


def _settings(**over):
    return load_settings(env={}, cli={"data_dir": "/nonexistent", **over})


def _seed(conn: Connection, count: int = 4) -> int:
    ids = {}
    for domain, bias, fact in OUTLETS:
        ids[domain] = conn.execute(
            insert(t.outlets)
            .values(
                domain=domain, name=domain, bias=bias, factuality=fact, created_at=T0, updated_at=T0
            )
            .returning(t.outlets.c.id)
        ).scalar_one()
    story = conn.execute(
        insert(t.stories)
        .values(headline="x", article_count=count, created_at=T0, updated_at=T0)
        .returning(t.stories.c.id)
    ).scalar_one()
    for n, (domain, title, text) in enumerate(TEXTS[:count]):
        _add_article(conn, story, ids[domain], f"k{n}", title, text, T0 + timedelta(hours=n))
    return story


def _add_article(conn, story, outlet_id, key, title, text, published, copy_of=None):
    return conn.execute(
        insert(t.articles)
        .values(
            key=key,
            outlet_id=outlet_id,
            title=title,
            text=text,
            story_id=story,
            published_at=published,
            copy_of=copy_of,
            created_at=T0,
            updated_at=T0,
        )
        .returning(t.articles.c.id)
    ).scalar_one()


@pytest.fixture
def story(store: Store) -> int:
    return store.write(_seed)


# -- a fake OpenAI-compatible endpoint ---------------------------------------------------------
class FakeLLM(ThreadingHTTPServer):
    behaviour = "faithful"
    requests: list[dict]


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - http.server API
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append(
            {"path": self.path, "body": body, "auth": self.headers.get("Authorization")}
        )
        if self.server.behaviour == "error":
            self.send_response(500)
            self.end_headers()
            self.wfile.write(b"boom")
            return
        content = self._answer(body["messages"][-1]["content"])
        payload = json.dumps({"choices": [{"message": {"role": "assistant", "content": content}}]})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(payload.encode())

    def _answer(self, prompt: str) -> str:
        facts = re.findall(r"Fact (\d+)\. Sources:\n  - (.+)", prompt)
        if self.server.behaviour == "hallucinate":
            return "\n".join(f"{n}. {HALLUCINATIONS[i % 3]}" for i, (n, _) in enumerate(facts))
        # faithful: the first cited sentence, lightly reworded
        return "\n".join(f"{n}. {s.replace(' on Tuesday', '')}" for n, s in facts)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_llm() -> Iterator[FakeLLM]:
    server = FakeLLM(("127.0.0.1", 0), _Handler)
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _llm_settings(server: FakeLLM):
    host, port = server.server_address
    return _settings(
        summary_mode="abstractive",
        llm_base_url=f"http://{host}:{port}/v1",
        llm_model="fake",
        llm_api_key="sekrit",
    )


# -- extractive -------------------------------------------------------------------------------
def test_update_and_get(store: Store, story: int):
    assert ss.update_summaries(store, _settings(), [story], NOW) == 1
    with store.read() as conn:
        doc = ss.get_summary(conn, story)
        row = conn.execute(select(t.summaries)).one()
    assert doc is not None and doc["mode"] == "extractive" and row.mode == "extractive"
    assert 3 <= len(doc["bullets"]) <= 5
    assert doc["generated_at"] == NOW.isoformat() and doc["disputed"] is False
    assert set(doc["sides"]) == {"left", "center", "right"}
    assert all("surveillance" not in b["text"] for b in doc["bullets"])
    with store.read() as conn:
        articles = {a.id: a for a in ss.load_articles(conn, story)}
    for b in doc["bullets"]:
        c = b["citations"][0]
        assert articles[c["article_id"]].text[c["start"] : c["end"]] == c["sentence"]
    assert doc["headline"]["earliest"]["title"] == TEXTS[0][1]


def test_not_recomputed_without_material_change(store: Store, story: int):
    assert ss.update_summaries(store, _settings(), [story], NOW) == 1
    assert ss.update_summaries(store, _settings(), [story], NOW) == 0

    def one_more(conn):
        oid = conn.execute(select(t.outlets.c.id).where(t.outlets.c.domain == "center.example"))
        _add_article(
            conn,
            story,
            oid.scalar_one(),
            "k9",
            "Bill heads to House",
            "The infrastructure bill now heads to the House of Representatives.",
            T0,
        )

    store.write(one_more)
    assert ss.update_summaries(store, _settings(), [story], NOW) == 0  # 4 -> 5: not material


def test_growth_triggers_regeneration(store: Store, story: int):
    ss.update_summaries(store, _settings(), [story], NOW)

    def two_more(conn):
        oid = conn.execute(select(t.outlets.c.id).where(t.outlets.c.domain == "left.example"))
        oid = oid.scalar_one()
        for k in ("a", "b"):
            _add_article(conn, story, oid, f"n{k}", "More", f"Another report {k} on the vote.", T0)

    store.write(two_more)
    later = NOW + timedelta(hours=1)
    assert ss.update_summaries(store, _settings(), [story], later) == 1
    with store.read() as conn:
        assert ss.get_summary(conn, story)["basis"]["article_count"] == 6


def test_every_story_of_two_articles_gets_a_summary(store: Store):
    """One article: no summary. Two, even when the second is a wire copy of the first: a
    summary (issue 18: 135 of 442 imported stories said "No summary yet")."""
    single = store.write(lambda conn: _seed(conn, count=1))
    assert ss.update_summaries(store, _settings(), [single, 999], NOW) == 0
    with store.read() as conn:
        assert ss.get_summary(conn, single) is None

    def add_copy(conn):
        first = conn.execute(select(t.articles.c.id).where(t.articles.c.story_id == single))
        oid = conn.execute(select(t.outlets.c.id).where(t.outlets.c.domain == "right.example"))
        _add_article(
            conn,
            single,
            oid.scalar_one(),
            "copy",
            TEXTS[0][1],
            TEXTS[0][2],
            T0,
            copy_of=first.scalar_one(),
        )

    store.write(add_copy)
    assert ss.update_summaries(store, _settings(), [single], NOW) == 1
    with store.read() as conn:
        doc = ss.get_summary(conn, single)
    assert doc and doc["bullets"]
    cited = {c["article_id"] for b in doc["bullets"] for c in b["citations"]}
    assert len(cited) == 1  # from the original only: a copy is no second source


# -- feedback ---------------------------------------------------------------------------------
def test_feedback_disputes_and_regenerates(store: Store, story: int, caplog):
    settings = _settings(summary_dispute_reports=2)
    ss.update_summaries(store, settings, [story], NOW)
    first = ss.record_feedback(store, settings, story, "inaccurate", "wrong number", "c1", NOW)
    assert first["reports"] == 1 and not first["disputed"]
    with store.read() as conn:
        assert ss.get_summary(conn, story)["disputed"] is False
    with caplog.at_level("WARNING", logger="everyside.services.summaries"):
        second = ss.record_feedback(store, settings, story, "wrong event", None, "c2", NOW)
    assert second["disputed"] and second["regenerated"]
    assert "disputed after 2 reports" in caplog.text and "wrong event" in caplog.text
    with store.read() as conn:
        doc = ss.get_summary(conn, story)
        handled = conn.execute(select(func.count()).where(t.feedback.c.handled.is_(True)))
        assert handled.scalar() == 2
    assert doc["disputed"] is True
    assert doc["dispute"]["reasons"] == {"inaccurate": 1, "wrong event": 1}
    assert all(b["citations"] for b in doc["bullets"])
    third = ss.record_feedback(store, settings, story, "biased", None, "c3", NOW)
    assert third["reports"] == 1  # counting starts again after a dispute is handled


def test_feedback_validation(store: Store, story: int):
    from everyside.errors import InputError

    with pytest.raises(InputError, match="reason"):
        ss.record_feedback(store, _settings(), story, "  ", None, None, NOW)
    with pytest.raises(InputError, match="does not exist"):
        ss.record_feedback(store, _settings(), 12345, "inaccurate", None, None, NOW)


# -- abstractive ------------------------------------------------------------------------------
def test_abstractive_faithful(store: Store, story: int, fake_llm: FakeLLM):
    assert ss.update_summaries(store, _llm_settings(fake_llm), [story], NOW) == 1
    with store.read() as conn:
        doc = ss.get_summary(conn, story)
    assert doc["mode"] == "abstractive"
    assert all(b.get("generated") for b in doc["bullets"])
    assert all(" on Tuesday" not in b["text"] for b in doc["bullets"])
    request = fake_llm.requests[0]
    assert request["path"] == "/v1/chat/completions"
    assert request["body"]["model"] == "fake" and request["auth"] == "Bearer sekrit"
    for b in doc["bullets"]:
        assert check_support(b["text"], [c["sentence"] for c in b["citations"]]).ok


def test_hallucination_never_reaches_the_stored_summary(
    store: Store, story: int, fake_llm: FakeLLM
):
    fake_llm.behaviour = "hallucinate"
    assert ss.update_summaries(store, _llm_settings(fake_llm), [story], NOW) == 1
    with store.read() as conn:
        row = conn.execute(select(t.summaries)).one()
        doc = ss.get_summary(conn, story)
    assert fake_llm.requests, "the endpoint was asked"
    assert doc["mode"] == "extractive" and row.mode == "extractive"
    shown = json.dumps([doc["bullets"], doc["sides"], doc["headline"]])
    for bad in ("Putin", "$9 trillion", "99 to 1", "did not pass"):
        assert bad not in shown
    assert len(doc["abstractive"]["rejected"]) == len(doc["bullets"])


def test_llm_down_falls_back_to_extractive(store: Store, story: int, fake_llm: FakeLLM):
    fake_llm.behaviour = "error"
    assert ss.update_summaries(store, _llm_settings(fake_llm), [story], NOW) == 1
    with store.read() as conn:
        doc = ss.get_summary(conn, story)
    assert doc["mode"] == "extractive" and "HTTP 500" in doc["abstractive"]["error"]


def test_llm_client_errors_name_the_url():
    client = LLMClient(base_url="http://127.0.0.1:9/v1", model="m", timeout=2, connect_timeout=1)
    with pytest.raises(LLMError, match="127.0.0.1:9/v1/chat/completions"):
        client.chat([{"role": "user", "content": "hi"}])

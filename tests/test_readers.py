"""Readers (issue 21): accounts, sessions, CSRF, follows, history, My News Bias, For You, the
personal API, privacy between accounts and account deletion, on SQLite and PostgreSQL; bad
input (e-mail addresses, confusable usernames, 10,000 follows, a forwarded unsubscribe link)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from everyside.domain.errors import InputError
from everyside.domain.readers import accounts, tokens
from everyside.services import mail
from everyside.services import readers as svc
from everyside.services.coverage import update_coverage
from everyside.settings import load_settings
from everyside.store import Store, open_store
from everyside.store import schema as t
from everyside.web import create_app
from test_web_app import fill

PASSWORD = "correct horse battery staple"


def settings_for(tmp_path: Path, db_url: str, **extra: object):  # type: ignore[no-untyped-def]
    cli = {
        "data_dir": str(tmp_path),
        "database_url": db_url,
        "base_url": "http://testserver",
        "auth": "accounts",
        **extra,
    }
    return load_settings(env={}, cli=cli)


@pytest.fixture
def site(tmp_path: Path, db_url: str) -> Iterator[tuple[object, Store, object]]:
    store = open_store(db_url, migrate=True)
    fill(store)
    settings = settings_for(tmp_path, db_url)
    update_coverage(store, settings, None, datetime.now(UTC))  # documents with outlet rows
    yield create_app(settings, store), store, settings
    store.close()


def csrf(c: TestClient, path: str) -> str:
    r = c.get(path)
    assert r.status_code == 200, (path, r.status_code, r.text[:300])
    found = re.search(r'name="csrf_token" value="([^"]+)"', r.text)
    assert found is not None
    return found.group(1)


def browser(app: object, address: str = "10.0.0.5") -> TestClient:
    return TestClient(app, client=(address, 40000))  # type: ignore[arg-type]


def sign_up(c: TestClient, email: str, username: str) -> None:
    r = c.post(
        "/signup",
        data={
            "email": email,
            "username": username,
            "password": PASSWORD,
            "csrf_token": csrf(c, "/signup"),
        },
    )
    assert r.status_code == 200 and r.url.path == "/me", r.text[:300]


def api_token(c: TestClient) -> str:
    r = c.post("/me/tokens", data={"name": "t", "csrf_token": csrf(c, "/me/account")})
    found = re.search(r'id="new-token">([^<]+)<', r.text)
    assert found is not None
    return found.group(1)


def test_sign_up_read_and_my_news_bias_changes(site) -> None:  # type: ignore[no-untyped-def]
    app, store, _ = site
    c = browser(app)
    sign_up(c, "Ann@Example.org", "ann")
    before = c.get("/me.json").json()["bias"]["7"]
    assert before["events"] == 0 and before["side"]["shares"] == {}
    assert c.get("/story/2").status_code == 200  # left + center covered it
    after = c.get("/me.json").json()["bias"]["7"]
    assert after["events"] == 1
    assert after["side"]["shares"] == {"center": 0.5, "left": 0.5, "right": 0.0}
    # an article opened through /go: recorded, then the outlet's own URL
    r = c.get("/go/5", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "https://left.example/s"
    mine = c.get("/me.json").json()["bias"]["7"]
    assert mine["side"]["shares"]["left"] == 0.75
    assert mine["own_blindspots"]["missed"]["center"] == 1  # story 2: center unread
    assert mine["top_outlets"][0]["domain"] == "left.example"


def test_recording_can_be_paused_and_history_deleted(site) -> None:  # type: ignore[no-untyped-def]
    app, store, _ = site
    c = browser(app)
    sign_up(c, "bob@example.org", "bob")
    c.get("/story/1")
    r = c.post("/me/recording", data={"on": "false", "csrf_token": csrf(c, "/me")})
    assert "paused" in r.text
    c.get("/story/2")
    assert c.get("/me.json").json()["bias"]["365"]["events"] == 1
    assert "Reading history: <strong>paused</strong>" in c.get("/story/2").text
    c.post("/me/history/delete", data={"csrf_token": csrf(c, "/me")})
    assert c.get("/me.json").json()["bias"]["365"]["events"] == 0


def test_forms_without_a_valid_csrf_token_are_refused(site) -> None:  # type: ignore[no-untyped-def]
    app, store, _ = site
    c = browser(app)
    sign_up(c, "carl@example.org", "carl")
    for path, data in [
        ("/me/follow", {"kind": "topic", "target": "x"}),
        ("/me/history/delete", {}),
        ("/logout", {}),
        ("/me/tokens", {"name": "x"}),
    ]:
        assert c.post(path, data=data).status_code == 403
        assert c.post(path, data={**data, "csrf_token": "1.2.3"}).status_code == 403
    other = browser(app)  # a token from another browser does not match this one's cookie
    token = csrf(other, "/login")
    c.cookies.set("es_csrf", csrf(c, "/me"), domain="testserver.local")
    assert (
        c.post("/me/follow", data={"kind": "topic", "target": "x", "csrf_token": token}).status_code
        == 403
    )
    assert svc.list_follows(store, 1) == []


def test_a_planted_session_is_never_promoted(site) -> None:  # type: ignore[no-untyped-def]
    app, store, _ = site
    c = browser(app)
    sign_up(c, "dee@example.org", "dee")
    c.post("/logout", data={"csrf_token": csrf(c, "/me")})
    planted = "attacker-chosen-session-value-0123456789abcdef"
    c.cookies.set("es_session", planted, domain="testserver.local")
    r = c.post(
        "/login",
        data={"email": "dee@example.org", "password": PASSWORD, "csrf_token": csrf(c, "/login")},
    )
    assert r.url.path == "/me"
    assert c.cookies.get("es_session") != planted
    attacker = browser(app, "10.9.9.9")
    attacker.cookies.set("es_session", planted, domain="testserver.local")
    assert attacker.get("/me.json").status_code == 401
    # signing out ends the session server-side: the old cookie is worthless
    stolen = c.cookies.get("es_session")
    c.post("/logout", data={"csrf_token": csrf(c, "/me")})
    attacker.cookies.set("es_session", stolen, domain="testserver.local")
    assert attacker.get("/me.json").status_code == 401


def test_login_is_rate_limited_per_account_and_per_address(site) -> None:  # type: ignore[no-untyped-def]
    app, store, settings = site
    c = browser(app)
    sign_up(c, "eve@example.org", "eve")
    c.post("/logout", data={"csrf_token": csrf(c, "/me")})

    def attempt(cl: TestClient, email: str, password: str) -> int:
        data = {"email": email, "password": password, "csrf_token": csrf(cl, "/login")}
        return cl.post("/login", data=data).status_code

    for _ in range(settings.login_rate_limit):
        assert attempt(c, "eve@example.org", "wrong password!") == 401
    # now even the right password is refused, from any address
    assert attempt(browser(app, "10.1.1.1"), "eve@example.org", PASSWORD) == 429
    # one address guessing many accounts is stopped too
    roamer = browser(app, "10.2.2.2")
    codes = [attempt(roamer, f"u{i}@example.org", "nope nope nope") for i in range(25)]
    assert codes[: settings.login_address_rate_limit] == [401] * settings.login_address_rate_limit
    assert set(codes[settings.login_address_rate_limit :]) == {429}


def test_second_account_never_sees_the_first(site) -> None:  # type: ignore[no-untyped-def]
    app, store, _ = site
    a, b = browser(app, "10.0.0.1"), browser(app, "10.0.0.2")
    sign_up(a, "first@example.org", "first")
    a.get("/story/1")
    a.get("/go/5", follow_redirects=False)
    a.post(
        "/me/follow",
        data={"kind": "outlet", "target": "left.example", "csrf_token": csrf(a, "/me")},
    )
    a.post("/me/save", data={"story_id": "2", "csrf_token": csrf(a, "/me")})
    sign_up(b, "second@example.org", "second")
    for path in ("/me", "/me/follows", "/me/account", "/me/for-you", "/me/export.csv"):
        page = b.get(path).text
        assert "first@example.org" not in page and "left.example</a>" not in page, path
    assert b.get("/me.json").json()["bias"]["365"]["events"] == 0
    ta, tb = api_token(a), api_token(b)
    hb = {"Authorization": f"Bearer {tb}"}
    assert b.get("/api/v1/me/history", headers=hb).json() == {"reads": []}
    assert b.get("/api/v1/me/follows", headers=hb).json() == {"follows": []}
    assert b.get("/api/v1/me/saved", headers=hb).json() == {"stories": []}
    export = b.get("/api/v1/me/export", headers=hb).json()
    assert export["reads"] == [] and export["reader"]["email"] == "second@example.org"
    ha = {"Authorization": f"Bearer {ta}"}
    assert len(a.get("/api/v1/me/history", headers=ha).json()["reads"]) == 2
    # a's session cookie does not open the API; an unknown token neither
    assert a.get("/api/v1/me/history").status_code == 401
    assert a.get("/api/v1/me", headers={"Authorization": "Bearer es_pat_x"}).status_code == 401


def test_deleting_an_account_deletes_its_rows(site) -> None:  # type: ignore[no-untyped-def]
    app, store, _ = site
    a, b = browser(app, "10.0.0.1"), browser(app, "10.0.0.2")
    sign_up(a, "gone@example.org", "gone")
    sign_up(b, "stays@example.org", "stays")
    for c in (a, b):
        c.get("/story/1")
        c.get("/go/1", follow_redirects=False)
        c.post("/me/follow", data={"kind": "story", "target": "1", "csrf_token": csrf(c, "/me")})
        c.post("/me/save", data={"story_id": "1", "csrf_token": csrf(c, "/me")})
        api_token(c)
    gone = svc.get_reader(store, 1)
    assert gone is not None and gone["email"] == "gone@example.org"
    assert all(n > 0 for k, n in svc.rows_of_reader(store, 1).items() if k != "outbox")
    r = a.post(
        "/me/delete", data={"password": "wrong password!!", "csrf_token": csrf(a, "/me/account")}
    )
    assert r.status_code == 403
    r = a.post("/me/delete", data={"password": PASSWORD, "csrf_token": csrf(a, "/me/account")})
    assert r.status_code == 200 and r.url.path == "/"
    assert svc.get_reader(store, 1) is None
    assert set(svc.rows_of_reader(store, 1).values()) == {0}
    with store.read() as conn:  # straight from the tables, not through the service
        for table in (
            t.reading_events,
            t.follows,
            t.saved_stories,
            t.reader_tokens,
            t.reader_sessions,
        ):
            n = conn.execute(
                select(func.count()).select_from(table).where(table.c.reader_id == 1)
            ).scalar()
            assert n == 0, table.name
    assert svc.rows_of_reader(store, 2)["reading_events"] == 2


# -- bad input ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "email",
    [
        "a" * 65 + "@example.org",  # local part over 64
        "a@" + "b" * 250 + ".org",  # over 254 in all
        "x" * 100_000,  # refused before parsing
        "no-at-sign.example.org",
        "two@@example.org",
        "a@b",  # no dot in the domain
        "a b@example.org",
        "a@example.org\r\nBcc: victim@example.org",  # header injection
        "",
    ],
)
def test_bad_email_addresses_are_refused_with_a_reason(email: str) -> None:
    with pytest.raises(InputError) as e:
        accounts.normalize_email(email)
    assert str(e.value)


def test_email_addresses_are_normalised() -> None:
    assert accounts.normalize_email("  Ann@Example.ORG ") == "ann@example.org"
    assert accounts.normalize_email("user@bücher.example") == "user@bücher.example"


def test_malformed_email_at_sign_up_is_a_422_page(site) -> None:  # type: ignore[no-untyped-def]
    app, store, _ = site
    c = browser(app)
    for email in ("a" * 300 + "@example.org", "nope", "a@example.org\nBcc: x@y.org"):
        r = c.post(
            "/signup",
            data={
                "email": email,
                "username": "zed",
                "password": PASSWORD,
                "csrf_token": csrf(c, "/signup"),
            },
        )
        assert r.status_code == 422 and "e-mail" in r.text
    r = c.post("/signup", data={"email": "x" * 5000, "csrf_token": csrf(c, "/signup")})
    assert r.status_code == 422  # beyond the form field's limit: refused by the form parser
    with store.read() as conn:
        assert conn.execute(select(func.count()).select_from(t.readers)).scalar() == 0


def test_confusable_usernames() -> None:
    name, key = accounts.normalize_username("Paypal")
    assert name == "paypal"
    with pytest.raises(InputError, match="mixes scripts"):
        accounts.normalize_username("pаypal")  # Cyrillic а among Latin letters
    # all-Cyrillic look-alike: one script, but its key collides with the Latin name
    assert accounts.username_key("раураl".replace("l", "")) == accounts.username_key(
        "payPa".casefold()
    )
    assert accounts.normalize_username("Ｐａｙｐａｌ")[1] == key  # fullwidth folds to the same name
    for bad in ("a b", "x", "a" * 33, "evil\u202etxt", "zero\u200bwidth", "<script>"):
        with pytest.raises(InputError):
            accounts.normalize_username(bad)


def test_a_look_alike_username_cannot_sit_beside_the_original(site) -> None:  # type: ignore[no-untyped-def]
    app, store, _ = site
    now = datetime.now(UTC)
    svc.create_account(store, "one@example.org", "pay", PASSWORD, now)
    with pytest.raises(InputError, match="taken"):
        svc.create_account(store, "two@example.org", "PAY", PASSWORD, now)
    with pytest.raises(InputError, match="taken"):
        svc.create_account(store, "three@example.org", "рау", PASSWORD, now)  # Cyrillic
    with pytest.raises(InputError, match="exists"):
        svc.create_account(store, "ONE@example.org", "other", PASSWORD, now)


def test_ten_thousand_follows_are_refused_whole(site) -> None:  # type: ignore[no-untyped-def]
    app, store, settings = site
    c = browser(app)
    sign_up(c, "many@example.org", "many")
    h = {"Authorization": f"Bearer {api_token(c)}"}
    body = {"follows": [{"kind": "topic", "target": f"topic {i}"} for i in range(10_000)]}
    r = c.post("/api/v1/me/follows", json=body, headers=h)
    assert r.status_code == 409 and "max_follows" in r.json()["error"]["message"]
    assert c.get("/api/v1/me/follows", headers=h).json() == {"follows": []}
    cap = settings.max_follows
    body = {"follows": [{"kind": "topic", "target": f"topic {i}"} for i in range(cap)]}
    assert c.post("/api/v1/me/follows", json=body, headers=h).json() == {"added": cap}
    one_more = {"follows": [{"kind": "outlet", "target": "left.example"}]}
    assert c.post("/api/v1/me/follows", json=one_more, headers=h).status_code == 409
    assert len(c.get("/api/v1/me/follows", headers=h).json()["follows"]) == cap
    # the pages still answer with a full list
    assert c.get("/me/for-you").status_code == 200
    assert c.get("/me/follows").text.count('action="/me/unfollow"') == cap
    bad = {"follows": [{"kind": "person", "target": "x"}]}
    assert c.post("/api/v1/me/follows", json=bad, headers=h).status_code == 422


def test_a_forwarded_unsubscribe_link_grants_unsubscribe_only(site) -> None:  # type: ignore[no-untyped-def]
    app, store, settings = site
    c = browser(app)
    sign_up(c, "fwd@example.org", "fwd")
    c.post(
        "/me/email",
        data={"briefing": "true", "alerts": "true", "csrf_token": csrf(c, "/me/account")},
    )
    reader = svc.get_reader(store, 1)
    assert reader is not None and reader["email_briefing"] and reader["email_alerts"]
    key = app.state.es.key  # type: ignore[attr-defined]
    link = mail.unsubscribe_url("http://testserver", key, reader, "briefing")
    token = link.split("t=")[1]
    friend = browser(app, "10.7.7.7")  # whoever the briefing was forwarded to
    page = friend.get(link)
    assert page.status_code == 200 and "fwd@example.org" not in page.text
    assert friend.get("/me.json").status_code == 401  # no session came with it
    assert friend.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert friend.get(f"/feeds/me/{token}/for-you.atom").status_code == 404
    r = friend.post(
        "/login",
        data={"email": "fwd@example.org", "password": token, "csrf_token": csrf(friend, "/login")},
    )
    assert r.status_code == 401
    assert friend.post(link).status_code == 200
    after = svc.get_reader(store, 1)
    assert (
        after is not None and not after["email_briefing"] and after["email_alerts"]
    )  # that list only
    # a token edited to name another list or reader is refused
    rid, _, mac = token.split(".")
    assert friend.post(f"/unsubscribe?t={rid}.alerts.{mac}").status_code == 404
    assert friend.post(f"/unsubscribe?t=2.briefing.{mac}").status_code == 404
    assert tokens.unsubscribe_valid(key, token, "fwd@example.org")
    assert not tokens.unsubscribe_valid(key, token, "other@example.org")


def test_secret_feeds(site) -> None:  # type: ignore[no-untyped-def]
    app, store, _ = site
    c = browser(app)
    sign_up(c, "feeds@example.org", "feeds")
    c.post("/me/follow", data={"kind": "story", "target": "2", "csrf_token": csrf(c, "/me")})
    page = c.get("/me/account").text
    url = re.search(r"(http://testserver/feeds/me/[^<]+/follows\.atom)", page).group(1)  # type: ignore[union-attr]
    anon = browser(app, "10.3.3.3")
    r = anon.get(url.replace("http://testserver", ""))
    assert r.status_code == 200 and "Storm hits coast" in r.text
    assert r.headers["content-type"].startswith("application/atom+xml")
    assert anon.get(url.replace("http://testserver", "")[:-20] + "x.atom").status_code == 404
    c.post("/me/feeds/reset", data={"csrf_token": csrf(c, "/me/account")})
    assert anon.get(url.replace("http://testserver", "")).status_code == 404


def test_single_mode_serves_the_local_reader_to_loopback_only(
    tmp_path: Path, sqlite_url: str
) -> None:
    store = open_store(sqlite_url)
    fill(store)
    settings = settings_for(tmp_path, sqlite_url, auth="single")
    app = create_app(settings, store)
    local = browser(app, "127.0.0.1")
    assert local.get("/story/1").status_code == 200
    assert local.get("/me.json").json()["bias"]["365"]["events"] == 1
    assert local.get("/login").url.path == "/me"  # no sign-in in this mode
    remote = browser(app, "192.0.2.10")
    assert remote.get("/me.json").status_code == 403
    assert "Follow story" not in remote.get("/story/1").text
    store.close()


def test_admin_account_opens_the_operator_pages(site) -> None:  # type: ignore[no-untyped-def]
    app, store, _ = site
    c = browser(app)
    sign_up(c, "admin@example.org", "boss")
    assert c.get("/-/disputes.json").status_code == 403
    svc.set_role(store, "admin@example.org", "admin")
    assert c.get("/-/disputes.json").status_code == 200


def test_invitation_only_sign_up(tmp_path: Path, sqlite_url: str) -> None:
    store = open_store(sqlite_url)
    app = create_app(settings_for(tmp_path, sqlite_url, signup="invite"), store)
    c = browser(app)
    data = {"email": "inv@example.org", "username": "inv", "password": PASSWORD}
    assert c.post("/signup", data={**data, "csrf_token": csrf(c, "/signup")}).status_code == 403
    now = datetime.now(UTC)
    code = svc.create_invitation(store, "inv@example.org", None, now)
    other = svc.create_invitation(store, "someone@example.org", None, now)
    r = c.post("/signup", data={**data, "invitation": other, "csrf_token": csrf(c, "/signup")})
    assert r.status_code == 422 and "invitation" in r.text
    r = c.post("/signup", data={**data, "invitation": code, "csrf_token": csrf(c, "/signup")})
    assert r.url.path == "/me"
    c2 = browser(app, "10.4.4.4")
    data2 = {"email": "inv2@example.org", "username": "inv2", "password": PASSWORD}
    r = c2.post("/signup", data={**data2, "invitation": code, "csrf_token": csrf(c2, "/signup")})
    assert r.status_code == 422  # used once
    store.close()

"""`everyside readers ...`: accounts (auth = accounts), invitations, roles and e-mail."""

from __future__ import annotations

from datetime import UTC, datetime

import typer

from everyside.cli.common import app as root
from everyside.cli.common import console, err_console, state
from everyside.errors import InputError

app = typer.Typer(help="Readers: accounts, invitations, e-mail.", no_args_is_help=True)
root.add_typer(app, name="readers")


def _now() -> datetime:
    return datetime.now(UTC)


def _web(settings):  # type: ignore[no-untyped-def]
    from everyside.web import hosts, security

    return security.secret_key(settings), hosts.base_url(settings)


@app.command("create")
def create(
    ctx: typer.Context,
    email: str = typer.Argument(..., help="E-mail address of the account."),
    username: str = typer.Argument(..., help="Username."),
    admin: bool = typer.Option(False, "--admin", help="Give it the admin role."),
) -> None:
    """Create an account (the password is asked for, never given on the command line)."""
    from everyside.services import readers

    password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    st = state(ctx)
    try:
        rid = readers.create_account(
            st.store(), email, username, password, _now(), role="admin" if admin else "reader"
        )
    except InputError as e:
        err_console.print(f"not created: {e}")
        raise typer.Exit(2) from None
    console.print(f"account #{rid} created")


@app.command("role")
def role(
    ctx: typer.Context,
    email: str = typer.Argument(...),
    name: str = typer.Argument(..., help="admin | reader"),
) -> None:
    """Give an account the admin role (feeds, outlets, disputes) or take it back."""
    from everyside.services import readers

    if name not in ("admin", "reader"):
        err_console.print("the role is admin or reader")
        raise typer.Exit(2)
    try:
        readers.set_role(state(ctx).store(), email, name)
    except InputError as e:
        err_console.print(str(e))
        raise typer.Exit(2) from None
    console.print(f"{email}: {name}")


@app.command("invite")
def invite(
    ctx: typer.Context,
    email: str | None = typer.Argument(None, help="Only this address may use it (optional)."),
) -> None:
    """An invitation link (14 days, once); e-mailed too when an address is given and SMTP is
    configured."""
    from everyside.domain.readers import mailtext
    from everyside.services import mail, readers

    st = state(ctx)
    settings = st.settings()
    try:
        code = readers.create_invitation(st.store(), email, None, _now())
    except InputError as e:
        err_console.print(str(e))
        raise typer.Exit(2) from None
    _, base = _web(settings)
    link = f"{base}/signup?invitation={code}"
    if email and mail.configured(settings):
        mail.queue(st.store(), settings, _now(), "invite", email, mailtext.invite(link))
    console.print(link)


@app.command("mail")
def mail_now(
    ctx: typer.Context,
    briefing: bool = typer.Option(False, "--briefing", help="Queue today's briefings now."),
) -> None:
    """One mail round now: due briefings, followed-story alerts, then delivery."""
    from everyside.services import mail

    st = state(ctx)
    settings = st.settings()
    if not mail.configured(settings):
        err_console.print("SMTP is not configured (smtp_host, smtp_from): nothing is sent")
        raise typer.Exit(1)
    key, base = _web(settings)
    store, now = st.store(), _now()
    if briefing:
        mail.queue_briefings(store, settings, key, base, now, force=True)
    console.print(mail.mail_round(store, settings, key, base, now))


@app.command("mail-status")
def mail_status(ctx: typer.Context) -> None:
    """The latest e-mail and whether each was sent, is retried or failed (with the error)."""
    from everyside.services import mail

    for m in mail.mail_status(state(ctx).store()):
        err = f"  {m['last_error']}" if m["last_error"] else ""
        console.print(f"#{m['id']} {m['kind']} {m['status']} after {m['attempts']} attempt(s){err}")

"""The e-mail everyside sends, as (subject, plain text, HTML). Pure string building: every
story-supplied string is escaped in the HTML part; links are absolute, from the configured
base URL. The HTML uses inline styles only (mail clients drop style sheets)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

COLORS = {"left": "#1f5fbf", "center": "#6b6b6b", "right": "#c0392b"}
LABEL = {"left": "Left", "center": "Center", "right": "Right"}


def _pct(v: float | None) -> str:
    return "n/a" if v is None else f"{round(v * 100)}%"


def bar_text(shares: Mapping[str, float | None]) -> str:
    if not any(shares.get(s) for s in LABEL):
        return "no rated outlets yet"
    return " · ".join(f"{LABEL[s]} {_pct(shares.get(s))}" for s in LABEL)


def bar_html(shares: Mapping[str, float | None], colors: Mapping[str, str] = COLORS) -> str:
    cells = []
    for s in LABEL:
        w = round(100 * (shares.get(s) or 0))
        if w > 0:
            cells.append(
                f'<td style="background:{escape(colors.get(s, COLORS[s]))};width:{w}%;'
                f'height:8px;font-size:0" title="{LABEL[s]} {w}%"></td>'
            )
    if not cells:
        return '<p style="color:#666;font-size:12px">no rated outlets yet</p>'
    return (
        '<table role="presentation" width="100%" cellspacing="0" cellpadding="0" '
        f'style="border-collapse:collapse"><tr>{"".join(cells)}</tr></table>'
        f'<p style="color:#444;font-size:12px;margin:2px 0 0">{escape(bar_text(shares))}</p>'
    )


def _story_lines(s: Mapping[str, Any], base: str) -> str:
    return (
        f"- {s['headline']}\n  {s.get('outlet_count') or 0} outlets · "
        f"{bar_text(s.get('shares') or {})}\n  {base}/story/{s['id']}\n"
    )


def _story_html(s: Mapping[str, Any], base: str) -> str:
    url = escape(f"{base}/story/{s['id']}")
    return (
        f'<li style="margin:0 0 14px"><a href="{url}">{escape(s["headline"])}</a>'
        f'<br><span style="color:#444;font-size:12px">{s.get("outlet_count") or 0} outlets'
        f"</span>{bar_html(s.get('shares') or {})}</li>"
    )


def _wrap(title: str, body: str, footer_html: str) -> str:
    return (
        '<!doctype html><html><body style="font-family:sans-serif;max-width:640px">'
        f'<h1 style="font-size:20px">{escape(title)}</h1>{body}'
        f'<hr><p style="color:#666;font-size:12px">{footer_html}</p></body></html>'
    )


def briefing(
    day: str,
    top: Sequence[Mapping[str, Any]],
    blindspots: Sequence[Mapping[str, Any]],
    base: str,
    unsubscribe_url: str,
) -> tuple[str, str, str]:
    subject = f"everyside briefing for {day}"
    text = [f"Top stories, {day}\n"]
    text += [_story_lines(s, base) for s in top] or ["(no stories yet)\n"]
    if blindspots:
        text.append("\nBlindspots: stories one side barely covered\n")
        for s in blindspots:
            missed = LABEL.get(s.get("blindspot") or "", "one side")
            text.append(_story_lines(s, base).replace("\n", f" (missed by the {missed})\n", 1))
    text.append(f"\nUnsubscribe from this briefing: {unsubscribe_url}\n")
    html = '<h2 style="font-size:16px">Top stories</h2><ul>'
    html += "".join(_story_html(s, base) for s in top) or "<li>no stories yet</li>"
    html += "</ul>"
    if blindspots:
        html += '<h2 style="font-size:16px">Blindspots</h2><ul>'
        html += "".join(_story_html(s, base) for s in blindspots) + "</ul>"
    footer = (
        "You receive this because you asked for the daily briefing. "
        f'<a href="{escape(unsubscribe_url)}">Unsubscribe</a>'
    )
    return subject, "".join(text), _wrap(subject, html, footer)


def alert(
    story: Mapping[str, Any], sides: Sequence[str], base: str, unsubscribe_url: str
) -> tuple[str, str, str]:
    names = " and ".join(LABEL[s] for s in sides)
    subject = f"New coverage from the {names}: {story['headline']}"[:200]
    text = (
        f"A story you follow now has coverage from the {names}, which had none before.\n\n"
        + _story_lines(story, base)
        + f"\nStop these alerts: {unsubscribe_url}\n"
    )
    body = (
        f"<p>A story you follow now has coverage from the {escape(names)}, which had none "
        f"before.</p><ul>{_story_html(story, base)}</ul>"
    )
    footer = f'<a href="{escape(unsubscribe_url)}">Stop these alerts</a>'
    return subject, text, _wrap("New coverage on a story you follow", body, footer)


def reset(link: str, hours: int) -> tuple[str, str, str]:
    subject = "everyside: reset your password"
    text = (
        "Someone (you, we hope) asked to reset the password of your everyside account.\n\n"
        f"Open this link within {hours} hours to choose a new password (it works once):\n"
        f"{link}\n\nIf it was not you, ignore this message: your password is unchanged.\n"
    )
    body = (
        "<p>Someone (you, we hope) asked to reset the password of your everyside account.</p>"
        f'<p><a href="{escape(link)}">Choose a new password</a> (within {hours} hours; the '
        "link works once).</p><p>If it was not you, ignore this message.</p>"
    )
    return subject, text, _wrap(subject, body, "")


def invite(link: str) -> tuple[str, str, str]:
    subject = "You are invited to everyside"
    text = f"You are invited to create an everyside account:\n{link}\n"
    body = f'<p><a href="{escape(link)}">Create your everyside account</a></p>'
    return subject, text, _wrap(subject, body, "")

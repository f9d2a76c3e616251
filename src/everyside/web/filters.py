"""Jinja filters and globals: relative times, percentages, side colours from settings."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any

from jinja2 import Environment

from everyside.domain.percent import percentages
from everyside.domain.places import country_name
from everyside.services.read import SearchFilter
from everyside.services.views import parse_time, relative_time
from everyside.settings import Settings
from everyside.web import charts

DEFAULT_COLORS = {"left": "#1f5fbf", "center": "#6b6b6b", "right": "#c0392b"}
_COLOR = re.compile(r"^#[0-9a-fA-F]{3,8}$|^[a-zA-Z]{3,20}$")


def side_colors(settings: Settings) -> dict[str, str]:
    """`left=#..,center=#..,right=#..`; anything that is not a plain colour is ignored."""
    colors = dict(DEFAULT_COLORS)
    for part in str(settings.side_colors or "").split(","):
        name, _, value = part.partition("=")
        name, value = name.strip().lower(), value.strip()
        if name in colors and _COLOR.match(value):
            colors[name] = value
    return colors


def search_filter(
    side: str | None, outlet: str | None, since: date | None, until: date | None
) -> SearchFilter:
    """A search's filters from query parameters; `until` is a whole day (inclusive)."""
    return SearchFilter(
        side=side or None,
        outlet=(outlet or "").strip() or None,
        since=datetime.combine(since, time()) if since else None,
        until=datetime.combine(until, time()) + timedelta(days=1) if until else None,
    )


def pct(v: Any) -> str:
    return "–" if v is None else f"{round(float(v) * 100)}%"


def pcts(shares: Any) -> dict[str, str]:
    """Left/Center/Right shares as "34%", "33%", "33%": whole numbers that sum to 100."""
    shares = shares if isinstance(shares, dict) else {}
    whole = percentages({s: shares.get(s) for s in ("left", "center", "right")})
    return {s: "–" if v is None else f"{v}%" for s, v in whole.items()}


def day(v: Any) -> str:
    """ "AUG 4, 2021" for the dateline; "date unknown" when there is none."""
    dt = parse_time(v)
    return f"{dt:%b} {dt.day}, {dt.year}".upper() if dt else "date unknown"


def install(env: Environment, settings: Settings) -> None:
    env.filters["pct"] = pct
    env.filters["pcts"] = pcts
    env.filters["ago"] = relative_time
    env.filters["day"] = day
    env.filters["country"] = country_name
    env.globals["charts"] = charts
    env.globals["side_label"] = {"left": "Left", "center": "Center", "right": "Right"}

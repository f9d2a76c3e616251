"""Inline SVG charts rendered on the server: no JavaScript, no inline styles (CSP), colours by
CSS class so the side colours follow the settings, and every chart carries a text alternative
(<title>/<desc>) plus visible numbers, so no information is given by colour alone."""

from __future__ import annotations

from markupsafe import Markup, escape

from everyside.domain.percent import percentages

SIDES = ("left", "center", "right")
LABEL = {"left": "Left", "center": "Center", "right": "Right", "unrated": "Unrated"}


def _pct(v: float | None) -> str:
    return "n/a" if v is None else f"{round(v * 100)}%"


def _pcts(shares: dict[str, float | None]) -> dict[str, str]:
    whole = percentages({s: shares.get(s) for s in SIDES})
    return {s: "n/a" if v is None else f"{v}%" for s, v in whole.items()}


def _svg(
    uid: str,
    title: str,
    desc: str,
    width: int,
    height: int,
    body: str,
    stretch: bool = True,
    kind: str = "chart-bars",
) -> Markup:
    aspect = ' preserveAspectRatio="none"' if stretch else ""
    return Markup(
        f'<svg class="chart {kind}" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-labelledby="{uid}-t {uid}-d"{aspect}>'
        f'<title id="{uid}-t">{escape(title)}</title><desc id="{uid}-d">{escape(desc)}</desc>'
        f"{body}</svg>"
    )


def bias_bar(uid: str, shares: dict[str, float | None], height: int = 14) -> Markup:
    """A stacked Left/Center/Right bar; empty (hatched) when no outlet is rated."""
    whole = _pcts(shares)
    desc = ", ".join(f"{LABEL[s]} {whole[s]}" for s in SIDES)
    x, parts = 0.0, []
    total = sum(v or 0.0 for v in shares.values())
    if total <= 0:
        parts.append(f'<rect class="bar-none" x="0" y="0" width="100" height="{height}"/>')
        desc = "no rated outlets yet"
    for s in SIDES:
        w = 100.0 * (shares.get(s) or 0.0) / total if total > 0 else 0.0
        if w > 0:
            parts.append(
                f'<rect class="side-{s}" x="{x:.2f}" y="0" width="{w:.2f}" height="{height}"/>'
            )
        x += w
    return _svg(
        uid,
        "Bias distribution of the rated sources",
        desc,
        100,
        height,
        "".join(parts),
        kind="chart-bias",
    )


def hbars(uid: str, title: str, rows: list[tuple[str, int]], css: str = "bar") -> Markup:
    """Horizontal bars with the label and count written next to each bar."""
    if not rows:
        return Markup("")
    top = max(n for _, n in rows) or 1
    line, parts = 22, []
    for i, (label, n) in enumerate(rows):
        y = i * line
        w = 130.0 * n / top
        parts.append(
            f'<text class="chart-text" x="0" y="{y + 15}">{escape(label)}</text>'
            f'<rect class="{css} {css}-{escape(_slug(label))}" x="130" y="{y + 4}" '
            f'width="{w:.2f}" height="14"/>'
            f'<text class="chart-text" x="{134 + w:.2f}" y="{y + 15}">{n}</text>'
        )
    desc = ", ".join(f"{label}: {n}" for label, n in rows)
    body = "".join(parts)
    return _svg(uid, title, desc, 300, line * len(rows), body, stretch=False)


def _slug(s: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in s.lower())


def timeline(uid: str, points: list[tuple[str, str, int]]) -> Markup:
    """Articles per hour or day, stacked by side; a text list beside it gives the same numbers."""
    days = sorted({d for d, _, _ in points})
    if not days:
        return Markup("")
    per = {(d, s): n for d, s, n in points}
    top = max(sum(per.get((d, s), 0) for s in (*SIDES, "unrated")) for d in days) or 1
    width, height, parts = max(100, 14 * len(days)), 60, []
    col = width / len(days)
    for i, d in enumerate(days):
        y = float(height)
        for s in (*SIDES, "unrated"):
            n = per.get((d, s), 0)
            if n:
                h = (height - 4) * n / top
                y -= h
                parts.append(
                    f'<rect class="side-{s}" x="{i * col + 1:.2f}" y="{y:.2f}" '
                    f'width="{col - 2:.2f}" height="{h:.2f}"/>'
                )
    desc = "; ".join(
        f"{d}: "
        + ", ".join(f"{LABEL[s]} {per[(d, s)]}" for s in (*SIDES, "unrated") if per.get((d, s)))
        for d in days
    )
    return _svg(
        uid,
        "Coverage timeline: articles by side over time",
        desc,
        int(width),
        height,
        "".join(parts),
        kind="chart-timeline",
    )

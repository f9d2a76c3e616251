"""Regenerate the settings table in README.md from the one SETTINGS table.

Run `python tools/gen_settings_doc.py`; a test fails when the README is out of date.
"""

from __future__ import annotations

import sys
from pathlib import Path

from everyside.settings import SETTINGS

README = Path(__file__).resolve().parents[1] / "README.md"
BEGIN, END = "<!-- settings:begin -->", "<!-- settings:end -->"


def render() -> str:
    lines = ["| setting | environment | default | meaning |", "|---|---|---|---|"]
    for s in SETTINGS:
        default = "" if s.default == "" else f"`{s.default}`"
        lines.append(f"| `{s.name}` | `{s.env}` | {default} | {s.help} |")
    return "\n".join(lines)


def main() -> int:
    text = README.read_text(encoding="utf-8")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    new = f"{head}{BEGIN}\n{render()}\n{END}{tail}"
    if new != text:
        README.write_text(new, encoding="utf-8")
        print("README.md settings table updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())

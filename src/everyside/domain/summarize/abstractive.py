"""The optional abstractive pass: the prompt we send, and the strict merge of what comes back.

The LLM never sees anything but the extractive bullets' cited sentences, numbered per bullet,
and is asked to rewrite each fact as one plain sentence. Each returned line is matched to its
bullet by number and must pass `check_support` against *that bullet's* cited sentences; a line
that fails (a new name, a changed number, a flipped negation, too little overlap), an extra
line, or a missing one leaves the extractive bullet in place. Nothing the model wrote reaches
the document without passing the check. The call itself lives in `everyside.services.llm` (I/O).
"""

from __future__ import annotations

import copy
import re
from typing import Any

from everyside.domain.summarize.model import SummaryParams
from everyside.domain.summarize.support import check_support

SYSTEM_PROMPT = (
    "You rewrite news facts as short, neutral sentences. For each numbered fact you get the "
    "source sentences that report it. Write exactly one sentence per fact, using only "
    "information stated in its sources: keep every name, number and negation as written, add "
    "nothing, drop opinions and loaded words. Answer with one line per fact, in the form "
    "'N. sentence', and nothing else."
)
_THINK = re.compile(r"<think>.*?(</think>|$)", re.DOTALL | re.IGNORECASE)
_LINE = re.compile(r"^\s*(?:[-*]\s*)?\(?(\d{1,2})[.):]\s+(.+?)\s*$")


def build_messages(doc: dict[str, Any], headline: str | None = None) -> list[dict[str, str]]:
    """Chat messages asking for one rewritten sentence per extractive bullet."""
    parts = [f"Story: {headline or doc['headline']['neutral']}", ""]
    for n, bullet in enumerate(doc["bullets"], start=1):
        parts.append(f"Fact {n}. Sources:")
        parts.extend(f"  - {c['sentence']}" for c in bullet["citations"])
    parts += ["", f"Write {len(doc['bullets'])} lines, numbered 1 to {len(doc['bullets'])}."]
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": "\n".join(parts)},
    ]


def parse_lines(response: str) -> dict[int, str]:
    """'N. sentence' lines of the model's answer, by N (first occurrence wins)."""
    found: dict[int, str] = {}
    response = _THINK.sub("", response)  # reasoning models may show their working first
    for line in response.splitlines():
        m = _LINE.match(line)
        if m and int(m.group(1)) not in found:
            found[int(m.group(1))] = m.group(2).strip().strip('"')
    return found


def _unmatched(lines: dict[int, str], count: int) -> list[dict[str, Any]]:
    return [
        {"text": text, "reasons": ["no such fact number"]}
        for n, text in sorted(lines.items())
        if not 1 <= n <= count
    ]


def merge_abstractive(
    doc: dict[str, Any], response: str, model: str, params: SummaryParams | None = None
) -> dict[str, Any]:
    """A copy of the extractive `doc` with each bullet replaced by the model's sentence for it
    when, and only when, that sentence passes the support check against the bullet's
    citations. Sets "mode" and records what was rejected and why."""
    params = params or SummaryParams()
    out = copy.deepcopy(doc)
    lines = parse_lines(response)
    rejected = _unmatched(lines, len(out["bullets"]))
    accepted = 0
    for n, bullet in enumerate(out["bullets"], start=1):
        text = lines.get(n)
        if not text:
            continue
        sources = [c["sentence"] for c in bullet["citations"]]
        result = check_support(text, sources, params.support_threshold)
        if not result.ok:
            rejected.append({"text": text, "reasons": list(result.reasons)})
            continue
        bullet.update(text=text, generated=True, support=result.score, trimmed=False)
        accepted += 1
    total = len(out["bullets"])
    if accepted == 0:
        out["mode"] = "extractive"
    else:
        out["mode"] = "abstractive" if accepted == total else "abstractive+extractive"
    out["abstractive"] = {"model": model, "accepted": accepted, "rejected": rejected}
    return out

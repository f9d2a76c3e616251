"""Which of a replay's repair merges were right, by the size of the smaller story.

    .venv/bin/python tools/merge_report.py groundnews_aug2025_dev:own uci_dev:own neus_train:spread

Replays each file in the given arrival order as the product runs it (online assignment, the
repair pass every `story_repair_every` articles and once at the end) and reads every merge the
repair pass made: a merge is "right" when the two stories' majority gold stories agree. Sizes
and majorities are those of the stories as they stood before the pass. Prints, per stream, the
right/all counts for a smaller story of < 5, 5-19 and >= 20 members. The gold `story` field is
read only here, to score; docs/design-notes/clustering.md ("Twelfth session") has the figures of
2026-12-07.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from _streams import labelled_streams

from everyside.domain.clustering.engine import StoryEngine
from everyside.domain.clustering.repair import RepairResult, repair
from everyside.domain.clustering.replay import in_arrival_order, replay
from everyside.services.embeddings import story_engine
from everyside.settings import load_settings

BANDS = ((0, 5, "< 5"), (5, 20, "5-19"), (20, None, ">= 20"))


def merges(rows: list[dict[str, Any]]) -> list[tuple[int, bool]]:
    """(size of the smaller story, right) of every merge of the replay."""
    items, gold = in_arrival_order(rows)
    gold_of = dict(zip((it.id for it in items), gold, strict=True))
    settings = load_settings(env={})
    out: list[tuple[int, bool]] = []

    def observed(engine: StoryEngine) -> RepairResult:
        before = {
            sid: (s.n, Counter(gold_of[m.id] for m in s.members).most_common(1)[0][0])
            for sid, s in engine.stories.items()
            if s.members
        }
        result = repair(engine)
        for gone, into in result.merges:
            if gone in before and into in before:
                (n_a, g_a), (n_b, g_b) = before[gone], before[into]
                out.append((min(n_a, n_b), g_a == g_b))
        return result

    replay(story_engine(settings), items, settings.story_repair_every, repair_pass=observed)
    return out


def main() -> None:
    for spec, rows in labelled_streams(__doc__):
        found = merges(rows)
        bands = []
        for lo, hi, label in BANDS:
            part = [ok for n, ok in found if n >= lo and (hi is None or n < hi)]
            bands.append(f"{label}: {sum(part)}/{len(part)}")
        right = sum(ok for _, ok in found)
        print(f"{spec}: {right}/{len(found)} merges right; smaller story {', '.join(bands)}")


if __name__ == "__main__":
    main()

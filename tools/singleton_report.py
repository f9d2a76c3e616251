"""Where the single-article stories of a replay belong: each is scored again at the end of the
stream against the open stories (the join model, the article as it came, its own story left
out), and counted as "right" when the best story holds most of the article's gold story.

    .venv/bin/python tools/singleton_report.py groundnews_feb2026_dev:own neus_train:spread ...

Prints, per stream and per lowest best probability, right/attached. The gold `story` field is
read only here, to score; docs/design-notes/clustering.md ("The Feb stream's single-article
stories") has the figures of 2026-12-07 and why no singleton pass was added.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from _streams import labelled_streams

from everyside.domain.clustering.replay import in_arrival_order, replay
from everyside.services.embeddings import story_engine
from everyside.settings import load_settings

THRESHOLDS = (0.2, 0.4, 0.6)


def singletons(rows: list[dict[str, Any]]) -> list[tuple[float, bool]]:
    """(best probability, right) of every single-article story with content at the end."""
    items, gold = in_arrival_order(rows)
    settings = load_settings(env={})
    eng = story_engine(settings)
    labels = replay(eng, items, settings.story_repair_every)
    size = Counter(labels)
    majority: dict[int, Counter[str]] = {}
    for label, g in zip(labels, gold, strict=True):
        majority.setdefault(label, Counter())[g] += 1
    out = []
    for it, label, g in zip(items, labels, gold, strict=True):
        if size[label] != 1 or label not in eng.stories:
            continue
        head, boiler, f = eng._features(it)
        if f.empty:
            continue
        vecs = eng._vecs(f, head, boiler, it, count=False)
        t = eng.clock.trusted(it.published_at, None)
        scored = eng.score(vecs, t, eng.seq, None, exclude=label)
        if scored:
            p, sid = scored[0]
            out.append((p, majority[sid].most_common(1)[0][0] == g))
    return out


def main() -> None:
    for spec, rows in labelled_streams(__doc__):
        found = singletons(rows)
        cells = []
        for thr in THRESHOLDS:
            hit = [ok for p, ok in found if p >= thr]
            cells.append(f">= {thr}: {sum(hit)}/{len(hit)}")
        print(f"{spec}: {len(found)} singletons with content; " + ", ".join(cells), flush=True)


if __name__ == "__main__":
    main()

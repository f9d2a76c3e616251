"""Choose and measure the estimated-bias method on the bundled outlet directory.

    .venv/bin/python tools/fit_estimated_bias.py [--experiments] [--shared ../shared/data]

Prints, as Markdown for docs/ratings.md ("Estimated bias"):
1. the owner-sibling method's leave-one-out accuracy on rated outlets for several shrinkage
   values (the one with the lowest MAE is DEFAULT_SHRINK in domain/estimate.py), and how many
   unrated outlets it reaches;
2. with --experiments, the methods that were tried and rejected, measured on the labelled story
   sets: co-coverage (mean bias of the rated outlets covering the same stories) and wording
   (TF-IDF + ridge regression on the outlet's own titles/leads, 5-fold CV grouped by outlet).
"""

from __future__ import annotations

import argparse
import json
import statistics
from collections import Counter, defaultdict
from pathlib import Path

from everyside.domain.estimate import OutletInput, cross_validate, owner_estimates
from everyside.domain.model import bias_side
from everyside.registry import load_directory

SHRINKS = (0.0, 0.25, 0.5, 1.0, 2.0, 4.0)


def directory_inputs() -> dict[str, OutletInput]:
    d = load_directory()
    return {o.domain: OutletInput(d.bias(o)[0], tuple(w.owner for w in o.ownership)) for o in d}


def owner_report(inputs: dict[str, OutletInput]) -> None:
    rated = sum(1 for o in inputs.values() if o.bias is not None)
    print(f"Directory: {len(inputs)} outlets, {rated} with a real bias rating.\n")
    print("| shrink | outlets tested | MAE | baseline MAE | side accuracy | baseline side acc. |")
    print("|---|---|---|---|---|---|")
    for k in SHRINKS:
        acc = cross_validate(inputs, k)
        if acc is None:
            print(f"| {k} | 0 | – | – | – | – |")
            continue
        print(
            f"| {k} | {acc.outlets} | {acc.mae:.3f} | {acc.baseline_mae:.3f} | "
            f"{acc.side_accuracy:.3f} | {acc.baseline_side_accuracy:.3f} |"
        )
    est = owner_estimates(inputs)
    sides = Counter(bias_side(e.value).value for e in est.values())
    print(f"\nUnrated outlets that get an estimate: {len(est)} ({dict(sorted(sides.items()))}).")


def _story_sets(shared: Path) -> dict[str, list[dict]]:
    return {
        name: [json.loads(line) for line in (shared / "stories" / f"{name}.jsonl").open()]
        for name in ("uci_dev", "allsides_dev")
    }


def experiments(shared: Path) -> None:
    d = load_directory()
    print("\n| method | set | rated outlets | MAE | baseline MAE | side acc. | majority side |")
    print("|---|---|---|---|---|---|---|")
    for name, rows in _story_sets(shared).items():
        labelled = []
        for r in rows:
            o = d.match(r.get("url") or r.get("domain"), r.get("source"))
            b = d.bias(o)[0] if o else None
            if o is not None and b is not None:
                labelled.append((o.domain, b, r))
        truth = {dom: b for dom, b, _ in labelled}
        _row("co-coverage", name, truth, _cocoverage(labelled, truth))
        _row("wording", name, truth, _wording(labelled))


def _row(method: str, name: str, truth: dict[str, float], pred: dict[str, float]) -> None:
    doms = sorted(pred)
    mean = statistics.mean(truth.values())
    mae = statistics.mean(abs(pred[x] - truth[x]) for x in doms)
    base = statistics.mean(abs(mean - truth[x]) for x in doms)
    acc = statistics.mean(bias_side(pred[x]) == bias_side(truth[x]) for x in doms)
    maj = Counter(bias_side(truth[x]) for x in doms).most_common(1)[0][1] / len(doms)
    print(f"| {method} | {name} | {len(doms)} | {mae:.3f} | {base:.3f} | {acc:.3f} | {maj:.3f} |")


def _cocoverage(labelled: list, truth: dict[str, float]) -> dict[str, float]:
    stories: dict[str, set[str]] = defaultdict(set)
    for dom, _, r in labelled:
        stories[r["story"]].add(dom)
    mean = statistics.mean(truth.values())
    out = {}
    for dom in truth:
        leans = [
            statistics.mean(truth[x] for x in members if x != dom)
            for members in stories.values()
            if dom in members and len(members) > 1
        ]
        if leans:
            out[dom] = (sum(leans) + 0.5 * mean) / (len(leans) + 0.5)
    return out


def _wording(labelled: list) -> dict[str, float]:
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import GroupKFold

    texts = [f"{r.get('title') or ''} {(r.get('text') or '')[:1500]}" for _, _, r in labelled]
    y = np.array([b for _, b, _ in labelled])
    groups = np.array([dom for dom, _, _ in labelled])
    per: dict[str, list[float]] = defaultdict(list)
    for tr, te in GroupKFold(5).split(texts, y, groups):
        vec = TfidfVectorizer(min_df=2, ngram_range=(1, 2), sublinear_tf=True)
        model = Ridge(alpha=3.0).fit(vec.fit_transform([texts[i] for i in tr]), y[tr])
        for i, v in zip(te, model.predict(vec.transform([texts[i] for i in te])), strict=True):
            per[groups[i]].append(float(v))
    return {dom: statistics.mean(v) for dom, v in per.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--experiments", action="store_true")
    ap.add_argument(
        "--shared",
        type=Path,
        default=Path(__file__).resolve().parents[1].parent / "shared" / "data",
    )
    args = ap.parse_args()
    owner_report(directory_inputs())
    if args.experiments:
        experiments(args.shared)


if __name__ == "__main__":
    main()

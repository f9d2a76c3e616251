"""Clustering metrics against hand-computed values, and the stream replay order."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from everyside.domain.clustering.metrics import score
from everyside.domain.clustering.replay import (
    item_from_row,
    nearest_previous,
    retimed,
    single_pass,
    stream_order,
)
from everyside.domain.clustering.text import NewsItem


@pytest.mark.parametrize(
    "gold,pred,b3_p,b3_r,pw_f1,ari",
    [
        ("aaabb", "aaabb", 1.0, 1.0, 1.0, 1.0),
        ("aaabb", "abcde", 1.0, 0.4, 0.0, 0.0),
        ("aaabb", "aaaaa", 0.52, 1.0, 4 / 7, 0.0),
        # gold {1,2,3},{4,5}; pred {1,2},{3,4,5}
        (
            "aaabb",
            "aabbb",
            (2 * 1 + 1 / 3 + 2 * 2 / 3) / 5,
            (2 * 2 / 3 + 1 / 3 + 2) / 5,
            0.5,
            1 / 6,
        ),
    ],
)
def test_scores(gold, pred, b3_p, b3_r, pw_f1, ari):
    s = score(list(gold), list(pred))
    assert s.b3_p == pytest.approx(b3_p)
    assert s.b3_r == pytest.approx(b3_r)
    assert s.pairwise_f1 == pytest.approx(pw_f1)
    assert s.ari == pytest.approx(ari)
    assert s.gold_stories == len(set(gold)) and s.predicted_stories == len(set(pred))


def test_ari_matches_scikit_learn():
    from sklearn.metrics import adjusted_rand_score

    rng = np.random.default_rng(1)
    gold = rng.integers(0, 8, 300).tolist()
    pred = rng.integers(0, 11, 300).tolist()
    assert score(gold, pred).ari == pytest.approx(adjusted_rand_score(gold, pred))


def test_lengths_must_match():
    with pytest.raises(ValueError):
        score([1, 2], [1])


def test_stream_order_dates_then_file_order_undated_stay_put():
    d = lambda h: datetime(2024, 1, 1, h, tzinfo=UTC)  # noqa: E731
    items = [
        NewsItem(0, published_at=d(5)),
        NewsItem(1),
        NewsItem(2, published_at=d(1)),
        NewsItem(3, published_at=d(5)),
        NewsItem(4, published_at=d(3)),
    ]
    assert stream_order(items) == [2, 4, 0, 1, 3]
    assert stream_order([NewsItem(i) for i in range(4)]) == [0, 1, 2, 3]


def test_retimed_keeps_stream_order_and_labels_and_spaces_dates_evenly():
    rows = [
        {"id": "a", "story": "s1", "date": "2014-05-01T00:00:00Z"},
        {"id": "b", "story": "s2"},
        {"id": "c", "story": "s1", "date": "2014-03-01T00:00:00Z"},
    ]
    start = datetime(2020, 1, 1, tzinfo=UTC)
    out = retimed(rows, 4, start)
    assert [r["id"] for r in out] == ["c", "a", "b"]  # stream order: dates, undated stay put
    assert [r["story"] for r in out] == ["s1", "s1", "s2"]
    assert [item_from_row(r).published_at for r in out] == [
        datetime(2020, 1, 1, h, tzinfo=UTC) for h in (0, 6, 12)
    ]
    assert rows[1].get("date") is None  # the input rows are not changed


def test_retimed_with_a_spread_interleaves_stories_and_repeats():
    rows = [{"id": str(i), "story": f"s{i // 3}"} for i in range(300)]
    start = datetime(2020, 1, 1, tzinfo=UTC)
    out = retimed(rows, 1000, start, spread_hours=6.0)
    assert out == retimed(rows, 1000, start, spread_hours=6.0)  # seeded: the same stream
    assert sorted(r["id"] for r in out) == sorted(r["id"] for r in rows)
    assert all(r["story"] == f"s{int(r['id']) // 3}" for r in out)  # labels kept
    times = [item_from_row(r).published_at for r in out]
    assert times == sorted(times)  # returned in the new stream order
    # each article is delayed from its evenly spaced slot, by ~6 h on average
    slot = {r["id"]: item_from_row(r).published_at for r in retimed(rows, 1000, start)}
    delays = [(item_from_row(r).published_at - slot[r["id"]]).total_seconds() / 3600 for r in out]
    assert min(delays) >= 0 and 4 < sum(delays) / len(delays) < 8
    # the back-to-back stories of the file now interleave
    assert [r["story"] for r in out[:9]] != [r["story"] for r in rows[:9]]


def test_item_from_row_never_reads_the_gold_story():
    item = item_from_row(
        {"id": "x", "story": "GOLD", "title": "t", "date": "2014-03-10T16:52:50Z", "text": None}
    )
    assert "GOLD" not in repr(item)
    assert item.published_at == datetime(2014, 3, 10, 16, 52, 50, tzinfo=UTC)
    assert item_from_row({"id": 1, "date": "not a date"}).published_at is None


def test_single_pass_nearest_neighbour():
    v = np.array([[1, 0], [0.99, 0.14], [0, 1], [0.1, 0.99]], dtype=float)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    bj, bs = nearest_previous(v, chunk=2)
    assert bj.tolist() == [-1, 0, 1, 2]
    assert single_pass(bj, bs, 0.9) == [0, 0, 2, 2]
    assert single_pass(bj, bs, 0.999) == [0, 1, 2, 3]

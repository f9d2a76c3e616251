"""Candidate retrieval: the inverted index over the open stories."""

from __future__ import annotations

from everyside.domain.clustering.index import CandidateIndex
from everyside.domain.clustering.story import ArticleVecs


def _query(text: dict[str, float]) -> ArticleVecs:
    return ArticleVecs({}, text, {}, 1.0, 1.0, 1.0, True)


def test_lexical_candidates_rank_by_shared_weight():
    ix = CandidateIndex(candidates=2)
    ix.index(1, [("quake", 0.9), ("chile", 0.4)])
    ix.index(2, [("fed", 0.9)])
    ix.index(3, [("chile", 0.9)])
    assert ix.query(_query({"quake": 1.0, "chile": 1.0})) == [1, 3]


def test_a_removed_story_is_never_a_candidate():
    ix = CandidateIndex(candidates=3)
    ix.index(1, [("quake", 0.9)])
    ix.index(2, [("quake", 0.5)])
    ix.remove(1)
    assert ix.query(_query({"quake": 1.0})) == [2]
    assert len(ix) == 1


def test_idfs_are_exactly_idf_for_rare_and_common_keys_as_the_count_grows():
    from everyside.domain.clustering.story import SMALL_DF, DocFreq

    dfs = DocFreq()
    keys = ["rare", "mid", "common", "unseen"]
    for i in range(3 * SMALL_DF):
        dfs.add({"common"} | ({"mid"} if i % 4 == 0 else set()) | ({"rare"} if i == 5 else set()))
        # the same floats as the one-key formula, before and after the table is rebuilt
        assert dfs.idfs(keys) == [dfs.idf(k) for k in keys]
    assert dfs.df["common"] >= SMALL_DF > dfs.df["mid"]

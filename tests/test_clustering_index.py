"""Candidate retrieval: the member index (signatures, postings, the dense ring)."""

from __future__ import annotations

import numpy as np
import pytest

from everyside.domain.clustering.index import MemberIndex, signature


def test_signature_keeps_the_heaviest_terms_at_unit_length():
    sig = signature({"a": 3.0, "b": 4.0, "c": 0.1}, 2)
    assert set(sig) == {"a", "b"}
    assert sum(v * v for v in sig.values()) == pytest.approx(1.0)
    assert signature({"x": 2.0}, 4, "@") == {"@x": 1.0}
    assert signature({}, 4) == {}


def test_the_query_score_is_the_cosine_of_two_signatures():
    ix = MemberIndex()
    a = signature({"quake": 0.9, "chile": 0.4, "valdivia": 0.7}, 24)
    b = signature({"quake": 0.5, "chile": 0.9}, 24)
    ix.add("m1", a, {}, None)
    ix.add("m2", signature({"fed": 1.0}, 24), {}, None)
    text, ents = ix.query(b, {})
    expected = sum(a[k] * b[k] for k in b if k in a)
    assert text == {"m1": pytest.approx(expected)} and ents == {}


def test_a_removed_member_is_never_found_and_its_slot_is_reused():
    ix = MemberIndex()
    ix.add(1, {"quake": 1.0}, {"@chile": 1.0}, None)
    ix.add(2, {"quake": 1.0}, {}, None)
    ix.remove(1)
    assert ix.query({"quake": 1.0}, {"@chile": 1.0}) == ({2: pytest.approx(1.0)}, {})
    assert len(ix) == 1 and "@chile" not in ix.postings
    ix.add(3, {"fed": 1.0}, {}, None)
    assert ix.query({"quake": 1.0}, {}) == ({2: pytest.approx(1.0)}, {})


def test_only_the_most_recent_members_of_a_key_are_read():
    ix = MemberIndex(scan=4)
    for k in range(20):
        ix.add(k, {"common": 1.0}, {}, None)
    found, _ = ix.query({"common": 1.0}, {})
    assert set(found) == {16, 17, 18, 19}
    assert len(ix.postings["common"][0]) <= 8  # never more than twice what is read


def test_the_dense_ring_finds_the_nearest_recent_embeddings():
    rng = np.random.default_rng(1)
    vecs = rng.normal(size=(30, 16)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    ix = MemberIndex(ring=8, dense_k=2)
    for k, v in enumerate(vecs):
        ix.add(k, {f"t{k}": 1.0}, {}, v)
    near = dict(ix.nearest(vecs[25]))
    assert 25 in near and near[25] == pytest.approx(1.0, abs=1e-5)
    assert all(k >= 22 for k in near)  # only the last 8 are in the ring
    assert 5 not in dict(ix.nearest(vecs[5]))
    ix.remove(25)
    assert 25 not in dict(ix.nearest(vecs[25]))


def test_idfs_are_exactly_idf_for_rare_and_common_keys_as_the_count_grows():
    from everyside.domain.clustering.story import SMALL_DF, DocFreq

    dfs = DocFreq()
    keys = ["rare", "mid", "common", "unseen"]
    for i in range(3 * SMALL_DF):
        dfs.add({"common"} | ({"mid"} if i % 4 == 0 else set()) | ({"rare"} if i == 5 else set()))
        # the same floats as the one-key formula, before and after the table is rebuilt
        assert dfs.idfs(keys) == [dfs.idf(k) for k in keys]
    assert dfs.df["common"] >= SMALL_DF > dfs.df["mid"]


def _reference_evidence(engine, vecs, exclude=None):
    """The evidence as the first version of the second design computed it: dicts keyed by
    member, summed and ranked in Python (ties keep the dicts' order)."""
    from everyside.domain.clustering.decision import MemberEvidence, dense_scale
    from everyside.domain.clustering.engine import MEMBER_PROBES

    text, ents = engine.index.query(vecs.text_sig, vecs.ent_sig)
    dense = dict(engine.index.nearest(vecs.dense))
    combined = dict(text)
    for m, v in ents.items():
        combined[m] = combined.get(m, 0.0) + 0.5 * v
    for m, v in dense.items():
        combined[m] = combined.get(m, 0.0) + dense_scale(v)
    ranked = sorted(combined, key=combined.__getitem__, reverse=True)[:MEMBER_PROBES]
    out = {}
    for m in ranked:
        sid = engine.story_of.get(m)
        if sid is None or sid == exclude:
            continue
        ev = out.get(sid)
        if ev is None:
            if len(out) >= engine.params.candidates:
                continue
            ev = out[sid] = MemberEvidence()
        d = dense.get(m)
        if d is None and vecs.dense is not None:
            mem = engine.members.get(m)
            if mem is not None and mem.dense is not None:
                d = float(mem.dense @ vecs.dense)
        ev.update(text.get(m, 0.0), dense_scale(d) if d is not None else 0.0, ents.get(m, 0.0))
    return out


def test_the_vectorised_evidence_equals_the_plain_dict_computation():
    """`StoryEngine.evidence` gathers member matches with numpy; it must find the same stories
    with the same best matches, in the same order, as summing and ranking dicts in Python,
    including ties between equal scores (exact repeats) and short walks (summed in a dict)."""
    import zlib
    from datetime import UTC, datetime, timedelta

    from everyside.domain.clustering import EngineParams, NewsItem, StoryEngine
    from everyside.domain.clustering.repair import repair

    def embed(text: str) -> np.ndarray:  # a deterministic bag of word vectors
        v = np.zeros(16, dtype=np.float32)
        for w in text.lower().split():
            v += np.random.default_rng(zlib.crc32(w.encode())).normal(size=16).astype(np.float32)
        n = float(np.linalg.norm(v))
        return v / n if n else v

    rng = np.random.default_rng(5)
    vocab = [f"word{k}" for k in range(300)]
    names = [f"Name{k}" for k in range(60)]
    events = [
        (rng.choice(vocab, 12, replace=False), rng.choice(names, 3, replace=False))
        for _ in range(40)
    ]
    # a short window: members are evicted and their slots reused (slot order != arrival order)
    params = EngineParams(scan=8, ring=64, dense_k=6, window_days=0.05)
    engine = StoryEngine(params, embedder=embed)
    checked = 0
    plain = engine.evidence

    def evidence(vecs, exclude=None):
        nonlocal checked
        got = plain(vecs, exclude)
        assert list(got.items()) == list(_reference_evidence(engine, vecs, exclude).items())
        checked += 1
        return got

    engine.evidence = evidence
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    last = None
    for k in range(500):
        words, who = events[int(rng.integers(len(events)))]
        if last is not None and rng.random() < 0.1:
            title, text = last  # an exact repeat: equal scores for two members
        else:
            title = " ".join(rng.choice(words, 4))
            extra = [*rng.choice(vocab, 3), f"{who[0]} and {who[1]}"]
            text = " ".join([*rng.choice(words, 8), *extra])
        last = (title, text)
        engine.add(NewsItem(k, title=title, text=text, published_at=t0 + timedelta(minutes=k)))
        if k % 50 == 49:
            repair(engine)
    assert checked > 500


def test_a_story_extended_at_once_equals_one_added_member_by_member():
    """`Story.extend` (rebuilds and merges) sums in place and takes the embedding norm once:
    the same story as `add` member by member, drops past the cap included, and the first
    member's embedding is not changed by the sums that start from it."""
    from collections import Counter

    from everyside.domain.clustering.story import MEMBER_CAP, Member, Story
    from everyside.domain.clustering.text import Features

    rng = np.random.default_rng(3)

    def member(k: int) -> Member:
        v = rng.normal(size=8).astype(np.float32)
        f = Features(Counter({f"t{k % 7}": 1}), Counter({f"b{k % 5}": 2}), Counter({"@x": 1}))
        f.has_body = True
        return Member(k, f"head {k}", f"d{k % 3}.com", None, f, dense=v / np.linalg.norm(v))

    members = [member(k) for k in range(MEMBER_CAP + 25)]
    first = members[0].dense.copy()
    one, many = Story(1), Story(1)
    dropped_one = [d for m in members if (d := one.add(m, "en")) is not None]
    dropped_many = many.extend(members, "en")
    assert [d.id for d in dropped_many] == [d.id for d in dropped_one] and len(dropped_one) == 25
    assert [m.id for m in many.members] == [m.id for m in one.members]
    assert np.array_equal(many.dense_sum, one.dense_sum) and many.dense_norm == one.dense_norm
    assert many.text_sum == one.text_sum and many.n == one.n and many.domains == one.domains
    assert np.array_equal(members[0].dense, first)

"""Unit tests of the pure summariser: sentences, trimming, support check, selection, headline,
abstractive merge and the regeneration decision. Table-driven where the logic is."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from everyside.domain.summarize import (
    SourceArticle,
    SummaryParams,
    build_messages,
    check_support,
    is_eligible,
    merge_abstractive,
    regeneration_reason,
    summarize_story,
)
from everyside.domain.summarize.graph import lead_baseline, lexrank_baseline
from everyside.domain.summarize.headline import clean_title, loaded_penalty
from everyside.domain.summarize.select import token_overlap
from everyside.domain.summarize.text import split_sentences
from everyside.domain.summarize.trim import trim_sentence

NOW = datetime(2026, 1, 2, 12, 0, tzinfo=UTC)


def _article(i, outlet, side, text, title, factuality=3.0, hour=0):
    return SourceArticle(
        id=i,
        title=title,
        text=text,
        outlet=outlet,
        side=side,
        factuality=factuality,
        published_at=datetime(2026, 1, 1, hour, tzinfo=UTC),
    )


SENATE = [
    _article(
        1,
        "left.example",
        "left",
        "The Senate passed the $1.2 trillion infrastructure bill on Tuesday by a vote of "
        "69 to 30. Nineteen Republicans joined Democrats to support the measure, which now "
        "goes to the House. Progressive groups said the bill does not go far enough on "
        "climate change and promised to push for more.",
        "Senate passes $1.2 trillion infrastructure bill",
        hour=3,
    ),
    _article(
        2,
        "center.example",
        "center",
        "The Senate on Tuesday approved a $1.2 trillion infrastructure bill in a 69 to 30 "
        "vote. The bill includes $550 billion in new spending on roads, bridges, broadband "
        "and water systems. House Speaker Nancy Pelosi said the House would take it up "
        "after a larger budget bill passes.",
        "Senate approves infrastructure bill in bipartisan vote",
        factuality=4.0,
        hour=2,
    ),
    _article(
        3,
        "right.example",
        "right",
        "Nineteen Senate Republicans voted with Democrats to pass the $1.2 trillion "
        "infrastructure bill on Tuesday. Critics warned the package will add $256 billion "
        "to the federal deficit over ten years, according to the Congressional Budget "
        "Office.",
        "Senate Republicans SLAM Biden's spending spree!",
        hour=4,
    ),
    _article(
        4,
        "lowfact.example",
        "right",
        "Secret documents obtained by insiders show the infrastructure bill quietly funds "
        "a global surveillance program run by the United Nations.",
        "What they are not telling you about the bill",
        factuality=0.5,
        hour=1,
    ),
]


# -- sentences --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, expected",
    [
        ("One sentence here. Another one follows.", ["One sentence here.", "Another one follows."]),
        ("Mr. Smith went to Washington. He left.", ["Mr. Smith went to Washington.", "He left."]),
        (
            "John F. Kerry met U.S. officials. Talks ended.",
            ["John F. Kerry met U.S. officials.", "Talks ended."],
        ),
        ("Prices rose 3.5 percent. Markets fell.", ["Prices rose 3.5 percent.", "Markets fell."]),
        ("First paragraph\n\nSecond paragraph.", ["First paragraph", "Second paragraph."]),
        ('"We will win," she said. Then she left!', ['"We will win," she said.', "Then she left!"]),
        ("", []),
        (
            "“We remember. We affirm the history,” Biden added. Then he left.",
            ["“We remember. We affirm the history,” Biden added.", "Then he left."],
        ),
    ],
)
def test_split_sentences(text, expected):
    spans = split_sentences(text)
    assert [s.text for s in spans] == expected
    assert all(text[s.start : s.end] == s.text for s in spans)


def test_half_quotations_are_not_candidates():
    from everyside.domain.summarize.model import candidates

    half = "It is the unspoken formula,” reports a columnist in a long piece today."
    whole = "The vote passed on Monday in the city council."
    articles = [SourceArticle(1, "t", half, "o.example"), SourceArticle(2, "t", whole, "p.example")]
    assert [c.text for c in candidates(articles)] == [whole]


def test_an_article_with_no_usable_sentence_offers_its_headline():
    from everyside.domain.summarize.model import candidates

    teaser = SourceArticle(1, "Council approves the new transit budget", "It was...", "o.example")
    got = candidates([teaser])
    assert [(c.text, c.field, c.start, c.end) for c in got] == [
        ("Council approves the new transit budget", "title", 0, 39)
    ]


# -- trimming ---------------------------------------------------------------------------------
LONG_WHICH = (
    "The city council approved the new transit budget for the coming fiscal year on "
    "Monday night, which includes money for two new bus lines, longer service hours "
    "on weekends and a pilot program for free fares for students under eighteen."
)
LONG_SAID = (
    "The city council approved the new transit budget for the coming fiscal year on "
    "Monday night; the mayor said it was the largest investment in buses in the "
    "history of the city and would be followed by more spending in coming years."
)
LONG_NO_CUT = (
    "The committee voted to approve the sweeping proposal that would expand "
    "eligibility for the program to millions of additional families across the "
    "country by lowering the income threshold and raising the benefit amount."
)


@pytest.mark.parametrize(
    "sentence, expected, trimmed",
    [
        ("Short sentences stay as they are.", "Short sentences stay as they are.", False),
        (
            LONG_WHICH,
            "The city council approved the new transit budget for the coming fiscal "
            "year on Monday night.",
            True,
        ),
        (LONG_SAID, LONG_SAID, False),  # never drop an attribution
        (LONG_NO_CUT, LONG_NO_CUT, False),  # no clause boundary: keep whole
    ],
)
def test_trim_sentence(sentence, expected, trimmed):
    result = trim_sentence(sentence, max_words=20)
    assert (result.text, result.trimmed) == (expected, trimmed)
    assert sentence.startswith(result.text.rstrip("."))


def test_trim_never_ends_on_negation():
    s = (
        "Officials said nothing would change and the plant will not reopen; workers, many of "
        "whom had waited for months, were told to look for other jobs in the region soon."
    )
    result = trim_sentence(s, max_words=14)
    assert not result.text.rstrip(".").endswith("not")


# -- support check ----------------------------------------------------------------------------
SOURCE = (
    "The Senate passed the $1.2 trillion infrastructure bill on Tuesday by a vote of "
    "69 to 30, sending it to the House."
)


@pytest.mark.parametrize(
    "claim, ok, reason",
    [
        (SOURCE, True, ""),
        ("The Senate passed the $1.2 trillion infrastructure bill on Tuesday.", True, ""),
        ("The Senate passed the infrastructure bill by a vote of 69 to 30.", True, ""),
        ("The Senate passed the $2.5 trillion infrastructure bill on Tuesday.", False, "numbers"),
        ("The Senate passed the infrastructure bill by a vote of 70 to 30.", False, "numbers"),
        ("The Senate passed the infrastructure bill on Tuesday, Pelosi said.", False, "names"),
        (
            "The Senate did not pass the $1.2 trillion infrastructure bill on Tuesday.",
            False,
            "negation",
        ),
        (
            "The Senate passed the infrastructure bill despite fierce protests from farmers "
            "worried about rural water rights and crop prices.",
            False,
            "entailment",
        ),
        ("Three senators passed the bill.", False, "numbers"),
    ],
)
def test_check_support(claim, ok, reason):
    result = check_support(claim, [SOURCE])
    assert result.ok is ok, result.reasons
    if reason:
        assert any(reason in r for r in result.reasons)


def test_check_support_without_sources_fails():
    assert not check_support("Anything at all here.", []).ok


def test_negated_source_needs_negated_claim():
    source = "The court did not rule on the merits of the case on Friday."
    assert check_support("The court did not rule on the merits of the case.", [source]).ok
    assert not check_support("The court ruled on the merits of the case on Friday.", [source]).ok


# -- the extractive summary -------------------------------------------------------------------
def test_summary_shape_and_citations():
    doc = summarize_story(SENATE, NOW)
    assert doc["mode"] == "extractive"
    assert 3 <= len(doc["bullets"]) <= 5
    by_id = {a.id: a for a in SENATE}
    for bullet in [*doc["bullets"], *(b for bs in doc["sides"].values() for b in bs)]:
        source = bullet["citations"][0]
        assert source["role"] == "source"
        assert (
            by_id[source["article_id"]].text[source["start"] : source["end"]]
            == (source["sentence"])
        )
        assert source["sentence"].startswith(bullet["text"].rstrip("."))
        assert check_support(bullet["text"], [source["sentence"]]).ok
    assert doc["generated_at"] == NOW.isoformat()
    assert doc["basis"] == {"article_count": 4, "sides": ["left", "center", "right"]}


def test_corroborated_fact_leads_and_low_factuality_is_left_out():
    doc = summarize_story(SENATE, NOW)
    first = doc["bullets"][0]
    assert "1.2 trillion" in first["text"]
    outlets = {c["outlet"] for c in first["citations"]}
    assert len(outlets) >= 2  # corroborated by another outlet
    every = [b for b in doc["bullets"]] + [b for bs in doc["sides"].values() for b in bs]
    assert all("surveillance" not in b["text"] for b in every)


def test_low_factuality_used_when_nothing_else_exists():
    only = [
        SENATE[3],
        _article(
            5,
            "low2.example",
            None,
            "A completely different claim about "
            "weather balloons appeared on several obscure blogs today.",
            "Balloons",
            factuality=0.0,
        ),
    ]
    doc = summarize_story(only, NOW)
    assert doc["bullets"], "with nothing else, low-factuality sentences are still used"


def test_sides_are_contrastive_and_cited():
    doc = summarize_story(SENATE, NOW)
    assert set(doc["sides"]) == {"left", "center", "right"}
    for side, bullets in doc["sides"].items():
        assert bullets
        assert len({b["text"] for b in bullets}) == len(bullets)
        for b in bullets:
            assert b["citations"][0]["side"] == side
    # what only the right reported; not the vote count every side reported
    assert [b["text"] for b in doc["sides"]["right"]] == [
        "Critics warned the package will add $256 billion to the federal deficit over ten "
        "years, according to the Congressional Budget Office."
    ]
    assert all("69 to 30" not in b["text"] for bs in doc["sides"].values() for b in bs)


def test_no_sides_with_a_single_side():
    one_side = [
        SourceArticle(a.id, a.title, a.text, a.outlet, "left", a.factuality, a.published_at)
        for a in SENATE[:3]
    ]
    assert summarize_story(one_side, NOW)["sides"] == {}


def test_headlines():
    doc = summarize_story(SENATE, NOW)
    assert doc["headline"]["neutral"] in {
        "Senate passes $1.2 trillion infrastructure bill",
        "Senate approves infrastructure bill in bipartisan vote",
    }
    assert doc["headline"]["earliest"]["article_id"] == 4
    assert doc["headline"]["earliest"]["title"] == SENATE[3].title


@pytest.mark.parametrize(
    "title, clean",
    [
        ("Opinion: The bill is a mistake", "The bill is a mistake"),
        (
            "Senate passes the infrastructure bill - Fox News",
            "Senate passes the infrastructure bill",
        ),
        ("Senate passes the bill | CNN Politics", "Senate passes the bill"),
        ("Short - Title", "Short - Title"),
    ],
)
def test_clean_title(title, clean):
    assert clean_title(title) == clean


def test_loaded_titles_are_penalised():
    assert loaded_penalty("Senate passes infrastructure bill") == 0.0
    assert loaded_penalty("Republicans SLAM Biden's spending SPREE!") > 0.4
    assert loaded_penalty("Is this the end of democracy?") > 0.2


def test_bullet_count_grows_with_outlets():
    many = [
        _article(i, f"o{i}.example", None, SENATE[i % 3].text, SENATE[i % 3].title)
        for i in range(20)
    ]
    n = len(summarize_story(many, NOW)["bullets"])
    assert 3 <= n <= 5


def test_strict_mode_prefers_corroborated_sentences():
    doc = summarize_story(SENATE, NOW, SummaryParams(strict=True))
    for b in doc["bullets"]:
        assert any(c["role"] == "corroboration" for c in b["citations"]) or len(doc["bullets"]) < 3


def test_headline_only_articles():
    titles = [
        SourceArticle(i, t, None, f"o{i}.example")
        for i, t in enumerate(
            [
                "Apple unveils new iPhone with larger screen at event",
                "Apple shows off larger iPhone at its September event",
                "New iPhone has a larger screen, Apple says at launch",
            ]
        )
    ]
    doc = summarize_story(titles, NOW)
    assert doc["bullets"]
    assert all(b["citations"][0]["field"] == "title" for b in doc["bullets"])


@pytest.mark.parametrize(
    "articles, members, eligible",
    [  # every story of two articles or more gets a summary (issue 18)
        (SENATE, None, True),
        (SENATE[:2], None, True),
        (SENATE[:1], None, False),
        (SENATE[:1], 12, True),  # one original and eleven wire copies of it
        ([SourceArticle(i, "t", "x", "same.example") for i in range(5)], None, True),
        ([], 5, False),  # nothing to summarise from
    ],
)
def test_is_eligible(articles, members, eligible):
    assert is_eligible(articles, members) is eligible


def test_no_two_bullets_repeat_each_other():
    """A repeated sentence (a placeholder excerpt, one wire sentence in two outlets' words)
    never fills in for a missing bullet."""
    same = "Excerpt unavailable from publisher metadata."
    arts = [SourceArticle(i, "", same, f"outlet{i}.example") for i in range(4)]
    arts.append(
        SourceArticle(
            9,
            "",
            "The city council approved the new transit budget on Monday after a long debate. "
            "The council also approved new bus lines for the northern suburbs.",
            "other.example",
        )
    )
    doc = summarize_story(arts, NOW)
    texts = [b["text"] for b in doc["bullets"]]
    assert texts.count(same) <= 1
    for i, a in enumerate(texts):
        for b in texts[:i]:
            assert token_overlap(a, b) <= SummaryParams().max_bullet_overlap, (a, b)


@pytest.mark.parametrize(
    "stored, count, sides, mode, expected",
    [
        (None, 3, [], "extractive", "no summary yet"),
        ({"article_count": 10, "basis": {"sides": ["left"]}}, 11, ["left"], "extractive", None),
        ({"article_count": 3, "basis": {"sides": ["left"]}}, 4, ["left"], "extractive", None),
        ({"article_count": 3, "basis": {"sides": ["left"]}}, 5, ["left"], "extractive", "grew"),
        ({"article_count": 10, "basis": {"sides": ["left"]}}, 13, ["left"], "extractive", "grew"),
        (
            {"article_count": 10, "basis": {"sides": ["left"]}},
            10,
            ["left", "right"],
            "extractive",
            "new side",
        ),
        (
            {"article_count": 10, "basis": {"sides": [], "requested_mode": "extractive"}},
            10,
            [],
            "abstractive",
            "mode",
        ),
    ],
)
def test_regeneration_reason(stored, count, sides, mode, expected):
    reason = regeneration_reason(stored, count, sides, mode)
    assert (reason is None) if expected is None else (expected in reason)


# -- abstractive merge ------------------------------------------------------------------------
def test_abstractive_merge_accepts_faithful_and_rejects_hallucinations():
    doc = summarize_story(SENATE, NOW)
    messages = build_messages(doc)
    assert messages[0]["role"] == "system" and "Fact 1." in messages[1]["content"]
    src = [b["citations"][0]["sentence"] for b in doc["bullets"]]
    reply = "\n".join(
        [
            f"1. {src[0]}",
            "2. The Senate rejected the bill after Vladimir Putin intervened, killing 500 people.",
            "9. An extra fact the model made up about Paris.",
        ]
    )
    out = merge_abstractive(doc, reply, "fake-model")
    assert out["mode"] == "abstractive+extractive"
    assert out["bullets"][0].get("generated") is True
    assert out["bullets"][1]["text"] == doc["bullets"][1]["text"]  # extractive kept
    texts = " ".join(b["text"] for b in out["bullets"])
    assert "Putin" not in texts and "Paris" not in texts and "500" not in texts
    assert len(out["abstractive"]["rejected"]) == 2
    assert doc["mode"] == "extractive"  # the input document is not modified


def test_abstractive_merge_all_rejected_is_extractive():
    doc = summarize_story(SENATE, NOW)
    out = merge_abstractive(doc, "I cannot help with that.", "m")
    assert out["mode"] == "extractive" and out["bullets"] == doc["bullets"]


# -- baselines --------------------------------------------------------------------------------
def test_baselines():
    docs = [["a1", "a2", "a3"], ["b1"], ["c1", "c2"]]
    assert lead_baseline(docs, 4) == [(0, 0), (1, 0), (2, 0), (0, 1)]
    sentences = [
        "The senate passed the bill.",
        "The senate passed the bill today.",
        "Weather was sunny in the capital.",
        "The bill passed the senate.",
    ]
    picked = lexrank_baseline(sentences, 2)
    assert len(picked) == 2 and len(set(picked)) == 2


def test_reasoning_is_ignored_when_parsing():
    from everyside.domain.summarize.abstractive import parse_lines

    reply = "<think>\n1. Let me think about Paris.\n</think>\n1. The vote passed.\n2) Next one."
    assert parse_lines(reply) == {1: "The vote passed.", 2: "Next one."}


def test_redundant_stories_get_no_repeated_bullets():
    same = "The Senate passed the infrastructure bill on Tuesday by a vote of 69 to 30."
    articles = [
        SourceArticle(1, "Senate passes bill", same, "a.example"),
        SourceArticle(
            2, "Senate passes bill", same.replace("Tuesday", "Tuesday night"), "b.example"
        ),
        SourceArticle(
            3, "Senate passes bill", "Senators passed the bill by 69 to 30 on Tuesday.", "c.example"
        ),
    ]
    doc = summarize_story(articles, NOW)
    # three wordings of one sentence: one bullet, not the same fact three times (issue 18)
    texts = [b["text"] for b in doc["bullets"]]
    assert 1 <= len(texts) < 3, texts
    assert all(b["citations"][0]["role"] == "source" for b in doc["bullets"])

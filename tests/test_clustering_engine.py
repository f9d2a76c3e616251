"""The online story engine: behaviour on small hand-made streams and on bad input."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from everyside.domain.clustering import EngineParams, NewsItem
from everyside.domain.clustering import StoryEngine as _StoryEngine
from everyside.domain.clustering.clock import StreamClock
from everyside.domain.clustering.decision import DENSE_RIVAL
from everyside.domain.clustering.decision import channels as channels_of
from everyside.domain.clustering.metrics import score
from everyside.domain.clustering.repair import MergedAway, _absorb, repair
from everyside.domain.clustering.text import (
    display_headline,
    entities,
    extract,
    headline_source,
    slug_headline,
    stem,
    terms,
)
from everyside.services.embeddings import load_embedder

T0 = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
_CHANNELS: dict[str, object] = {}


@pytest.fixture(autouse=True, params=["lexical", "dense"])
def channels(request):
    """Every behaviour holds for both engines: lexical channels only, and with the dense channel
    (the product's default)."""
    _CHANNELS["embedder"] = load_embedder() if request.param == "dense" else None
    yield request.param
    _CHANNELS.clear()


def StoryEngine(params=None, **kwargs):  # noqa: N802 - stands in for the class in these tests
    return _StoryEngine(params, embedder=_CHANNELS.get("embedder"), **kwargs)


QUAKE = [
    (
        "Earthquake of magnitude 7.1 strikes southern Chile near Valdivia",
        "A magnitude 7.1 earthquake struck southern Chile on Wednesday near Valdivia, officials "
        "said, cutting power to thousands of homes. Chile's emergency office ONEMI ordered "
        "evacuations along the coast.",
    ),
    (
        "Chile earthquake: 7.1 tremor hits Valdivia region, coast evacuated",
        "Chile's ONEMI emergency agency evacuated the coast after a 7.1 magnitude earthquake hit "
        "the Valdivia region. Power was cut to thousands of homes in southern Chile.",
    ),
    (
        "Strong quake shakes southern Chile; power out in Valdivia",
        "A strong 7.1 earthquake shook southern Chile near Valdivia. ONEMI said thousands of homes "
        "lost power and coastal towns were evacuated.",
    ),
]
FED = [
    (
        "Federal Reserve holds interest rates steady, Powell signals patience",
        "The Federal Reserve left its benchmark interest rate unchanged on Wednesday and Jerome "
        "Powell said the central bank would be patient before cutting rates as inflation cools.",
    ),
    (
        "Fed keeps rates unchanged as Powell says no rush to cut",
        "Jerome Powell said the Federal Reserve is in no rush to cut interest rates after it held "
        "its benchmark rate steady on Wednesday, citing sticky inflation.",
    ),
]


def _items(specs, start=T0, step=timedelta(minutes=30), prefix="a"):
    return [
        NewsItem(
            id=f"{prefix}{i}",
            title=ti,
            text=tx,
            published_at=start + i * step,
            domain=f"outlet{i}.com",
            lang="en",
        )
        for i, (ti, tx) in enumerate(specs)
    ]


def _run(items, engine=None):
    eng = engine or StoryEngine()
    return eng, [eng.add(it).story_id for it in items]


def test_same_event_joins_and_different_events_stay_apart():
    quake, fed = _items(QUAKE), _items(FED, start=T0 + timedelta(minutes=10), prefix="f")
    stream = sorted(quake + fed, key=lambda i: i.published_at)
    _, labels = _run(stream)
    by_id = dict(zip([i.id for i in stream], labels, strict=True))
    assert len({by_id[i.id] for i in quake}) == 1
    assert len({by_id[i.id] for i in fed}) == 1
    assert by_id["a0"] != by_id["f0"]


def test_story_view_headline_first_article_and_why():
    eng, labels = _run(_items(QUAKE))
    view = eng.view(labels[0])
    assert view.headline in {q[0] for q in QUAKE}
    assert view.first_article_id == "a0"
    assert view.article_count == 3 and view.outlet_count == 3
    why_words = {e["text"].lower() for e in view.why["entities"]}
    assert {"valdivia", "onemi"} <= why_words
    assert view.why["articles"] == 3
    assert "share" in view.why["summary"]


def test_headline_prefers_high_factuality_outlet_among_equals():
    items = [
        NewsItem(id=i, title="Chile earthquake hits Valdivia", text="", published_at=T0, domain=d)
        for i, d in enumerate(["low.com", "high.com"])
    ]
    eng = StoryEngine(outlet_factuality={"low.com": 0.0, "high.com": 4.0})
    sid = {eng.add(i).story_id for i in items}
    assert len(sid) == 1
    assert eng.view(sid.pop()).headline_article_id == 1


def test_result_does_not_depend_on_batching():
    stream = sorted(_items(QUAKE) + _items(FED, prefix="f"), key=lambda i: i.published_at)
    _, one_by_one = _run(stream)
    eng = StoryEngine()
    batched = [
        a.story_id for chunk in (stream[:2], stream[2:3], stream[3:]) for a in eng.add_many(chunk)
    ]
    assert one_by_one == batched


def test_syndicated_copy_joins_its_original():
    eng = StoryEngine()
    first = eng.add(_items(QUAKE)[0])
    copy = NewsItem(
        id="c",
        title="Completely different words here",
        text="nothing alike",
        published_at=T0 + timedelta(hours=1),
        copy_of="a0",
    )
    asg = eng.add(copy)
    assert asg.story_id == first.story_id and asg.reason == "copy"


@pytest.mark.parametrize(
    "title,text",
    [(None, None), ("", ""), ("   ", None), (None, "!!! ??? ..."), ("\u200b\u200b", "\x00\x01")],
)
def test_articles_without_content_open_their_own_story(title, text):
    eng, labels = _run(_items(QUAKE))
    asg = eng.add(NewsItem(id="x", title=title, text=text, published_at=T0))
    assert asg.new_story and asg.reason == "no_content"
    assert asg.story_id not in labels
    again = eng.add(NewsItem(id="y", title=title, text=text, published_at=T0))
    assert again.story_id != asg.story_id  # empty articles are never glued together


def test_title_only_and_text_only_articles_still_cluster():
    eng, labels = _run(_items(QUAKE))
    title_only = eng.add(NewsItem(id="t", title=QUAKE[0][0], published_at=T0))
    text_only = eng.add(NewsItem(id="b", text=QUAKE[1][1], published_at=T0))
    assert title_only.story_id == labels[0]
    assert text_only.story_id == labels[0]


def test_huge_text_is_capped_and_handled():
    big = QUAKE[0][1] + " " + ("lorem ipsum dolor sit amet " * 40_000)  # ~1 MB
    eng, labels = _run(_items(QUAKE))
    asg = eng.add(NewsItem(id="big", title=QUAKE[0][0], text=big, published_at=T0))
    assert asg.story_id == labels[0]
    assert sum(extract(NewsItem(id=1, text=big)).body.values()) < 1000


def test_other_language_never_joins_english_story():
    eng, labels = _run(_items(QUAKE))
    es = NewsItem(
        id="es",
        title="Terremoto de magnitud 7.1 sacude el sur de Chile, Valdivia",
        text="Un terremoto de magnitud 7.1 sacudió Valdivia, Chile. ONEMI evacuó.",
        published_at=T0,
        lang="es",
    )
    assert eng.add(es).story_id != labels[0]
    es2 = NewsItem(
        id="es2",
        title="Terremoto en Chile: sismo 7.1 en Valdivia, evacuación",
        text="ONEMI ordenó evacuar la costa tras el terremoto de 7.1 en Valdivia.",
        published_at=T0,
        lang="es-CL",
    )
    assert eng.add(es2).story_id != labels[0]


@pytest.mark.parametrize(
    "published,now,trusted",
    [
        (None, None, False),
        (datetime(1970, 1, 1, tzinfo=UTC), None, False),
        (T0, None, True),
        (T0 + timedelta(days=365), T0, False),  # next year, relative to now
        (T0 + timedelta(hours=2), T0, True),  # within the skew
        (datetime(2024, 5, 1, 8, 0), None, True),  # naive = UTC
    ],
)
def test_trusted_time(published, now, trusted):
    assert (StreamClock(24.0).trusted(published, now) is not None) is trusted


def test_future_date_relative_to_stream_is_ignored():
    clock = StreamClock(24.0)
    for k in range(10):
        clock.observe(T0 + timedelta(minutes=k))
    assert clock.trusted(T0 + timedelta(days=400), None) is None
    assert clock.trusted(T0 + timedelta(days=2), None) is not None


def test_one_outlier_date_never_changes_how_the_rest_are_read():
    """The real Feb 2026 stream starts with an article dated 13 months earlier: every later
    date must still count (a newest-date clock read them all as jumps into the future), and a
    single date a year ahead must not move the stream's present."""
    clock = StreamClock(24.0)
    old = T0 - timedelta(days=395)
    clock.observe(old)
    later = [T0 + timedelta(minutes=k) for k in range(40)]
    for t in later:
        assert clock.trusted(t, None) == t
        clock.observe(t)
    assert clock.trusted(T0 + timedelta(days=365), None) is None
    present = clock.time
    assert present is not None and abs(present - T0) < timedelta(hours=1)


def test_absurd_dates_do_not_move_the_clock_or_glue_stories():
    eng, labels = _run(_items(QUAKE))
    clock = eng.clock.time
    for i, when in enumerate([datetime(1970, 1, 1, tzinfo=UTC), T0 + timedelta(days=400)]):
        a = eng.add(NewsItem(id=f"odd{i}", title=FED[0][0], text=FED[0][1], published_at=when))
        assert a.story_id not in labels
    assert eng.clock.time == clock
    fed2 = eng.add(NewsItem(id="fed2", title=FED[1][0], text=FED[1][1], published_at=T0))
    assert fed2.story_id not in labels


def test_stories_older_than_the_window_are_evicted_by_stream_time():
    eng = StoryEngine(EngineParams(window_days=1.0))
    first = eng.add(_items(QUAKE)[0])
    later = NewsItem(
        id="late", title=QUAKE[1][0], text=QUAKE[1][1], published_at=T0 + timedelta(days=3)
    )
    asg = eng.add(later)
    assert asg.new_story and first.story_id not in eng.stories
    assert len(eng.index) == 1 and "a0" not in eng.story_of


def test_open_stories_are_capped_for_undated_streams():
    eng = StoryEngine(EngineParams(max_active_stories=5))
    for i in range(20):
        eng.add(NewsItem(id=i, title=f"Subject{i} number{i} word{i} thing{i}"))
    assert len(eng.stories) <= 5 and len(eng.index) <= 5


def test_repair_merges_duplicate_stories_and_reports_it():
    eng = StoryEngine()
    a = eng.add(_items(QUAKE)[0])
    # force a split state: open a second story for the same event by hand
    b_item = _items(QUAKE)[1]
    head, boiler, f = eng._features(b_item)
    eng._open(b_item, f, b_item.published_at, eng._vecs(f, head, boiler, b_item))
    assert len(eng.stories) == 2
    result = repair(eng)
    assert len(eng.stories) == 1
    assert result.merges and result.merges[0][1] == a.story_id
    assert eng.story_of["a1"] == a.story_id


def test_repair_splits_a_story_made_of_two_unrelated_groups():
    eng = StoryEngine(EngineParams(split_min_part=2))
    quake, fed = _items(QUAKE), _items(FED, prefix="f")
    sid = eng.add(quake[0]).story_id
    for it in quake[1:] + fed:  # glue by hand
        head, boiler, f = eng._features(it)
        eng._update(eng.stories[sid], it, f, it.published_at, eng._vecs(f, head, boiler, it))
    result = repair(eng)
    assert len(result.splits) == 1
    old, new, moved = result.splits[0]
    assert old == sid and set(moved) == {"f0", "f1"}
    assert eng.story_of["f0"] == new and eng.story_of["a0"] == sid


def test_a_split_that_undoes_a_merge_gives_the_story_its_id_back():
    eng = StoryEngine(EngineParams(split_min_part=2))
    quake = [eng.add(it).story_id for it in _items(QUAKE)]
    fed = [eng.add(it).story_id for it in _items(FED, prefix="f")]
    q, f = quake[0], fed[0]
    assert set(quake) == {q} and set(fed) == {f} and q != f
    _absorb(eng, eng.stories[q], eng.stories[f])  # a wrong merge, as the repair pass may make
    assert f not in eng.stories and eng.story_of["f0"] == q
    next_id = eng.next_id
    result = repair(eng)
    assert [(old, new) for old, new, _ in result.splits] == [(q, f)]
    assert result.revived == {f} and eng.next_id == next_id
    assert eng.story_of["f0"] == eng.story_of["f1"] == f and eng.story_of["a0"] == q
    assert len(eng.merged_away) == 0  # alive again: forgotten


def test_merged_away_revives_only_a_part_that_is_mostly_that_story():
    mem = MergedAway()
    mem.record(7, ["a", "b", "c", "d"])
    mem.record(9, ["a", "x", "y"])  # a member merged again later keeps its first story
    alive: dict[int, object] = {}
    assert mem.revive(["a", "n1"], alive) is None  # half the part, but not half of story 7
    assert mem.revive(["a", "b", "c", "n1", "n2", "n3", "n4"], alive) is None  # 3 of 7
    assert mem.revive(["b", "c", "d", "n1"], {7: object()}) is None  # 7 is alive
    assert mem.revive(["x", "y", "n1"], alive) == 9  # new reports joined it since: still 9
    assert mem.revive(["b", "c", "d", "n1"], alive) == 7
    assert len(mem) == 0


def test_merged_away_forgets_the_oldest_merges_first():
    mem = MergedAway(limit=5)
    mem.record(1, ["a", "b", "c"])
    mem.record(2, ["d", "e", "f"])  # 6 member ids held: story 1 is forgotten
    assert len(mem) == 1
    assert mem.revive(["a", "b", "c"], {}) is None
    assert mem.revive(["d", "e", "f"], {}) == 2


def test_repair_leaves_good_stories_alone():
    stream = sorted(_items(QUAKE) + _items(FED, prefix="f"), key=lambda i: i.published_at)
    eng, labels = _run(stream)
    result = repair(eng)
    assert not result.merges and not result.splits
    assert score(labels, [eng.story_of[i.id] for i in stream]).b3_f1 == 1.0


@pytest.mark.parametrize(
    "words",
    [
        ("tariffs", "tariff"),
        ("talks", "talk", "talked", "talking"),
        ("policies", "policy"),
        ("classes", "class"),
        ("raised", "raises", "raising", "raise"),
        ("rates", "rate", "rated"),
    ],
)
def test_inflections_share_a_stem(words):
    # the shared analyzer's Snowball stemmer (domain/text/analyzer.py)
    assert len({stem(w) for w in words}) == 1, {w: stem(w) for w in words}


@pytest.mark.parametrize(("a", "b"), [("bus", "busy"), ("virus", "viral"), ("2024", "2025")])
def test_different_words_keep_different_stems(a, b):
    assert stem(a) != stem(b)


def test_terms_and_entities():
    assert terms("The Fed said it will raise rates") == ["fed", "rais", "rate"]
    ents = entities("Officials said John Kerry met NATO leaders in Paris on 12 May.")
    assert {"john", "kerry", "nato", "paris", "12"} <= set(ents)
    assert "officials" not in ents


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("(Hello there Kerry", ["kerry"]),  # the first token starts the text, after "("
        ("He met Kerry. Later Paris", ["kerry", "paris"]),  # "Later" starts a sentence
        ('He said: "Kerry left"', []),  # after a colon and a quote
        ("met with Kerry, Paris", ["kerry", "paris"]),  # a comma does not end a sentence
        ("co-Chair and e.Kerry here", []),  # inside a longer token: not a token of its own
        ("the U.S. President Biden", ["u.s", "biden"]),  # "President" follows "U.S."
        ("NATO and the EU", ["nato", "eu"]),  # acronyms count even first
        ("in 2024 and ١٢ units", ["2024", "١٢"]),  # numbers, any script
        ("après Émile Zola", ["émile", "zola"]),  # non-ASCII capitals
    ],
)
def test_entity_rules_at_token_and_sentence_edges(text, expected):
    assert entities(text) == expected


def test_memory_follows_the_window_even_after_undated_articles_and_repairs():
    """A story without a stream time (undated article first; a split-off part) must not block
    the eviction of every story behind it: open stories stay bounded by the window."""
    eng = StoryEngine(EngineParams(window_days=1.0))
    eng.add(NewsItem(id="undated", title="Council approves harbour budget after long debate"))
    for day in range(30):
        for k in range(5):
            when = T0 + timedelta(days=day, hours=k)
            eng.add(
                NewsItem(
                    id=f"{day}-{k}",
                    title=f"Topic{day}x{k} unrelated event number {k}",
                    published_at=when,
                )
            )
        repair(eng)
    assert "undated" not in eng.story_of
    assert len(eng.stories) <= 15  # about one window (1 day = 5 stories) plus the current day


@pytest.mark.parametrize("dense", [False, True])
def test_shipped_models_are_monotone(dense):
    """More overlap never lowers a join's probability: every weight is >= 0
    (decision.SIGNS), so with no overlap at all (however close in time) no join happens."""
    from everyside.domain.clustering.decision import FEATURES, SIGNS, JoinModel

    for kind in ("join", "merge"):
        m = JoinModel.default(dense=dense, kind=kind)
        assert all(c * sign >= 0 for c, sign in zip(m.coef, SIGNS, strict=True))
        assert m.prob([0.0] * len(FEATURES)) < m.threshold


@pytest.mark.parametrize("gap_hours", [0.5, 6, 30])
def test_the_same_report_hours_later_joins_its_story(gap_hours):
    """A later report of the same event joins however busy the stream and however far apart
    within the window: time only ever scales similarity, it never refuses a strong match."""
    first, second = _items(QUAKE[:2], step=timedelta(hours=gap_hours))
    eng = StoryEngine()
    # a busy stream: 300 unrelated one-line reports in the hours between
    filler = [
        NewsItem(
            id=f"n{i}",
            title=f"Local council {i} approves budget for road number {i}",
            published_at=T0 + timedelta(hours=gap_hours) * i / 300,
            lang="en",
        )
        for i in range(300)
    ]
    sid = eng.add(first).story_id
    for it in filler:
        eng.add(it)
    assert eng.add(second).story_id == sid


def test_the_vocabulary_table_is_bounded_and_keeps_the_words_of_open_stories():
    """Document frequencies would otherwise grow with every word a stream ever showed: past
    `max_vocabulary` keys the rarest keys of no open story are forgotten."""
    eng = StoryEngine(EngineParams(max_vocabulary=400, window_days=1.0))
    sizes = []
    for k in range(600):
        eng.add(
            NewsItem(
                id=k,
                title=f"Harbour council votes on budget plan uniq{k}a uniq{k}b",
                text=f"The council of Port{k} debated the plan. Mayor Name{k} spoke.",
                published_at=T0 + timedelta(hours=k),
            )
        )
        sizes.append(len(eng.dfs.df))
    assert max(sizes) <= 400 + 20  # at most one article's keys above the cap
    assert min(sizes[300:]) < 400  # it was pruned, more than once
    open_keys = set(eng.index.postings)
    assert open_keys <= set(eng.dfs.df)  # words of open stories keep their counts
    assert eng.dfs.df["harbour"] == 600  # frequent words are never forgotten


PLACEHOLDER = "Excerpt unavailable from publisher metadata."
TEASER = "Subscribe to read the full story."


def test_a_placeholder_text_under_unrelated_articles_never_glues_them():
    """Real feeds fill missing excerpts with one placeholder; it stands under articles of many
    unrelated stories and must not join them (233 rows of the real Feb 2026 stream)."""
    heads = [
        ("quake-kills-dozens-in-southern-chile", "chile.example"),
        ("fed-holds-interest-rates-steady-again", "fed.example"),
        ("storm-floods-coastal-towns-in-norway", "norway.example"),
        ("election-results-delayed-in-kenya-county", "kenya.example"),
    ]
    eng = StoryEngine()
    got = [
        eng.add(
            NewsItem(
                id=k,
                text=PLACEHOLDER,
                url=f"https://{d}/news/2026/02/09/{slug}",
                domain=d,
                published_at=T0 + timedelta(minutes=k),
            )
        ).story_id
        for k, (slug, d) in enumerate(heads)
    ]
    assert len(set(got)) == len(heads)
    # the store marks such texts as near-duplicates (copy_of the first one): still apart
    eng2 = StoryEngine()
    got2 = [
        eng2.add(
            NewsItem(
                id=k,
                text=PLACEHOLDER,
                url=f"https://{d}/news/2026/02/09/{slug}",
                domain=d,
                published_at=T0 + timedelta(minutes=k),
                copy_of=0 if k else None,
            )
        ).story_id
        for k, (slug, d) in enumerate(heads)
    ]
    assert len(set(got2)) == len(heads)
    # and the headline shown is the slug, not the placeholder
    view = eng.view(got[1])
    assert view.headline == "Fed holds interest rates steady again"


def test_the_first_reports_under_a_placeholder_are_read_again_once_it_is_known():
    """The first article under a placeholder is read before anything shows the text to be one:
    with the placeholder as its text (its words; a slug word no earlier report used is left
    out) and as its headline. Once an unrelated article under the same text shows it is
    boilerplate, the repair pass reads the first one again without it: it joins the story its
    slug tells (a merge), or keeps its story with the slug as its headline."""
    eng = StoryEngine()
    fed_url = "https://fedwatch.example/2024/05/01/fed-holds-interest-rates-steady-powell-patience"
    p0 = eng.add(
        NewsItem(id="p0", text=PLACEHOLDER, url=fed_url, domain="fedwatch.example", published_at=T0)
    ).story_id
    q0 = eng.add(
        NewsItem(
            id="q0",
            text=TEASER,
            url="https://norway.example/news/storm-floods-coastal-towns-in-norway",
            domain="norway.example",
            published_at=T0 + timedelta(minutes=1),
        )
    ).story_id
    assert eng.view(p0).headline == PLACEHOLDER
    fed = [eng.add(it).story_id for it in _items(FED, start=T0 + timedelta(minutes=5), prefix="f")]
    assert len(set(fed)) == 1 and p0 not in fed
    # unrelated articles under the same texts, from other outlets: both are boilerplate now
    for k, text in enumerate((PLACEHOLDER, TEASER)):
        eng.add(
            NewsItem(
                id=f"x{k}",
                text=text,
                url=f"https://other{k}.example/article/{1234567 + k}",
                domain=f"other{k}.example",
                published_at=T0 + timedelta(minutes=90 + k),
            )
        )
    result = repair(eng)
    assert (p0, fed[0]) in result.merges
    assert eng.story_of["p0"] == fed[0]
    assert q0 in result.reread and eng.story_of["q0"] == q0
    assert eng.view(q0).headline == "Storm floods coastal towns in norway"
    heads = [eng.view(sid).headline for sid in eng.stories]
    assert not [h for h in heads if h in (PLACEHOLDER, TEASER)]
    # read once: a later repair pass has nothing left to read again
    assert not repair(eng).reread


def test_boilerplate_reveals_the_earlier_carriers_once_and_never_for_a_wire_copy():
    from everyside.domain.clustering.boiler import BoilerplateFilter

    bf = BoilerplateFilter()
    assert not bf.check(PLACEHOLDER, "a.example", {"quake", "chile"}, ref="a1")
    assert not bf.check(PLACEHOLDER, "a.example", {"fed", "rate"}, ref="a2")  # same outlet
    assert bf.take_revealed() == []
    assert bf.check(PLACEHOLDER, "b.example", {"storm", "norway"}, ref="b1")
    assert bf.take_revealed() == ["a1", "a2"]
    assert bf.check(PLACEHOLDER, "c.example", {"kenya"}, ref="c1")  # known: nothing to reveal
    assert bf.take_revealed() == []
    # a wire text: every outlet's headline shares its names, so it is never found out
    wire = "WASHINGTON (AP) - The IRS shared taxpayer data of thousands of immigrants."
    for k in range(6):
        assert not bf.check(wire, f"p{k}.example", {"irs", "taxpay", "data", str(k)}, ref=k)
    assert bf.take_revealed() == []


def test_a_wire_copy_under_several_outlets_still_joins_one_story():
    """The same text under many outlets with the same headline words is a wire story, not a
    placeholder: it keeps its text and its copies join one story."""
    wire = (
        "By A REPORTER, Associated Press WASHINGTON (AP) — The IRS erroneously shared the "
        "taxpayer information of thousands of immigrants with immigration enforcement."
    )
    eng = StoryEngine()
    got = {
        eng.add(
            NewsItem(
                id=k,
                text=wire,
                url=f"https://paper{k}.example/news/irs-shared-taxpayer-data-of-thousands-{k}",
                domain=f"paper{k}.example",
                published_at=T0 + timedelta(minutes=k),
            )
        ).story_id
        for k in range(6)
    }
    assert len(got) == 1


def test_untitled_articles_cluster_by_url_slug_and_show_a_headline():
    eng = StoryEngine()
    urls = [
        "https://a.example/world/5238791-us-reaches-nuclear-deal-armenia-vance-pushes-peace",
        "https://b.example/news/us-armenia-sign-nuclear-deal-during-vance-visit/a-75885494",
        "https://c.example/2026/02/09/vance-signs-nuclear-deal-in-historic-visit-to-armenia/",
    ]
    got = {
        eng.add(NewsItem(id=k, url=u, published_at=T0 + timedelta(minutes=k))).story_id
        for k, u in enumerate(urls)
    }
    assert len(got) == 1
    assert eng.view(got.pop()).headline


def test_a_big_story_keeps_growing_while_its_reports_match_it():
    """No size cap: the 300th report of an event joins it as the 3rd did."""
    eng = StoryEngine()
    ids = set()
    for k in range(300):
        title, text = QUAKE[k % 3]
        it = NewsItem(
            id=k,
            title=title,
            text=text,
            domain=f"outlet{k}.example",
            published_at=T0 + timedelta(minutes=3 * k),
            lang="en",
        )
        ids.add(eng.add(it).story_id)
    assert len(ids) == 1


def test_interleaved_reports_of_two_events_form_two_stories():
    """Reports of two events alternating for hours, as in a real feed stream."""
    eng = StoryEngine()
    got: dict[str, set[int]] = {"q": set(), "f": set()}
    for k in range(12):
        for key, specs in (("q", QUAKE), ("f", FED)):
            title, text = specs[k % len(specs)]
            it = NewsItem(
                id=f"{key}{k}",
                title=title,
                text=text,
                domain=f"{key}{k}.example",
                published_at=T0 + timedelta(minutes=40 * k + (0 if key == "q" else 20)),
                lang="en",
            )
            got[key].add(eng.add(it).story_id)
    assert len(got["q"]) == 1 and len(got["f"]) == 1 and got["q"] != got["f"]


def test_undated_reports_of_distinct_events_stay_apart():
    eng = StoryEngine()
    stories = [
        eng.add(NewsItem(id=f"u{k}", title=t, text=x)).story_id
        for k, (t, x) in enumerate(QUAKE[:1] + FED[:1])
    ]
    assert len(set(stories)) == 2


def test_a_two_word_slug_is_shown_when_nothing_else_tells_what_the_report_is():
    """Real feeds: no title, a placeholder excerpt, and two words in the article's own path
    segment. They are shown rather than "Untitled report", but not matched on: two words
    ("supreme court", "trump canada") name a topic, not an event."""

    def under_placeholder(k: int, url: str) -> NewsItem:
        return NewsItem(
            id=k,
            url=url,
            text="Excerpt unavailable from publisher metadata.",
            domain=url.split("/")[2].removeprefix("www."),
        )

    item = under_placeholder(1, "https://www.rawstory.com/nancy-guthrie-2675257438/")
    assert display_headline(item, boilerplate=True) == "Nancy guthrie"
    assert slug_headline(item.url) == ""  # not a headline the engine matches on
    assert extract(item, boilerplate=True).empty
    # the same two words higher up the path name a section: still untitled
    section = under_placeholder(2, "https://www.eurekalert.org/news-releases/1115754")
    assert display_headline(section, boilerplate=True) == "Untitled report from eurekalert.org"
    # a text of its own comes first
    own = NewsItem(id=3, url=item.url, text="Pima County deputies searched the home again.")
    assert display_headline(own) == "Pima County deputies searched the home again."
    assert headline_source(own) == ("Pima County deputies searched the home again.", "text")


def test_a_uuid_in_the_url_is_no_headline():
    """`article_0dacb7ef-baff-...`: the hex groups that happen to be letters are not words."""
    url = (
        "https://www.fwbusiness.com/news/national/article_0dacb7ef-baff-546b-868a-9a9208d41320.html"
    )
    assert slug_headline(url, short=True) == ""
    uuid_then_words = "https://x.example/a/0dacb7ef-dead-beef-868a-9a9208d41320-storm-hits-coast"
    assert slug_headline(uuid_then_words) == "storm hits coast"


def test_slug_words_no_report_used_are_left_out_of_the_headline():
    """A slug in another language over an English excerpt: its words match nothing and, counted
    twice as headline words, used to outweigh the text (issue 15: most of the Feb stream's
    single-article stories)."""
    item = NewsItem(
        id=1,
        url="https://x.example/news/ssha-vydeljat-armenii-mlrd-za-otkaz-ot-energetiki-bloomberg",
        text="The United States will invest in Armenia's energy sector, Bloomberg reported.",
    )
    armenii = terms("armenii")[0]
    kept = extract(item, seen={armenii}).title
    assert armenii in kept  # an earlier report used it: a word the stream knows stays
    assert "bloomberg" in kept  # the report's own text uses it
    assert not {terms(w)[0] for w in ("vydeljat", "otkaz", "energetiki")} & set(kept)
    # without a stream to judge by (seen=None) the slug is taken whole, as before
    assert terms("vydeljat")[0] in extract(item).title
    # an English slug over its own text keeps its words with nothing seen yet
    english = NewsItem(
        id=2,
        url="https://y.example/2026/02/09/vance-signs-armenia-energy-deal/",
        text="Vance signs an energy deal in Armenia.",
    )
    assert set(extract(english, seen=set()).title) == set(terms("vance signs armenia energy deal"))


def test_a_report_under_a_foreign_slug_joins_the_story_its_text_tells():
    eng = StoryEngine()
    texts = [
        "US Vice President JD Vance signed a civil nuclear cooperation agreement with Armenia "
        "in Yerevan on Monday, alongside Prime Minister Nikol Pashinyan.",
        "Vance and Armenian Prime Minister Nikol Pashinyan signed a nuclear cooperation deal in "
        "Yerevan, a step away from Russia.",
        "In Yerevan, Vance and Pashinyan signed an agreement on civil nuclear cooperation "
        "between the United States and Armenia.",
    ]
    slugs = [
        "vance-armenia-nuclear-deal-yerevan",
        "vance-pashinyan-sign-nuclear-deal",
        "us-armenia-civil-nuclear-agreement-signed",
    ]
    sids = {
        eng.add(
            NewsItem(
                id=k,
                url=f"https://o{k}.example/{s}",
                text=t,
                published_at=T0 + timedelta(minutes=10 * k),
            )
        ).story_id
        for k, (s, t) in enumerate(zip(slugs, texts, strict=True))
    }
    assert len(sids) == 1
    # a Ukrainian slug of eleven words over a one-sentence English excerpt: with the slug's
    # words counted, the report opened a story of its own (probability 0.37)
    foreign = NewsItem(
        id="ua",
        url="https://ua.example/svit/virmeniya-i-ssha-posilyuyut-spivpracyu-v-yaderniy-galuzi-"
        "pidpisali-kontrakt-na-rozvytok",
        text="Vance and Pashinyan signed the agreement in Yerevan.",
        published_at=T0 + timedelta(minutes=40),
    )
    assert eng.add(foreign).story_id in sids


def _glued(eng, texts):
    """One story holding `texts` (glued by hand, as a wrong online join would)."""
    items = [
        NewsItem(
            id=f"g{k}",
            title=t,
            text=t,
            domain=f"o{k}.example",
            published_at=T0 + timedelta(minutes=k),
            lang="en",
        )
        for k, t in enumerate(texts)
    ]
    sid = eng.add(items[0]).story_id
    for it in items[1:]:
        head, boiler, f = eng._features(it)
        eng._update(eng.stories[sid], it, f, it.published_at, eng._vecs(f, head, boiler, it))
    return sid


def test_one_report_bridging_two_events_does_not_hold_them_together():
    """The split check's links need a common neighbour: a report sharing a word with one member
    of each of two events (Feb 2026: "crackdown on protests", Minneapolis and Iran) no longer
    keeps them in one story."""
    eng = StoryEngine()
    a = ["quokka wombat dingo kookaburra", "quokka wombat dingo emu", "quokka wombat dingo bilby"]
    b = ["walrus narwhal beluga puffin", "walrus narwhal beluga orca", "walrus narwhal beluga seal"]
    sid = _glued(eng, [*a, "kookaburra puffin", *b])
    result = repair(eng)
    assert len(result.splits) == 1
    old, new, moved = result.splits[0]
    assert old == sid and set(moved) == {"g4", "g5", "g6"}
    assert eng.story_of["g3"] == sid  # the bridge stays with the story it was in


def test_a_story_whose_reports_interlink_is_not_split():
    eng = StoryEngine()
    texts = [
        "quokka wombat dingo kookaburra",
        "quokka wombat dingo emu",
        "wombat dingo emu bilby",
        "dingo emu bilby kookaburra",
        "emu bilby kookaburra quokka",
        "bilby kookaburra quokka",
    ]
    _glued(eng, texts)
    assert not repair(eng).splits


def test_a_members_counts_are_frozen_with_the_same_terms_in_the_same_order():
    """Once read, an article's counts live as FrozenMap (memory at 1M stored); everything the
    repair pass and the story page read of them must be what the Counters said."""
    import pickle

    f = extract(
        NewsItem(
            1,
            title="Senate passes the budget bill after a long night",
            text="The Senate passed the budget bill on Tuesday. Senators from both parties "
            "said the budget bill was late. NASA and the Pentagon get more money.",
        )
    )
    before = {name: list(getattr(f, name).items()) for name in ("title", "body", "ents")}
    merged = list(f.merged().items())
    f.release()
    for name, items in before.items():
        frozen = getattr(f, name)
        assert type(frozen).__name__ == "FrozenMap"
        assert list(frozen.items()) == items  # same terms, same counts, same order
        assert list(frozen) == [t for t, _ in items] and len(frozen) == len(items)
        for term, count in items:
            assert term in frozen and frozen[term] == count and frozen.get(term, 0) == count
        assert frozen.get("no-such-term", 0) == 0 and "no-such-term" not in frozen
        with pytest.raises(KeyError):
            frozen["no-such-term"]
    assert list(f.merged().items()) == merged
    assert list(f.text_once().items()) == merged and f._text is None  # nothing kept
    copy = pickle.loads(pickle.dumps(f))
    assert list(copy.body.items()) == before["body"]
    empty = extract(NewsItem(2, title="Budget"))
    empty.release()
    assert not empty.body and not empty.ents and list(empty.title.items()) == [("budget", 1)]


def test_repair_reads_frozen_members_as_it_read_fresh_ones():
    """A merge re-adds the absorbed story's members (frozen by then) to the other story, a
    split rebuilds both parts from them: the sums must be what the fresh counts gave, and no
    member may keep a second copy of its terms afterwards (memory at 1M stored)."""
    eng = StoryEngine(EngineParams(split_min_part=2, repair_every=0))
    quake, fed = _items(QUAKE), _items(FED, prefix="f")
    sid = eng.add(quake[0]).story_id
    fresh_text = {it.id: extract(it).merged() for it in quake + fed}
    b = quake[1]
    head, boiler, f = eng._features(b)
    eng._open(b, f, b.published_at, eng._vecs(f, head, boiler, b))  # a duplicate story
    for it in quake[2:] + fed:  # glue the other event on by hand
        head, boiler, f = eng._features(it)
        eng._update(eng.stories[sid], it, f, it.published_at, eng._vecs(f, head, boiler, it))
    result = repair(eng)
    assert result.merges and result.splits  # both paths re-added frozen members
    assert len(eng.stories) == 2
    for s in eng.stories.values():
        assert all(m.features._text is None for m in s.members)
        assert all(type(m.features.body).__name__ == "FrozenMap" for m in s.members)
        want: dict[str, int] = {}
        for m in s.members:
            for term, n in fresh_text[m.id].items():
                want[term] = want.get(term, 0) + n
        assert dict(s.text_sum) == want


def test_the_story_holding_the_nearest_report_keeps_its_odds_and_rivals_lose_some():
    """`decision.DENSE_RIVAL`: each candidate's log-odds drop by how far its best embedding
    match falls short of the best among the candidates; without the dense channel nothing
    changes. Two stories (an earthquake, a rate decision) and a report on the earthquake that
    also names the Fed: both are candidates."""
    eng = StoryEngine()
    for it in _items(QUAKE[:2], prefix="q") + _items(FED, prefix="f"):
        eng.add(it)
    title, text = QUAKE[2]
    item = NewsItem(
        id="x",
        title=title,
        text=text + " The Federal Reserve's Jerome Powell was asked about rates.",
        published_at=T0 + timedelta(hours=2),
    )
    head, boiler, f = eng._features(item)
    vecs = eng._vecs(f, head, boiler, item, count=False)
    found = eng.evidence(vecs)
    assert len(found) == 2
    t = item.published_at.timestamp()
    plain = {
        sid: eng.model.prob(
            channels_of(vecs, ev, eng.stories[sid], eng.seq - eng.stories[sid].seq, t)
        )
        for sid, ev in found.items()
    }
    scored = dict((sid, p) for p, sid in eng.score(vecs, item.published_at, eng.seq, None))
    best_dense = max(ev.dense for ev in found.values())
    for sid, ev in found.items():
        if ev.dense == best_dense:
            assert scored[sid] == plain[sid]
        else:
            assert scored[sid] < plain[sid]
            logit = math.log(plain[sid] / (1 - plain[sid]))
            lowered = 1 / (1 + math.exp(-(logit + DENSE_RIVAL * (ev.dense - best_dense))))
            assert scored[sid] == pytest.approx(lowered, rel=1e-9)
    if eng.embedder is None:
        assert scored == plain
    else:
        assert len({ev.dense for ev in found.values()}) == 2  # the rival term is at work

"""The schema, in one place. Alembic migrations under migrations/versions create exactly this.

Conventions: times are naive UTC datetimes (converted at the store boundary); JSON columns hold
small structured values the web reads whole. Text columns are `CleanText`/`CleanString` and JSON
columns with outside text `CleanJSON` (`store/types.py`): every bound value is normalised, so
no NUL, control character or lone surrogate reaches a store, whoever writes.
Change the schema only with a new migration.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Table,
    UniqueConstraint,
)

from everyside.store.types import CleanJSON, CleanString, CleanText

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# A publisher, identified by its registered domain.
outlets = Table(
    "outlets",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("domain", CleanString(253), nullable=False, unique=True),  # registered domain
    Column("name", CleanText, nullable=False),
    Column("country", CleanString(2)),  # ISO 3166-1 alpha-2
    Column("language", CleanString(8)),  # ISO 639-1
    Column("scope", CleanString(16)),  # local | national | international
    Column("media_type", CleanString(32)),
    Column("homepage", CleanText),
    Column("origin", CleanString(16), nullable=False, default="bundled"),  # bundled | user | import
    Column("provenance", JSON),  # which directory tables contributed the facts
    # cached combination of the ratings (recomputed when ratings change)
    Column("bias", Float),  # mean of raters' mapped values, -3..+3
    Column("bias_spread", Float),  # max - min of raters' mapped values
    Column("factuality", Float),  # mean mapped factuality, 0..4
    Column("estimated_bias", Float),  # only for outlets no rater covers; always labelled
    Column("estimated_bias_method", CleanText),  # "owner + cocoverage, ±0.45: estimated from ..."
    Column("estimated_factuality", Float),  # same, for outlets without a factuality rating
    Column("estimated_factuality_method", CleanText),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

# Estimates of unrated outlets on each axis, with their evidence (0004). Rewritten whole at each
# refresh; "insufficient" rows record why an outlet with articles got no estimate.
outlet_estimates = Table(
    "outlet_estimates",
    metadata,
    Column("outlet_id", Integer, ForeignKey("outlets.id", ondelete="CASCADE"), primary_key=True),
    Column("axis", CleanString(16), primary_key=True),  # bias | factuality
    Column("status", CleanString(16), nullable=False),  # estimated | insufficient
    Column("value", Float),
    Column("label", CleanString(32)),  # side (bias) or tier (factuality) of the value
    Column("expected_error", Float),  # cross-validated MAE of outlets with the same evidence
    Column("baseline_error", Float),  # ... when guessing the mean
    Column("accuracy", Float),  # ... share of them whose side / tier came out right
    Column("methods", CleanText),  # signals used, comma-separated
    Column("evidence", JSON),  # counts behind each signal
    Column("sentence", CleanText),  # "estimated from 41 stories it covered and 3 sibling outlets"
    Column("computed_at", DateTime, nullable=False),
)

# Other registered domains and hosts that belong to an outlet (nyti.ms -> nytimes.com).
outlet_aliases = Table(
    "outlet_aliases",
    metadata,
    Column("alias", CleanString(253), primary_key=True),
    Column("outlet_id", Integer, ForeignKey("outlets.id", ondelete="CASCADE"), nullable=False),
)

raters = Table(
    "raters",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", CleanString(64), nullable=False, unique=True),  # e.g. "mbfc"
    Column("title", CleanText),  # e.g. "Media Bias/Fact Check"
    Column("url", CleanText),
    Column("licence", CleanText),
    Column("description", CleanText),
)

# One rater's value for one outlet on one axis.
ratings = Table(
    "ratings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("rater_id", Integer, ForeignKey("raters.id", ondelete="CASCADE"), nullable=False),
    Column("outlet_id", Integer, ForeignKey("outlets.id", ondelete="CASCADE"), nullable=False),
    Column("axis", CleanString(16), nullable=False),  # bias | factuality
    Column("raw", CleanText, nullable=False),  # the rater's label as published
    Column("value", Float),  # mapped to everyside's scale; NULL = no mapping
    Column("rated_on", CleanString(10)),  # ISO date when known
    Column("provenance", CleanText, nullable=False, default=""),  # file:row or URL
    UniqueConstraint("rater_id", "outlet_id", "axis"),
)
Index("ix_ratings_outlet", ratings.c.outlet_id)

ownership = Table(
    "ownership",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("outlet_id", Integer, ForeignKey("outlets.id", ondelete="CASCADE"), nullable=False),
    Column("owner", CleanText, nullable=False),
    Column("category", CleanString(32), nullable=False),  # one of OWNERSHIP_CATEGORIES
    Column("provenance", CleanText, nullable=False, default=""),
    UniqueConstraint("outlet_id", "owner"),
)

feeds = Table(
    "feeds",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("url", CleanText, nullable=False, unique=True),
    Column("outlet_id", Integer, ForeignKey("outlets.id", ondelete="SET NULL")),
    Column("title", CleanText),
    Column("kind", CleanString(16)),  # rss | atom | json | sitemap (after the first parse)
    Column("origin", CleanString(16), nullable=False, default="user"),  # bundled | user | opml
    Column("active", Boolean, nullable=False, default=True),
    Column("etag", CleanText),  # conditional GET
    Column("last_modified", CleanText),
    Column("last_checked_at", DateTime),
    Column("last_success_at", DateTime),
    Column("last_error", CleanText),
    Column("error_count", Integer, nullable=False, default=0),
    Column("next_check_at", DateTime),  # when the scheduler polls it next
    Column("interval_s", Float),  # current adaptive interval
    Column("entries_seen", Integer, nullable=False, default=0),
    Column("created_at", DateTime, nullable=False),
)
Index("ix_feeds_next_check", feeds.c.active, feeds.c.next_check_at)

# A group of articles about one real-world event.
stories = Table(
    "stories",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("headline", CleanText),  # representative headline (a real member headline)
    Column("first_article_id", Integer),
    Column("first_published_at", DateTime),
    Column("last_published_at", DateTime),
    Column("article_count", Integer, nullable=False, default=0),
    Column("outlet_count", Integer, nullable=False, default=0),
    Column("why", CleanJSON),  # shared entities/terms: the "why grouped" explanation
    Column("merged_into", Integer),  # set when a repair pass merged this story away
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    # > 0: coverage and summary to redo (0005). Incremented in the transaction that changes the
    # members, reset once both are written unless it changed meanwhile; drained at start.
    Column("analysis_due", Integer, nullable=False, server_default="0"),
)
Index("ix_stories_last", stories.c.last_published_at)
Index("ix_stories_analysis_due", stories.c.analysis_due)
Index("ix_stories_outlet_count", stories.c.outlet_count)
Index("ix_stories_rank", stories.c.outlet_count, stories.c.last_published_at)  # home page (0002)

# One URL of one outlet, canonicalised.
articles = Table(
    "articles",
    metadata,
    Column("id", Integer, primary_key=True),
    # canonical URL, or "urn:everyside:<source>:<id>" when there is no URL; the upsert key
    Column("key", CleanText, nullable=False, unique=True),
    Column("url", CleanText),  # as found (feed link / file)
    Column("outlet_id", Integer, ForeignKey("outlets.id", ondelete="SET NULL")),
    Column("feed_id", Integer, ForeignKey("feeds.id", ondelete="SET NULL")),
    Column("domain", CleanString(253)),  # registered domain
    Column("source", CleanText),  # outlet name as given
    Column("external_id", CleanText),  # id in the import file / feed guid
    Column("title", CleanText),
    Column("text", CleanText),
    Column("summary", CleanText),  # feed description / snippet
    Column("author", CleanText),
    Column("lang", CleanString(8)),
    Column("published_at", DateTime),
    Column("fetched_at", DateTime),
    Column("content_hash", CleanString(64)),  # exact-duplicate detection
    Column("copy_of", Integer, ForeignKey("articles.id", ondelete="SET NULL")),  # syndication
    Column("extraction", CleanString(16)),  # page | feed | import | feed-fallback
    Column("extra", CleanJSON),  # anything else the source gave (side, topic, ...)
    Column("story_id", Integer, ForeignKey("stories.id", ondelete="SET NULL")),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)
Index("ix_articles_outlet_time", articles.c.outlet_id, articles.c.published_at)
Index("ix_articles_story", articles.c.story_id)
Index("ix_articles_published", articles.c.published_at)
Index("ix_articles_hash", articles.c.content_hash)
Index("ix_articles_copy_of", articles.c.copy_of)

# Coverage of a story, computed when it changes, read whole by the web.
coverage = Table(
    "coverage",
    metadata,
    Column("story_id", Integer, ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True),
    Column("outlets", Integer, nullable=False),
    Column("rated_outlets", Integer, nullable=False),
    Column("left_share", Float),
    Column("center_share", Float),
    Column("right_share", Float),
    Column("blindspot", CleanString(8)),  # the side that missed it, NULL if none
    Column("country", CleanString(2)),  # where the story happens / mostly reported from
    Column("topics", JSON),
    Column("data", JSON, nullable=False),  # the full coverage document
    Column("computed_at", DateTime, nullable=False),
)
Index("ix_coverage_blindspot", coverage.c.blindspot)

summaries = Table(
    "summaries",
    metadata,
    Column("story_id", Integer, ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True),
    Column("mode", CleanString(16), nullable=False),  # extractive | abstractive
    # bullets with citations, per-side bullets, headline (an LLM's output: cleaned like any text)
    Column("data", CleanJSON, nullable=False),
    Column("article_count", Integer, nullable=False),  # size when generated (material change)
    Column("disputed", Boolean, nullable=False, default=False),
    Column("generated_at", DateTime, nullable=False),
)

# "Does this summary seem wrong?" and other reader reports.
feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("story_id", Integer, ForeignKey("stories.id", ondelete="CASCADE"), nullable=False),
    Column("kind", CleanString(16), nullable=False, default="summary"),
    Column("reason", CleanString(64), nullable=False),
    Column("text", CleanText),
    Column("client", CleanString(64)),  # keyed hash of the client's address (an IPv6 /64 is one)
    Column("browser", CleanString(64)),  # keyed hash of the per-browser cookie; never the raw value
    Column("handled", Boolean, nullable=False, default=False),
    Column("created_at", DateTime, nullable=False),
)
Index("ix_feedback_story", feedback.c.story_id)
Index("ix_feedback_client_time", feedback.c.client, feedback.c.created_at)

# Distinct readers of a story page (keyed address hashes): the audience a dispute is weighed
# against. One row per (story, reader), written on the reader's first view.
story_readers = Table(
    "story_readers",
    metadata,
    Column("story_id", Integer, ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True),
    Column("reader", CleanString(64), primary_key=True),
    Column("first_seen", DateTime, nullable=False),
)

# Key/value state of long-running parts (clustering engine checkpoints, import progress).
state = Table(
    "state",
    metadata,
    Column("key", CleanString(128), primary_key=True),
    Column("value", JSON),
    Column("updated_at", DateTime, nullable=False),
)

# -- readers (0006): accounts, sessions, tokens, follows, saves, reading history, e-mail -----
# Every row that belongs to a reader references `readers.id` with ON DELETE CASCADE: deleting
# an account deletes its history, follows, saves, sessions, tokens and queued mail.
readers = Table(
    "readers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", CleanString(8), nullable=False, default="account"),  # account | local
    Column("email", CleanString(254), unique=True),  # normalised; NULL for the local reader
    Column("username", CleanString(64)),  # as shown (PRECIS UsernameCaseMapped)
    Column("username_key", CleanString(64), unique=True),  # confusable skeleton: one per look-alike
    Column("password_hash", CleanText),  # argon2id (argon2-cffi's encoded form)
    Column("role", CleanString(16), nullable=False, default="reader"),  # reader | admin
    Column("recording", Boolean, nullable=False, default=True),  # reading history on/off
    Column("email_briefing", Boolean, nullable=False, default=False),
    Column("email_alerts", Boolean, nullable=False, default=False),
    Column("feed_nonce", CleanString(32), nullable=False),  # secret feed URL = HMAC(key, nonce)
    Column("last_briefing_on", CleanString(10)),  # ISO date of the last briefing queued
    Column("created_at", DateTime, nullable=False),
    Column("last_login_at", DateTime),
)

# Server-side sessions: the cookie holds a random token, the table its SHA-256.
reader_sessions = Table(
    "reader_sessions",
    metadata,
    Column("token_hash", CleanString(64), primary_key=True),
    Column("reader_id", Integer, ForeignKey("readers.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("seen_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
)
Index("ix_reader_sessions_reader", reader_sessions.c.reader_id)

# Personal access tokens (kind api) and one-time password-reset links (kind reset), hashed.
reader_tokens = Table(
    "reader_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("reader_id", Integer, ForeignKey("readers.id", ondelete="CASCADE"), nullable=False),
    Column("kind", CleanString(8), nullable=False),  # api | reset
    Column("token_hash", CleanString(64), nullable=False, unique=True),
    Column("name", CleanString(100)),
    Column("prefix", CleanString(16)),  # the first characters, to recognise a token in a list
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime),
    Column("used_at", DateTime),
)
Index("ix_reader_tokens_reader", reader_tokens.c.reader_id)

# Invitations when sign-up is by invitation: a hashed one-time code.
invitations = Table(
    "invitations",
    metadata,
    Column("token_hash", CleanString(64), primary_key=True),
    Column("email", CleanString(254)),  # when set, only this address may use it
    Column("created_by", Integer, ForeignKey("readers.id", ondelete="SET NULL")),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Column("used_at", DateTime),
)

# Follows: a topic (its name), an outlet (its domain) or a story (its id, as text). For a story
# `sides` holds the sides that covered it when last checked (for the new-side alert).
follows = Table(
    "follows",
    metadata,
    Column("reader_id", Integer, ForeignKey("readers.id", ondelete="CASCADE"), primary_key=True),
    Column("kind", CleanString(8), primary_key=True),  # topic | outlet | story
    Column("target", CleanString(253), primary_key=True),
    Column("sides", CleanString(32)),
    Column("created_at", DateTime, nullable=False),
)

saved_stories = Table(
    "saved_stories",
    metadata,
    Column("reader_id", Integer, ForeignKey("readers.id", ondelete="CASCADE"), primary_key=True),
    Column("story_id", Integer, ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True),
    Column("created_at", DateTime, nullable=False),
)

# What a reader opened (a story page, or an article through /go/<id>), while recording is on.
reading_events = Table(
    "reading_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("reader_id", Integer, ForeignKey("readers.id", ondelete="CASCADE"), nullable=False),
    Column("story_id", Integer, ForeignKey("stories.id", ondelete="CASCADE")),
    Column("article_id", Integer, ForeignKey("articles.id", ondelete="CASCADE")),
    Column("read_at", DateTime, nullable=False),
)
Index("ix_reading_events_reader_time", reading_events.c.reader_id, reading_events.c.read_at)

# Failed sign-ins, keyed by a keyed hash of the account or of the client address.
login_failures = Table(
    "login_failures",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", CleanString(80), nullable=False),
    Column("at", DateTime, nullable=False),
)
Index("ix_login_failures_key_at", login_failures.c.key, login_failures.c.at)

# Outgoing e-mail: queued by the app, delivered (and retried) by the mail worker.
outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("reader_id", Integer, ForeignKey("readers.id", ondelete="CASCADE")),
    Column("kind", CleanString(16), nullable=False),  # briefing | alert | reset | invite
    Column("recipient", CleanString(254), nullable=False),
    Column("subject", CleanText, nullable=False),
    Column("body_text", CleanText, nullable=False),
    Column("body_html", CleanText),
    Column("headers", JSON),  # e.g. List-Unsubscribe
    Column("status", CleanString(8), nullable=False, default="pending"),  # pending | sent | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime, nullable=False),
    Column("last_error", CleanText),
    Column("created_at", DateTime, nullable=False),
    Column("sent_at", DateTime),
)
Index("ix_outbox_due", outbox.c.status, outbox.c.next_attempt_at)
Index("ix_outbox_reader", outbox.c.reader_id)

# -- workers (0007): heartbeats of the Celery workers of the scale-out shape (issue 20) ------
# One row per worker (its Celery node name), rewritten every few seconds by the worker with the
# queue depths it read from the broker: /-/health.json and /-/metrics read this table, so a web
# replica reports the workers and the queues without connecting to the broker itself.
worker_heartbeats = Table(
    "worker_heartbeats",
    metadata,
    Column("name", CleanString(200), primary_key=True),
    Column("host", CleanString(200)),
    Column("pid", Integer),
    Column("queues", CleanString(500)),
    Column("started_at", DateTime, nullable=False),
    Column("seen_at", DateTime, nullable=False),
    Column("tasks_done", Integer, nullable=False, default=0),
    Column("queue_depths", JSON),  # {"queue name": messages ready} as the worker last read them
)

"""The one settings table: defaults < config file < EVERYSIDE_* environment < CLI flags.

`Settings` is a frozen, typed dataclass: each field is a setting, declared once with its type,
default, help and checks (`choices`, `minimum`, `maximum`); `SETTINGS` (the table the README,
`everyside config show` and the docs test read) is derived from it. `load_settings` merges the
layers and validates every value at start: an unknown key in the config file or an unknown
`EVERYSIDE_*` variable, a value of the wrong type, an invalid choice or a number out of range
stops the program with a message that names the setting, the value, where it came from and
what is allowed. The resulting object is passed down explicitly: no module reads the
environment on its own.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from platformdirs import user_config_dir, user_data_dir

from everyside.errors import ConfigError

ENV_PREFIX = "EVERYSIDE_"
# EVERYSIDE_* variables that are not settings: the config file's path, and the test suite's.
OTHER_ENV = frozenset({"CONFIG", "SCREENSHOTS", "TEST_PG"})
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _s(
    default: Any,
    help: str,
    *,
    secret: bool = False,
    choices: tuple[Any, ...] = (),
    minimum: float | None = None,
    maximum: float | None = None,
) -> Any:
    meta = {"help": help, "secret": secret, "choices": choices, "min": minimum, "max": maximum}
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class Settings:
    """The effective settings (see the README's table, generated from these fields)."""

    # where things live
    data_dir: str = _s(
        "", "Directory for the SQLite database and caches (default: the platform's user data dir)."
    )
    database_url: str = _s(
        "",
        "SQLAlchemy URL (sqlite:///path or postgresql://...); default: SQLite in data_dir.",
        secret=True,
    )
    # web
    host: str = _s("127.0.0.1", "Address the web server listens on.")
    port: int = _s(8000, "Port the web server listens on.", minimum=1, maximum=65535)
    base_url: str = _s(
        "",
        "Absolute URL readers reach the web app at, for links in Atom feeds (default: "
        "http://<host>:<port> from the bound address). Never taken from the request's Host.",
    )
    allowed_hosts: str = _s(
        "",
        "Comma-separated Host header values the web app answers (`*.example.org` for "
        "subdomains, `*` for any); default: base_url's host, plus localhost, 127.0.0.1 and ::1 "
        "when listening on loopback.",
    )
    side_colors: str = _s(
        "left=#1f5fbf,center=#6b6b6b,right=#c0392b",
        "Colours of the sides (US convention by default).",
    )
    feedback_rate_limit: int = _s(
        10, "Feedback submissions per client (address; an IPv6 /64 is one) per hour.", minimum=0
    )
    page_cache_seconds: float = _s(
        5.0,
        "Seconds the pages that are the same for every "
        "reader (home, blindspots, topics, feeds) are cached in memory; 0 turns it off.",
        minimum=0,
    )
    secret_key: str = _s(
        "", "Key for CSRF tokens (default: generated and kept in data_dir).", secret=True
    )
    # ingestion
    ingest: bool = _s(True, "Run the ingest loop in `everyside up`.")
    bundled_feeds: bool = _s(True, "Poll the feeds of the bundled outlet directory.")
    allow_private_addresses: bool = _s(
        False,
        "Allow fetching URLs that resolve to "
        "loopback/private/link-local/reserved addresses (SSRF guard off).",
    )
    user_agent: str = _s(
        "everyside/0.1 (+https://github.com/everyside/everyside)",
        "User-Agent sent with every request.",
    )
    fetch_concurrency: int = _s(64, "Requests in flight at once.", minimum=1)
    per_host_concurrency: int = _s(2, "Requests in flight per host.", minimum=1)
    politeness_delay: float = _s(1.0, "Seconds between two requests to one host.", minimum=0)
    connect_timeout: float = _s(10.0, "Seconds to connect.", minimum=0)
    read_timeout: float = _s(20.0, "Seconds between two reads.", minimum=0)
    total_timeout: float = _s(60.0, "Seconds for a whole response.", minimum=0)
    max_response_bytes: int = _s(
        5_000_000, "Largest response body accepted (bytes, after decompression).", minimum=1
    )
    max_compression_ratio: float = _s(
        100.0,
        "Largest decoded/compressed ratio of a response (checked once 1 MiB is decoded); "
        "above it the body is refused as a decompression bomb.",
        minimum=1,
    )
    max_redirects: int = _s(5, "Redirects followed per request.", minimum=0)
    fetch_pages: bool = _s(True, "Fetch and extract article pages (else feed content).")
    respect_robots: bool = _s(True, "Obey robots.txt for article pages.")
    poll_min_interval: float = _s(300.0, "Shortest seconds between polls of a feed.", minimum=0)
    poll_max_interval: float = _s(86400.0, "Longest seconds between polls of a feed.", minimum=0)
    extract_workers: int = _s(
        0,
        "Processes extracting page text (0 = one per CPU; 1 or -1 = in the ingest process).",
        minimum=-1,
    )
    dedupe_threshold: float = _s(
        0.8,
        "Estimated Jaccard similarity from which an "
        "article is a syndicated copy of an earlier one.",
        minimum=0,
        maximum=1,
    )
    dedupe_window_days: float = _s(
        3.0, "Days of articles kept in the near-duplicate index.", minimum=0
    )
    # stories and coverage
    story_window_days: float = _s(7.0, "Days a story stays open for new articles.", minimum=0)
    story_repair_every: int = _s(
        200,
        "Run the story repair pass (merge stories that are one event, split drifted ones) after "
        "every N assigned articles; 0 turns it off.",
        minimum=0,
    )
    story_embeddings: bool = _s(
        True,
        "Use wordllama sentence embeddings as a similarity channel of the story engine (no "
        "PyTorch). Off: lexical channels only, with a model fitted for them; faster "
        "(docs/quality.md compares both).",
    )
    blindspot_min_rated: int = _s(
        5, "Rated outlets a story needs before it can be a blindspot.", minimum=0
    )
    blindspot_threshold: float = _s(
        0.2,
        "A side with at most this share of rated outlets missed the story.",
        minimum=0,
        maximum=1,
    )
    estimate_refresh_stories: int = _s(
        200,
        "Recompute the estimated lean and factuality of unrated outlets after this many stories "
        "changed (co-coverage and wording improve as stories accumulate); 0: only on import and "
        "`everyside outlets estimate`.",
        minimum=0,
    )
    import_max_line_bytes: int = _s(
        10_000_000,
        "Longest line `everyside import` reads (bytes); a longer one is skipped unread and "
        "reported as a bad line.",
        minimum=1,
    )
    max_date_skew_hours: float = _s(
        24.0,
        "Published times more than this after the fetch time are treated as bogus.",
        minimum=0,
    )
    # summaries
    summary_mode: str = _s(
        "extractive",
        "extractive | abstractive (needs llm_*).",
        choices=("extractive", "abstractive"),
    )
    llm_base_url: str = _s("", "OpenAI-compatible endpoint for abstractive summaries.")
    llm_model: str = _s("", "Model name for the endpoint.")
    llm_api_key: str = _s("", "API key for the endpoint.", secret=True)
    summary_dispute_reports: int = _s(
        3,
        "Distinct clients (address or browser) whose reports mark a summary disputed and "
        "regenerated, at least.",
        minimum=1,
    )
    summary_dispute_share: float = _s(
        0.05,
        "Share of a story's distinct readers that must report its summary before it is "
        "disputed, when that is more than summary_dispute_reports.",
        minimum=0,
        maximum=1,
    )
    operator_token: str = _s(
        "",
        "Password of the operator pages (/-/disputes; HTTP Basic, any user name, or "
        "`Authorization: Bearer`); empty: those pages are closed.",
        secret=True,
    )
    # readers (issue 21)
    auth: str = _s(
        "single",
        "single: one local reader, no sign-in, personal pages only for loopback clients; "
        "accounts: e-mail + password accounts with server-side sessions.",
        choices=("single", "accounts"),
    )
    signup: str = _s(
        "open",
        "With auth = accounts: who may create an account (open | invite: with an invitation "
        "code | closed: only `everyside readers create`).",
        choices=("open", "invite", "closed"),
    )
    session_days: float = _s(30.0, "Days a sign-in lasts.", minimum=0.01, maximum=400)
    login_rate_limit: int = _s(
        5, "Failed sign-ins per account per 15 minutes before it is refused for a while.", minimum=1
    )
    login_address_rate_limit: int = _s(
        20,
        "Failed sign-ins per client address (an IPv6 /64 is one) per 15 minutes.",
        minimum=1,
    )
    max_follows: int = _s(
        1000, "Follows (topics, outlets, stories) a reader may have.", minimum=1, maximum=100000
    )
    smtp_host: str = _s("", "SMTP server for e-mail (briefings, alerts, reset links); empty: none.")
    smtp_port: int = _s(587, "SMTP port.", minimum=1, maximum=65535)
    smtp_security: str = _s(
        "starttls", "starttls | tls (implicit) | none.", choices=("starttls", "tls", "none")
    )
    smtp_username: str = _s("", "SMTP user name (empty: no authentication).")
    smtp_password: str = _s("", "SMTP password.", secret=True)
    smtp_from: str = _s("", "From address of the e-mail everyside sends.")
    smtp_timeout: float = _s(20.0, "Seconds an SMTP exchange may take.", minimum=0.1)
    email_retries: int = _s(
        4, "Delivery attempts of one e-mail before it is reported as failed.", minimum=1
    )
    email_retry_seconds: float = _s(
        300.0, "Seconds before the first retry (doubling after each failure).", minimum=0
    )
    briefing_hour: int = _s(
        6, "Hour (UTC) from which the daily briefing is sent.", minimum=0, maximum=23
    )
    # scale-out shape (issue 20; `pip install everyside[distributed]`, docs/deploy.md)
    distributed: bool = _s(
        False,
        "`everyside up` enqueues the pipeline's work for `everyside worker` processes (Celery on "
        "RabbitMQ, PostgreSQL store) instead of doing it in process.",
    )
    broker_url: str = _s(
        "amqp://guest:guest@127.0.0.1:5672//",
        "Celery broker (RabbitMQ) of the distributed shape.",
        secret=True,
    )
    redis_url: str = _s(
        "redis://127.0.0.1:6379/0",
        "Redis of the distributed shape: the per-host politeness turns shared by every worker.",
        secret=True,
    )
    task_max_tries: int = _s(
        3,
        "Tries of one task before its message goes to the dead-letter queue with its error "
        "(tries that killed their worker process count too).",
        minimum=1,
    )
    worker_heartbeat_seconds: float = _s(
        5.0,
        "Seconds between two heartbeats of a worker (its row in worker_heartbeats, the queue "
        "depths it reads, and its sweep for work whose message was lost).",
        minimum=0.1,
    )
    log_level: str = _s("INFO", "Logging level.", choices=LOG_LEVELS)
    # where each value came from: default | <config file> | env | cli | override
    origins: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir or user_data_dir("everyside"))

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_path / 'everyside.db'}"

    def as_dict(self) -> dict[str, Any]:
        return {s.name: getattr(self, s.name) for s in SETTINGS}

    def replace(self, **overrides: Any) -> Settings:
        """A copy with some values changed (validated like any other layer)."""
        values = {k: _coerce(BY_NAME[k], v, "override") for k, v in overrides.items()}
        origins = {**self.origins, **{k: "override" for k in overrides}}
        return dataclasses.replace(self, **values, origins=origins)

    def redacted(self) -> dict[str, Any]:
        out = self.as_dict()
        for s in SETTINGS:
            if s.secret and out[s.name]:
                out[s.name] = _redact(s.name, out[s.name])
        return out

    def changed(self) -> dict[str, Any]:
        """The (redacted) values that differ from the defaults."""
        red = self.redacted()
        return {s.name: red[s.name] for s in SETTINGS if getattr(self, s.name) != s.default}


@dataclass(frozen=True)
class Setting:
    """One row of the settings table (derived from a field of `Settings`)."""

    name: str
    type: type
    default: Any
    help: str
    secret: bool = False
    choices: tuple[Any, ...] = ()
    minimum: float | None = None
    maximum: float | None = None

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.name.upper()

    def allowed(self) -> str:
        if self.choices:
            return "one of " + ", ".join(map(str, self.choices))
        lo = "" if self.minimum is None else f">= {self.minimum:g}"
        hi = "" if self.maximum is None else f"<= {self.maximum:g}"
        return " and ".join(x for x in (lo, hi) if x) or f"a {self.type.__name__}"


_TYPES = {"str": str, "int": int, "float": float, "bool": bool}
SETTINGS: tuple[Setting, ...] = tuple(
    Setting(
        f.name,
        _TYPES[str(f.type)],
        f.default,
        f.metadata["help"],
        f.metadata["secret"],
        f.metadata["choices"],
        f.metadata["min"],
        f.metadata["max"],
    )
    for f in fields(Settings)
    if f.name != "origins"
)
BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}


def _convert(setting: Setting, value: Any) -> Any:
    if isinstance(value, setting.type) and not (setting.type is int and isinstance(value, bool)):
        return value
    if setting.type is bool:
        if isinstance(value, str):
            low = value.strip().lower()
            if low in ("1", "true", "yes", "on"):
                return True
            if low in ("0", "false", "no", "off", ""):
                return False
            raise ValueError(value)
        return bool(value)
    if setting.type is int and isinstance(value, float) and not value.is_integer():
        raise ValueError(value)
    return setting.type(value)


def _coerce(setting: Setting, value: Any, origin: str) -> Any:
    """`value` as the setting's type, checked against its choices and range."""
    try:
        v = _convert(setting, value)
    except (TypeError, ValueError) as e:
        raise ConfigError(
            f"setting {setting.name} from {origin}: {value!r} is not a valid "
            f"{setting.type.__name__}"
        ) from e
    if setting.type is str and setting.name == "log_level":
        v = v.upper()
    bad = (
        (setting.choices and v not in setting.choices)
        or (setting.minimum is not None and v < setting.minimum)
        or (setting.maximum is not None and v > setting.maximum)
    )
    if bad:
        raise ConfigError(
            f"setting {setting.name} from {origin}: {value!r} is not allowed; "
            f"use {setting.allowed()}"
        )
    return v


def _redact(name: str, value: str) -> str:
    if name in ("database_url", "broker_url", "redis_url") and "://" in value:
        # keep the URL readable, hide only a password
        from sqlalchemy.engine import make_url

        try:
            return make_url(value).render_as_string(hide_password=True)
        except Exception:
            return "***"
    return "***"


def default_config_file(env: Mapping[str, str]) -> Path:
    explicit = env.get(ENV_PREFIX + "CONFIG")
    if explicit:
        return Path(explicit)
    return Path(user_config_dir("everyside")) / "everyside.toml"


def _file_layer(path: Path, explicit: bool) -> dict[str, Any]:
    if not path.exists():
        if explicit:
            raise ConfigError(f"config file {path} does not exist")
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"config file {path}: {e}; fix or remove it") from e
    table = data.get("everyside", data)
    for k in table:
        if k not in BY_NAME:
            raise ConfigError(
                f"config file {path}: unknown setting {k!r}; "
                "see `everyside config show --all` for the names"
            )
    return dict(table)


def _env_layer(env: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in env.items():
        if not key.startswith(ENV_PREFIX):
            continue
        name = key[len(ENV_PREFIX) :].lower()
        if name in BY_NAME:
            out[name] = value
        elif name.upper() not in OTHER_ENV:
            raise ConfigError(
                f"environment variable {key} names no setting; remove it or fix its name "
                "(`everyside config show --all` lists them)"
            )
    return out


def load_settings(
    config_file: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    cli: Mapping[str, Any] | None = None,
) -> Settings:
    """Merge defaults < config file < EVERYSIDE_* env < CLI flags (None values in cli skipped);
    raises ConfigError naming the first bad key or value."""
    env = os.environ if env is None else env
    path = Path(config_file) if config_file else default_config_file(env)
    layers = (
        (str(path), _file_layer(path, bool(config_file))),
        ("env", _env_layer(env)),
        ("cli", {k: v for k, v in (cli or {}).items() if v is not None}),
    )
    values: dict[str, Any] = {s.name: s.default for s in SETTINGS}
    origins = {s.name: "default" for s in SETTINGS}
    for origin, layer in layers:
        for k, v in layer.items():
            if k not in BY_NAME:
                raise ConfigError(f"unknown setting {k!r}")
            where = (
                BY_NAME[k].env
                if origin == "env"
                else ("command line" if origin == "cli" else origin)
            )
            values[k] = _coerce(BY_NAME[k], v, where)
            origins[k] = origin
    return Settings(**values, origins=origins)

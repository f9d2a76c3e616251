"""The one settings table: defaults < config file < EVERYSIDE_* environment < CLI flags.

Every setting is declared once in SETTINGS (name, type, default, help). `load_settings` merges
the layers and validates types; the resulting `Settings` object is passed down explicitly — no
module reads the environment on its own.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from platformdirs import user_config_dir, user_data_dir

from everyside.errors import ConfigError

ENV_PREFIX = "EVERYSIDE_"


@dataclass(frozen=True)
class Setting:
    name: str
    type: type
    default: Any
    help: str
    secret: bool = False

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.name.upper()


SETTINGS: tuple[Setting, ...] = (
    # where things live
    Setting(
        "data_dir",
        str,
        "",
        "Directory for the SQLite database and caches (default: the platform's user data dir).",
    ),
    Setting(
        "database_url",
        str,
        "",
        "SQLAlchemy URL (sqlite:///path or postgresql://...); default: SQLite in data_dir.",
        secret=True,
    ),
    # web
    Setting("host", str, "127.0.0.1", "Address the web server listens on."),
    Setting("port", int, 8000, "Port the web server listens on."),
    Setting(
        "side_colors",
        str,
        "left=#1f5fbf,center=#6b6b6b,right=#c0392b",
        "Colours of the sides (US convention by default).",
    ),
    Setting("feedback_rate_limit", int, 10, "Feedback submissions per client per hour."),
    Setting(
        "page_cache_seconds",
        float,
        5.0,
        "Seconds the pages that are the same for every "
        "reader (home, blindspots, topics, feeds) are cached in memory; 0 turns it off.",
    ),
    Setting(
        "secret_key",
        str,
        "",
        "Key for CSRF tokens (default: generated and kept in data_dir).",
        secret=True,
    ),
    # ingestion
    Setting("ingest", bool, True, "Run the ingest loop in `everyside up`."),
    Setting("bundled_feeds", bool, True, "Poll the feeds of the bundled outlet directory."),
    Setting(
        "allow_private_addresses",
        bool,
        False,
        "Allow fetching URLs that resolve to "
        "loopback/private/link-local/reserved addresses (SSRF guard off).",
    ),
    Setting(
        "user_agent",
        str,
        "everyside/0.1 (+https://github.com/everyside/everyside)",
        "User-Agent sent with every request.",
    ),
    Setting("fetch_concurrency", int, 64, "Requests in flight at once."),
    Setting("per_host_concurrency", int, 2, "Requests in flight per host."),
    Setting("politeness_delay", float, 1.0, "Seconds between two requests to one host."),
    Setting("connect_timeout", float, 10.0, "Seconds to connect."),
    Setting("read_timeout", float, 20.0, "Seconds between two reads."),
    Setting("total_timeout", float, 60.0, "Seconds for a whole response."),
    Setting(
        "max_response_bytes",
        int,
        5_000_000,
        "Largest response body accepted (bytes, after decompression).",
    ),
    Setting("max_redirects", int, 5, "Redirects followed per request."),
    Setting("fetch_pages", bool, True, "Fetch and extract article pages (else feed content)."),
    Setting("respect_robots", bool, True, "Obey robots.txt for article pages."),
    Setting("poll_min_interval", float, 300.0, "Shortest seconds between polls of a feed."),
    Setting("poll_max_interval", float, 86400.0, "Longest seconds between polls of a feed."),
    Setting("extract_workers", int, 0, "Processes extracting page text (0 = one per CPU)."),
    Setting(
        "dedupe_threshold",
        float,
        0.8,
        "Estimated Jaccard similarity from which an "
        "article is a syndicated copy of an earlier one.",
    ),
    Setting("dedupe_window_days", float, 3.0, "Days of articles kept in the near-duplicate index."),
    # stories and coverage
    Setting("story_window_days", float, 7.0, "Days a story stays open for new articles."),
    Setting(
        "story_repair_every",
        int,
        200,
        "Run the story repair pass (merge stories that are one event, split drifted ones) after "
        "every N assigned articles; 0 turns it off.",
    ),
    Setting(
        "story_embeddings",
        bool,
        True,
        "Use wordllama sentence embeddings as a similarity channel of the story engine (no "
        "PyTorch). Off: lexical channels only, with a model fitted for them; faster "
        "(docs/quality.md compares both).",
    ),
    Setting(
        "blindspot_min_rated", int, 5, "Rated outlets a story needs before it can be a blindspot."
    ),
    Setting(
        "blindspot_threshold",
        float,
        0.2,
        "A side with at most this share of rated outlets missed the story.",
    ),
    Setting(
        "estimate_refresh_stories",
        int,
        200,
        "Recompute the estimated lean and factuality of unrated outlets after this many stories "
        "changed (co-coverage and wording improve as stories accumulate); 0: only on import and "
        "`everyside outlets estimate`.",
    ),
    Setting(
        "max_date_skew_hours",
        float,
        24.0,
        "Published times more than this after the fetch time are treated as bogus.",
    ),
    # summaries
    Setting("summary_mode", str, "extractive", "extractive | abstractive (needs llm_*)."),
    Setting("llm_base_url", str, "", "OpenAI-compatible endpoint for abstractive summaries."),
    Setting("llm_model", str, "", "Model name for the endpoint."),
    Setting("llm_api_key", str, "", "API key for the endpoint.", secret=True),
    Setting(
        "summary_dispute_reports",
        int,
        3,
        "Reports after which a summary is marked disputed and regenerated.",
    ),
    Setting("log_level", str, "INFO", "Logging level."),
)
BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}


def _coerce(setting: Setting, value: Any, origin: str) -> Any:
    if isinstance(value, setting.type) and not (setting.type is int and isinstance(value, bool)):
        return value
    try:
        if setting.type is bool:
            if isinstance(value, str):
                low = value.strip().lower()
                if low in ("1", "true", "yes", "on"):
                    return True
                if low in ("0", "false", "no", "off", ""):
                    return False
                raise ValueError(value)
            return bool(value)
        return setting.type(value)
    except (TypeError, ValueError) as e:
        raise ConfigError(
            f"setting {setting.name} from {origin}: {value!r} is not a valid "
            f"{setting.type.__name__}"
        ) from e


@dataclass(frozen=True)
class Settings:
    values: Mapping[str, Any]
    origins: Mapping[str, str]

    def __getattr__(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def data_path(self) -> Path:
        return Path(self.values["data_dir"] or user_data_dir("everyside"))

    @property
    def db_url(self) -> str:
        url = self.values["database_url"]
        if url:
            return url
        return f"sqlite:///{self.data_path / 'everyside.db'}"

    def replace(self, **overrides: Any) -> Settings:
        vals = dict(self.values)
        origins = dict(self.origins)
        for k, v in overrides.items():
            vals[k] = _coerce(BY_NAME[k], v, "override")
            origins[k] = "override"
        return Settings(vals, origins)

    def redacted(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for s in SETTINGS:
            v = self.values[s.name]
            if s.secret and v:
                v = _redact(s.name, v)
            out[s.name] = v
        return out


def _redact(name: str, value: str) -> str:
    if name == "database_url" and "://" in value:
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


def load_settings(
    config_file: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    cli: Mapping[str, Any] | None = None,
) -> Settings:
    """Merge defaults < config file < EVERYSIDE_* env < CLI flags (None values in cli skipped)."""
    env = os.environ if env is None else env
    values = {s.name: s.default for s in SETTINGS}
    origins = {s.name: "default" for s in SETTINGS}

    path = Path(config_file) if config_file else default_config_file(env)
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise ConfigError(f"config file {path}: {e}; fix or remove it") from e
        table = data.get("everyside", data)
        for k, v in table.items():
            if k not in BY_NAME:
                raise ConfigError(
                    f"config file {path}: unknown setting {k!r}; "
                    "see `everyside config show` for the names"
                )
            values[k] = _coerce(BY_NAME[k], v, str(path))
            origins[k] = str(path)
    elif config_file:
        raise ConfigError(f"config file {path} does not exist")

    for s in SETTINGS:
        if s.env in env:
            values[s.name] = _coerce(s, env[s.env], s.env)
            origins[s.name] = "env"

    for k, v in (cli or {}).items():
        if v is None:
            continue
        if k not in BY_NAME:
            raise ConfigError(f"unknown setting {k!r}")
        values[k] = _coerce(BY_NAME[k], v, "command line")
        origins[k] = "cli"
    return Settings(values, origins)

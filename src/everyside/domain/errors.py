"""everyside's one exception tree. `str()` of each reads well in a log and says what to do.

The tree lives in the domain so that every layer, the pure core included, raises from it
without importing anything outside `everyside.domain`; `everyside.errors` re-exports it.
The domain itself only raises `InputError` (a value it cannot accept: a URL, a date).
"""

from __future__ import annotations


class EverysideError(Exception):
    """Base of every error everyside raises on purpose."""


class ConfigError(EverysideError):
    """A setting is unknown or has a value that is not allowed."""


class StoreError(EverysideError):
    """The database cannot be opened, migrated or written."""


class RowRefused(StoreError):
    """The database refused the values of a write (a value too long, a constraint, a value
    its driver cannot encode): the data is at fault, not the database."""


class SchemaTooNewError(StoreError):
    """The database was written by a newer everyside."""


class InputError(EverysideError):
    """Bad user-supplied input (a file line, a rating table, a URL)."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None):
        where = f"{path}:{line}: " if path and line else (f"{path}: " if path else "")
        super().__init__(where + message)
        self.path = path
        self.line = line


class FetchError(EverysideError):
    def __init__(self, url: str, message: str):
        super().__init__(f"fetch {url}: {message}")
        self.url = url
        self.message = message


class BlockedURLError(FetchError):
    """The SSRF guard refused a URL."""


class AuthError(EverysideError):
    """A sign-in, a session or a token was refused."""


class RateLimitedError(AuthError):
    """Too many failed attempts: refused without checking, for a while."""


class LimitError(InputError):
    """A per-reader limit (e.g. max_follows) would be exceeded."""

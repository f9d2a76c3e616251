"""One exception tree. `str()` of each reads well in a log and says what to do."""

from __future__ import annotations


class EverysideError(Exception):
    """Base of every error everyside raises on purpose."""


class ConfigError(EverysideError):
    pass


class StoreError(EverysideError):
    pass


class SchemaTooNewError(StoreError):
    pass


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

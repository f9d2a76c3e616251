"""One exception tree. `str()` of each reads well in a log and says what to do.

The root (`EverysideError`) and `InputError` live in `everyside.domain.errors` so that the pure
core raises them without importing anything outside the domain; they are re-exported here.
"""

from __future__ import annotations

from everyside.domain.errors import EverysideError, InputError

__all__ = [
    "BlockedURLError",
    "ConfigError",
    "EverysideError",
    "FetchError",
    "InputError",
    "SchemaTooNewError",
    "StoreError",
]


class ConfigError(EverysideError):
    pass


class StoreError(EverysideError):
    pass


class SchemaTooNewError(StoreError):
    pass


class FetchError(EverysideError):
    def __init__(self, url: str, message: str):
        super().__init__(f"fetch {url}: {message}")
        self.url = url


class BlockedURLError(FetchError):
    """The SSRF guard refused a URL."""

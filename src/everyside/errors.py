"""One exception tree (defined in `everyside.domain.errors`, re-exported here for every layer).

`str()` of each reads well in a log and says what to do.
"""

from __future__ import annotations

from everyside.domain.errors import (
    AuthError,
    BlockedURLError,
    ConfigError,
    EverysideError,
    FetchError,
    InputError,
    LimitError,
    RateLimitedError,
    RowRefused,
    SchemaTooNewError,
    StoreError,
)

__all__ = [
    "AuthError",
    "BlockedURLError",
    "ConfigError",
    "EverysideError",
    "FetchError",
    "InputError",
    "LimitError",
    "RateLimitedError",
    "RowRefused",
    "SchemaTooNewError",
    "StoreError",
]

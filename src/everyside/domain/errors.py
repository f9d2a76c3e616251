"""The root of everyside's exception tree, and the one error the pure core raises.

`everyside.errors` extends this tree for the outer layers (store, fetch, settings); the domain
only ever raises `InputError` (a value it cannot accept: a URL, a date) so that it imports
nothing outside `everyside.domain`.
"""

from __future__ import annotations


class EverysideError(Exception):
    """Base of every error everyside raises on purpose."""


class InputError(EverysideError):
    """Bad user-supplied input (a file line, a rating table, a URL)."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None):
        where = f"{path}:{line}: " if path and line else (f"{path}: " if path else "")
        super().__init__(where + message)
        self.path = path
        self.line = line

"""Column types that normalise text on its way into the database.

Every text column of the tables outside input (articles, stories, outlets, feeds, ...) is a
`CleanText` or `CleanString`; JSON columns holding outside text are `CleanJSON`. Their bind
processing passes each value through `domain.text.normalize.clean_text` (NUL and the C0/C1
controls but tab and newline removed, lone surrogates replaced, NFC), so no statement — the
article write path, a feed's title from its channel, an error message quoting a server, a
direct `update(...)` — can put those characters into a store. The write path cleans first (its
one-line fields are also folded to single spaces); the types are the net under every other
writer. PostgreSQL refuses NUL in text (a `DataError` that used to block a feed forever), the
drivers cannot encode lone surrogates, and XML (the Atom feeds) allows no C0 control.

The DDL is that of the underlying type (TEXT, VARCHAR(n), JSON): no migration.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, String, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from everyside.domain.text.normalize import clean_text, clean_value


class _Cleaned(TypeDecorator[str]):
    """Text whose bound values are normalised (`clean_text`); `impl` says which SQL type."""

    impl: type[String] = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return clean_text(value) if isinstance(value, str) else value

    def process_literal_param(self, value: Any, dialect: Dialect) -> Any:
        return self.process_bind_param(value, dialect)

    @property
    def python_type(self) -> type:
        return str


class CleanText(_Cleaned):
    """TEXT whose bound values are normalised (`clean_text`)."""

    impl = Text
    cache_ok = True


class CleanString(_Cleaned):
    """VARCHAR(n) whose bound values are normalised (`clean_text`)."""

    impl = String
    cache_ok = True


class CleanJSON(TypeDecorator[Any]):
    """JSON whose strings (keys and values, at any depth) are normalised before encoding."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return clean_value(value)

"""Opening the database, migrating it, and the single writer.

SQLite allows one writer at a time: every write goes through `Store.write(fn)`, which runs
`fn(connection)` inside one transaction on a dedicated writer thread (the datasette pattern);
reads use pooled connections and, thanks to WAL, never block the writer nor wait for it.
On PostgreSQL `write` runs in the caller's thread, since the server serialises by itself.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    DataError,
    DBAPIError,
    IntegrityError,
    OperationalError,
    SQLAlchemyError,
    StatementError,
)

from everyside.domain.errors import RowRefused, SchemaTooNewError, StoreError

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)
T = TypeVar("T")
MIGRATIONS = Path(__file__).parent / "migrations"


def _alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config  # Alembic loads only to migrate (CLI start-up)

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


_REVISION = re.compile(r"^revision\s*(?::[^=]+)?=\s*[\"']([^\"']+)[\"']", re.M)
_DOWN = re.compile(r"^down_revision\s*(?::[^=]+)?=\s*(?:[\"']([^\"']+)[\"']|None)", re.M)


@lru_cache(maxsize=1)
def _revisions() -> dict[str, str | None]:
    """revision -> down_revision of every migration file, read as text: opening a store does
    not import Alembic and its scripts (a test checks this agrees with Alembic's own view)."""
    out: dict[str, str | None] = {}
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        body = path.read_text(encoding="utf-8")
        rev, down = _REVISION.search(body), _DOWN.search(body)
        if rev is None or down is None:
            raise StoreError(f"migration {path.name} names no revision/down_revision")
        out[rev.group(1)] = down.group(1)
    return out


def code_heads() -> set[str]:
    revs = _revisions()
    return set(revs) - {d for d in revs.values() if d}


def _known_revisions() -> set[str]:
    return set(_revisions())


def _on_sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")  # safe with WAL: a crash loses no committed txn
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def make_engine(url: str) -> Engine:
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        if u.database and u.database != ":memory:":
            Path(u.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _on_sqlite_connect)
        return engine
    if u.get_backend_name() == "postgresql" and u.get_driver_name() in ("", "psycopg2"):
        # psycopg 3 is the driver we ship in the `postgres` extra
        url = u.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return create_engine(url, pool_pre_ping=True)


class Store:
    """The database handle: an engine for reads and one serialised path for writes."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self._writer: ThreadPoolExecutor | None = None
        self._writer_thread: int | None = None
        self._lock = threading.Lock()

    # -- schema ---------------------------------------------------------------------------
    def current_revision(self) -> str | None:
        with self.engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()

    def check_version(self) -> None:
        """Refuse a database that a newer everyside has migrated."""
        rev = self.current_revision()
        if rev is not None and rev not in _known_revisions():
            raise SchemaTooNewError(
                f"the database at {self.engine.url.render_as_string(hide_password=True)} has "
                f"schema revision {rev}, which this version of everyside does not know: it was "
                "written by a newer everyside. Upgrade everyside (pip install -U everyside) or "
                "point EVERYSIDE_DATABASE_URL at another database."
            )

    def needs_migration(self) -> bool:
        return self.current_revision() not in code_heads()

    def migrate(self) -> None:
        self.check_version()
        with self.engine.begin() as conn:
            from alembic import command

            command.upgrade(_alembic_config(conn), "head")

    def ping(self) -> str | None:
        """Check the database answers; returns its schema revision (raises when it does not)."""
        with self.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        return self.current_revision()

    # -- reads and writes ---------------------------------------------------------------
    def read(self) -> Connection:
        """A pooled connection for reads: `with store.read() as conn: ...`."""
        return self.engine.connect()

    def write(self, fn: Callable[[Connection], T]) -> T:
        """Run fn(conn) in one transaction on the single writer; return its result."""
        if not self.is_sqlite or self._writer_thread == threading.get_ident():
            return self._run_write(fn)
        return self.submit_write(fn).result()

    def submit_write(self, fn: Callable[[Connection], T]) -> Future[T]:
        with self._lock:
            if self._writer is None:
                self._writer = ThreadPoolExecutor(1, thread_name_prefix="everyside-writer")
                self._writer.submit(self._mark_writer).result()
            return self._writer.submit(self._run_write, fn)

    def _mark_writer(self) -> None:
        self._writer_thread = threading.get_ident()

    def _run_write(self, fn: Callable[[Connection], T]) -> T:
        try:
            with self.engine.begin() as conn:
                return fn(conn)
        except OperationalError as e:
            raise StoreError(f"store: unable to write: {e.orig}") from e
        except (DataError, IntegrityError) as e:
            raise RowRefused(f"store: values refused: {e.orig}") from e
        except StatementError as e:
            if isinstance(e, DBAPIError):  # the database's own error (a missing table, ...)
                raise
            # a bound value the driver or a column type cannot take (before any SQL ran)
            raise RowRefused(f"store: values refused: {e.orig!r}") from e

    def close(self) -> None:
        with self._lock:
            if self._writer is not None:
                self._writer.shutdown(wait=True)
                self._writer = None
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_store(url: str, *, migrate: bool | None = None) -> Store:
    """Open the database at `url`.

    migrate=None (the default) migrates SQLite automatically and refuses an out-of-date
    PostgreSQL with a message that names `everyside migrate`.
    """
    try:
        store = Store(make_engine(url))
        store.check_version()
        if store.needs_migration():
            if migrate or (migrate is None and store.is_sqlite):
                store.migrate()
            elif migrate is None:
                raise StoreError(
                    "the database schema is not up to date; run `everyside migrate` first"
                )
    except SQLAlchemyError as e:
        raise StoreError(f"store: unable to open {make_url(url).render_as_string()}: {e}") from e
    return store

"""The database: schema, migrations, the single writer and the queries.

SQLite (WAL, one writer thread) is the default; PostgreSQL is selected by URL.
"""

from everyside.store.db import Store, open_store

__all__ = ["Store", "open_store"]

"""Throw-away PostgreSQL schemas for benchmarks and tests of the distributed shape: a fresh
schema in an existing database, and a URL whose connections use it (search_path)."""

from __future__ import annotations

import uuid

from sqlalchemy import create_engine, text

from everyside.store.db import make_engine


def create_schema(base_url: str, prefix: str = "t") -> tuple[str, str]:
    """(schema name, URL of `base_url` with that fresh schema as its search_path)."""
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    engine = make_engine(base_url)
    try:
        with engine.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
    finally:
        engine.dispose()
    sep = "&" if "?" in base_url else "?"
    return schema, f"{base_url}{sep}options=-csearch_path%3D{schema}"


def drop_schema(base_url: str, schema: str) -> None:
    if not schema.replace("_", "").isalnum():
        raise ValueError(schema)
    engine = create_engine(make_engine(base_url).url)
    try:
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    finally:
        engine.dispose()

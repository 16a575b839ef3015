"""This machine's PostgreSQL for the tests (127.0.0.1:5432, trust auth, database ``test``): one
throw-away schema per test, dropped afterwards; a visible skip where no server answers."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

__all__ = ["PG_BASE", "pg_unavailable", "throwaway_schema"]

PG_BASE = "postgresql://postgres@127.0.0.1:5432/test"


def pg_unavailable() -> str | None:
    """Why PostgreSQL cannot be used here, or ``None`` when it answers."""
    try:
        import psycopg

        with psycopg.connect(PG_BASE, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:  # any failure to reach the server means: skip, visibly
        return f"no PostgreSQL answers at 127.0.0.1:5432 (database test, user postgres): {exc}"
    return None


@contextmanager
def throwaway_schema(prefix: str) -> Iterator[str]:
    """A journal URL whose tables live in a fresh schema ``{prefix}_<random>`` (skips without a server)."""
    reason = pg_unavailable()
    if reason:
        pytest.skip(reason)
    import psycopg

    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_BASE, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{PG_BASE}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(PG_BASE, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")

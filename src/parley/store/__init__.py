"""Store stage: where results live. SQLite by default; PostgreSQL for a server (`--db postgresql://...`)."""

from __future__ import annotations

from parley.store.base import Store


def open_store(db: str = "parley.db", **kwargs) -> Store:
    """A store for a file path (SQLite) or a postgresql:// URL."""
    if db.startswith(("postgresql://", "postgres://")):
        from parley.store.postgres import PostgresStore

        return PostgresStore(db)
    from parley.store.sqlite import SQLiteStore

    return SQLiteStore(db, **kwargs)


__all__ = ["Store", "open_store"]

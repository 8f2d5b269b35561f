"""PostgreSQL store, for a server (`--db postgresql://user:password@host:port/dbname`).

The schema and every write are base.py's portable SQL; this backend adds GIN full-text indexes
(english configuration) and searches them with `plainto_tsquery`, which reads user text as plain words:
no operator, quote or semicolon in a query can change the SQL or make it fail.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg.pq import TransactionStatus

from parley.store.base import Store

# The expressions the GIN indexes are built on; a query must repeat them exactly to use the index.
# As in the SQLite FTS tables, quotes are searched by their text and speaker, documents by title and body.
QUOTES_TSV = "to_tsvector('english', coalesce(quotes.speaker_text, '') || ' ' || quotes.text)"
DOCUMENTS_TSV = "to_tsvector('english', coalesce(documents.title, '') || ' ' || documents.text)"

FTS_STATEMENTS = [
    "CREATE INDEX IF NOT EXISTS quotes_fts ON quotes USING GIN"
    " (to_tsvector('english', coalesce(speaker_text, '') || ' ' || text))",
    "CREATE INDEX IF NOT EXISTS documents_fts ON documents USING GIN"
    " (to_tsvector('english', coalesce(title, '') || ' ' || text))",
]

# Like SQLite's snippet(..., '[', ']', ' … ', 12): one fragment of about a dozen words, matches in brackets.
HEADLINE_OPTIONS = 'StartSel=[, StopSel=], MaxFragments=1, MaxWords=12, MinWords=5, FragmentDelimiter=" … "'

# Key of the transaction-scoped advisory lock that serialises concurrent migrations ("parley" in ASCII).
MIGRATION_LOCK = 0x7061726C6579


class PostgresStore(Store):
    name = "postgres"
    placeholder = "%s"

    def __init__(self, conninfo: str, **connect_kwargs: Any) -> None:
        """Connect to `conninfo` (a postgresql:// URL or a libpq key=value string) and migrate.

        `connect_kwargs` go to `psycopg.connect`, e.g. `options="-c search_path=myschema"`."""
        super().__init__()
        self.conn = psycopg.connect(conninfo, autocommit=False, **connect_kwargs)
        try:
            self.migrate()
        except BaseException:
            self.close()
            raise

    # -- plumbing ---------------------------------------------------------------------------------
    def execute(self, statement: str, params: Sequence[Any] = ()) -> Any:
        try:
            return super().execute(statement, params)
        except psycopg.Error:
            # A failed statement aborts the whole transaction on PostgreSQL and every later statement would
            # fail too; nothing of it can be committed any more, so end it and keep the connection usable.
            self.conn.rollback()
            raise

    def query(self, statement: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        # With autocommit off even a read opens a transaction; a read on its own (not inside a save or a
        # migration) ends it, so a long-lived reader such as the web server is never left idle in transaction.
        standalone = self.conn.info.transaction_status == TransactionStatus.IDLE
        rows = super().query(statement, params)
        if standalone:
            self.conn.commit()
        return rows

    # -- errors and locks --------------------------------------------------------------------------
    lock_clause = " FOR UPDATE"

    def is_fatal(self, exc: BaseException) -> bool:
        # OperationalError covers a lost connection, a full disk (DiskFull), an admin shutdown and lock
        # failures that outlived the retries; InternalError a read-only transaction (a standby server).
        if isinstance(exc, (psycopg.errors.InsufficientPrivilege, psycopg.errors.ReadOnlySqlTransaction)):
            return True
        return isinstance(exc, (psycopg.OperationalError, psycopg.InternalError, psycopg.InterfaceError))

    def is_transient(self, exc: BaseException) -> bool:
        return isinstance(exc, (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure,
                                psycopg.errors.LockNotAvailable))

    def begin_save(self, doc_id: str) -> None:
        # Two ingests saving one document at once would both delete (nothing yet), then both insert it and
        # one would fail on the key; a transaction-scoped lock on the id makes the second wait and replace.
        self.execute("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", (f"parley-doc:{doc_id}",))

    # -- schema ------------------------------------------------------------------------------------
    def migrate(self) -> None:
        # Two processes starting at once (a web server and an ingest) would otherwise both create the
        # tables and record the version; the lock is released by the commit at the end of the migration.
        self.execute("SELECT pg_advisory_xact_lock(?)", (MIGRATION_LOCK,))
        super().migrate()

    def after_migration(self, version: int) -> None:
        if version == 1:
            for statement in FTS_STATEMENTS:
                self.execute(statement)

    # -- search ------------------------------------------------------------------------------------
    # NULLS LAST and the C collation give the order SQLite gives: undated last, ids compared bytewise.
    quote_order = 'quotes.published DESC NULLS LAST, quotes.doc COLLATE "C", quotes.start_char'

    def quote_match(self, q: str) -> tuple[str, str] | None:
        q = _text(q)
        if not q.strip():
            return None
        return f"{QUOTES_TSV} @@ plainto_tsquery('english', ?)", q

    def search_quotes(self, q: str, speaker: str | None = None, limit: int = 50, offset: int = 0
                      ) -> list[dict[str, Any]]:
        if speaker and "\x00" in speaker:
            return []  # PostgreSQL text holds no NUL, so no stored speaker can have one
        return super().search_quotes(q, speaker, limit, offset)

    def search_documents(self, q: str, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
        q = _text(q)
        if not q.strip():
            return []
        # Rank and page first, then build headlines (the costly part) only for the page's documents.
        return self.query(
            "SELECT documents.id, documents.title, documents.source, documents.published,"
            " ts_headline('english', documents.text, hits.query, ?) AS snippet"
            " FROM (SELECT documents.id, ts_rank(" + DOCUMENTS_TSV + ", query) AS rank, query"
            " FROM documents, plainto_tsquery('english', ?) AS query WHERE " + DOCUMENTS_TSV + " @@ query"
            ' ORDER BY rank DESC, documents.id COLLATE "C" LIMIT ? OFFSET ?) AS hits'
            ' JOIN documents ON documents.id = hits.id ORDER BY hits.rank DESC, documents.id COLLATE "C"',
            (HEADLINE_OPTIONS, q, limit, offset))


def _text(q: str) -> str:
    """Search text as PostgreSQL can take it: a NUL (which it cannot store or receive) separates words."""
    return q.replace("\x00", " ")

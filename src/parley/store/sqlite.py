"""SQLite store, the default: one file, FTS5 for full-text search over quotes and articles."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from parley.store.base import MIGRATIONS, Store

FTS_STATEMENTS = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS quotes_fts USING fts5(text, speaker_text, content='quotes',"
    " content_rowid='rowid', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS quotes_ai AFTER INSERT ON quotes BEGIN"
    " INSERT INTO quotes_fts(rowid, text, speaker_text) VALUES (new.rowid, new.text, new.speaker_text); END",
    "CREATE TRIGGER IF NOT EXISTS quotes_ad AFTER DELETE ON quotes BEGIN"
    " INSERT INTO quotes_fts(quotes_fts, rowid, text, speaker_text)"
    " VALUES ('delete', old.rowid, old.text, old.speaker_text); END",
    "CREATE VIRTUAL TABLE IF NOT EXISTS documents_fts USING fts5(title, text, content='documents',"
    " content_rowid='rowid', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS documents_ai AFTER INSERT ON documents BEGIN"
    " INSERT INTO documents_fts(rowid, title, text) VALUES (new.rowid, new.title, new.text); END",
    "CREATE TRIGGER IF NOT EXISTS documents_ad AFTER DELETE ON documents BEGIN"
    " INSERT INTO documents_fts(documents_fts, rowid, title, text)"
    " VALUES ('delete', old.rowid, old.title, old.text); END",
]


def fts_query(text: str) -> str:
    """User words as an FTS5 query of quoted terms: no operator in scraped or typed text can break it."""
    terms = [t.replace('"', '""') for t in text.replace("\x00", " ").split() if t.strip()]
    return " ".join(f'"{t}"' for t in terms)


# Seconds a statement waits for another process's write lock before 'database is locked' (two ingests, or
# an ingest and a web server, share one file); saves that still lose are retried (Store.save).
BUSY_TIMEOUT = 30.0
# Errors of one document's records; every other sqlite3.DatabaseError concerns the database itself
# (full disk, read-only file, I/O error, corrupt file) and ends the run.
PER_DOCUMENT_ERRORS = (sqlite3.IntegrityError, sqlite3.DataError, sqlite3.ProgrammingError, sqlite3.InterfaceError)


class SQLiteStore(Store):
    name = "sqlite"

    def __init__(self, path: str | Path = "parley.db", check_same_thread: bool = True) -> None:
        """Open (creating) a database file; a `file:` URI is passed to SQLite as one, so options such as
        `file:parley.db?mode=ro` (read-only) work."""
        super().__init__()
        self.path = str(path)
        self.conn = sqlite3.connect(self.path, check_same_thread=check_same_thread, timeout=BUSY_TIMEOUT,
                                    uri=self.path.startswith("file:"))
        try:
            self._retry_locked(lambda: self.conn.execute("PRAGMA journal_mode=WAL"))
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute("PRAGMA foreign_keys=ON")
            self._retry_locked(self.migrate)
        except BaseException:
            self.close()
            raise

    def _retry_locked(self, work) -> None:
        for attempt in range(1, 9):
            try:
                work()
                return
            except sqlite3.OperationalError as exc:
                self.rollback()
                if attempt == 8 or not self.is_transient(exc):
                    raise
                time.sleep(0.05 * 2 ** attempt)

    def migrate(self) -> None:
        tables = self.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'")
        if tables and (self.query_one("SELECT MAX(version) AS v FROM schema_version") or {}).get("v") == len(
                MIGRATIONS):
            return  # up to date: no write, so a read-only database (file:...?mode=ro) opens for reading
        # Take the write lock before reading the version: two processes opening a new file at once would
        # otherwise both run the migrations (and the second ALTER TABLE fails).
        if not self.conn.in_transaction:
            self.conn.execute("BEGIN IMMEDIATE")
        super().migrate()

    def begin_save(self, doc_id: str) -> None:
        # IMMEDIATE takes the write lock now, waiting (busy timeout) for another writer; a deferred
        # transaction that read first and writes later fails at once with 'database is locked' instead.
        if not self.conn.in_transaction:
            self.conn.execute("BEGIN IMMEDIATE")

    def is_fatal(self, exc: BaseException) -> bool:
        return isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, PER_DOCUMENT_ERRORS)

    def is_transient(self, exc: BaseException) -> bool:
        return isinstance(exc, sqlite3.OperationalError) and any(
            word in str(exc).lower() for word in ("locked", "busy"))

    def after_migration(self, version: int) -> None:
        if version == 1:
            for statement in FTS_STATEMENTS:
                self.execute(statement)

    def quote_match(self, q: str) -> tuple[str, str] | None:
        query = fts_query(q)
        if not query:
            return None
        return "quotes.rowid IN (SELECT rowid FROM quotes_fts WHERE quotes_fts MATCH ?)", query

    def search_documents(self, q: str, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
        if not fts_query(q):
            return []
        return self.query(
            "SELECT documents.id, documents.title, documents.source, documents.published,"
            " snippet(documents_fts, 1, '[', ']', ' … ', 12) AS snippet FROM documents_fts"
            " JOIN documents ON documents.rowid = documents_fts.rowid WHERE documents_fts MATCH ?"
            " ORDER BY rank LIMIT ? OFFSET ?", (fts_query(q), limit, offset))

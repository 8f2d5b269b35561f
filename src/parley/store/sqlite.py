"""SQLite store, the default: one file, FTS5 for full-text search over quotes and articles."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from parley.store.base import Store

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


class SQLiteStore(Store):
    name = "sqlite"

    def __init__(self, path: str | Path = "parley.db", check_same_thread: bool = True) -> None:
        super().__init__()
        self.path = str(path)
        self.conn = sqlite3.connect(self.path, check_same_thread=check_same_thread)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute("PRAGMA foreign_keys=ON")
        self.migrate()

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

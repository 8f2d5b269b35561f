"""The store: one schema, written in SQL that SQLite and PostgreSQL both speak.

Subclasses differ only in how they connect, their placeholder style, and full-text search. Saving a
document replaces all of its records in one transaction, so a re-ingest is idempotent and an interrupted
run leaves every document either wholly stored or not at all.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict
from typing import Any

from parley.dedupe import NEAR_DUPLICATE, Signature
from parley.records import (
    Actor,
    Document,
    DocumentResult,
    Event,
    Mention,
    Position,
    Proposal,
    ProposalStep,
    Quote,
    Skipped,
)

# Each migration is a list of statements; the index + 1 is the schema version.
MIGRATIONS: list[list[str]] = [
    [
        """CREATE TABLE IF NOT EXISTS documents (
            id TEXT PRIMARY KEY, source TEXT NOT NULL, url TEXT, title TEXT, published TEXT,
            language TEXT, text TEXT NOT NULL, boilerplate TEXT NOT NULL, raw_hash TEXT NOT NULL,
            text_hash TEXT NOT NULL, ingested_at TEXT NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS documents_published ON documents (published)",
        "CREATE INDEX IF NOT EXISTS documents_text_hash ON documents (text_hash)",
        """CREATE TABLE IF NOT EXISTS actors (
            id TEXT PRIMARY KEY, name TEXT NOT NULL, type TEXT NOT NULL, country TEXT, role TEXT,
            aliases TEXT NOT NULL)""",
        """CREATE TABLE IF NOT EXISTS mentions (
            doc TEXT NOT NULL, actor TEXT NOT NULL, start_char INTEGER NOT NULL, end_char INTEGER NOT NULL,
            text TEXT NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS mentions_doc ON mentions (doc)",
        "CREATE INDEX IF NOT EXISTS mentions_actor ON mentions (actor)",
        """CREATE TABLE IF NOT EXISTS quotes (
            id TEXT PRIMARY KEY, doc TEXT NOT NULL, speaker TEXT, speaker_text TEXT, cue TEXT,
            text TEXT NOT NULL, start_char INTEGER NOT NULL, end_char INTEGER NOT NULL,
            quote_kind TEXT NOT NULL, published TEXT)""",
        "CREATE INDEX IF NOT EXISTS quotes_doc ON quotes (doc)",
        "CREATE INDEX IF NOT EXISTS quotes_speaker ON quotes (speaker)",
        """CREATE TABLE IF NOT EXISTS events (
            id TEXT PRIMARY KEY, doc TEXT NOT NULL, type TEXT NOT NULL, mode TEXT, source TEXT NOT NULL,
            target TEXT NOT NULL, when_text TEXT, date TEXT, evidence TEXT NOT NULL,
            start_char INTEGER NOT NULL, end_char INTEGER NOT NULL, published TEXT)""",
        "CREATE INDEX IF NOT EXISTS events_doc ON events (doc)",
        "CREATE INDEX IF NOT EXISTS events_type ON events (type)",
        "CREATE INDEX IF NOT EXISTS events_date ON events (date)",
        """CREATE TABLE IF NOT EXISTS event_actors (
            event TEXT NOT NULL, doc TEXT NOT NULL, actor TEXT NOT NULL, side TEXT NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS event_actors_actor ON event_actors (actor)",
        "CREATE INDEX IF NOT EXISTS event_actors_event ON event_actors (event)",
        "CREATE INDEX IF NOT EXISTS event_actors_doc ON event_actors (doc)",
        """CREATE TABLE IF NOT EXISTS positions (
            id TEXT PRIMARY KEY, doc TEXT NOT NULL, actor TEXT NOT NULL, position_kind TEXT NOT NULL,
            topic TEXT NOT NULL, evidence TEXT NOT NULL, start_char INTEGER NOT NULL,
            end_char INTEGER NOT NULL, date TEXT)""",
        "CREATE INDEX IF NOT EXISTS positions_doc ON positions (doc)",
        "CREATE INDEX IF NOT EXISTS positions_actor_topic ON positions (actor, topic)",
        """CREATE TABLE IF NOT EXISTS proposals (
            id TEXT PRIMARY KEY, doc TEXT NOT NULL, proposer TEXT, name TEXT NOT NULL, evidence TEXT NOT NULL,
            start_char INTEGER NOT NULL, end_char INTEGER NOT NULL, steps TEXT NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS proposals_doc ON proposals (doc)",
        """CREATE TABLE IF NOT EXISTS skipped (
            source TEXT PRIMARY KEY, reason TEXT NOT NULL, at TEXT NOT NULL)""",
    ],
]

MIGRATIONS.append([  # 2: near-duplicate detection (parley.dedupe): MinHash signatures and LSH band keys
    "CREATE TABLE IF NOT EXISTS signatures (doc TEXT PRIMARY KEY, sig TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS signature_bands (band TEXT NOT NULL, doc TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS signature_bands_band ON signature_bands (band)",
    "CREATE INDEX IF NOT EXISTS signature_bands_doc ON signature_bands (doc)",
])

MIGRATIONS.append([  # 3: the timeline filters positions by topic (measured: 94 -> 60 ms p95 at 20,000 reports)
    "CREATE INDEX IF NOT EXISTS positions_topic ON positions (topic, doc)",
])

MIGRATIONS.append([  # 4: how precise an event's date is (day, week, month, year)
    "ALTER TABLE events ADD COLUMN date_precision TEXT",
])

PER_DOCUMENT_TABLES = ("mentions", "quotes", "events", "event_actors", "positions", "proposals", "signatures",
                       "signature_bands")


# How often a save that lost a race for a lock (another process writing the same database) is tried.
SAVE_ATTEMPTS = 8


class Store:
    """Shared logic; subclasses set `placeholder` and implement connect / search / migrations extras."""

    placeholder = "?"
    name = "store"
    lock_clause = ""  # appended to a read of a row the transaction will update ('FOR UPDATE' where supported)

    def __init__(self) -> None:
        self.conn: Any = None

    # -- plumbing ---------------------------------------------------------------------------------
    def sql(self, statement: str) -> str:
        return statement.replace("?", self.placeholder) if self.placeholder != "?" else statement

    def execute(self, statement: str, params: Sequence[Any] = ()) -> Any:
        cur = self.conn.cursor()
        cur.execute(self.sql(statement), tuple(params))
        return cur

    def query(self, statement: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        cur = self.execute(statement, params)
        cols = [c[0] for c in cur.description] if cur.description else []
        return [dict(zip(cols, row)) for row in cur.fetchall()]

    def query_one(self, statement: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        rows = self.query(statement, params)
        return rows[0] if rows else None

    def commit(self) -> None:
        self.conn.commit()

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema ------------------------------------------------------------------------------------
    def migrate(self) -> None:
        self.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        row = self.query_one("SELECT MAX(version) AS v FROM schema_version")
        current = (row or {}).get("v") or 0
        for version, statements in enumerate(MIGRATIONS, start=1):
            if version <= current:
                continue
            for statement in statements:
                self.execute(statement)
            self.after_migration(version)
            self.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))
        self.commit()

    def after_migration(self, version: int) -> None:
        """Backend-specific additions (full-text indexes)."""

    # -- errors ------------------------------------------------------------------------------------
    def is_fatal(self, exc: BaseException) -> bool:
        """Whether `exc` is a failure of the store as a whole (disk full, read-only, connection lost), which
        ends a run, rather than of one document's records (a constraint, a value refused), which skips it."""
        return False

    def is_transient(self, exc: BaseException) -> bool:
        """Whether `exc` means another writer held a lock (busy, deadlock, serialization): worth a retry."""
        return False

    def begin_save(self, doc_id: str) -> None:
        """Start a document's save transaction (backends take their write lock here)."""

    # -- writing -----------------------------------------------------------------------------------
    def is_current(self, doc_id: str, raw_hash: str) -> bool:
        row = self.query_one("SELECT raw_hash FROM documents WHERE id = ?", (doc_id,))
        return bool(row and row["raw_hash"] == raw_hash)

    def duplicate_of(self, doc_id: str, text_hash: str) -> str | None:
        row = self.query_one("SELECT id, source FROM documents WHERE text_hash = ? AND id <> ?", (text_hash, doc_id))
        return row["source"] if row else None

    def near_duplicate_of(self, doc_id: str, sig: Signature) -> tuple[str, float] | None:
        """The stored document most like `sig` above the near-duplicate threshold: (source, similarity)."""
        bands = sig.bands()
        marks = ", ".join("?" for _ in bands)
        rows = self.query(
            f"SELECT DISTINCT s.doc, s.sig, d.source FROM signature_bands b JOIN signatures s ON s.doc = b.doc"
            f" JOIN documents d ON d.id = s.doc WHERE b.band IN ({marks}) AND b.doc <> ?", (*bands, doc_id))
        best = max(((r["source"], sig.similarity(Signature.loads(r["sig"]))) for r in rows), key=lambda x: x[1],
                   default=None)
        return best if best and best[1] >= NEAR_DUPLICATE else None

    def save(self, result: DocumentResult, text_hash: str, now: str, sig: Signature | None = None) -> None:
        """Replace everything stored for this document with `result`, in one transaction; a save that
        lost a race for a lock with another process is rolled back and tried again."""
        for attempt in range(1, SAVE_ATTEMPTS + 1):
            try:
                self._save(result, text_hash, now, sig)
                return
            except Exception as exc:
                if attempt == SAVE_ATTEMPTS or not self.is_transient(exc):
                    raise
                time.sleep(min(2.0, 0.05 * 2 ** attempt))

    def _save(self, result: DocumentResult, text_hash: str, now: str, sig: Signature | None = None) -> None:
        d = result.document
        try:
            self.begin_save(d.id)
            for table in PER_DOCUMENT_TABLES:
                self.execute(f"DELETE FROM {table} WHERE doc = ?", (d.id,))
            self.execute("DELETE FROM documents WHERE id = ?", (d.id,))
            self.execute("DELETE FROM skipped WHERE source = ?", (d.source,))
            self.execute(
                "INSERT INTO documents (id, source, url, title, published, language, text, boilerplate, raw_hash,"
                " text_hash, ingested_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (d.id, d.source, d.url, d.title, d.published.isoformat() if d.published else None, d.language,
                 d.text, json.dumps(d.boilerplate, ensure_ascii=False), d.raw_hash, text_hash, now))
            for a in sorted(result.actors, key=lambda a: a.id):  # one lock order: no deadlock between writers
                self.upsert_actor(a)
            self.executemany("INSERT INTO mentions (doc, actor, start_char, end_char, text) VALUES (?, ?, ?, ?, ?)",
                             [(m.doc, m.actor, m.start, m.end, m.text) for m in result.mentions])
            published = d.published.isoformat() if d.published else None
            self.executemany(
                "INSERT INTO quotes (id, doc, speaker, speaker_text, cue, text, start_char, end_char, quote_kind,"
                " published) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(q.id, q.doc, q.speaker, q.speaker_text, q.cue, q.text, q.start, q.end, q.quote_kind, published)
                 for q in result.quotes])
            self.executemany(
                "INSERT INTO events (id, doc, type, mode, source, target, when_text, date, evidence, start_char,"
                " end_char, published, date_precision) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(e.id, e.doc, e.type, e.mode, json.dumps(e.source), json.dumps(e.target), e.when, e.date,
                  e.evidence, e.start, e.end, published, e.date_precision) for e in result.events])
            self.executemany(
                "INSERT INTO event_actors (event, doc, actor, side) VALUES (?, ?, ?, ?)",
                [(e.id, e.doc, a, side) for e in result.events
                 for side, actors in (("source", e.source), ("target", e.target)) for a in actors])
            self.executemany(
                "INSERT INTO positions (id, doc, actor, position_kind, topic, evidence, start_char, end_char, date)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(p.id, p.doc, p.actor, p.position_kind, p.topic, p.evidence, p.start, p.end, p.date)
                 for p in result.positions])
            self.executemany(
                "INSERT INTO proposals (id, doc, proposer, name, evidence, start_char, end_char, steps)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(p.id, p.doc, p.proposer, p.name, p.evidence, p.start, p.end,
                  json.dumps([asdict(s) for s in p.steps], ensure_ascii=False)) for p in result.proposals])
            if sig is not None:
                self.execute("INSERT INTO signatures (doc, sig) VALUES (?, ?)", (d.id, sig.dumps()))
                self.executemany("INSERT INTO signature_bands (band, doc) VALUES (?, ?)",
                                 [(band, d.id) for band in sig.bands()])
            self.after_save(result)
            self.commit()
        except BaseException:  # KeyboardInterrupt too: nothing of the document stays half-written
            self.rollback()
            raise

    def rollback(self) -> None:
        # a lost connection has nothing to roll back; the original error is the one to see
        with contextlib.suppress(Exception):
            self.conn.rollback()

    def after_save(self, result: DocumentResult) -> None:
        """Backend-specific index maintenance."""

    def executemany(self, statement: str, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            self.conn.cursor().executemany(self.sql(statement), rows)

    def upsert_actor(self, actor: Actor) -> None:
        # Insert-if-absent first (two writers may both find the actor missing), then read the row under a
        # lock and merge, so concurrent saves neither collide on the key nor lose each other's aliases.
        cur = self.execute(
            "INSERT INTO actors (id, name, type, country, role, aliases) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (id) DO NOTHING",
            (actor.id, actor.name, actor.type, actor.country, actor.role,
             json.dumps(actor.aliases, ensure_ascii=False)))
        if cur.rowcount == 1:
            return
        row = self.query_one("SELECT aliases, role, country FROM actors WHERE id = ?" + self.lock_clause, (actor.id,))
        assert row is not None
        aliases = json.loads(row["aliases"])
        aliases += [a for a in actor.aliases if a not in aliases]
        self.execute("UPDATE actors SET aliases = ?, role = ?, country = ? WHERE id = ?",
                     (json.dumps(aliases, ensure_ascii=False), row["role"] or actor.role,
                      row["country"] or actor.country, actor.id))

    def record_skip(self, skipped: Skipped, now: str) -> None:
        # one statement (an upsert): two writers skipping the same source cannot collide on its key
        for attempt in range(1, SAVE_ATTEMPTS + 1):
            try:
                self.execute("INSERT INTO skipped (source, reason, at) VALUES (?, ?, ?) ON CONFLICT (source)"
                             " DO UPDATE SET reason = excluded.reason, at = excluded.at",
                             (skipped.source, skipped.reason, now))
                self.commit()
                return
            except Exception as exc:
                self.rollback()
                if attempt == SAVE_ATTEMPTS or not self.is_transient(exc):
                    raise
                time.sleep(min(2.0, 0.05 * 2 ** attempt))

    # -- reading -----------------------------------------------------------------------------------
    def documents(self) -> Iterator[Document]:
        for row in self.query("SELECT * FROM documents ORDER BY published IS NOT NULL, published, id"):
            yield _document(row)

    def document(self, doc_id: str) -> Document | None:
        row = self.query_one("SELECT * FROM documents WHERE id = ?", (doc_id,))
        return _document(row) if row else None

    def actors(self) -> list[Actor]:
        return [Actor(id=r["id"], name=r["name"], type=r["type"], country=r["country"], role=r["role"],
                      aliases=json.loads(r["aliases"])) for r in self.query("SELECT * FROM actors ORDER BY id")]

    def result(self, doc_id: str) -> DocumentResult | None:
        """Everything stored for one document, as the records the pipeline produced."""
        document = self.document(doc_id)
        if document is None:
            return None
        p = (doc_id,)
        mentions = [Mention(r["doc"], r["actor"], r["start_char"], r["end_char"], r["text"])
                    for r in self.query("SELECT * FROM mentions WHERE doc = ? ORDER BY start_char", p)]
        quotes = [Quote(r["id"], r["doc"], r["speaker"], r["speaker_text"], r["cue"], r["text"], r["start_char"],
                        r["end_char"], r["quote_kind"])
                  for r in self.query("SELECT * FROM quotes WHERE doc = ? ORDER BY start_char", p)]
        events = [Event(r["id"], r["doc"], r["type"], r["mode"], json.loads(r["source"]), json.loads(r["target"]),
                        r["when_text"], r["date"], r["evidence"], r["start_char"], r["end_char"],
                        r.get("date_precision"))
                  for r in self.query("SELECT * FROM events WHERE doc = ? ORDER BY start_char", p)]
        positions = [Position(r["id"], r["doc"], r["actor"], r["position_kind"], r["topic"], r["evidence"],
                              r["start_char"], r["end_char"], r["date"])
                     for r in self.query("SELECT * FROM positions WHERE doc = ? ORDER BY start_char", p)]
        proposals = [Proposal(r["id"], r["doc"], r["proposer"], r["name"], r["evidence"], r["start_char"],
                              r["end_char"], [ProposalStep(**s) for s in json.loads(r["steps"])])
                     for r in self.query("SELECT * FROM proposals WHERE doc = ? ORDER BY start_char", p)]
        return DocumentResult(document, [], mentions, quotes, events, positions, proposals)

    def skipped(self) -> list[Skipped]:
        return [Skipped(r["source"], r["reason"]) for r in self.query("SELECT * FROM skipped ORDER BY source")]

    def counts(self) -> dict[str, int]:
        tables = ("documents", "actors", "mentions", "quotes", "events", "positions", "proposals", "skipped")
        return {t: self.query_one(f"SELECT COUNT(*) AS n FROM {t}")["n"] for t in tables}

    # Backends say how a full-text match on quotes is written and how results are ordered.
    quote_order = "quotes.published DESC, quotes.doc, quotes.start_char"

    def quote_match(self, q: str) -> tuple[str, Any] | None:
        """(SQL condition with one placeholder, its parameter) matching quotes to the words of `q`."""
        raise NotImplementedError

    def search_quotes(self, q: str, speaker: str | None = None, limit: int = 50, offset: int = 0
                      ) -> list[dict[str, Any]]:
        """Quotes matching the words of `q` (all quotes when blank), optionally of one speaker."""
        where: list[str] = []
        params: list[Any] = []
        match = self.quote_match(q)
        if match:
            where.append(match[0])
            params.append(match[1])
        if speaker:
            where.append("quotes.speaker = ?")
            params.append(speaker)
        clause = ("WHERE " + " AND ".join(where)) if where else ""
        return self.query(f"SELECT quotes.* FROM quotes {clause} ORDER BY {self.quote_order} LIMIT ? OFFSET ?",
                          (*params, limit, offset))

    def search_documents(self, q: str, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
        """Documents matching the words of `q`, best first: id, title, source, published, snippet."""
        raise NotImplementedError


def _document(row: dict[str, Any]) -> Document:
    from datetime import date

    return Document(id=row["id"], source=row["source"], text=row["text"], title=row["title"], url=row["url"],
                    published=date.fromisoformat(row["published"]) if row["published"] else None,
                    language=row["language"] or "en", boilerplate=json.loads(row["boilerplate"]),
                    raw_hash=row["raw_hash"])

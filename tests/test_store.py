"""The store, on every backend: one set of tests that SQLite and PostgreSQL must both pass.

Records are built by hand, so no spaCy model is needed. The PostgreSQL runs need a server: set
PARLEY_TEST_POSTGRES=postgresql://user:password@host:port/dbname (`.ci/run` starts one). Each test gets
a schema of its own in that database, dropped afterwards, so runs never see each other's rows.
"""

from __future__ import annotations

import importlib.util
import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import pytest

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
from parley.store import open_store
from parley.store.base import MIGRATIONS, Store

POSTGRES_URL = os.environ.get("PARLEY_TEST_POSTGRES", "")
HAS_PSYCOPG = importlib.util.find_spec("psycopg") is not None
if not POSTGRES_URL.startswith(("postgresql://", "postgres://")):
    WHY_NO_POSTGRES = ("set PARLEY_TEST_POSTGRES=postgresql://user:password@host:port/dbname"
                       " to test the PostgreSQL store")
elif not HAS_PSYCOPG:
    WHY_NO_POSTGRES = "psycopg is not installed: pip install -e '.[postgres]' to test the PostgreSQL store"
else:
    WHY_NO_POSTGRES = ""
needs_postgres = pytest.mark.skipif(bool(WHY_NO_POSTGRES), reason=WHY_NO_POSTGRES)

NOW = "2024-05-01T12:00:00+00:00"
COUNT_KEYS = {"documents", "actors", "mentions", "quotes", "events", "positions", "proposals", "skipped"}
QUOTE_COLUMNS = {"id", "doc", "speaker", "speaker_text", "cue", "text", "start_char", "end_char",
                 "quote_kind", "published"}
HOSTILE = [
    '"; DROP TABLE quotes; --',
    "'); DROP TABLE documents; --",
    "NEAR(",
    "NEAR(territory ceasefire, 2)",
    '"',
    "'",
    "*",
    "territory*",
    "^territory",
    "text:territory",
    "speaker_text : x",
    "territory OR 1=1",
    "AND",
    "OR NOT",
    "(",
    ")",
    "{territory}",
    "-territory",
    "--",
    "!!! & | <-> :*",
    "?",
    "%s",
    "%(x)s",
    "%",
    "\\",
    "ceasefire\\",
    "Зеленський ‘quoted’ “curly” 🇺🇦",
]


# -- records ---------------------------------------------------------------------------------------


def span(text: str, needle: str) -> tuple[int, int]:
    start = text.index(needle)
    return start, start + len(needle)


def actors(extra_alias: str | None = None) -> list[Actor]:
    zelensky = Actor("zelensky", "Volodymyr Zelensky", "PERSON", "UKR", "President of Ukraine",
                     ["Zelensky", "Зеленський"])
    if extra_alias:
        zelensky = replace(zelensky, aliases=[*zelensky.aliases, extra_alias], role=None)
    return [
        zelensky,
        Actor("peskov", "Dmitry Peskov", "PERSON", "RUS", "Kremlin spokesman", ["Peskov"]),
        Actor("erdogan", "Recep Tayyip Erdoğan", "PERSON", "TUR", None, ["Erdoğan", "Erdogan"]),
        Actor("UKR", "Ukraine", "COUNTRY", "UKR"),
    ]


def full_result(doc_id: str = "doc-1", source: str = "reports/one.txt",
                published: date | None = date(2022, 3, 20), title: str | None = "Istanbul talks",
                extra_alias: str | None = None) -> DocumentResult:
    """A document with every kind of record, some fields NULL, and text that looks like SQL and FTS syntax."""
    text = (
        "KYIV — Zelensky said: “We will not trade territory for a ceasefire.” "
        "Kremlin spokesman Dmitry Peskov said talks in Istanbul were possible next week. "
        "Erdoğan proposed a three-step plan: a ceasefire, then a prisoner exchange, then a summit. "
        "Protesters chanted “Зеленський!” 🇺🇦 while a banner read '; DROP TABLE quotes; -- NEAR( ? %s'."
    )
    document = Document(id=doc_id, source=source, text=text, title=title, url=f"https://example.org/{doc_id}",
                        published=published, language="en",
                        boilerplate=["Advertisement", "Share this — ‘now’"], raw_hash=f"raw-{doc_id}")
    mentions = [Mention(doc_id, actor, *span(text, needle), needle) for actor, needle in
                (("zelensky", "Zelensky"), ("peskov", "Dmitry Peskov"), ("erdogan", "Erdoğan"),
                 ("zelensky", "Зеленський"))]
    q1 = "We will not trade territory for a ceasefire."
    q2 = "talks in Istanbul were possible next week"
    q3 = "; DROP TABLE quotes; -- NEAR( ? %s"
    quotes = [
        Quote(f"{doc_id}:q1", doc_id, "zelensky", "Zelensky", "said", q1, *span(text, q1), "direct"),
        Quote(f"{doc_id}:q2", doc_id, "peskov", "Dmitry Peskov", "said", q2, *span(text, q2), "indirect"),
        Quote(f"{doc_id}:q3", doc_id, None, None, None, q3, *span(text, q3), "direct"),
    ]
    e1 = "Dmitry Peskov said talks in Istanbul were possible next week."
    e2 = "Erdoğan proposed a three-step plan"
    events = [
        Event(f"{doc_id}:e1", doc_id, "CONSULT", "meet", ["RUS", "peskov"], ["UKR"], "next week", "2022-03",
              e1, *span(text, e1)),
        Event(f"{doc_id}:e2", doc_id, "REQUEST", None, ["erdogan"], [], None, None, e2, *span(text, e2)),
    ]
    positions = [
        Position(f"{doc_id}:p1", doc_id, "zelensky", "red_line", "territory", q1, *span(text, q1),
                 "2022-03-20"),
        Position(f"{doc_id}:p2", doc_id, "peskov", "assessment", "negotiations", q2, *span(text, q2)),
    ]
    plan = "a three-step plan: a ceasefire, then a prisoner exchange, then a summit."
    steps = [ProposalStep(order, summary, needle, *span(text, needle)) for order, summary, needle in
             ((1, "ceasefire", "a ceasefire, then"), (2, "prisoner exchange", "a prisoner exchange"),
              (3, "summit", "a summit"))]
    proposals = [  # every list in offset order, the order Store.result gives records back in
        Proposal(f"{doc_id}:pr2", doc_id, None, "talks", e1, *span(text, e1)),
        Proposal(f"{doc_id}:pr1", doc_id, "erdogan", "three-step plan", plan, *span(text, plan), steps),
    ]
    return DocumentResult(document, actors(extra_alias), mentions, quotes, events, positions, proposals)


def small_result(doc_id: str = "doc-1", source: str = "reports/one.txt") -> DocumentResult:
    """A later, shorter version of a document: fewer records of every kind, some kinds none at all."""
    text = "Update: Peskov now says the Istanbul talks are off; Zelensky offers a prisoner exchange."
    document = Document(id=doc_id, source=source, text=text, title="Negotiations suspended",
                        published=date(2022, 3, 29), raw_hash=f"raw2-{doc_id}")
    q = "the Istanbul talks are off"
    offer = "Zelensky offers a prisoner exchange"
    return DocumentResult(
        document, [Actor("peskov", "Dmitry Peskov", "PERSON", "RUS")],
        [Mention(doc_id, "peskov", *span(text, "Peskov"), "Peskov")],
        [Quote(f"{doc_id}:q9", doc_id, "peskov", "Peskov", "says", q, *span(text, q), "indirect")],
        [Event(f"{doc_id}:e9", doc_id, "REJECT", None, ["peskov"], ["UKR", "zelensky"], "now", "2022-03-29",
               text, 0, len(text))],
        [Position(f"{doc_id}:p9", doc_id, "zelensky", "offer", "humanitarian", offer, *span(text, offer))],
        [],
    )


def stored_form(result: DocumentResult) -> DocumentResult:
    """What `Store.result` gives back: actors are shared, not per document, so they come back empty."""
    return replace(result, actors=[])


def text_hash(result: DocumentResult) -> str:
    return f"text-{result.document.id}-{len(result.document.text)}"


# -- backends --------------------------------------------------------------------------------------


@dataclass
class Backend:
    """One database that tests can open any number of stores on (each store is one connection)."""

    name: str
    db: str
    error: type[Exception]  # what the driver raises for a constraint violation
    opened: list[Store] = field(default_factory=list)

    def open(self) -> Store:
        store = open_store(self.db)
        self.opened.append(store)
        return store

    def close_all(self) -> None:
        for store in self.opened:
            store.close()

    def scalar(self, store: Store, statement: str) -> Any:
        row = store.query_one(statement)
        assert row is not None
        return next(iter(row.values()))


def postgres_url(schema: str) -> str:
    """PARLEY_TEST_POSTGRES with `schema` as the search path, and timeouts so a held lock fails, not hangs."""
    parts = urlsplit(POSTGRES_URL)
    options = f"-csearch_path={schema} -clock_timeout=20s -cstatement_timeout=120s"
    query = urlencode([*parse_qsl(parts.query), ("options", options)], quote_via=quote)
    return urlunsplit(parts._replace(query=query))


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A fresh, empty schema in the test database, dropped with everything in it afterwards."""
    import psycopg

    name = f"parley_test_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{name}"')
        try:
            yield name
        finally:
            admin.execute("SET lock_timeout = '20s'")
            admin.execute(f'DROP SCHEMA "{name}" CASCADE')


@contextmanager
def make_backend(name: str, tmp_path: Path) -> Iterator[Backend]:
    if name == "sqlite":
        backend = Backend("sqlite", str(tmp_path / "parley.db"), sqlite3.IntegrityError)
        try:
            yield backend
        finally:
            backend.close_all()
        return
    import psycopg

    with postgres_schema() as schema:
        backend = Backend("postgres", postgres_url(schema), psycopg.errors.UniqueViolation)
        try:
            yield backend
        finally:
            backend.close_all()


BACKENDS = ["sqlite", pytest.param("postgres", marks=[pytest.mark.postgres, needs_postgres])]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    with make_backend(request.param, tmp_path) as b:
        yield b


@pytest.fixture
def store(backend: Backend) -> Store:
    return backend.open()


def save(store: Store, result: DocumentResult) -> None:
    store.save(result, text_hash(result), NOW)


def row_count(backend: Backend, store: Store, table: str) -> int:
    return int(backend.scalar(store, f"SELECT COUNT(*) AS n FROM {table}"))


def all_counts(backend: Backend, store: Store) -> dict[str, int]:
    """counts() plus the tables it leaves out."""
    return {**store.counts(), "event_actors": row_count(backend, store, "event_actors"),
            "schema_version": row_count(backend, store, "schema_version")}


# -- schema ----------------------------------------------------------------------------------------


def test_open_migrates_an_empty_database(backend: Backend, store: Store) -> None:
    assert store.counts() == dict.fromkeys(COUNT_KEYS, 0)
    # one row per migration applied, in order: the history of the schema
    versions = store.query("SELECT version FROM schema_version ORDER BY version")
    assert versions == [{"version": v} for v in range(1, len(MIGRATIONS) + 1)]
    assert list(store.documents()) == [] and store.actors() == [] and store.skipped() == []


def test_migrate_is_idempotent(backend: Backend, store: Store) -> None:
    store.migrate()
    store.migrate()
    save(store, full_result())
    before = all_counts(backend, store)
    store.migrate()
    store.migrate()
    again = backend.open()  # opening an existing database migrates it once more
    for s in (store, again):
        versions = s.query("SELECT version FROM schema_version ORDER BY version")
        assert versions == [{"version": v} for v in range(1, len(MIGRATIONS) + 1)]
        assert all_counts(backend, s) == before
        assert s.result("doc-1") == stored_form(full_result())
    # full-text indexing still happens exactly once per row
    save(again, full_result())
    assert [q["id"] for q in again.search_quotes("territory")] == ["doc-1:q1"]
    assert [d["id"] for d in again.search_documents("Istanbul")] == ["doc-1"]


# -- writing ---------------------------------------------------------------------------------------


def test_save_round_trips_every_record_kind(backend: Backend, store: Store) -> None:
    first = full_result()
    second = full_result("doc-2", "https://example.org/2?a=1&b='x'", published=None, title=None)
    second.document.url = None
    save(store, first)
    save(store, second)
    for s in (store, backend.open()):  # the same connection, and a new one: it was committed
        assert s.result("doc-1") == stored_form(first)
        assert s.result("doc-2") == stored_form(second)
        assert s.document("doc-2") == second.document
        assert s.result("missing") is None and s.document("missing") is None
        assert {d.id for d in s.documents()} == {"doc-1", "doc-2"}
        assert s.actors() == sorted(actors(), key=lambda a: a.id)


def test_documents_are_listed_by_date(store: Store) -> None:
    save(store, full_result("b", "b.txt", published=date(2022, 3, 2)))
    save(store, full_result("a", "a.txt", published=date(2022, 3, 9)))
    save(store, full_result("u", "u.txt", published=None))
    save(store, full_result("c", "c.txt", published=date(2022, 3, 2)))
    assert [d.id for d in store.documents()] == ["u", "b", "c", "a"]  # undated first, then oldest first


def test_saving_again_replaces_the_document(backend: Backend, store: Store) -> None:
    save(store, full_result())
    save(store, full_result("doc-2", "two.txt"))
    once = all_counts(backend, store)
    save(store, full_result())  # re-ingest of an unchanged document: nothing doubles
    save(store, full_result())
    assert all_counts(backend, store) == once
    assert store.result("doc-1") == stored_form(full_result())

    save(store, small_result())  # a changed document: its old records are all gone
    assert store.result("doc-1") == stored_form(small_result())
    assert store.result("doc-2") == stored_form(full_result("doc-2", "two.txt"))
    counts = all_counts(backend, store)
    assert counts["documents"] == 2
    assert counts["quotes"] == 3 + 1 and counts["mentions"] == 4 + 1 and counts["events"] == 2 + 1
    assert counts["positions"] == 2 + 1 and counts["proposals"] == 2 + 0
    assert counts["event_actors"] == (3 + 1) + 3
    assert store.query("SELECT id FROM quotes WHERE doc = ?", ("doc-1",)) == [{"id": "doc-1:q9"}]


def test_actors_are_merged_across_documents(store: Store) -> None:
    save(store, full_result())
    save(store, full_result("doc-2", "two.txt", extra_alias="Zelenskyy"))
    zelensky = next(a for a in store.actors() if a.id == "zelensky")
    assert zelensky.aliases == ["Zelensky", "Зеленський", "Zelenskyy"]
    assert zelensky.role == "President of Ukraine"  # a later document without a role keeps the known one
    assert len(store.actors()) == 4


def fail_on_events(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    original = store.executemany

    def executemany(statement: str, rows: list[tuple[Any, ...]]) -> None:
        if statement.startswith("INSERT INTO events"):
            raise RuntimeError("simulated crash halfway through save")
        original(statement, rows)

    monkeypatch.setattr(store, "executemany", executemany)


def test_a_failed_save_keeps_the_stored_version(backend: Backend, store: Store,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    save(store, full_result())
    save(store, full_result("doc-2", "two.txt"))
    before = all_counts(backend, store)
    fail_on_events(store, monkeypatch)
    with pytest.raises(RuntimeError, match="simulated crash"):
        save(store, small_result())  # replacing doc-1 fails after its old rows were deleted
    with pytest.raises(RuntimeError, match="simulated crash"):
        save(store, full_result("doc-3", "three.txt"))  # so does adding a new one
    monkeypatch.undo()
    # nothing already stored is lost, nothing half-written is kept: seen from this and a new connection
    for s in (store, backend.open()):
        assert all_counts(backend, s) == before
        assert s.result("doc-1") == stored_form(full_result())
        assert s.result("doc-2") == stored_form(full_result("doc-2", "two.txt"))
        assert s.result("doc-3") is None
        assert s.is_current("doc-1", "raw-doc-1")
    # and the store is still usable
    save(store, small_result())
    assert backend.open().result("doc-1") == stored_form(small_result())


def test_a_database_error_mid_save_rolls_back(backend: Backend, store: Store) -> None:
    save(store, full_result())
    before = all_counts(backend, store)
    broken = small_result()
    # the same quote id twice: the primary key is violated by the second insert
    broken.quotes.append(replace(broken.quotes[0], start=1, end=2))
    with pytest.raises(backend.error):
        save(store, broken)
    for s in (store, backend.open()):
        assert all_counts(backend, s) == before
        assert s.result("doc-1") == stored_form(full_result())
    save(store, small_result())
    assert store.result("doc-1") == stored_form(small_result())


def test_is_current_and_duplicate_of(store: Store) -> None:
    assert not store.is_current("doc-1", "raw-doc-1")
    save(store, full_result())
    assert store.is_current("doc-1", "raw-doc-1")
    assert not store.is_current("doc-1", "raw-changed")
    assert not store.is_current("doc-2", "raw-doc-1")
    same_text = text_hash(full_result())
    assert store.duplicate_of("doc-2", same_text) == "reports/one.txt"
    assert store.duplicate_of("doc-1", same_text) is None  # a document is no duplicate of itself
    assert store.duplicate_of("doc-2", "other-hash") is None


def test_record_skip(backend: Backend, store: Store) -> None:
    store.record_skip(Skipped("reports/one.txt", "empty after cleaning"), NOW)
    store.record_skip(Skipped("bad.bin", "binary file"), NOW)
    store.record_skip(Skipped("bad.bin", "not text: binary"), NOW)  # the latest reason replaces the earlier
    assert backend.open().skipped() == [Skipped("bad.bin", "not text: binary"),
                                        Skipped("reports/one.txt", "empty after cleaning")]
    save(store, full_result())  # storing a source clears its skip
    assert store.skipped() == [Skipped("bad.bin", "not text: binary")]
    assert store.counts()["skipped"] == 1


def test_counts(store: Store) -> None:
    save(store, full_result())
    save(store, small_result("doc-2", "two.txt"))
    store.record_skip(Skipped("x.pdf", "unsupported"), NOW)
    assert store.counts() == {"documents": 2, "actors": 4, "mentions": 5, "quotes": 4, "events": 3,
                              "positions": 3, "proposals": 2, "skipped": 1}


# -- search ----------------------------------------------------------------------------------------


def test_search_quotes(store: Store) -> None:
    save(store, full_result())
    hits = store.search_quotes("territory")
    assert [h["id"] for h in hits] == ["doc-1:q1"]
    assert set(hits[0]) == QUOTE_COLUMNS
    assert hits[0]["text"] == "We will not trade territory for a ceasefire."
    assert hits[0]["speaker"] == "zelensky" and hits[0]["published"] == "2022-03-20"
    # every word must match, in any case
    assert [h["id"] for h in store.search_quotes("TERRITORY ceasefire")] == ["doc-1:q1"]
    assert store.search_quotes("territory Istanbul") == []
    assert [h["id"] for h in store.search_quotes("Istanbul")] == ["doc-1:q2"]
    # the speaker's name as written in the report is searched too
    assert [h["id"] for h in store.search_quotes("Peskov")] == ["doc-1:q2"]
    assert store.search_quotes("armistice") == []


def test_search_quotes_by_speaker(store: Store) -> None:
    save(store, full_result())
    assert [h["id"] for h in store.search_quotes("territory", speaker="zelensky")] == ["doc-1:q1"]
    assert store.search_quotes("territory", speaker="peskov") == []
    assert [h["id"] for h in store.search_quotes("", speaker="peskov")] == ["doc-1:q2"]
    assert [h["id"] for h in store.search_quotes("   ", speaker="zelensky")] == ["doc-1:q1"]
    assert store.search_quotes("", speaker="nobody") == []


def test_search_quotes_order_and_pages(store: Store) -> None:
    dates = {"a": date(2022, 3, 1), "b": None, "c": date(2022, 4, 1), "d": date(2022, 4, 1)}
    for doc_id, published in dates.items():
        save(store, full_result(doc_id, f"{doc_id}.txt", published=published))
    ids = [h["doc"] for h in store.search_quotes("ceasefire")]
    assert ids == ["c", "d", "a", "b"]  # newest first, undated last, then by document
    assert [h["doc"] for h in store.search_quotes("ceasefire", limit=2)] == ["c", "d"]
    assert [h["doc"] for h in store.search_quotes("ceasefire", limit=2, offset=2)] == ["a", "b"]
    assert store.search_quotes("ceasefire", offset=4) == []
    assert [h["id"] for h in store.search_quotes("", speaker="zelensky", limit=1)] == ["c:q1"]


def test_search_documents(store: Store) -> None:
    save(store, full_result())
    save(store, small_result("doc-2", "two.txt"))
    hits = store.search_documents("prisoner exchange")
    assert {h["id"] for h in hits} == {"doc-1", "doc-2"}
    for hit in hits:
        assert set(hit) == {"id", "title", "source", "published", "snippet"}
    hit = store.search_documents("Kremlin")[0]
    assert (hit["id"], hit["title"], hit["source"], hit["published"]) == (
        "doc-1", "Istanbul talks", "reports/one.txt", "2022-03-20")
    assert "[Kremlin]" in hit["snippet"]
    assert [h["id"] for h in store.search_documents("suspended")] == ["doc-2"]  # the title is searched too
    assert store.search_documents("armistice") == []
    assert [h["id"] for h in store.search_documents("summit", limit=1)] == ["doc-1"]
    assert store.search_documents("summit", offset=1) == []


@pytest.mark.parametrize("q", HOSTILE)
def test_hostile_search_text_is_only_text(backend: Backend, store: Store, q: str) -> None:
    save(store, full_result())
    before = all_counts(backend, store)
    for hits in (store.search_quotes(q), store.search_quotes(q, speaker=q),
                 store.search_quotes(q, speaker="zelensky"), store.search_documents(q),
                 store.search_documents(q, limit=5, offset=1)):
        assert isinstance(hits, list)
    assert store.search_quotes(q, speaker=q) == []
    assert all_counts(backend, store) == before
    assert [h["id"] for h in store.search_quotes("territory")] == ["doc-1:q1"]
    assert [h["id"] for h in store.search_documents("Istanbul")] == ["doc-1"]


def test_text_that_looks_like_sql_is_stored_and_found(store: Store) -> None:
    save(store, full_result())
    assert [h["id"] for h in store.search_quotes("DROP TABLE quotes")] == ["doc-1:q3"]
    assert store.search_quotes("DROP TABLE quotes")[0]["text"] == "; DROP TABLE quotes; -- NEAR( ? %s"


@pytest.mark.parametrize("q", ["", "   ", "ceasefire\x00; DROP TABLE quotes"])
def test_blank_or_nul_search_text(backend: Backend, q: str) -> None:
    store = backend.open()
    save(store, full_result())
    assert isinstance(store.search_quotes(q), list)
    assert isinstance(store.search_documents(q), list)
    assert store.counts()["quotes"] == 3


def test_store_is_a_context_manager(backend: Backend) -> None:
    with backend.open() as store:
        save(store, full_result())
    assert store.conn is None
    store.close()  # closing twice is harmless
    assert backend.open().counts()["documents"] == 1



def test_full_ingest_into_each_backend(backend: Backend, tmp_path: Path, pipeline) -> None:
    """The whole run (ingest, dedupe, extract, save) against each store: same counts, idempotent."""
    from parley.pipeline import run

    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "a.txt").write_text(
        "Kremlin answers\n\nKremlin spokesman Dmitry Peskov said on Monday that Moscow would not accept "
        "any ceasefire that allowed Ukraine to rearm. \u201cWe need guarantees,\u201d he said.", encoding="utf-8")
    (folder / "b.txt").write_text(
        "Kyiv sets terms\n\nForeign Minister Dmytro Kuleba said talks could resume only if Russian troops "
        "withdraw from all occupied territory, and urged partners to send more air defence.", encoding="utf-8")
    store = backend.open()
    first = run([str(folder)], store, pipeline, progress=False)
    counts = store.counts()
    again = run([str(folder)], store, pipeline, progress=False)
    assert first.stored == 2 and again.unchanged == 2 and again.stored == 0
    assert store.counts() == counts and counts["quotes"] >= 2 and counts["positions"] >= 1
    assert [q["text"] for q in store.search_quotes("guarantees")] == ["We need guarantees"]
